"""The value of a formula in a generic vector network (understand.generic): SymPy matrices over the
leaves, with φ and the loss as undefined functions.

- A name is the document's: a vector its forward pass defines (z, h, o), the input, `W^{(k)}`, the
  label, or a scalar it defines (L, J).  A vector is a column.
- `\\frac{\\partial X}{\\partial Y}` is taken through the network: Y is made free (every definition
  after it recomputed from it), X differentiated by SymPy, and Y's value put back.  For a scalar X
  it has Y's shape (the book's convention: the gradient with respect to W is shaped like W); for a
  vector X and a vector or matrix Y it is a `Jacobian`, whose layout no document states, so it is
  read only inside `\\textrm{prod}`.
- `\\textrm{prod}(A, B)` (d2l's operator: "the product after the transposes and swaps that make the
  shapes fit") is decided from its arguments: a scalar times anything; a gradient ∂S/∂U times a
  Jacobian ∂U/∂V, in either order, is the chain rule's sum over U's entries (∂S/∂V); two Jacobians
  whose inner shapes meet are their composition.  Anything else (two plain matrices, where which
  transposes the author meant is a guess) cannot be resolved: the claim is not checked.
- `φ(v)`, `φ'(v)` apply elementwise; `v \\odot u` (\\times, \\circ, \\cdot) is elementwise; juxtaposition
  and \\bullet are the matrix product (or a scalar's product).  Shapes that do not fit are a
  `Misfit`, which the decision reports as a refutation at the document's sizes.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .. import errors
from ..errors import MeaningError, ShapeError
from ..model.families import sigmoid
from ..model.generic import GenericNet
from ..notation import syntax as s
from ..understand.generic import GenericModel


HYPERPARAMETERS = ("lambda", "alpha", "beta", "gamma", "mu", "eta")     # a penalty's weight: a scalar leaf
MOST_TERMS = 999                    # terms of a written sum, summed one by one
INDEX = "__index__"                 # env key: the statement's index letters -> their values


class Misfit(ShapeError):
    """Shapes that do not fit at the network's sizes (a missing or extra transpose)."""


class Unresolved(errors.Unresolved):
    """Something derive cannot give a meaning here (an unresolvable prod, a Jacobian outside it, a
    name whose definition it cannot read): the claim is not checked, with the reason."""


@dataclass(frozen=True)
class Jacobian:
    """∂X/∂Y for X and Y not scalars: entries[u][v] = ∂X_u/∂Y_v (u, v flat indices)."""

    of: tuple
    wrt: tuple
    entries: tuple
    text: str

    def contract_left(self, g: sp.MatrixBase) -> sp.ImmutableMatrix:
        """sum_u g_u ∂X_u/∂Y (g shaped like X): shaped like Y."""
        flat = list(g)
        values = [sp.Add(*[flat[u] * self.entries[u][v] for u in range(len(flat))]) for v in range(len(self.entries[0]))]
        return sp.ImmutableMatrix(*self.wrt, values)

    def compose(self, inner: "Jacobian") -> "Jacobian":
        """(∂X/∂U)(∂U/∂Y) = ∂X/∂Y."""
        n_u = len(inner.entries)
        rows = tuple(tuple(sp.Add(*[self.entries[a][u] * inner.entries[u][v] for u in range(n_u)])
                           for v in range(len(inner.entries[0]))) for a in range(len(self.entries)))
        return Jacobian(self.of, inner.wrt, rows, f"{self.text} {inner.text}")


def _shape(v) -> tuple | None:
    return tuple(v.shape) if isinstance(v, sp.MatrixBase) else None


def _shown(v) -> str:
    shape = _shape(v)
    return "a scalar" if shape is None else f"{shape[0]}\u00d7{shape[1]}"


def _where(message: str, node: s.Node, kind=MeaningError, expected: str | None = None):
    err = kind(message, expected=expected)
    err.offset = node.start
    return err


