"""The oracle: SymPy differentiates the composed network; nothing hand-written is involved.

`Oracle.partial(X, Y)` is the derivative of X with respect to Y *through the network*, as the
lecture's notation means it: Y is made a free variable (its own inputs cut off), every quantity
downstream of it is composed from it, every other independent quantity is held fixed, and SymPy's
`diff` does the rest.  For parameters Y this is the gradient of the composed loss; between
adjacent quantities it is the local derivative the chain rule multiplies
(d z_1^{(3)} / d a_1^{(2)} = w_{11}^{(3)}, d a / d z = a (1 - a), d E_1 / d a_1^{(3)} = a_1^{(3)} - t_1^{(3)}).

Each result comes in two forms: `raw`, straight from `diff` (the units' functions of composed sums;
evaluated numerically as the second opinion), and `normal`, the same expression with every unit's
function of its composed z_j^{(l)} (sigmoid, tanh, softmax, ReLU and its step) replaced by the
unit's symbol (a_j^{(l)}, the step h_j^{(l)}): a rational function, which the decision compares.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .model import Network, leaky, relu, sigmoid, softmax, step

UNIT_FUNCTIONS = (sigmoid, sp.tanh, relu, step, leaky, softmax)


@dataclass(frozen=True)
class Derivative:
    """One derivative from the oracle, in both forms."""

    normal: sp.Expr
    raw: sp.Expr
    about: frozenset = frozenset()      # the quantities differentiated and differentiated by

    def __repr__(self) -> str:
        return f"Derivative({self.normal})"


class OracleError(Exception):
    """The oracle could not bring a derivative into node values (a bug, never a verdict)."""


class Oracle:
    """Derivatives of the network's quantities, computed by SymPy and cached."""

    def __init__(self, network: Network):
        self.net = network
        self._cache: dict[tuple, Derivative] = {}
        self._composed: dict[tuple | None, dict] = {}

    def _memo(self, cut):
        return self._composed.setdefault(cut, {})

    def partial(self, expr: sp.Expr, wrt: tuple) -> Derivative:
        """d expr / d wrt through the network; expr is written in quantity symbols.

        dE/dY is taken as the sum of the dE_i/dY (diff is linear), which lectures use too.
        """
        key = (expr, wrt)
        if key not in self._cache:
            if expr == self.net["E",]:
                parts = [self.partial(self.net["E", i], wrt) for i in self.net.units(self.net.L)]
                self._cache[key] = Derivative(normal=sp.Add(*[d.normal for d in parts]),
                                              raw=sp.Add(*[d.raw for d in parts]))
            else:
                self._cache[key] = self._differentiate(expr, wrt)
            d = self._cache[key]
            self._cache[key] = Derivative(d.normal, d.raw, frozenset(expr.free_symbols | {self.net[wrt]}))
        return self._cache[key]

    def gradient(self, parameter: tuple) -> Derivative:
        """dE / d parameter, the oracle for a weight or bias."""
        return self.partial(self.net["E",], parameter)

    def _differentiate(self, expr: sp.Expr, wrt: tuple) -> Derivative:
        net, memo = self.net, self._memo(wrt)
        composed = expr.xreplace({s: net.compose(q, wrt, memo) for s, q in net.quantities.items()
                                  if s in expr.free_symbols})
        variable = net[wrt]
        raw = sp.diff(composed, variable)
        normal = raw.xreplace(self._node_map(wrt))
        if any(f.free_symbols for f in normal.atoms(*UNIT_FUNCTIONS)):
            raise OracleError(f"d/d{variable} of {expr} kept a unit's function: {normal}")
        return Derivative(normal=normal, raw=raw)

    def _node_map(self, wrt: tuple) -> dict:
        net, memo = self.net, self._memo(wrt)
        return net.node_map(wrt, memo)     # the cut z itself included: f(z_j^{(l)}) is a_j^{(l)}

    def all_gradients(self) -> dict[tuple, Derivative]:
        """dE/dp for every weight and bias, in the order of the network's symbols."""
        return {k: self.gradient(k) for k in self.net.symbols if k[0] in ("w", "b")}

    def __repr__(self) -> str:
        return f"Oracle({self.net!r}, {len(self._cache)} cached)"
