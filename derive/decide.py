"""Proved, refuted or undecided: the decision on one claim `lhs = rhs`.

1. Both sides are brought into *node values*: derivative symbols become the oracle's normal form,
   z, E_i, E their definitions, sigmoid(z_j^{(l)}) the node value a_j^{(l)}, sigmoid(-z) 1 - a,
   e^{-z} (1 - a)/a and e^{z} a/(1 - a).  What is left is a rational function of independent
   variables (inputs, weights, biases, targets, alpha, node values), see the README's soundness
   argument; anything that could not be brought there (sigmoid of something else) is *opaque*.
2. The difference is expanded (numerator over a common denominator when there are fractions).
   Zero: proved, once the numeric cross-check agrees (if it does not, the claim is undecided:
   something in derive is wrong, and nothing unproved may pass).
   Not zero and nothing opaque: refuted; a counterexample is searched at the seeded points and
   confirmed with 50-digit arithmetic.
   Not zero but opaque: a confirmed counterexample refutes; otherwise SymPy's simplify is tried on
   the exp form within the time bound, and failing that the claim is undecided.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from . import printing
from .meaning import is_matrix, shape_text
from .model import Network, sigmoid
from .numeric import RTOL, Evaluator, agree
from .results import PROVED, REFUTED, UNDECIDED, Counterexample

EXTRA_POINT_SEEDS = (1, 2, 3)


@dataclass
class Decision:
    verdict: str
    detail: str
    counterexample: Counterexample | None = None

    def __repr__(self) -> str:
        return f"Decision({self.verdict}: {self.detail})"


class Decider:
    """Decides claims in one network; caches normal forms and numeric values."""

    def __init__(self, net: Network, derivatives: dict):
        self.net = net
        self.derivatives = derivatives
        self.evaluator = Evaluator(net, derivatives)
        self._normal: dict = {}
        self._numeric: dict = {}
        self._decided: dict = {}
        self._expansions = net.expansions

    # -- normal form ----------------------------------------------------------------------------------
    def normal(self, expr: sp.Expr) -> sp.Expr:
        """The expression in leaves and node values (opaque sigmoid/exp left where unavoidable)."""
        if expr not in self._normal:
            replaced = expr.xreplace({s: d.normal for s, d in self.derivatives.items()
                                      if s in expr.free_symbols})
            replaced = replaced.xreplace(self._expansions)
            rewritten = self._rewrite(replaced) if replaced.has(sigmoid, sp.exp) else replaced
            self._normal[expr] = rewritten
        return self._normal[expr]

    def _rewrite(self, e: sp.Expr) -> sp.Expr:
        if not e.args:
            return e
        args = [self._rewrite(a) for a in e.args]
        if isinstance(e, sigmoid):
            return self._sigmoid_of(args[0])
        if isinstance(e, sp.exp):
            return self._exp_of(args[0])
        return e.func(*args) if any(a is not b for a, b in zip(args, e.args)) else e

    def _unit_multiple(self, arg: sp.Expr):
        """(a_j^{(l)}, c) when arg == c * z_j^{(l)} for a whole number c, else None."""
        arg = sp.expand(arg)
        for bias in arg.free_symbols & self.net.unit_of_bias.keys():
            c = arg.coeff(bias)
            node, z = self.net.unit_of_bias[bias]
            if c.is_Integer and c != 0 and sp.expand(arg - c * z) == 0:
                return node, int(c)
        return None

    def _sigmoid_of(self, arg):
        found = self._unit_multiple(arg)
        if found and found[1] in (1, -1):
            node, c = found
            return node if c == 1 else 1 - node
        return sigmoid(arg)

    def _exp_of(self, arg):
        found = self._unit_multiple(arg)
        if found:
            node, c = found
            return (node / (1 - node)) ** c
        return sp.exp(arg)

    @staticmethod
    def opaque(e: sp.Expr) -> bool:
        return any(f.free_symbols for f in e.atoms(sigmoid, sp.exp))

    @cached_property
    def _ring(self):
        """Polynomials over QQ in the independent variables: leaves and node values."""
        from sympy.polys.domains import QQ
        from sympy.polys.fields import field
        from sympy.polys.rings import ring
        gens = list(self.net.leaves) + list(self.net.node_values)
        return ring(gens, QQ)[0], field(gens, QQ)[0]

    def is_zero(self, d: sp.Expr) -> bool:
        """Is the difference 0 as a rational function?  Sparse polynomial arithmetic first (exact,
        several times faster than expand); SymPy's expand when opaque parts are left."""
        for domain in self._ring:
            try:
                return domain.from_expr(d) == 0
            except (ValueError, TypeError, ZeroDivisionError):
                continue
        if sp.expand(d) == 0:
            return True
        if any(p.exp.is_negative and p.base.free_symbols for p in d.atoms(sp.Pow)):
            numerator, _ = sp.fraction(sp.together(d))
            return sp.expand(numerator) == 0
        return False

    # -- the decision --------------------------------------------------------------------------------
    def decide(self, lhs, rhs) -> Decision:
        """The decision on lhs = rhs (the same claim restated is decided once)."""
        key = (lhs, rhs)
        if key not in self._decided:
            self._decided[key] = self._decide(lhs, rhs)
        d = self._decided[key]
        return Decision(d.verdict, d.detail, d.counterexample)

    def _decide(self, lhs, rhs) -> Decision:
        left = list(lhs) if is_matrix(lhs) else [lhs]
        right = list(rhs) if is_matrix(rhs) else [rhs]
        if _shape(lhs) != _shape(rhs):
            detail = f"the left side is {shape_text(lhs)}, the right side {shape_text(rhs)}"
            return Decision(REFUTED, detail, self._shape_counterexample(lhs, rhs))
        diffs = [self.normal(l) - self.normal(r) for l, r in zip(left, right)]
        nonzero = [k for k, d in enumerate(diffs) if not self.is_zero(d)]
        numeric_ok = self._numeric_agree(left, right)
        if not nonzero:
            if not numeric_ok.all():
                k = int(np.argmin(numeric_ok))
                return Decision(UNDECIDED, "the exact check found the sides equal but the numeric "
                                f"cross-check disagrees at point {k + 1}: this is a bug in derive; "
                                "please report it")
            return Decision(PROVED, f"exact: the difference expands to 0; numeric: {len(numeric_ok)} "
                            f"points agree within {RTOL:g}")
        opaque = any(self.opaque(diffs[k]) for k in nonzero)
        counterexample = self._counterexample(lhs, rhs, left, right, diffs, nonzero, numeric_ok)
        if counterexample is not None:
            how = "exact: the difference is not 0" if not opaque else "a point where the sides differ"
            return Decision(REFUTED, f"{how}; {self._where(lhs, nonzero)}", counterexample)
        if not opaque:
            return Decision(UNDECIDED, "the exact difference is not 0, but no point separating the "
                            "sides was found (the difference is too small to show numerically)")
        if self._simplifies_to_zero([diffs[k] for k in nonzero]) and numeric_ok.all():
            return Decision(PROVED, "simplify: the difference in exp form simplifies to 0; numeric: "
                            f"{len(numeric_ok)} points agree within {RTOL:g}")
        return Decision(UNDECIDED, "the sides agree at every point tried, but the difference could not "
                        "be brought to 0 (it involves sigmoid or exp of something that is not a unit's z)")

    def _where(self, lhs, nonzero) -> str:
        if not is_matrix(lhs):
            return "the sides differ"
        cols = lhs.shape[1]
        cells = ", ".join(f"({k // cols + 1},{k % cols + 1})" for k in nonzero)
        return f"entries {cells} differ"

    def prepare(self, values) -> None:
        """Evaluate many values at the seeded points in one lambdify call (a chain's members)."""
        todo = list(dict.fromkeys(e for v in values for e in (list(v) if is_matrix(v) else [v])
                                  if e not in self._numeric))
        if todo:
            for e, row in zip(todo, self.evaluator.evaluate(todo)):
                self._numeric[e] = row

    def _numeric_agree(self, left, right) -> np.ndarray:
        self.prepare(left + right)
        lvals = np.array([self._numeric[e] for e in left])
        rvals = np.array([self._numeric[e] for e in right])
        return agree(lvals, rvals).all(axis=0)

    def _counterexample(self, lhs, rhs, left, right, diffs, nonzero, numeric_ok):
        candidates = [k for k in range(len(numeric_ok)) if not numeric_ok[k]]
        candidates += [k for k in range(len(numeric_ok)) if numeric_ok[k]]
        for k in candidates:
            exact = self.evaluator.exact_point(left + right, k)
            n = len(left)
            l_vals, r_vals = exact[:n], exact[n:]
            if any(abs(a - b) > 1e-30 * max(1, abs(a), abs(b)) for a, b in zip(l_vals, r_vals)):
                return Counterexample(point=self.evaluator.point(k), lhs=_shaped(lhs, l_vals),
                                      rhs=_shaped(rhs, r_vals), difference=self._difference(diffs, lhs))
        return None

    def _shape_counterexample(self, lhs, rhs):
        values = self.evaluator.exact_point(_flat(lhs) + _flat(rhs), 0)
        n = len(_flat(lhs))
        return Counterexample(point=self.evaluator.point(0), lhs=_shaped(lhs, values[:n]),
                              rhs=_shaped(rhs, values[n:]), difference="(the shapes differ)")

    def _difference(self, diffs, lhs) -> str:
        shown = [_tidy(d) for d in diffs]
        if not is_matrix(lhs):
            return shown[0]
        cols = lhs.shape[1]
        return "[" + "; ".join(", ".join(shown[r * cols:(r + 1) * cols]) for r in range(lhs.shape[0])) + "]"

    def _simplifies_to_zero(self, diffs) -> bool:
        back = {}
        for key, symbol in self.net.symbols.items():
            if key[0] == "a":
                back[symbol] = self.net.compose(key).rewrite(sp.exp)
        for d in diffs:
            full = d.xreplace(back).rewrite(sp.exp)
            if sp.simplify(full) != 0:
                return False
        return True


def _shape(v):
    return v.shape if is_matrix(v) else None


def _flat(v):
    return list(v) if is_matrix(v) else [v]


def _shaped(v, values):
    floats = [float(x) for x in values]
    if not is_matrix(v):
        return floats[0]
    cols = v.shape[1]
    return [floats[r * cols:(r + 1) * cols] for r in range(v.shape[0])]


def _tidy(d: sp.Expr) -> str:
    """The difference, factored when that is cheap, as text in the lecture's names."""
    d = sp.expand(d)
    if d == 0:
        return "0"
    if sp.count_ops(d) <= 300:
        d = sp.factor(d)
    return printing.text(d)
