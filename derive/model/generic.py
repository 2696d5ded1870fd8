"""A network written with vectors and left generic: an undefined activation φ and an undefined loss l.

The book chapter's network (d2l.ai, "Forward Propagation, Backward Propagation, and Computational
Graphs") is

    z = W^{(1)} x,   h = φ(z),   o = W^{(2)} h,   L = l(o, y)

with no biases, column vectors, φ applied elementwise and l any loss of the outputs and the label.
A derivation written for every φ and every l is checked for every φ and l: φ and l are SymPy
undefined functions, the oracle is SymPy's `diff` of the composed loss (which differentiates
through them: φ'(u) is `Subs(Derivative(φ(ξ), ξ), ξ, u)`, ∂l/∂o_i a `Subs` of l's partial), and

- the zero test (`atoms`) writes every application of an undefined function (φ(z_j), φ'(z_j),
  l(o, y), ∂l/∂o_i, ...) as a free symbol, one per distinct application (its arguments expanded).
  A difference that is 0 as a rational function of the leaves and these symbols is 0 whatever
  values they take, so whatever φ and l are: a proof.  Nothing else proves.
- the numbers (`concrete`) put concrete smooth functions in place of φ and l (`CHOICES`: tanh,
  softplus, sin(u) + u^2/4 for φ; a squared error, a log-sum-exp and a sinusoidal loss for l), at
  seeded rational points: the second opinion, and the 50-digit confirmation of a counterexample.
  A claim true only for one φ (φ' = φ(1 - φ), the sigmoid's) differs for another: refuted, with
  the φ and l of the counterexample named.

`GenericNet` holds the sizes, the leaves (x, W^{(k)}, the label) and the undefined functions; the
forward pass itself is the document's (understand.generic reads it, decide.generic evaluates it).
"""
from __future__ import annotations

import random

import mpmath
from dataclasses import dataclass, field

import sympy as sp
from sympy.core.function import AppliedUndef

from .families import sigmoid

U = sp.Symbol("u")


@dataclass(frozen=True)
class Choice:
    """Concrete functions put in place of φ and l for the numbers; `text` says which, for a report."""

    phi: sp.Lambda
    loss: object                # (outputs: list, label) -> SymPy expression
    phi_text: str
    loss_text: str

    @property
    def text(self) -> str:
        return f"φ(u) = {self.phi_text}, l(o, y) = {self.loss_text}"

    @property
    def point(self) -> dict:
        """The functions of a counterexample, as entries of its point."""
        return {"\\phi(u)": self.phi_text, "l(o, y)": self.loss_text}


def _squared(o, y):
    return sp.Rational(1, 2) * sp.Add(*[(oi - y) ** 2 for oi in o])


def _log_sum_exp(o, y):
    return sp.log(sp.Add(*[sp.exp(oi) for oi in o])) - y * o[0]


def _waves(o, y):
    return sp.Add(*[sp.sin((k + 1) * oi + y) for k, oi in enumerate(o)]) + o[0] ** 2 * o[-1] / 3


CHOICES = (
    Choice(sp.Lambda(U, sp.tanh(U)), _squared, "tanh(u)", "½ Σ_i (o_i - y)²"),
    Choice(sp.Lambda(U, sp.log(1 + sp.exp(U))), _log_sum_exp, "log(1 + e^u)", "log Σ_i e^{o_i} - y o_1"),
    Choice(sp.Lambda(U, sp.sin(U) + U ** 2 / 4), _waves, "sin(u) + u²/4", "Σ_i sin(i o_i + y) + o_1² o_q / 3"),
)


