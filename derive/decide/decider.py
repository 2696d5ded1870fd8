"""Proved, refuted or undecided: the decision on one claim `lhs = rhs`.

0. A claim touching a quantity downstream of a definition derive does not model is undecided.
0. Then, first at the level the claim is written: a document's error term delta_j^{(l)} whose definition
   is proved equal to the oracle's dE/dz_j^{(l)} (or its negative) is replaced by the oracle's atom
   for it, derivative symbols by the oracle's form in error-term atoms (dE/dw_{ji}^{(l)} =
   delta_j^{(l)} a_i^{(l-1)}); the difference is tested for 0 with the atoms free; if it is not 0,
   the atoms of the lowest layer in it are unfolded one level (delta_j^{(l)} = (sum_k w_{kj}
   delta_k^{(l+1)}) f'(z_j)) and the test repeated, down to node values.  Every step replaces a
   quantity by something equal to it, so a zero at any step is a proof (an identity in free atoms
   holds at their true values); a claim written with delta^{(l+1)} costs its own size, not the
   size of the paths behind it.  Not zero at every step: on to 1.
1. Both sides are brought into *node values*: derivative symbols become the oracle's normal form,
   z, the outputs of identity and ReLU units, E_i, E their definitions, and each unit's function of
   its z the family's atom (sigmoid(z) -> a, sigmoid(-z) -> 1 - a, e^{-z} -> (1 - a)/a; tanh(z) -> a;
   max(0, z) -> h z and 1[z > 0] -> h; e^{z_j} -> a_j S for a softmax), then the relations are
   applied (softmax outputs, and the targets of a cross-entropy over a softmax, sum to 1).  What is
   left is a rational function of the leaves and the atoms, see the README's soundness argument per
   family; any function that could not be brought there is *opaque* (one more free atom).
2. The difference is tested for 0 as a rational function (sparse polynomials over QQ), with every
   ReLU step reduced h^2 = h.  Zero: proved, once the numeric cross-check agrees (if it does not,
   the claim is undecided: something in derive is wrong, and nothing unproved may pass).
   Not zero and nothing opaque: refuted; a counterexample is searched at the seeded points and
   confirmed with 50-digit arithmetic.
   Not zero but opaque: a confirmed counterexample refutes; otherwise SymPy's simplify is tried on
   the exp form within the time bound, and failing that the claim is undecided.

This module holds the rule and the words of each verdict (which entries or instances differ, which
ReLU units are active); the node values, the level form and the zero test are in normal_form.py, the
search and 50-digit confirmation of a counterexample in counterexample.py, the seeded points in
second_opinion.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy as sp

from ..meaning.values import is_matrix, shape_text
from ..model import printing
from ..model.network import Network
from ..model.oracle import Oracle
from ..results import NOT_CHECKED, PROVED, REFUTED, UNDECIDED, Counterexample
from .counterexample import find_counterexample, shape_counterexample
from .normal_form import NormalForm, domains, opaque, simplifies_to_zero
from .polynomials import factored
from .second_opinion import RTOL, Evaluator, agree


@dataclass
class Decision:
    verdict: str
    detail: str
    counterexample: Counterexample | None = None

    def __repr__(self) -> str:
        return f"Decision({self.verdict}: {self.detail})"


class Decider:
    """Decides claims in one network; caches decisions and numeric values (the normal forms are
    cached by its NormalForm)."""

    def __init__(self, net: Network, derivatives: dict, oracle: Oracle | None = None):
        self.net = net
        self.derivatives = derivatives
        self.oracle = oracle or Oracle(net)
        self.forms = NormalForm(net, derivatives, self.oracle)
        self._numeric: dict = {}
        self._decided: dict = {}
        self.stacks: dict = {}          # statements for every index: entry labels (set by the workspace)

    @cached_property
    def evaluator(self) -> Evaluator:
        return Evaluator(self.net, self.derivatives)

    def normal(self, expr: sp.Expr) -> sp.Expr:
        """The expression in node values (normal_form.py)."""
        return self.forms.normal(expr)

    def is_zero(self, d: sp.Expr) -> bool:
        """Is the difference 0 as a rational function, ReLU steps reduced (normal_form.py)?"""
        return self.forms.is_zero(d)

    # -- the decision --------------------------------------------------------------------------------
    def decide(self, lhs, rhs) -> Decision:
        """The decision on lhs = rhs (the same claim restated is decided once)."""
        key = (lhs, rhs)
        if key not in self._decided:
            self._decided[key] = self._decide(lhs, rhs)
        d = self._decided[key]
        return Decision(d.verdict, d.detail, d.counterexample)

    def unmodelled(self, *values) -> str | None:
        """Why a claim about these values cannot be decided: it touches a quantity downstream of a
        definition derive does not model (None when it does not)."""
        tainted = self.net.tainted
        if not tainted:
            return None
        symbols = set().union(*[v.free_symbols for v in values])
        for symbol in list(symbols):
            if symbol in self.derivatives:
                symbols |= self.derivatives[symbol].about
        return next((tainted[s] for s in sorted(symbols, key=str) if s in tainted), None)

    def _decide(self, lhs, rhs) -> Decision:
        reason = self.unmodelled(lhs, rhs)
        if reason:
            return Decision(NOT_CHECKED, f"this depends on a definition derive cannot model: {reason}")
        if {_shape(lhs), _shape(rhs)} == {(1, 1), None}:     # a^{[2]} of one output is its one number
            lhs, rhs = (v[0, 0] if is_matrix(v) else v for v in (lhs, rhs))
        left = list(lhs) if is_matrix(lhs) else [lhs]
        right = list(rhs) if is_matrix(rhs) else [rhs]
        if _shape(lhs) != _shape(rhs):
            detail = f"the left side is {shape_text(lhs)}, the right side {shape_text(rhs)}"
            return Decision(REFUTED, detail, shape_counterexample(self.evaluator, lhs, rhs))
        numeric_ok = self.numeric_agree(left, right)
        layers = self.forms.level_proof(left, right) if numeric_ok.all() else None
        if layers is not None:
            if not numeric_ok.all():
                k = int(np.argmin(numeric_ok))
                return Decision(UNDECIDED, "the exact check found the sides equal but the numeric "
                                f"cross-check disagrees at point {k + 1}: this is a bug in derive; "
                                "please report it")
            atoms = ", ".join(f"\u03b4^({l})" for l in sorted(layers))
            how = (f"exact at the level written: the difference is 0 with the error terms {atoms} as atoms"
                   if layers else "exact: the difference expands to 0")
            return Decision(PROVED, f"{how}; numeric: {len(numeric_ok)} points agree within {RTOL:g}")
        diffs = [self.normal(l) - self.normal(r) for l, r in zip(left, right)]
        if not numeric_ok.all() and any(_large(d) for d in diffs):
            # a big difference (deep linear or ReLU layers) that the numbers already separate: a point
            # confirmed in 50 digits refutes without the (costly) exact expansion
            entries = self._numeric_entries(left, right)
            counterexample = find_counterexample(self.evaluator, lhs, rhs, numeric_ok,
                                                 lambda: self._difference(diffs, lhs))
            if counterexample is not None:
                pattern = self._pattern([diffs[k] for k in entries], counterexample, analyse=False)
                return Decision(REFUTED, "a point where the sides differ (confirmed to 50 digits); "
                                f"{self._where(lhs, entries, rhs)}{pattern}", counterexample)
        nonzero = [k for k, d in enumerate(diffs) if not self.is_zero(d)]
        if not nonzero:
            if not numeric_ok.all():
                k = int(np.argmin(numeric_ok))
                return Decision(UNDECIDED, "the exact check found the sides equal but the numeric "
                                f"cross-check disagrees at point {k + 1}: this is a bug in derive; "
                                "please report it")
            return Decision(PROVED, f"exact: the difference expands to 0; numeric: {len(numeric_ok)} "
                            f"points agree within {RTOL:g}")
        any_opaque = any(opaque(diffs[k]) for k in nonzero)
        counterexample = find_counterexample(self.evaluator, lhs, rhs, numeric_ok,
                                             lambda: self._difference(diffs, lhs))
        if counterexample is not None:
            how = "exact: the difference is not 0" if not any_opaque else "a point where the sides differ"
            pattern = self._pattern([diffs[k] for k in nonzero], counterexample)
            return Decision(REFUTED, f"{how}; {self._where(lhs, nonzero, rhs)}{pattern}", counterexample)
        if not any_opaque:
            return Decision(UNDECIDED, "the exact difference is not 0, but no point separating the "
                            "sides was found (the difference is too small to show numerically)")
        if simplifies_to_zero(self.net, [diffs[k] for k in nonzero]) and numeric_ok.all():
            return Decision(PROVED, "simplify: the difference in exp form simplifies to 0; numeric: "
                            f"{len(numeric_ok)} points agree within {RTOL:g}")
        return Decision(UNDECIDED, "the sides agree at every point tried, but the difference could not "
                        "be brought to 0 (it involves sigmoid or exp of something that is not a unit's z)")

    def _pattern(self, diffs, counterexample, analyse: bool = True) -> str:
        """For ReLU networks: which units are active at the counterexample, and whether the claim
        holds only in the case where the steps it involves are all 1 (written for active units)."""
        steps = sorted(set().union(*[d.free_symbols for d in diffs]) & set(self.net.steps), key=str)
        if not steps:
            return ""
        k = counterexample.index
        states = []
        for h in steps:
            key = self.net.quantities[h]
            z = self.net["z", *key[1:]]
            value = float(np.asarray(self.evaluator.values[z])[k])
            states.append(f"{printing.display_name(z, self.net.display)} = {value:.4g}, so unit {key[2]} of layer {key[1]} is "
                          + ("active" if value > 0 else "inactive"))
        active = {h: 1 for h in steps}
        only_active = analyse and all(self.is_zero(d.xreplace(active)) for d in diffs)
        case = (" — the claim holds only where these units are active (the step already set to 1), "
                "not in every activation pattern") if only_active else ""
        return "; at this point " + ", ".join(states) + case

    def _where(self, lhs, nonzero, rhs=None) -> str:
        if not is_matrix(lhs):
            return "the sides differ"
        labels = self.stacks.get(lhs) or self.stacks.get(rhs)
        if labels and len(labels) == len(lhs):
            return "the sides differ for " + "; ".join(labels[k] for k in nonzero)
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

    def numeric_agree(self, left, right) -> np.ndarray:
        """At which seeded points every entry of the sides agrees (the second opinion)."""
        self.prepare(left + right)
        lvals = np.array([self._numeric[e] for e in left])
        rvals = np.array([self._numeric[e] for e in right])
        return agree(lvals, rvals).all(axis=0)

    def _numeric_entries(self, left, right) -> list[int]:
        """The entries whose values differ at some seeded point."""
        lvals = np.array([self._numeric[e] for e in left])
        rvals = np.array([self._numeric[e] for e in right])
        return [k for k, row in enumerate(agree(lvals, rvals)) if not row.all()]

    def _difference(self, diffs, lhs) -> str:
        shown = [self._tidy(d) for d in diffs]
        if not is_matrix(lhs):
            return shown[0]
        cols = lhs.shape[1]
        return "[" + "; ".join(", ".join(shown[r * cols:(r + 1) * cols]) for r in range(lhs.shape[0])) + "]"

    def _tidy(self, d: sp.Expr) -> str:
        """The difference, factored when that is cheap, as text in the lecture's names; a long one
        (deep linear or ReLU layers expand to many terms) is summarised by its size."""
        if _large(d):
            return "(a long expression in the leaves and node values; not shown)"
        terms = None
        for domain in domains(tuple(sorted(d.free_symbols, key=str)) or (sp.Dummy(),)):
            try:
                value = domain.from_expr(d)
            except (ValueError, TypeError, ZeroDivisionError, sp.PolynomialError):
                continue
            numerator = value.numer if type(value).__name__ == "FracElement" else value
            terms = len(numerator.terms())
            if terms > MAX_SHOWN_TERMS:
                return f"(a polynomial of {terms} terms in the leaves and node values; not shown)"
            d = value.as_expr()
            break
        if terms is None:
            d = sp.expand(d)
        if d == 0:
            return "0"
        if sp.count_ops(d) <= 300:
            found = factored(d)                 # FLINT: milliseconds where sp.factor takes seconds
            d = found if found is not None else (sp.factor(d) if sp.count_ops(d) <= 60 else d)
        return printing.latex(d, self.net.display)       # LaTeX: no SymPy syntax where a person reads


def _shape(v):
    return v.shape if is_matrix(v) else None


MAX_SHOWN_TERMS = 60
LARGE = 3000                    # nodes: a difference this big is refuted by numbers first


def _large(d: sp.Expr) -> bool:
    """Has the expression more than LARGE nodes (counted only that far)?"""
    for k, _ in enumerate(sp.preorder_traversal(d)):
        if k > LARGE:
            return True
    return False
