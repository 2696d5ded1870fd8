"""The second opinion: both sides lambdified to NumPy and compared at seeded random points.

Points are drawn from a seeded generator, one value per leaf (inputs, weights, biases, targets:
decimals with three places in [-2, 2]; the learning rate in (0, 1]; the targets of a cross-entropy
over a softmax in [0, 1], the last making them sum to 1), so a report names exact,
reproducible numbers.  Node values (a, z, E) come from a forward pass written here in NumPy,
independently of the SymPy model.  Derivative symbols get their values from that forward pass
alone, by complex-step differentiation: the quantity differentiated by is moved by i*h (h = 1e-30),
everything downstream follows in complex arithmetic, and dX/dY = Im X / h (exact to h^2 relative,
no cancellation; all families are analytic where their steps are decided by the real part), so the
second opinion never sees the oracle's formulas.  A name a document defines as an error term
(delta_j^{(l)}) gets the value of its definition.  Two values agree when
|l - r| <= RTOL * max(1, |l|, |r|).

`Evaluator.exact_point` redoes one point with mpmath at 50 significant digits (complex steps of
1e-70), to confirm that a point where the sides differ really separates them.
"""
from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp

from ..model.families import LEAKY_SLOPE, MPMATH_FUNCTIONS, NUMPY_FUNCTIONS, loss_number, unit_forward
from ..model.network import Network
from ..model.penalty import COEFFICIENT
from ..model.printing import display_name
from . import dag

RTOL = 1e-9
POINTS = 8
SEED = 20261128
DIGITS = 50
STEP = 1e-30                # the complex step in floats (the mpmath step is STEP_DIGITS digits)
STEP_DIGITS = 70
COLUMNS = 4096              # derivatives per vectorised complex-step pass


# The names lambdify's printer may emit for our expressions, given directly: lambdify's own "numpy"
# namespace runs `from numpy import *`, which loads numpy.f2py, numpy.testing, ... (~0.2 s).
NUMPY = [{**NUMPY_FUNCTIONS, "exp": np.exp, "sqrt": np.sqrt, "power": np.power,
          "e": np.e, "E": np.e, "pi": np.pi, "nan": np.nan, "inf": np.inf, "abs": np.abs}]
MPMATH = [dict(MPMATH_FUNCTIONS), "mpmath"]


