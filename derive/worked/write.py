"""Writing a worked example: one step of backpropagation with numbers, in the lecture's notation.

`write_example(net, bindings)` gives Markdown with `$$` blocks a lecturer can paste: the values, the
forward pass (z = sum of products = the sum with numbers = its value; a = the unit's function of the
number = its value), the loss, for every layer from the output down the chain-rule factors
dE/da, da/dz, dE/dz as numbers, every weight's and bias's gradient as the product of its factors,
and the update w = w - alpha dE/dw with numbers.  Every number is computed by derive at 60 digits
(bindings.Bindings.point, the oracle's derivatives) and printed to 9 decimal places (as the published example is) or to a number of significant digits;
every number an arithmetic member uses is printed on a line before it, so `derive check` on the
output allows for its rounding and passes.

Values come from a document's own bindings, from a TOML file (`[values]`, keys in the notation:
`x = [0.05, 0.10]`, `"W^{(2)}" = [[0.15, 0.25], [0.20, 0.30]]`, `"b^{(2)}" = 0.35`, `alpha = 0.5`),
or NAME=NUMBER pairs; later sources replace earlier ones.
"""
from __future__ import annotations

from pathlib import Path

import sympy as sp

from ..errors import DeriveError
from ..meaning.meaning import Meaning
from ..meaning.values import is_matrix
from ..model.network import Network, quantity_name
from ..notation.parse import parse
from .bindings import Binding, Bindings
from .intervals import rounded

SUPPORTED_ACTIVATIONS = ("sigmoid", "tanh", "identity")
SUPPORTED_LOSSES = ("half-sse", "sse", "mse")
LOSS_TEXT = {"half-sse": "E = 1/2 sum_i (t_i - a_i)^2", "sse": "E = sum_i (t_i - a_i)^2",
             "mse": "E = 1/n sum_i (t_i - a_i)^2"}


class ExampleError(DeriveError):
    """A worked example cannot be written (missing values, a family the writer does not know)."""


# -- values ---------------------------------------------------------------------------------------
def add_values(bound: Bindings, values: dict, origin: str) -> None:
    """Bind NAME -> number(s) (a TOML table or NAME=NUMBER options) in the notation."""
    net = bound.net
    meaning = Meaning(net)
    for name, value in values.items():
        if name in ("x", "t"):
            layer = 1 if name == "x" else net.L
            targets = [net["a" if name == "x" else "t", *((layer, i) if name == "x" else (i,))]
                       for i in net.units(layer)]
        else:
            try:
                pieces = parse(name, None)
                member = pieces[0].chains[0][0]
                target = meaning.member_value(member)
            except (DeriveError, IndexError):
                raise ExampleError(f"{origin}: {name!r} names no quantity of the network",
                                   expected="x_1, w_{11}^{(2)}, b^{(2)}, W^{(3)}, t_1^{(3)}, alpha") from None
            targets = list(target) if is_matrix(target) else [target]
            if is_matrix(target) and isinstance(value, list) and value and isinstance(value[0], list):
                value = [v for row in value for v in row]
        numbers = value if isinstance(value, list) else [value] * len(targets)
        if len(numbers) != len(targets):
            raise ExampleError(f"{origin}: {name} has {len(targets)} entries, but {len(numbers)} values are given")
        for symbol, number in zip(targets, numbers):
            if net.quantities.get(symbol, ("?",))[0] not in ("x", "w", "b", "t", "alpha"):
                raise ExampleError(f"{origin}: {name} is no input, weight, bias, target or learning rate")
            text = number if isinstance(number, str) else repr(number)
            try:
                exact = sp.Rational(text)
            except (TypeError, ValueError):
                raise ExampleError(f"{origin}: {name}: {number!r} is not a number", expected="0.05") from None
            bound.add(Binding(symbol, exact, text, 0, net.display.get(symbol, str(symbol))))


def read_values_file(path: Path) -> dict:
    """The values of a TOML file: its [values] table, or its top-level keys."""
    data = read_toml(path)
    values = data.get("values", data)
    if not isinstance(values, dict):
        raise ExampleError(f"{path}: [values] must be a table", file=str(path))
    return values


def read_toml(path: Path) -> dict:
    import tomllib
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ExampleError(f"cannot read the values: {e}", file=str(path)) from None


