"""derive's exact values of a lecture's quantities at the point the code itself starts from.

Every float64 is a dyadic rational, so the code's own weights, biases, inputs, targets and rate are
exact numbers; at that point derive computes every quantity of the lecture's network: the forward
pass by the families' own rules in 60-digit arithmetic (`decide.second_opinion.forward`), the
error terms and the gradients from the oracle (reverse mode on the network's definitions, as
SymPy expressions in leaves and node values, evaluated at the point), the updated parameters
W - alpha dE/dW.  The values are arrays in the lecture's layout: a row per example (A, Z, T, the
error terms), W^{(l)}[i][j] = w_{ji}^{(l)}, b^{(l)} one row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from ..decide.second_opinion import forward
from ..model.network import Network
from ..model.oracle import Oracle
from ..model.spec import Spec

DIGITS = 60


@dataclass
class Point:
    """The code's starting values in the lecture's layout (float64 arrays): W[l] (n_{l-1} x n_l),
    b[l] (n_l,), X (m x n_1), T (m x n_L) or None, alpha or None."""

    W: dict
    b: dict
    X: np.ndarray
    T: np.ndarray | None
    alpha: float | None


@dataclass
class Reference:
    """Exact values (mpmath matrices as nested lists of mpf) of the lecture's quantities, by key:
    ("A", l), ("Z", l), ("W", l), ("b", l), ("T",), ("E",), ("delta", l), ("dW", l), ("db", l),
    ("W+", l), ("b+", l); `kinks` says a ReLU unit sits exactly at 0 (its step is derive's 0)."""

    spec: Spec
    values: dict = field(default_factory=dict)
    kinks: bool = False

    def array(self, key) -> np.ndarray | None:
        value = self.values.get(key)
        return None if value is None else np.array([[float(v) for v in row] for row in value])


def exact(x: float) -> sp.Rational:
    f = Fraction(float(x))
    return sp.Rational(f.numerator, f.denominator)


def reference(point: Point, activations: tuple, loss: str, backward: bool = True) -> Reference:
    layers = [point.X.shape[1]] + [point.W[l].shape[1] for l in sorted(point.W)]
    m = point.X.shape[0]
    spec = Spec(layers=tuple(layers), activation=tuple(activations), loss=loss, batch=m)
    net = Network(spec)
    L = net.L
    leaves = {}
    for n in net.examples:
        e = net.ex(n)
        for i in net.units(1):
            leaves[net["x", i, *e]] = exact(point.X[n - 1, i - 1])
        for i in net.units(L):
            leaves[net["t", i, *e]] = exact(point.T[n - 1, i - 1]) if point.T is not None else sp.Integer(0)
    for l in range(2, L + 1):
        for j in net.units(l):
            if net.has(("b", l, j)):
                leaves[net["b", l, j]] = exact(point.b[l][j - 1]) if l in point.b else sp.Integer(0)
            for i in net.units(l - 1):
                leaves[net["w", l, j, i]] = exact(point.W[l][i - 1, j - 1])
    leaves[net.alpha] = exact(point.alpha) if point.alpha is not None else sp.Integer(0)
    ref = Reference(spec)
    with mpmath.workdps(DIGITS):
        mp = {s: mpmath.mpf(v.p) / v.q for s, v in leaves.items()}
        values = forward(net, mp, "mpmath", lambda r: mpmath.mpf(r.p) / r.q)
        rows = list(net.examples)

        def table(kind, layer):
            return [[values[net[kind, layer, j, *net.ex(n)]] for j in net.units(layer)] for n in rows]
        ref.values[("A", 1)] = [[mp[net["x", i, *net.ex(n)]] for i in net.units(1)] for n in rows]
        for l in range(2, L + 1):
            ref.values[("A", l)], ref.values[("Z", l)] = table("a", l), table("z", l)
            ref.values[("W", l)] = [[mp[net["w", l, j, i]] for j in net.units(l)] for i in net.units(l - 1)]
            ref.values[("b", l)] = [[mp.get(net.bias(l, j), mpmath.mpf(0)) for j in net.units(l)]]
            if net.activation(l) in ("relu", "leaky-relu") and any(values[net["z", l, j, *net.ex(n)]] == 0
                                                                   for j in net.units(l) for n in rows):
                ref.kinks = True
        if point.T is None or not backward:
            return ref
        ref.values[("T",)] = [[mp[net["t", i, *net.ex(n)]] for i in net.units(L)] for n in rows]
        ref.values[("E",)] = [[values[net["E"]]]]
        oracle = Oracle(net)
        substitution = {s: sp.Float(v, DIGITS) for s, v in values.items() if isinstance(s, sp.Symbol)}

        def number(expr) -> mpmath.mpf:
            return mpmath.mpf(str(sp.N(expr.xreplace(substitution), DIGITS)))
        for l in range(2, L + 1):
            ref.values[("delta", l)] = [[number(oracle.partial(net["En", n] if m > 1 else net["E"],
                                                               ("z", l, j, *net.ex(n))).normal)
                                         for j in net.units(l)] for n in rows]
            ref.values[("dW", l)] = [[number(oracle.gradient(("w", l, j, i)).normal) for j in net.units(l)]
                                     for i in net.units(l - 1)]
            ref.values[("db", l)] = [[number(oracle.gradient(("b", l, j)).normal) if net.has(("b", l, j))
                                      else mpmath.mpf(0) for j in net.units(l)]]
            if point.alpha is not None:
                a = mp[net.alpha]
                ref.values[("W+", l)] = [[w - a * d for w, d in zip(wr, dr)]
                                         for wr, dr in zip(ref.values[("W", l)], ref.values[("dW", l)])]
                ref.values[("b+", l)] = [[w - a * d for w, d in zip(ref.values[("b", l)][0], ref.values[("db", l)][0])]]
    return ref