@dataclass
class GenericNet:
    """The leaves and undefined functions of a vector network with a generic φ and l.

    `sizes` maps each vector's name to its length; `weights` maps a weight matrix's layer (as the
    document numbers it) to (rows, columns); `display` gives each leaf symbol its LaTeX name."""

    sizes: dict
    weights: dict
    inputs: str = "x"
    label: str = "y"
    label_size: int = 1
    hyper: tuple = ()                   # hyperparameters the definitions use (λ): scalar leaves
    phi: object = field(default_factory=lambda: sp.Function("phi"))
    display: dict = field(default_factory=dict)
    shift: int = 0                      # derive's layer number - the document's: names as written

    def __post_init__(self):
        self.leaves: list[sp.Symbol] = []
        self.values: dict[str, object] = {}
        n = self.sizes[self.inputs]
        self.values[self.inputs] = self._vector(self.inputs, n)
        for layer, (rows, cols) in sorted(self.weights.items(), key=lambda kv: str(kv[0])):
            name = f"W^{{({layer})}}"
            m = sp.Matrix(rows, cols, lambda i, j: self._leaf(f"W{layer}_{i + 1}{j + 1}",
                                                                 f"w_{{{i + 1}{j + 1}}}^{{({self._written(layer)})}}"))
            self.values[name] = sp.ImmutableMatrix(m)
        self.values[self.label] = (self._leaf(self.label, self.label) if self.label_size == 1
                                   else self._vector(self.label, self.label_size))
        for name in self.hyper:
            self.values[name] = self._leaf(name, "\\" + name)

    def _written(self, layer):
        return int(layer) - self.shift if self.shift and str(layer).isdigit() else layer

    def _leaf(self, name: str, latex: str) -> sp.Symbol:
        s = sp.Symbol(name, real=True)
        self.leaves.append(s)
        self.display[s] = latex
        return s

    def _vector(self, name: str, n: int) -> sp.ImmutableMatrix:
        return sp.ImmutableMatrix([[self._leaf(f"{name}_{i + 1}", f"{name}_{i + 1}")] for i in range(n)])

    def loss_function(self, name: str):
        return sp.Function(name)

    def describe(self, activation: str, loss: str) -> str:
        sizes = ", ".join(f"{k} = {v}" for k, v in self.sizes.items())
        return (f"column vectors, no biases, a generic activation {activation} and a generic loss {loss} "
                f"(undefined functions: a proof holds for every one), at the sizes {sizes}")


# -- the zero test: each application of an undefined function a free symbol ----------------------------
class Atoms:
    """Applications of undefined functions -> free symbols, one per distinct application."""

    def __init__(self):
        self.symbols: dict = {}
        self.opaque = False

    def symbol(self, key) -> sp.Symbol:
        if key not in self.symbols:
            self.symbols[key] = sp.Symbol(f"_g{len(self.symbols)}")
        return self.symbols[key]

    def __call__(self, e):
        if isinstance(e, sp.MatrixBase):
            return e.applyfunc(self)
        return self._atomize(sp.sympify(e), {})

    def _atomize(self, e, memo):
        if e in memo:
            return memo[e]
        if e.is_Atom:
            out = e
        elif isinstance(e, sp.Subs):
            out = self._subs(e, memo)
        elif isinstance(e, sp.Derivative):
            out = self._derivative(e.expr, e.variable_count, {}, memo)
        elif isinstance(e, AppliedUndef):
            args = tuple(sp.expand(self._atomize(a, memo)) for a in e.args)
            out = self.symbol((e.func, (), args))
        elif isinstance(e, sigmoid):
            out = self.symbol((sigmoid, (), (sp.expand(self._atomize(e.args[0], memo)),)))
        else:
            out = e.func(*[self._atomize(a, memo) for a in e.args])
        memo[e] = out
        return out

    def _subs(self, e, memo):
        inner, variables, points = e.args
        at = dict(zip(variables, points))
        if isinstance(inner, sp.Derivative):
            return self._derivative(inner.expr, inner.variable_count, at, memo)
        return self._atomize(inner.xreplace(at), memo)

    def _derivative(self, f, counts, at, memo):
        """A partial of an undefined function f(a_1, ..., a_n) in some of its arguments (each a bare
        variable), at the point `at`: keyed by the function, which arguments, and where."""
        if not isinstance(f, AppliedUndef):
            self.opaque = True
            return self.symbol(("opaque", sp.srepr(f), tuple(counts), tuple(sorted(at.items(), key=str))))
        which = []
        for var, n in counts:
            places = [k for k, a in enumerate(f.args) if a == var]
            if len(places) != 1 or any(var in a.free_symbols for k, a in enumerate(f.args) if k != places[0]):
                self.opaque = True
                return self.symbol(("opaque", sp.srepr(f), tuple(counts), tuple(sorted(at.items(), key=str))))
            which.extend([places[0]] * int(n))
        args = tuple(sp.expand(self._atomize(a.xreplace(at), memo)) for a in f.args)
        return self.symbol((f.func, tuple(sorted(which)), args))


def is_zero(difference) -> bool:
    """Is the difference (atoms free) 0 as a rational function?"""
    together = sp.together(sp.expand(difference))
    numerator, _ = sp.fraction(together)
    return sp.expand(numerator) == 0