class GenericValues:
    """Values of formulas in one generic network."""

    def __init__(self, model: GenericModel):
        self.model = model
        defined = {name for name, _, _ in model.definitions}
        hyper = sorted({n.name for _, expr, _ in model.definitions for n in s.walk(expr)
                        if isinstance(n, s.Sym) and n.name in HYPERPARAMETERS and n.name not in defined})
        self.net = GenericNet(dict(model.sizes), dict(model.weights), inputs=model.inputs, shift=model.shift,
                              label=model.label or "y", hyper=tuple(hyper))
        self.loss_functions = {name: sp.Function(name) for name in model.losses}
        self.arity = {self.loss_functions[n]: k for n, k in model.losses.items()}
        self.failed: dict = {}          # a definition that could not be read: name -> why
        self.forward = self._forward(None)
        for name, expr, _ in model.definitions:     # δ = ∂L/∂z: defined by a derivative, once the rest is
            if _derived(expr) and name not in self.forward and name not in self.net.values:
                try:
                    self.forward[name] = self.value(expr, self.forward)
                except (MeaningError, ShapeError) as e:
                    self.failed.setdefault(name, e.message)

    def indices(self, nodes, bound=frozenset()) -> dict:
        """The statement's index letters (z_j, W^{(2)}_{jk}) -> how far each runs: the length of what
        it indexes (the same for every use, or the statement is not checked)."""
        found: dict = {}
        for node in nodes:
            for n in s.walk(node):
                if isinstance(n, s.Sum):
                    bound = set(bound) | {n.var}
                if not isinstance(n, s.Sym) or not n.sub or not any(ch.isalpha() for ch in n.sub):
                    continue
                value = self.forward.get(self._name(n))
                if not isinstance(value, sp.MatrixBase):
                    continue
                letters = n.sub.replace(",", "")
                sizes = [value.shape[0]] if value.shape[1] == 1 else list(value.shape)
                for ch, size in zip(letters, sizes):
                    if ch.isalpha() and ch not in bound:     # the first use says how far it runs
                        found.setdefault(ch, size)
        return found

    def _Sum(self, node, env):
        """\\sum_{i=1}^{q} body, or \\sum_i body over the length of what i indexes in it."""
        lower = self._plain(self.value(node.lower, env), node) if node.lower is not None else 1
        if node.upper is not None:
            upper = self._plain(self.value(node.upper, env), node)
        else:
            upper = self.indices([node.body], bound=set(env.get(INDEX, {})) - {node.var}).get(node.var)
        if not (isinstance(lower, sp.Integer) or isinstance(lower, int)) or not isinstance(upper, (int, sp.Integer)):
            raise _where("a sum whose range derive cannot tell", node, Unresolved, "\\sum_{i=1}^{q} or \\sum_i")
        if int(upper) - int(lower) > MOST_TERMS:
            raise _where(f"a sum of {int(upper) - int(lower) + 1:,} terms", node, Unresolved,
                         f"at most {MOST_TERMS + 1:,} terms")
        terms = [self._plain(self.value(node.body, {**env, INDEX: {**env.get(INDEX, {}), node.var: k}}), node)
                 for k in range(int(lower), int(upper) + 1)]
        if not terms:
            return sp.S.Zero
        if len({_shape(v) for v in terms}) != 1:
            raise _where("a sum of terms of different shapes", node, Misfit)
        total = terms[0]
        for v in terms[1:]:
            total = total + v
        return total

    # -- the forward pass, perhaps cut at one quantity ------------------------------------------------
    def _forward(self, cut: str | None, free=None) -> dict:
        env = dict(self.net.values)
        if cut is not None:
            env[cut] = free
        for name, expr, _ in self.model.definitions:
            if name == cut or name in self.net.values or _derived(expr):
                continue
            try:
                env[name] = self.value(expr, env)
            except (MeaningError, ShapeError) as e:
                if cut is None:
                    self.failed.setdefault(name, e.message)
        return env

    def _free(self, name: str, value):
        if isinstance(value, sp.MatrixBase):
            return sp.ImmutableMatrix(*value.shape, [sp.Dummy(f"{name}{k}") for k in range(len(value))])
        return sp.Dummy(name)

    # -- values ------------------------------------------------------------------------------------------
    def value(self, node: s.Node, env: dict | None = None, index: dict | None = None):
        env = self.forward if env is None else env
        if index:
            env = {**env, INDEX: index}
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise _where(f"derive cannot read {type(node).__name__.lower()} in a generic network", node, Unresolved)
        return method(node, env)

    def _Num(self, node, env):
        return sp.Rational(node.text)

    def _name(self, node) -> str:
        if node.name == "W" and node.layer is not None:
            return f"W^{{({node.layer})}}"
        if node.layer or node.example or node.mark:
            raise _where(f"{node.name} with a layer or a mark: derive reads this network's names as written", node,
                         Unresolved, "the document's own names, as in z, h, o, W^{(1)}, z_j")
        return node.name

    def entry(self, node, env, value):
        """z_j, z_2, W^{(2)}_{ij}: the entry of a vector or matrix the subscript names (a letter is
        bound by the statement's indices, see `indices`)."""
        if not node.sub:
            return value
        if not isinstance(value, sp.MatrixBase):
            raise _where(f"{node.name}_{node.sub}: {node.name} is a scalar", node, Unresolved)
        bound = env.get(INDEX, {})
        places = [int(ch) if ch.isdigit() else bound.get(ch) for ch in node.sub.replace(",", "")]
        vector = value.shape[1] == 1
        if None in places or len(places) != (1 if vector else 2):
            raise _where(f"the index {node.sub} of {node.name}", node, Unresolved,
                         "one index of a vector (z_j, z_2), two of a matrix (W_{ij})")
        i, j = (places[0], 1) if vector else places
        if not (1 <= i <= value.shape[0] and 1 <= j <= value.shape[1]):
            raise _where(f"{node.name}_{node.sub}: no such entry in a {_shown(value)} {node.name}", node, Misfit)
        return value[i - 1, j - 1]

    def _Sym(self, node, env):
        name = self._name(node)
        if name in env:
            return self.entry(node, env, env[name])
        if name in self.failed:
            raise _where(f"{name} is defined by a formula derive cannot read: {self.failed[name]}", node, Unresolved)
        raise _where(f"unknown name {name}", node, Unresolved,
                     ", ".join(k for k in env if k != "y" and not k.startswith("__")) + ", " + (self.model.label or "y"))

    def _Neg(self, node, env):
        return -self._plain(self.value(node.operand, env), node)

    def _Transpose(self, node, env):
        v = self._plain(self.value(node.operand, env), node)
        return v.T if isinstance(v, sp.MatrixBase) else v

    def _Frac(self, node, env):
        num, den = self.value(node.num, env), self.value(node.den, env)
        if _shape(den) is not None:
            raise _where("a fraction with a matrix below", node, Misfit)
        return self._plain(num, node) / den

    def _Power(self, node, env):
        base, exponent = self._plain(self.value(node.base, env), node), self.value(node.exponent, env)
        if _shape(base) is not None or _shape(exponent) is not None:
            raise _where(f"a power of {_shown(base)}", node, Misfit)
        return base ** exponent

    def _Norm(self, node, env):
        v = self._plain(self.value(node.operand, env), node)
        return sp.sqrt(sp.Add(*[e ** 2 for e in v])) if isinstance(v, sp.MatrixBase) else sp.Abs(v)

    def _Call(self, node, env):
        v = self._plain(self.value(node.arg, env), node)
        phi = self.net.phi
        xi = sp.Dummy("xi")
        funcs = {"activation": phi, "activation_prime": lambda u: sp.Subs(sp.Derivative(phi(xi), xi), xi, u),
                 "sigmoid": sigmoid, "exp": sp.exp, "log": sp.log, "tanh": sp.tanh,
                 "sigmoid_prime": lambda u: sigmoid(u) * (1 - sigmoid(u)), "tanh_prime": lambda u: 1 - sp.tanh(u) ** 2}
        f = funcs.get(node.func)
        if f is None:
            raise _where(f"{node.func} in a generic network", node, Unresolved)
        return v.applyfunc(f) if isinstance(v, sp.MatrixBase) else f(v)

    def _Apply(self, node, env):
        if node.func == "prod":
            return prod(node, [self.value(a, env) for a in node.args])
        f = self.loss_functions.get(node.func)
        if f is None:
            raise _where(f"{node.func}(..., ...) is no function this document defines", node, Unresolved,
                         ", ".join(self.loss_functions) or "the loss l(o, y)")
        args = []
        for a in node.args:
            v = self._plain(self.value(a, env), node)
            args.extend(list(v) if isinstance(v, sp.MatrixBase) else [v])
        if len(args) != self.arity[f]:
            raise _where(f"{node.func} takes {self.arity[f]} numbers here, not {len(args)}", node, Misfit)
        return f(*args)

    def _BinOp(self, node, env):
        left, right = self.value(node.left, env), self.value(node.right, env)
        left, right = self._plain(left, node.left), self._plain(right, node.right)
        ls, rs = _shape(left), _shape(right)
        if node.op in "+-":
            if (ls is None) != (rs is None):        # 1 - φ(z): a scalar added to every entry
                left, right = (left * sp.ones(*rs) if ls is None else left), (right * sp.ones(*ls) if rs is None else right)
                ls = rs = _shape(left)
            if ls != rs:
                raise _where(f"{'sum' if node.op == '+' else 'difference'} of {_shown(left)} and {_shown(right)}",
                             node, Misfit)
            return left + right if node.op == "+" else left - right
        if node.op == "/":
            if rs is not None:
                raise _where("division by a matrix", node, Misfit)
            return left / right
        if ls is None or rs is None:
            return left * right
        if node.op == "times":
            if ls != rs:
                raise _where(f"elementwise product of {_shown(left)} and {_shown(right)}", node, Misfit)
            return sp.ImmutableMatrix(left.multiply_elementwise(right))
        if ls[1] != rs[0]:
            raise _where(f"matrix product of {_shown(left)} and {_shown(right)}: the shapes do not fit", node, Misfit)
        return sp.ImmutableMatrix(left * right)

    def _plain(self, v, node):
        if isinstance(v, Jacobian):
            raise _where(f"the Jacobian {v.text} outside \\textrm{{prod}}: as a matrix its layout is a convention "
                         "the document does not state", node, Unresolved, "\\textrm{prod}(\\frac{\\partial J}"
                         "{\\partial \\mathbf{o}}, \\frac{\\partial \\mathbf{o}}{\\partial \\mathbf{h}})")
        return v

    # -- derivatives ---------------------------------------------------------------------------------------
    def _Derivative(self, node, env):
        if not isinstance(node.of, s.Sym) or not isinstance(node.wrt, s.Sym):
            raise _where("a derivative of something that is not a named quantity", node, Unresolved)
        of, wrt = self._name(node.of), self._name(node.wrt)
        for part in (node.of, node.wrt):
            self._Sym(part, {**self.forward, INDEX: env.get(INDEX, {})})
        at = self.forward[wrt]
        if wrt in self.net.values:                  # a leaf: its own symbols
            whole, cut, back = at, self.forward, {}
        else:
            whole = self._free(wrt, at)
            cut = self._forward(wrt, whole)
            back = dict(zip(_flat(whole), _flat(at)))
        if of not in cut:
            raise _where(f"a derivative of {of}, which is itself defined by a derivative", node, Unresolved,
                         "a derivative of a quantity of the forward pass")
        x = self.entry(node.of, env, cut[of])
        free = self.entry(node.wrt, env, whole)     # ∂L/∂z_j: by one entry
        frees = _flat(free)

        def d(e, v):
            out = sp.diff(e, v)
            return out.subs(back, simultaneous=True) if back and out.free_symbols & set(back) else out
        if not isinstance(x, sp.MatrixBase):
            if isinstance(free, sp.MatrixBase):
                return sp.ImmutableMatrix(*free.shape, [d(x, v) for v in frees])
            return d(x, free)
        if not isinstance(free, sp.MatrixBase):
            return sp.ImmutableMatrix(*x.shape, [d(e, free) for e in x])
        entries = tuple(tuple(d(e, v) for v in frees) for e in x)
        return Jacobian(tuple(x.shape), tuple(free.shape), entries, f"\u2202{of}/\u2202{wrt}")