# -- writing ------------------------------------------------------------------------------------------
class Writer:
    def __init__(self, net: Network, bound: Bindings, places: int = 9, significant: int | None = None):
        self.net, self.bound, self.places, self.significant = net, bound, places, significant
        missing = [s for s in net.leaves if s not in bound.values]
        if missing:
            raise ExampleError("no values for " + ", ".join(net.display.get(s, str(s)) for s in missing),
                               expected="every input, weight, bias, target and the learning rate")
        if net.m != 1:
            raise ExampleError("worked examples are written for one example (no mini-batch)")
        if net.spec.no_bias:
            raise ExampleError("worked examples are written for networks with a bias per unit",
                               expected="a forward pass with b_j^{(l)} in every unit")
        for l in range(2, net.L + 1):
            if net.activation(l) not in SUPPORTED_ACTIVATIONS:
                raise ExampleError(f"the writer does not know the activation {net.activation(l)!r} (layer {l})",
                                   expected=", ".join(SUPPORTED_ACTIVATIONS))
        if net.spec.loss not in SUPPORTED_LOSSES:
            raise ExampleError(f"the writer does not know the loss {net.spec.loss!r}",
                               expected=", ".join(SUPPORTED_LOSSES))
        self.point = bound.point()
        self.lines: list[str] = []

    # names and numbers
    def a(self, l, j):
        return f"x_{j}" if l == 1 else quantity_name("a", j, layer=l)

    def value(self, symbol) -> str:
        b = self.bound.values.get(symbol)
        return b.text if b is not None else rounded(self.point[symbol], self.places, self.significant)

    def number(self, x) -> str:
        return rounded(sp.N(x, 60), self.places, self.significant)

    @staticmethod
    def factor(text: str) -> str:
        return f"({text})" if text.startswith("-") else text

    def block(self, *members: str) -> None:
        self.lines += ["$$", " = ".join(members), "$$", ""]

    def heading(self, text: str) -> None:
        self.lines += [text, ""]

    # sections
    def write(self) -> str:
        net = self.net
        self.heading("# One step of gradient descent, with numbers")
        sizes = "-".join(str(n) for n in net.spec.layers)
        units = ", ".join(dict.fromkeys(net.spec.activations))
        rounding = (f"{self.significant} significant digits" if self.significant
                    else f"{self.places} decimal places")
        self.lines += [f"A {sizes} network ({units} units), loss {LOSS_TEXT[net.spec.loss]}, learning rate "
                       f"alpha = {self.value(net.alpha)}. Every number below was computed by derive from the "
                       f"values and is rounded to {rounding}; each gradient is taken at the values before the "
                       "update.", ""]
        self.values()
        self.forward()
        self.loss()
        self.errors, self.grads = {}, {}
        for l in range(net.L, 1, -1):
            self.layer(l)
        self.update()
        return "\n".join(self.lines).rstrip() + "\n"

    def values(self):
        net = self.net
        self.heading("## The values")
        self.block_list([f"x_{i} = {self.value(net['x', i])}" for i in net.units(1)])
        for l in range(2, net.L + 1):
            W = net.matrix("W", l)
            rows = " \\\\ ".join(" & ".join(self.value(w) for w in W.row(r)) for r in range(W.rows))
            self.lines += ["$$", f"W^{{({l})}} = \\begin{{pmatrix}} {rows} \\end{{pmatrix}}", "$$", ""]
            self.block_list([f"{quantity_name('b', j, layer=l)} = {self.value(net['b', l, j])}" for j in net.units(l)])
        self.block_list([f"{quantity_name('t', i, layer=net.L)} = {self.value(net['t', i])}" for i in net.units(net.L)]
                        + [f"\\alpha = {self.value(net.alpha)}"])

    def block_list(self, items):
        self.lines += ["$$", ", \\quad ".join(items), "$$", ""]

    def forward(self):
        net = self.net
        self.heading("## The forward pass")
        for l in range(2, net.L + 1):
            for j in net.units(l):
                prev = list(net.units(l - 1))
                names = " + ".join(f"{quantity_name('w', j, i, layer=l)} {self.a(l - 1, i)}" for i in prev)
                nums = " + ".join(f"{self.value(net['w', l, j, i])} \\times {self.factor(self.value(net['a', l - 1, i]))}"
                                  for i in prev)
                z = quantity_name("z", j, layer=l)
                bias = quantity_name("b", j, layer=l)
                self.block(z, f"{names} + {bias}", f"{nums} + {self.factor(self.value(net['b', l, j]))}",
                           self.value(net["z", l, j]))
                zt = self.value(net["z", l, j])
                act, a = net.activation(l), self.a(l, j)
                if act == "sigmoid":
                    minus = zt[1:] if zt.startswith("-") else "-" + zt
                    self.block(a, f"\\frac{{1}}{{1 + e^{{-{z}}}}}", f"\\frac{{1}}{{1 + e^{{{minus}}}}}",
                               self.value(net["a", l, j]))
                elif act == "tanh":
                    self.block(a, f"\\tanh({z})", f"\\tanh({zt})", self.value(net["a", l, j]))
                else:
                    self.block(a, z, self.value(net["a", l, j]))

    def loss(self):
        net, L = self.net, self.net.L
        self.heading("## The loss")
        n = net.size(L)
        for i in net.units(L):
            t, a = quantity_name("t", i, layer=L), self.a(L, i)
            tv, av = self.value(net["t", i]), self.value(net["a", L, i])
            form = {"half-sse": ("\\frac{1}{2}", "\\frac{1}{2}"), "sse": ("", ""),
                    "mse": (f"\\frac{{1}}{{{n}}}", f"\\frac{{1}}{{{n}}}")}[net.spec.loss]
            self.block(f"E_{i}", f"{form[0]}({t} - {a})^2", f"{form[1]}({tv} - {av})^2",
                       self.value(net["E", i]))
        self.block("E", " + ".join(f"E_{i}" for i in net.units(L)),
                   " + ".join(self.factor(self.value(net["E", i])) for i in net.units(L)), self.value(net["E"]))

    def layer(self, l):
        net, L = self.net, self.net.L
        self.heading(f"## The {'output' if l == L else 'hidden'} layer {l}")
        for j in net.units(l):
            a, z = self.a(l, j), quantity_name("z", j, layer=l)
            av = self.value(net["a", l, j])
            dEa = f"\\frac{{\\partial E}}{{\\partial {a}}}"
            if l == L:
                t, tv = quantity_name("t", j, layer=L), self.value(net["t", j])
                n = net.size(L)
                scale = {"half-sse": ("", ""), "sse": ("2 ", "2 \\times "),
                         "mse": (f"\\frac{{2}}{{{n}}} ", f"\\frac{{2}}{{{n}}} \\times ")}[net.spec.loss]
                exact = {"half-sse": 1, "sse": 2, "mse": sp.Rational(2, n)}[net.spec.loss] * \
                    (self.point[net["a", L, j]] - self.point[net["t", j]])
                form = f"{scale[0]}({a} - {t})" if scale[0] else f"{a} - {t}"
                nums = f"{scale[1]}({av} - {tv})" if scale[1] else f"{av} - {tv}"
                self.block(dEa, form, nums, self.number(exact))
            else:
                terms, nums, exact = [], [], 0
                for k in net.units(l + 1):
                    zk = quantity_name("z", k, layer=l + 1)
                    terms.append(f"\\frac{{\\partial E}}{{\\partial {zk}}} \\times \\frac{{\\partial {zk}}}{{\\partial {a}}}")
                    nums.append(f"{self.factor(self.errors[l + 1, k][0])} \\times "
                                f"{self.factor(self.value(net['w', l + 1, k, j]))}")
                    exact += self.errors[l + 1, k][1] * self.point[net["w", l + 1, k, j]]
                self.block(dEa, " + ".join(terms), " + ".join(nums), self.number(exact))
            dEa_text = self.number(exact)
            act = net.activation(l)
            aa = self.point[net["a", l, j]]
            local = {"sigmoid": aa * (1 - aa), "tanh": 1 - aa ** 2, "identity": sp.Integer(1)}[act]
            dza = f"\\frac{{\\partial {a}}}{{\\partial {z}}}"
            if act == "sigmoid":
                self.block(dza, f"{a} (1 - {a})", f"{self.factor(av)} \\times (1 - {self.factor(av)})", self.number(local))
            elif act == "tanh":
                self.block(dza, f"1 - ({a})^2", f"1 - {self.factor(av)}^2", self.number(local))
            else:
                self.block(dza, "1")
            local_text = self.number(local)
            delta = exact * local
            self.errors[l, j] = (self.number(delta), delta)
            self.block(f"\\frac{{\\partial E}}{{\\partial {z}}}", f"{dEa} \\times {dza}",
                       f"{self.factor(dEa_text)} \\times {self.factor(local_text)}", self.number(delta))
            for i in net.units(l - 1):
                w = quantity_name("w", j, i, layer=l)
                prev = self.a(l - 1, i)
                g = delta * self.point[net["a", l - 1, i]]
                self.grads[net["w", l, j, i]] = g
                self.block(f"\\frac{{\\partial E}}{{\\partial {w}}}",
                           f"{dEa} \\times {dza} \\times \\frac{{\\partial {z}}}{{\\partial {w}}}",
                           f"{self.factor(dEa_text)} \\times {self.factor(local_text)} \\times "
                           f"{self.factor(self.value(net['a', l - 1, i]))}", self.number(g))
            b = quantity_name("b", j, layer=l)
            self.grads[net["b", l, j]] = delta
            self.block(f"\\frac{{\\partial E}}{{\\partial {b}}}", f"\\frac{{\\partial E}}{{\\partial {z}}} \\times "
                       f"\\frac{{\\partial {z}}}{{\\partial {b}}}", f"{self.factor(self.number(delta))} \\times 1",
                       self.number(delta))

    def update(self):
        net = self.net
        alpha = self.value(net.alpha)
        self.heading("## The update")
        for l in range(2, net.L + 1):
            for j in net.units(l):
                params = [(quantity_name("w", j, i, layer=l), net["w", l, j, i]) for i in net.units(l - 1)]
                params.append((quantity_name("b", j, layer=l), net["b", l, j]))
                for name, symbol in params:
                    g = self.grads[symbol]
                    new = self.point[symbol] - self.point[net.alpha] * g
                    self.block(name, f"{name} - \\alpha \\frac{{\\partial E}}{{\\partial {name}}}",
                               f"{self.value(symbol)} - {alpha} \\times {self.factor(self.number(g))}",
                               self.number(new))


def write_example(net: Network, bound: Bindings, places: int = 9, significant: int | None = None) -> str:
    """The worked example as Markdown (see the module docstring), every computed number rounded to
    `places` decimal places (at least 3 significant digits), or to `significant` digits."""
    return Writer(net, bound, places, significant).write()


__all__ = ["write_example", "add_values", "read_values_file", "ExampleError"]
