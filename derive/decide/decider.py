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
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import sympy as sp

from ..model import printing
from ..model.oracle import Oracle
from ..meaning.derivatives import DefinedTerm
from ..meaning.values import is_matrix, shape_text
from ..model.network import Network
from ..model.families import LEAKY_SLOPE
from ..model.families import leaky, relu, sigmoid, softmax, step
from .second_opinion import RTOL, Evaluator, agree
from ..results import PROVED, REFUTED, UNDECIDED, Counterexample

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

    def __init__(self, net: Network, derivatives: dict, oracle: Oracle | None = None):
        self.net = net
        self.derivatives = derivatives
        self.oracle = oracle or Oracle(net)
        self._normal: dict = {}
        self._level: dict = {}
        self._terms: dict = {}
        self._numeric: dict = {}
        self._decided: dict = {}
        self._expansions = net.expansions
        self.stacks: dict = {}          # statements for every index: entry labels (set by the workspace)

    @cached_property
    def evaluator(self) -> Evaluator:
        return Evaluator(self.net, self.derivatives)

    # -- normal form ----------------------------------------------------------------------------------
    def normal(self, expr: sp.Expr) -> sp.Expr:
        """The expression in leaves and free atoms (opaque functions left where unavoidable), with the
        relations between atoms applied (softmax outputs, cross-entropy targets sum to 1)."""
        if expr not in self._normal:
            known = {}
            for q in expr.free_symbols:
                d = self.derivatives.get(q)
                if d is not None:
                    known[q] = self.normal(d.value) if isinstance(d, DefinedTerm) else d.normal
            self._normal[expr] = self._finish(expr.xreplace(known) if known else expr)
        return self._normal[expr]

    def _finish(self, e: sp.Expr) -> sp.Expr:
        e = e.xreplace(self._expansions)
        if e.has(*REWRITTEN):
            e = self._rewrite(e)
        return e.xreplace(self.net.relations) if self.net.relations else e

    # -- the level a claim is written at ------------------------------------------------------------
    def level(self, expr: sp.Expr) -> sp.Expr:
        """The expression with the oracle's error terms as atoms: derivative symbols in their level
        form, a document's proved error terms as the oracle's atoms (others by their definitions)."""
        if expr not in self._level:
            known = {}
            for q in expr.free_symbols:
                d = self.derivatives.get(q)
                if isinstance(d, DefinedTerm):
                    atom = self.proved_term(q)
                    known[q] = atom if atom is not None else self.level(d.value)
                elif d is not None:
                    known[q] = d.level
            self._level[expr] = self._finish(expr.xreplace(known) if known else expr)
        return self._level[expr]

    def proved_term(self, symbol: sp.Symbol):
        """The oracle's atom (or its negative) that a document's error term was proved equal to, else
        None.  Proved at its own level, once: its definition uses the next layer's terms."""
        if symbol not in self._terms:
            self._terms[symbol] = None              # a definition never leans on itself
            d = self.derivatives[symbol]
            key = self.net.quantities[d.z]
            atom = self.oracle.error_term(("E",), key[1], key[2], tuple(key[3:]))
            value = self.level(d.value)
            for sign in (1, -1):
                if self._unfolds_to_zero(value, sign * self._finish(atom)) is not None:
                    self._terms[symbol] = sign * atom
                    break
        return self._terms[symbol]

    def _unfolds_to_zero(self, a: sp.Expr, b: sp.Expr):
        """Is a - b 0 with the error-term atoms free, unfolding the lowest layer's atoms one level at
        a time until it is or no atom is left?  The layers of the atoms the sides still had at the
        zero (a set, empty in node values), or None when a - b is not 0."""
        levels, layer_of = self.oracle.levels, self.oracle.layer_of
        while True:
            atoms = [q for q in a.free_symbols | b.free_symbols if q in levels]
            if self.is_zero(a - b):
                return frozenset(layer_of[q] for q in atoms)
            if not atoms:
                return None
            low = min(layer_of[q] for q in atoms)
            unfold = {q: levels[q] for q in atoms if layer_of[q] == low}
            a, b = self._finish(a.xreplace(unfold)), self._finish(b.xreplace(unfold))

    def _level_proof(self, left, right):
        """The layers of the error terms the claim was proved with as atoms, or None (not proved so)."""
        layers = set()
        for l, r in zip(left, right):
            found = self._unfolds_to_zero(self.level(l), self.level(r))
            if found is None:
                return None
            layers |= found
        return layers

    def _rewrite(self, e: sp.Expr) -> sp.Expr:
        if not e.args:
            return e
        args = [self._rewrite(a) for a in e.args]
        if isinstance(e, REWRITTEN):
            return self._unit_function(e.func, args)
        return e.func(*args) if any(a is not b for a, b in zip(args, e.args)) else e

    def _unit_multiple(self, arg: sp.Expr):
        """(layer, unit, example, c) when arg == c * z_j^{(l)} for a whole number c, else None."""
        arg = sp.expand(arg)
        for bias in arg.free_symbols & self.net.unit_of_bias.keys():
            c = arg.coeff(bias)
            if not (c.is_Integer and c != 0):
                continue
            for l, j, n, z in self.net.unit_of_bias[bias]:
                if sp.expand(arg - c * z) == 0:
                    return l, j, n, int(c)
        return None

    def _unit_function(self, func, args):
        """A function of a unit's z in node values where the unit's family allows it."""
        found = self._unit_multiple(args[0]) if func is not softmax else None
        if not found:
            return func(*args)
        l, j, n, c = found
        net = self.net
        act = net.activation(l)
        key = ("a", l, j) + net.ex(n)
        a = net[key]
        if func is sigmoid and act == "sigmoid" and c in (1, -1):
            return a if c == 1 else 1 - a
        if func is sp.tanh and act == "tanh" and c in (1, -1):
            return c * a
        if func is sp.exp:
            if act == "sigmoid":
                return (a / (1 - a)) ** c
            if act == "tanh" and c % 2 == 0:
                return ((1 + a) / (1 - a)) ** (c // 2)
            if act == "softmax":
                return (a * net["S", l, *net.ex(n)]) ** c
        if func is relu and act == "relu" and c == 1:
            return self._expansions[a]
        if func is leaky and act == "leaky-relu" and c == 1 and args[1] == LEAKY_SLOPE:
            return self._expansions[a]
        if func is step and act in ("relu", "leaky-relu") and c == 1:
            return net["h", l, j, *net.ex(n)]
        return func(*args)

    @staticmethod
    def opaque(e: sp.Expr) -> bool:
        return any(f.free_symbols for f in e.atoms(*REWRITTEN))

    def is_zero(self, d: sp.Expr) -> bool:
        """Is the difference 0 as a rational function of the symbols in it (leaves, node values,
        error-term atoms), with each ReLU step h reduced by h^2 = h?  Any function left (log a, exp
        of something not a unit's z) is one more free atom: a zero is then a zero whatever its
        value.  Sparse polynomial arithmetic over just the symbols the difference has (exact,
        several times faster than expand)."""
        if d == 0:
            return True
        atoms = [f for f in d.atoms(sp.Function) if f.free_symbols]
        if atoms:
            d = d.xreplace({f: sp.Dummy(f"atom{k}") for k, f in enumerate(atoms)})
        gens = tuple(sorted(d.free_symbols, key=str))
        if not gens:
            return sp.expand(d) == 0
        for domain in _domains(gens):
            try:
                value = domain.from_expr(d)
            except (ValueError, TypeError, ZeroDivisionError, sp.PolynomialError):
                continue
            if value == 0:
                return True
            steps = set(self.net.steps)
            if not steps & set(gens):
                return False
            numerator = value.numer if type(value).__name__ == "FracElement" else value
            return _reduce_steps(numerator, [k for k, g in enumerate(gens) if g in steps]) == 0
        numerator, _ = sp.fraction(sp.together(d))
        return sp.expand(numerator) == 0

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
            return Decision(UNDECIDED, f"this depends on a definition derive cannot model: {reason}")
        left = list(lhs) if is_matrix(lhs) else [lhs]
        right = list(rhs) if is_matrix(rhs) else [rhs]
        if _shape(lhs) != _shape(rhs):
            detail = f"the left side is {shape_text(lhs)}, the right side {shape_text(rhs)}"
            return Decision(REFUTED, detail, self._shape_counterexample(lhs, rhs))
        numeric_ok = self._numeric_agree(left, right)
        layers = self._level_proof(left, right) if numeric_ok.all() else None
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
            counterexample = self._counterexample(lhs, rhs, left, right, diffs, entries, numeric_ok)
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
        opaque = any(self.opaque(diffs[k]) for k in nonzero)
        counterexample = self._counterexample(lhs, rhs, left, right, diffs, nonzero, numeric_ok)
        if counterexample is not None:
            how = "exact: the difference is not 0" if not opaque else "a point where the sides differ"
            pattern = self._pattern([diffs[k] for k in nonzero], counterexample)
            return Decision(REFUTED, f"{how}; {self._where(lhs, nonzero, rhs)}{pattern}", counterexample)
        if not opaque:
            return Decision(UNDECIDED, "the exact difference is not 0, but no point separating the "
                            "sides was found (the difference is too small to show numerically)")
        if self._simplifies_to_zero([diffs[k] for k in nonzero]) and numeric_ok.all():
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

    def _numeric_agree(self, left, right) -> np.ndarray:
        self.prepare(left + right)
        lvals = np.array([self._numeric[e] for e in left])
        rvals = np.array([self._numeric[e] for e in right])
        return agree(lvals, rvals).all(axis=0)

    def _numeric_entries(self, left, right) -> list[int]:
        """The entries whose values differ at some seeded point."""
        lvals = np.array([self._numeric[e] for e in left])
        rvals = np.array([self._numeric[e] for e in right])
        return [k for k, row in enumerate(agree(lvals, rvals)) if not row.all()]

    def _counterexample(self, lhs, rhs, left, right, diffs, nonzero, numeric_ok):
        candidates = [k for k in range(len(numeric_ok)) if not numeric_ok[k]]
        candidates += [k for k in range(len(numeric_ok)) if numeric_ok[k]]
        for k in candidates:
            exact = self.evaluator.exact_point(left + right, k)
            n = len(left)
            l_vals, r_vals = exact[:n], exact[n:]
            if any(abs(a - b) > 1e-30 * max(1, abs(a), abs(b)) for a, b in zip(l_vals, r_vals)):
                found = Counterexample(point=self.evaluator.point(k), lhs=_shaped(lhs, l_vals),
                                       rhs=_shaped(rhs, r_vals), difference=self._difference(diffs, lhs))
                found.index = k
                return found
        return None

    def _shape_counterexample(self, lhs, rhs):
        values = self.evaluator.exact_point(_flat(lhs) + _flat(rhs), 0)
        n = len(_flat(lhs))
        return Counterexample(point=self.evaluator.point(0), lhs=_shaped(lhs, values[:n]),
                              rhs=_shaped(rhs, values[n:]), difference="(the shapes differ)")

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
        for domain in _domains(tuple(sorted(d.free_symbols, key=str)) or (sp.Dummy(),)):
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
            d = sp.factor(d)
        return printing.text(d, self.net.display)

    def _simplifies_to_zero(self, diffs) -> bool:
        back, net = {}, self.net
        for key, symbol in net.symbols.items():
            if key[0] == "a":
                back[symbol] = net.compose(key).rewrite(sp.exp)
            elif key[0] == "h":
                back[symbol] = step(net.compose(("z",) + key[1:]))
            elif key[0] == "S":
                back[symbol] = sp.Add(*[sp.exp(net.compose(("z", key[1], k) + key[2:])) for k in net.units(key[1])])
        for d in diffs:
            full = d.xreplace(back).rewrite(sp.exp)
            if sp.simplify(full) != 0:
                return False
        return True


REWRITTEN = (sigmoid, sp.exp, sp.tanh, relu, leaky, step, softmax)


@lru_cache(maxsize=4096)
def _domains(gens):
    from sympy.polys.domains import QQ
    from sympy.polys.fields import field
    from sympy.polys.rings import ring
    return ring(gens, QQ)[0], field(gens, QQ)[0]


def _reduce_steps(numerator, indices) -> int:
    """The number of non-zero terms left when every step h in the polynomial is reduced h^k -> h."""
    terms: dict = {}
    for monomial, coefficient in numerator.terms():
        reduced = tuple(min(e, 1) if k in indices else e for k, e in enumerate(monomial))
        terms[reduced] = terms.get(reduced, 0) + coefficient
    return sum(1 for c in terms.values() if c != 0)


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


MAX_SHOWN_TERMS = 60
LARGE = 3000                    # nodes: a difference this big is refuted by numbers first


def _large(d: sp.Expr) -> bool:
    """Has the expression more than LARGE nodes (counted only that far)?"""
    for k, _ in enumerate(sp.preorder_traversal(d)):
        if k > LARGE:
            return True
    return False
