"""The network as SymPy expressions, in the lecture's convention.

A `Spec` says how many units each layer has, the activation, the loss and how W is laid out; a
`Network` builds from it every named quantity of the lecture:

    x_i = a_i^{(1)}                     inputs (layer 1)
    z_j^{(l)} = sum_i a_i^{(l-1)} w_{ji}^{(l)} + b_j^{(l)}
    a_j^{(l)} = sigmoid(z_j^{(l)})      l = 2..L
    E_i = 1/2 (t_i^{(L)} - a_i^{(L)})^2,   E = sum_i E_i

and the matrices A^{(l)} (alias A1, A2, ...), Z^{(l)}, W^{(l)} (alias W2, W3, ...), b^{(l)}, T, all
row vectors as in Z^{(l)} = A^{(l-1)} . W^{(l)} + b^{(l)}; in the lecture's layout
W^{(l)}[i][j] = w_{ji}^{(l)} (row = source unit, column = target unit).

Each unit's output a_j^{(l)} (l >= 2) has a symbol of its own: the *node value*.  Everything the
decision procedure compares is a polynomial in the leaves (x, w, b, t, alpha) and the node values;
`definition` gives each node's defining expression in those terms, and `compose` gives any
quantity as a function of the leaves alone (sigmoid applied to sums), which the oracle
differentiates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from .errors import ModelError
from .printing import DISPLAY


class sigmoid(sp.Function):
    """The logistic function; its local derivative is sigmoid(u) (1 - sigmoid(u))."""

    @classmethod
    def eval(cls, arg):
        if arg is sp.S.Zero:            # structural only: assumption queries on big args are slow
            return sp.S.Half

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))


LOSSES = {
    "half-sse": "E = 1/2 sum_i (t_i - a_i)^2",
    "sse": "E = sum_i (t_i - a_i)^2",
    "mse": "E = 1/n sum_i (t_i - a_i)^2",
}
LAYOUTS = {
    "source-major": "W^{(l)}[i][j] = w_{ji}^{(l)} (row = source unit i, column = target unit j)",
    "target-major": "W^{(l)}[j][i] = w_{ji}^{(l)} (row = target unit j, column = source unit i)",
}
ACTIVATIONS = ("sigmoid",)


@dataclass(frozen=True)
class Spec:
    """What network a lecture is about."""

    layers: tuple[int, ...] = (2, 2, 2)
    activation: str = "sigmoid"
    loss: str = "half-sse"
    layout: str = "source-major"

    def __post_init__(self):
        if len(self.layers) < 2 or any(not isinstance(n, int) or n < 1 for n in self.layers):
            raise ModelError(f"layers must be at least two positive unit counts, got {list(self.layers)}")
        if self.activation not in ACTIVATIONS:
            raise ModelError(f"unknown activation {self.activation!r}", expected=" or ".join(ACTIVATIONS))
        if self.loss not in LOSSES:
            raise ModelError(f"unknown loss {self.loss!r}", expected=", ".join(LOSSES))
        if self.layout not in LAYOUTS:
            raise ModelError(f"unknown W layout {self.layout!r}", expected=", ".join(LAYOUTS))

    @classmethod
    def from_mapping(cls, data: dict) -> "Spec":
        known = {"layers", "activation", "loss", "layout"}
        unknown = set(data) - known
        if unknown:
            raise ModelError(f"unknown model setting(s) {sorted(unknown)}", expected=", ".join(sorted(known)))
        layers = data.get("layers", cls.layers)
        if not isinstance(layers, (list, tuple)):
            raise ModelError("layers must be a list of unit counts, e.g. [2, 2, 2]")
        return cls(layers=tuple(layers), activation=data.get("activation", cls.activation),
                   loss=data.get("loss", cls.loss), layout=data.get("layout", cls.layout))

    def describe(self) -> str:
        sizes = "-".join(str(n) for n in self.layers)
        return (f"{sizes} {self.activation} network, {LOSSES[self.loss]}, row vectors "
                f"Z = A.W + b, {LAYOUTS[self.layout]}")


def index_text(*indices: int) -> str:
    """How the lecture writes a subscript: `1`, `{11}`, or `{10,2}` when an index has two digits."""
    if len(indices) == 1 and indices[0] < 10:
        return str(indices[0])
    if all(i < 10 for i in indices):
        return "{" + "".join(str(i) for i in indices) + "}"
    return "{" + ",".join(str(i) for i in indices) + "}"


def quantity_name(kind: str, *index: int, layer: int | None = None) -> str:
    """The LaTeX name of a quantity: quantity_name('w', 1, 2, layer=3) == 'w_{12}^{(3)}'."""
    name = kind if not index else f"{kind}_{index_text(*index)}"
    return name if layer is None else f"{name}^{{({layer})}}"


def identifier(key: tuple) -> str:
    """A Python-identifier name for a quantity: ('w', 3, 1, 2) -> 'w3_1_2' (lambdify uses them as is)."""
    kind, *index = key
    if not index:
        return kind
    if kind in ("x", "t", "E"):
        return f"{kind}_{index[0]}"
    return f"{kind}{index[0]}_" + "_".join(str(i) for i in index[1:])


@dataclass
class Network:
    """Every named quantity of the lecture's network, as SymPy symbols and expressions."""

    spec: Spec = field(default_factory=Spec)

    def __post_init__(self):
        self.L = len(self.spec.layers)
        self.symbols: dict[tuple, sp.Symbol] = {}
        self.quantities: dict[sp.Symbol, tuple] = {}
        self._depends: dict[tuple, bool] = {}
        self.alpha = self._symbol(("alpha",), r"\alpha")
        for i in self.units(1):
            self._symbol(("x", i), quantity_name("x", i))
        for i in self.units(self.L):
            self._symbol(("t", i), quantity_name("t", i, layer=self.L))
        for l in range(2, self.L + 1):
            for j in self.units(l):
                for i in self.units(l - 1):
                    self._symbol(("w", l, j, i), quantity_name("w", j, i, layer=l))
                self._symbol(("b", l, j), quantity_name("b", j, layer=l))
                self._symbol(("z", l, j), quantity_name("z", j, layer=l))
                self._symbol(("a", l, j), quantity_name("a", j, layer=l))
        for i in self.units(self.L):
            self._symbol(("E", i), quantity_name("E", i))
        self._symbol(("E",), "E")

    # -- naming -------------------------------------------------------------------------------
    def _symbol(self, key: tuple, name: str) -> sp.Symbol:
        # targets are printed with the output layer (t_1^{(3)}): networks of other depths get their own
        s = sp.Symbol(identifier(key) + (f"_L{self.L}" if key[0] == "t" else ""))
        DISPLAY[s] = name
        self.symbols[key] = s
        self.quantities[s] = key
        return s

    def units(self, layer: int) -> range:
        return range(1, self.spec.layers[layer - 1] + 1)

    def size(self, layer: int) -> int:
        return self.spec.layers[layer - 1]

    def has(self, key: tuple) -> bool:
        return key in self.symbols or (key[0] == "a" and key[1] == 1 and ("x", key[2]) in self.symbols)

    def __getitem__(self, key: tuple) -> sp.Symbol:
        """The symbol of a quantity; a_i^{(1)} is x_i."""
        if isinstance(key, str):
            key = (key,)
        if key[0] == "a" and key[1] == 1:
            key = ("x", key[2])
        return self.symbols[key]

    @cached_property
    def leaves(self) -> tuple[sp.Symbol, ...]:
        """Independent variables: inputs, weights, biases, targets, and the learning rate."""
        return tuple(s for k, s in self.symbols.items() if k[0] in ("x", "w", "b", "t", "alpha"))

    @cached_property
    def node_values(self) -> tuple[sp.Symbol, ...]:
        """The symbols a_j^{(l)}, l >= 2, standing for sigmoid(z_j^{(l)})."""
        return tuple(s for k, s in self.symbols.items() if k[0] == "a")

    @cached_property
    def biases(self) -> dict[sp.Symbol, tuple]:
        return {s: k for k, s in self.symbols.items() if k[0] == "b"}

    # -- definitions in node values -------------------------------------------------------------
    def definition(self, key: tuple) -> sp.Expr:
        """A quantity's defining expression in leaves and node values (z, E_i and E only)."""
        kind = key[0]
        if kind == "z":
            _, l, j = key
            return sp.Add(*[self["a", l - 1, i] * self["w", l, j, i] for i in self.units(l - 1)],
                          self["b", l, j])
        if kind == "E" and len(key) == 2:
            return self.loss_term(self["t", key[1]], self["a", self.L, key[1]])
        if kind == "E":
            return sp.Add(*[self.definition(("E", i)) for i in self.units(self.L)])
        raise KeyError(key)

    def loss_term(self, t: sp.Expr, a: sp.Expr) -> sp.Expr:
        factor = {"half-sse": sp.Rational(1, 2), "sse": sp.Integer(1),
                  "mse": sp.Rational(1, self.size(self.L))}[self.spec.loss]
        return factor * (t - a) ** 2

    @cached_property
    def z_definitions(self) -> dict[sp.Symbol, sp.Expr]:
        return {self["z", l, j]: sp.expand(self.definition(("z", l, j)))
                for l in range(2, self.L + 1) for j in self.units(l)}

    @cached_property
    def unit_of_bias(self) -> dict[sp.Symbol, tuple[sp.Symbol, sp.Expr]]:
        """b_j^{(l)} -> (a_j^{(l)}, z_j^{(l)} expanded): each bias feeds exactly one unit."""
        return {self["b", l, j]: (self["a", l, j], self.z_definitions[self["z", l, j]])
                for l in range(2, self.L + 1) for j in self.units(l)}

    @cached_property
    def expansions(self) -> dict[sp.Symbol, sp.Expr]:
        """What to put for z, E_i, E to reach leaves and node values."""
        out = dict(self.z_definitions)
        for i in self.units(self.L):
            out[self["E", i]] = self.definition(("E", i))
        out[self["E"]] = self.definition(("E",))
        return out

    # -- composition down to leaves (what the oracle differentiates) -----------------------------
    def compose(self, key: tuple, cut: tuple | None = None, _memo: dict | None = None) -> sp.Expr:
        """The quantity as a function of the leaves, keeping `cut` (a quantity) as a free symbol."""
        memo = {} if _memo is None else _memo
        if key[0] == "a" and key[1] == 1:
            key = ("x", key[2])
        if key in memo:
            return memo[key]
        kind = key[0]
        if key == cut or kind in ("x", "w", "b", "t", "alpha") or (cut and not self.depends(key, cut)):
            out = self.symbols[key]
        elif kind == "a":
            out = sigmoid(self.compose(("z",) + key[1:], cut, memo))
        elif kind == "z":
            _, l, j = key
            out = sp.Add(*[self.compose(("a", l - 1, i), cut, memo) * self["w", l, j, i]
                           for i in self.units(l - 1)], self["b", l, j])
        elif kind == "E" and len(key) == 2:
            out = self.loss_term(self["t", key[1]], self.compose(("a", self.L, key[1]), cut, memo))
        elif kind == "E":
            out = sp.Add(*[self.compose(("E", i), cut, memo) for i in self.units(self.L)])
        else:
            raise KeyError(key)
        memo[key] = out
        return out

    def depends(self, key: tuple, cut: tuple) -> bool:
        """Does quantity `key` change when `cut` does (is cut upstream of it)?"""
        memo = self._depends
        if (key, cut) in memo:
            return memo[key, cut]
        if key[0] == "a" and key[1] == 1:
            key = ("x", key[2])
        kind = key[0]
        if key == cut:
            out = True
        elif kind == "a":
            out = self.depends(("z",) + key[1:], cut)
        elif kind == "z":
            _, l, j = key
            out = cut == ("b", l, j) or any(cut == ("w", l, j, i) or self.depends(("a", l - 1, i), cut)
                                            for i in self.units(l - 1))
        elif kind == "E" and len(key) == 2:
            out = cut == ("t", key[1]) or self.depends(("a", self.L, key[1]), cut)
        elif kind == "E":
            out = any(self.depends(("E", i), cut) for i in self.units(self.L))
        else:
            out = False
        memo[key, cut] = out
        return out

    def node_map(self, cut: tuple | None, memo: dict) -> dict[sp.Expr, sp.Symbol]:
        """sigmoid(composed z_j^{(l)}) -> a_j^{(l)}, for putting composed results back into node values."""
        out = {}
        for l in range(2, self.L + 1):
            for j in self.units(l):
                if ("a", l, j) == cut or (cut and not self.depends(("a", l, j), cut)):
                    continue
                out[sigmoid(self.compose(("z", l, j), cut, memo))] = self["a", l, j]
        return out

    # -- matrices ---------------------------------------------------------------------------------
    def matrix(self, kind: str, layer: int | None = None) -> sp.ImmutableMatrix:
        """A^{(l)}, Z^{(l)}, b^{(l)} (1 x n_l rows), W^{(l)} (in the spec's layout), T (1 x n_L)."""
        if kind == "T":
            return sp.ImmutableMatrix([[self["t", i] for i in self.units(self.L)]])
        if kind in ("A", "Z", "b"):
            key = {"A": "a", "Z": "z", "b": "b"}[kind]
            return sp.ImmutableMatrix([[self[key, layer, j] for j in self.units(layer)]])
        if kind == "W":
            rows = [[self["w", layer, j, i] for j in self.units(layer)] for i in self.units(layer - 1)]
            m = sp.ImmutableMatrix(rows)
            return m if self.spec.layout == "source-major" else m.T
        raise KeyError(kind)

    def __repr__(self) -> str:
        return f"Network({self.spec.describe()})"