def _derived(expr) -> bool:
    """Is a definition's expression a derivative's (δ = ∂L/∂z), to be read after the forward pass?"""
    return any(isinstance(n, (s.Derivative, s.Gradient)) for n in s.walk(expr))


def _flat(v) -> list:
    return list(v) if isinstance(v, sp.MatrixBase) else [v]


def _describe(v) -> str:
    if isinstance(v, Jacobian):
        return f"the Jacobian {v.text}"
    return _shown(v)


def prod(node, args):
    """\\textrm{prod}(A, B) decided from its arguments (see the module's docstring)."""
    a, b = args
    if isinstance(a, Jacobian) and isinstance(b, Jacobian):
        fits = [(x, y) for x, y in ((a, b), (b, a)) if x.wrt == y.of]
        if len(fits) == 1:
            return fits[0][0].compose(fits[0][1])
    elif isinstance(a, Jacobian) or isinstance(b, Jacobian):
        jac, other = (a, b) if isinstance(a, Jacobian) else (b, a)
        if _shape(other) is None:
            raise _where("\\textrm{prod} of a scalar and a Jacobian", node, Unresolved)
        if _shape(other) == jac.of:
            return jac.contract_left(other)
    elif _shape(a) is None or _shape(b) is None:
        return a * b
    raise _where(f"derive cannot tell which product \\textrm{{prod}} of {_describe(a)} and {_describe(b)} "
                 "means (which transposes and which order)", node, Unresolved,
                 "prod of a scalar and anything, or of a gradient ∂S/∂U and a Jacobian ∂U/∂V")