# -- numbers -----------------------------------------------------------------------------------------------
def concrete(e, phi, losses: dict, choice: Choice):
    """e with φ and each loss function (name -> number of arguments: the outputs, then the label)
    replaced by the choice's concrete functions, their derivatives done."""
    out = e.replace(phi, choice.phi) if e.has(phi) else e
    for f, arity in losses.items():
        if out.has(f):
            vs = tuple(sp.Dummy(f"v{k}") for k in range(arity))
            out = out.replace(f, sp.Lambda(vs, choice.loss(list(vs[:-1]), vs[-1])))
    return out.doit() if out.has(sp.Derivative, sp.Subs) else out


def points(leaves, count: int, seed: int = 20261205) -> list[dict]:
    """Seeded rational points: each leaf a two-decimal number in [-1, 1] (never 0)."""
    rng = random.Random(seed)
    values = [k for k in range(-100, 101) if k]
    return [{s: sp.Rational(rng.choice(values), 100) for s in leaves} for _ in range(count)]


class Numbers:
    """Values of expressions over undefined functions at a point, with a choice's concrete functions
    (and their derivatives, by SymPy's diff of the concrete rule) in their place, in mpmath at
    `digits` digits: the expression's own tree is walked, nothing of the zero test is used."""

    ELEMENTARY = {sp.exp: mpmath.exp, sp.log: mpmath.log, sp.tanh: mpmath.tanh, sp.sin: mpmath.sin,
                  sp.cos: mpmath.cos, sigmoid: lambda u: 1 / (1 + mpmath.exp(-u)), sp.Abs: abs}

    def __init__(self, phi, losses: dict, choice: Choice, digits: int = 50):
        self.phi, self.losses, self.choice, self.digits = phi, losses, choice, digits
        self._rules: dict = {}

    def rule(self, func, which: tuple):
        """The concrete function standing for `func` differentiated in the arguments `which`."""
        key = (func, which)
        if key not in self._rules:
            if func == self.phi:
                vs = (U,)
                body = self.choice.phi(U)
            else:
                vs = tuple(sp.Dummy(f"v{k}") for k in range(self.losses[func]))
                body = self.choice.loss(list(vs[:-1]), vs[-1])
            for k in which:
                body = sp.diff(body, vs[k])
            self._rules[key] = sp.lambdify(vs, body, modules="mpmath")
        return self._rules[key]

    def __call__(self, e, point: dict):
        with mpmath.workdps(self.digits):
            return self._value(sp.sympify(e), point, {})

    def _value(self, e, point, memo):
        if e in memo:
            return memo[e]
        if e.is_Symbol:
            out = mpmath.mpf(point[e].p) / point[e].q if e in point else None
            if out is None:
                raise KeyError(e)
        elif e.is_Rational:
            out = mpmath.mpf(e.p) / e.q
        elif e.is_Number:
            out = mpmath.mpf(str(e))
        elif e.is_Add:
            out = mpmath.fsum(self._value(a, point, memo) for a in e.args)
        elif e.is_Mul:
            out = mpmath.fprod(self._value(a, point, memo) for a in e.args)
        elif e.is_Pow:
            out = self._value(e.base, point, memo) ** self._value(e.exp, point, memo)
        elif isinstance(e, AppliedUndef):
            out = self.rule(e.func, ())(*[self._value(a, point, memo) for a in e.args])
        elif isinstance(e, (sp.Subs, sp.Derivative)):
            out = self._derivative(e, point, memo)
        elif e.func in self.ELEMENTARY:
            out = self.ELEMENTARY[e.func](*[self._value(a, point, memo) for a in e.args])
        else:
            raise KeyError(e.func)
        memo[e] = out
        return out

    def _derivative(self, e, point, memo):
        at = {}
        if isinstance(e, sp.Subs):
            inner, variables, points = e.args
            at = dict(zip(variables, points))
            e = inner
        if not isinstance(e, sp.Derivative) or not isinstance(e.expr, AppliedUndef):
            raise KeyError(type(e))
        f, which = e.expr, []
        for var, n in e.variable_count:
            places = [k for k, a in enumerate(f.args) if a == var]
            if len(places) != 1:
                raise KeyError(var)
            which.extend([places[0]] * int(n))
        args = [self._value(a.xreplace(at), point, memo) for a in f.args]
        return self.rule(f.func, tuple(sorted(which)))(*args)