def _printer(numpy: bool):
    """lambdify's printer: lean for NumPy (below), SymPy's own for mpmath (exact rationals)."""
    from sympy.printing.pycode import MpmathPrinter
    settings = {"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                "user_functions": {}, "order": "none"}
    return _LeanPrinter(settings) if numpy else MpmathPrinter(settings)


def _lean_printer_class():
    from sympy.printing.numpy import NumPyPrinter

    class LeanPrinter(NumPyPrinter):
        """NumPy code for the few node types derive evaluates, fully parenthesised: no term
        ordering or precedence analysis, which is most of the stock printer's time here."""

        def _print_Add(self, e):
            return "(" + " + ".join(map(self._print, e.args)) + ")"

        def _print_Mul(self, e):
            return "(" + "*".join(map(self._print, e.args)) + ")"

        def _print_Pow(self, e):
            return f"({self._print(e.base)})**({self._print(e.exp)})"

        def _print_Integer(self, e):
            return f"({e.p})"

        def _print_Rational(self, e):
            return f"({e.p}/{e.q})"

        def _print_Symbol(self, e):
            return e.name

        def _print_sigmoid(self, e):
            return f"sigmoid({self._print(e.args[0])})"

        def _print_Function(self, e):
            return f"{type(e).__name__}(" + ", ".join(map(self._print, e.args)) + ")"

        _print_exp = _print_tanh = _print_log = _print_sigmoid = _print_Function

    return LeanPrinter


_LeanPrinter = _lean_printer_class()


def draw_points(net: Network, count: int = POINTS, seed: int = SEED) -> dict[sp.Symbol, list[str]]:
    """Exact decimal values for every leaf at `count` points.  Cross-entropy targets are drawn in
    [0, 1] with the last one making each example's targets sum to 1 (the loss's assumption)."""
    rng = np.random.default_rng(seed)
    out = {}
    ce = net.spec.targets_sum_to_one
    for leaf in net.leaves:
        if leaf == net.alpha or net.quantities[leaf][0] == COEFFICIENT:     # a rate, a penalty's lambda: > 0
            ints = rng.integers(1, 1001, size=count)
        elif ce and net.quantities[leaf][0] == "t":
            ints = rng.integers(0, 1001, size=count)
        else:
            ints = rng.integers(-2000, 2001, size=count)
        out[leaf] = [f"{int(k) / 1000:.3f}" for k in ints]
    for last, value in net.relations.items():
        if net.quantities[last][0] == "t":
            others = [s for s in value.free_symbols]
            out[last] = [_decimal(1000 - sum(_thousandths(out[s][k]) for s in others)) for k in range(count)]
    return out


def _thousandths(text: str) -> int:
    return round(float(text) * 1000)


def _decimal(thousandths: int) -> str:
    return f"{thousandths / 1000:.3f}"


def _positive(z, backend):
    """z > 0, decided by the real part (a complex step leaves the sign where it was)."""
    return np.real(z) > 0 if backend == "numpy" else mpmath.re(z) > 0


def _unit(act, z, backend):
    if act == "relu":
        return np.where(_positive(z, backend), z, 0.0) if backend == "numpy" else (z if _positive(z, backend) else 0 * z)
    if act == "leaky-relu":
        c = float(LEAKY_SLOPE) if backend == "numpy" else mpmath.mpf(LEAKY_SLOPE.p) / LEAKY_SLOPE.q
        return np.where(_positive(z, backend), z, c * z) if backend == "numpy" else (z if _positive(z, backend) else c * z)
    return unit_forward(act, z, backend)


def _log_loss(loss, t, a, backend):
    """A log loss in a complex-step pass: log|u| continued analytically (its derivative is 1/u at
    every u != 0, as the derivative formulas are), so a step is not swamped by the branch's i*pi
    where an output is negative (tanh) and the real loss undefined."""
    def log(u):
        if backend == "numpy":
            return np.log(np.where(np.real(u) < 0, -u, u))
        return mpmath.log(-u if mpmath.re(u) < 0 else u)
    if loss == "cross-entropy":
        return -t * log(a)
    return -(t * log(a) + (1 - t) * log(1 - a))


def forward(net: Network, leaf_values: dict, backend: str, number, perturb: dict | None = None) -> dict:
    """Every quantity's value (z, a, steps, softmax sums, E_i, E) from leaf values, for arrays
    (backend "numpy") or numbers ("mpmath"), by the families' own numeric rules.

    `number` turns a SymPy Rational into the backend's number type; `perturb` adds a value to a
    computed quantity (z, a, E ...) as soon as it is computed, before anything downstream uses it.
    """
    values = dict(leaf_values)
    bump = perturb or {}

    def put(symbol, value):
        values[symbol] = value + bump[symbol] if symbol in bump else value
    exp = np.exp if backend == "numpy" else mpmath.exp
    outputs = net.size(net.L)
    for n in net.examples:
        e = net.ex(n)
        for l in range(2, net.L + 1):
            act = net.activation(l)
            for j in net.units(l):
                bias = net.bias(l, j)
                z = values[bias] if bias != 0 else number(sp.Integer(0))
                for i in net.units(l - 1):
                    z = z + values[net["a", l - 1, i, *e]] * values[net["w", l, j, i]]
                put(net["z", l, j, *e], z)
                z = values[net["z", l, j, *e]]
                if act != "softmax":
                    put(net["a", l, j, *e], _unit(act, z, backend))
                if act in ("relu", "leaky-relu"):
                    values[net["h", l, j, *e]] = (np.where(_positive(z, backend), 1.0, 0.0) if backend == "numpy"
                                                  else number(sp.Integer(1 if _positive(z, backend) else 0)))
            if act == "softmax":
                exps = [exp(values[net["z", l, j, *e]]) for j in net.units(l)]
                total = exps[0]
                for x in exps[1:]:
                    total = total + x
                values[net["S", l, *e]] = total
                for j in net.units(l):
                    put(net["a", l, j, *e], exps[j - 1] / total)
        for i in net.units(net.L):
            t, a = values[net["t", i, *e]], values[net["a", net.L, i, *e]]
            if perturb is not None and net.spec.loss in ("cross-entropy", "binary-cross-entropy"):
                term = _log_loss(net.spec.loss, t, a, backend)
            else:
                term = loss_number(net.spec.loss, t, a, outputs, backend)
            put(net["E", i, n] if net.m > 1 else net["E", i], term)
    total = number(sp.Integer(0))
    for i in net.units(net.L):
        if net.m > 1:
            s = number(sp.Integer(0))
            for n in net.examples:
                s = s + values[net["E", i, n]]
            put(net["E", i], s / net.m)
        total = total + values[net["E", i]]
    if net.m > 1:
        for n in net.examples:
            s = number(sp.Integer(0))
            for i in net.units(net.L):
                s = s + values[net["E", i, n]]
            put(net["En", n], s)
    put(net["E"], total)
    penalty = net.spec.penalty
    if penalty is not None and penalty.value is not None:     # J = E + R (model/penalty.py)
        symbols, rule = _penalty_rule(penalty.value, backend)
        put(net["R"], rule(*[values[q] for q in symbols]))
        put(net["J"], values[net["E"]] + values[net["R"]])
    return values


@functools.lru_cache(maxsize=32)
def _penalty_rule(value: sp.Expr, backend: str):
    """A penalty's value as a function of its symbols, for one backend (compiled once)."""
    symbols = sorted(value.free_symbols, key=str)
    return symbols, sp.lambdify(symbols, value, modules="numpy" if backend == "numpy" else "mpmath")


class Evaluator:
    """Numeric values of named-form expressions at the seeded points."""

    def __init__(self, net: Network, derivatives: dict, count: int = POINTS, seed: int = SEED):
        self.net = net
        self.derivatives = derivatives          # placeholder symbol -> oracle Derivative (or a defined term)
        self.decimals = draw_points(net, count, seed)
        self.leaves = {s: np.array([float(v) for v in vals]) for s, vals in self.decimals.items()}
        self.count = count
        with np.errstate(all="ignore"):
            self.values = forward(net, self.leaves, "numpy", float)

    def _evaluate(self, exprs, values, modules, point=None):
        seen: dict = {}                         # one walk of the sub-sums the expressions share
        symbols = sorted(set().union(*[dag.free_symbols(e, seen) for e in exprs]), key=str)
        pending = [s for s in symbols if s not in values and s in self.derivatives]
        terms = [s for s in pending if hasattr(self.derivatives[s], "value")]
        if terms:                                # names a document defines: their definitions' values
            values.update(zip(terms, self._evaluate([self.derivatives[s].value for s in terms], values,
                                                    modules, point)))
        derivatives = [s for s in pending if s not in values]
        if derivatives:                          # derivative symbols: complex steps, all at once
            values.update(self._complex_step(derivatives, values, modules, point))
        missing = [s for s in symbols if s not in values]
        if missing:
            raise KeyError(f"no numeric value for {missing}")
        if modules is NUMPY:
            memo: dict = {}
            try:
                return [_direct(e, values, memo) for e in exprs]
            except _Unknown:
                pass
        f = sp.lambdify(symbols, exprs, modules=modules, printer=_printer(modules is NUMPY), cse=False,
                        docstring_limit=0)
        return f(*[values[s] for s in symbols])

    def _cuts(self, d) -> list[tuple]:
        """Where to move the forward pass for d = dX/dY: [(quantity, factor key)].  A weight w_{ji}
        enters the network only through z_j = ... + w_{ji} a_i + ..., so moving w_{ji} by i*h is
        moving z_j by i*h*a_i exactly (each example's z_j, in a mini-batch): one pass per unit's z
        serves all its weights (factor: a_i), and its bias (factor 1)."""
        net, key = self.net, d.wrt
        penalised = net.spec.penalty is not None and bool(d.of.free_symbols & {net["J"], net["R"]})
        if key[0] in ("w", "b") and not penalised and not (
                d.of.is_Symbol and self.net.quantities.get(d.of, ("",))[0] in ("x", "w", "b", "t", "alpha")):
            l, j = key[1], key[2]
            if key[0] == "b":                   # a bias shared by a layer moves every z it feeds
                fed = [k for k in net.units(l) if net.symbols[("b", l, k)] == net.symbols[key]]
                return [(net["z", l, k, *net.ex(n)], None) for k in fed for n in net.examples]
            return [(net["z", l, j, *net.ex(n)], net["a", l - 1, key[3], *net.ex(n)]) for n in net.examples]
        return [(net[key], None)]

    def _complex_step(self, symbols, values, modules, point):
        """dX/dY for each derivative symbol, from the forward pass with Y moved by i*h."""
        net, out = self.net, {}
        cuts = {s: self._cuts(self.derivatives[s]) for s in symbols}
        if modules is NUMPY:
            columns = list(dict.fromkeys(y for s in symbols for y, _ in cuts[s]))
            for start in range(0, len(columns), COLUMNS):
                chunk = columns[start:start + COLUMNS]
                where = {y: c for c, y in enumerate(chunk)}
                bump: dict = {}
                for c, y in enumerate(chunk):
                    bump[y] = np.zeros((1, len(chunk)), dtype=complex)
                    bump[y][0, c] = STEP * 1j
                leaves = {q: v.reshape(-1, 1).astype(complex) for q, v in self.leaves.items()}
                for y in list(bump):
                    if y in leaves:
                        leaves[y] = leaves[y] + bump.pop(y)
                moved = forward(net, leaves, "numpy", float, bump)
                for s in symbols:
                    if not all(y in where for y, _ in cuts[s]):
                        continue
                    x = np.broadcast_to(np.asarray(self._moved(self.derivatives[s].of, moved, modules)),
                                        (self.count, len(chunk)))
                    total = 0.0
                    for y, factor in cuts[s]:
                        slope = np.imag(x[:, where[y]]) / STEP
                        total = total + (slope if factor is None else slope * values[factor])
                    out[s] = np.broadcast_to(total, (self.count,))
            return out
        h = mpmath.mpf(10) ** -STEP_DIGITS
        slopes: dict = {}
        for s in symbols:
            d = self.derivatives[s]
            total = mpmath.mpf(0)
            for y, factor in cuts[s]:
                if (y, d.of) not in slopes:
                    leaves = {q: mpmath.mpf(vals[point]) for q, vals in self.decimals.items()}
                    bump = {y: mpmath.mpc(0, h)}
                    if y in leaves:
                        leaves[y] = leaves[y] + bump.pop(y)
                    moved = forward(net, leaves, "mpmath", lambda r: mpmath.mpf(r.p) / r.q, bump)
                    slopes[y, d.of] = mpmath.im(mpmath.mpmathify(self._moved(d.of, moved, modules))) / h
                total += slopes[y, d.of] * (1 if factor is None else values[factor])
            out[s] = total
        return out

    def _moved(self, of, moved, modules):
        if of in moved:
            return moved[of]
        if of.is_Number:
            return 0
        f = sp.lambdify(sorted(of.free_symbols, key=str), of, modules=modules, printer=_printer(modules is NUMPY))
        return f(*[moved[q] for q in sorted(of.free_symbols, key=str)])

    def evaluate(self, exprs: list[sp.Expr]) -> np.ndarray:
        """Values of several expressions at every point: an array (len(exprs), count)."""
        with np.errstate(all="ignore"):
            out = self._evaluate(exprs, self.values, NUMPY)
        return np.array([np.broadcast_to(np.asarray(v, dtype=float), (self.count,)) for v in out])

    def exact_point(self, exprs: list[sp.Expr], k: int) -> list:
        """Values of expressions at point k, with mpmath at DIGITS significant digits."""
        with mpmath.workdps(DIGITS):
            leaves = {s: mpmath.mpf(vals[k]) for s, vals in self.decimals.items()}
            values = forward(self.net, leaves, "mpmath", lambda r: mpmath.mpf(r.p) / r.q)
            out = self._evaluate(exprs, values, MPMATH, k)
            return [mpmath.mpf(v) if not isinstance(v, mpmath.mpf) else +v for v in out]

    def point(self, k: int) -> dict[str, str]:
        return {display_name(s, self.net.display): vals[k] for s, vals in self.decimals.items()}


class _Unknown(Exception):
    """A node _direct does not evaluate (lambdify does)."""


_DIRECT_FUNCTIONS = {**NUMPY_FUNCTIONS, "exp": np.exp}


def _direct(e, values, memo):
    """The value of an expression in NumPy, node by node, shared subexpressions once: for the sums,
    products and powers of symbols most claims are, printing and compiling them (lambdify) costs far
    more than the arithmetic."""
    if e in memo:
        return memo[e]
    if e.is_Symbol:
        out = values[e]
    elif e.is_Integer or e.is_Float:
        out = float(e)
    elif e.is_Rational:
        out = e.p / e.q
    elif e.is_Add:
        out = sum((_direct(a, values, memo) for a in e.args[1:]), _direct(e.args[0], values, memo))
    elif e.is_Mul:
        out = _direct(e.args[0], values, memo)
        for a in e.args[1:]:
            out = out * _direct(a, values, memo)
    elif e.is_Pow:
        base, exponent = _direct(e.base, values, memo), _direct(e.exp, values, memo)
        out = base ** exponent if e.exp.is_Integer and e.exp > 0 else np.power(np.asarray(base, dtype=float), exponent)
    elif isinstance(e, sp.Function) and type(e).__name__ in _DIRECT_FUNCTIONS:
        out = _DIRECT_FUNCTIONS[type(e).__name__](*[_direct(a, values, memo) for a in e.args])
    else:
        raise _Unknown(e)
    memo[e] = out
    return out


def agree(left, right, rtol: float = RTOL):
    """Elementwise: do two arrays of values agree within the tolerance?"""
    scale = np.maximum(1.0, np.maximum(np.abs(left), np.abs(right)))
    with np.errstate(invalid="ignore"):
        return np.abs(left - right) <= rtol * scale
