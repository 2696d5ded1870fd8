"""Proved, refuted or undecided in a generic vector network (φ and the loss undefined functions).

1. The two sides' shapes differ: refuted (at the document's sizes, which the report states).
2. Each entry of the difference, with every application of φ, of the loss and of their derivatives
   a free symbol (model.generic.Atoms), is 0 as a rational function: the claim holds whatever
   those values are, so for every φ and every loss.  It is proved once the numbers agree: both
   sides evaluated on their own (no atoms) with concrete functions in place of φ and l (three
   choices, `model.generic.CHOICES`) at seeded points, to 50 digits.  If they do not agree,
   something in derive is wrong: undecided, never proved.
3. Not 0: the numbers look for a choice and a point where the sides differ; one found (50 digits)
   refutes the claim, naming the φ and l of the counterexample: a claim for every φ that fails for
   one φ is false.  None found: undecided.
"""
from __future__ import annotations

import mpmath
import sympy as sp

from ..model import generic as g
from ..model.printing import latex
from ..results import PROVED, REFUTED, UNDECIDED, Counterexample
from .decider import Decision
from .generic_values import GenericValues, Jacobian

POINTS = 2                      # seeded points per choice of φ and l
DIGITS = 50
TOLERANCE = sp.Float("1e-30", DIGITS)


class GenericDecider:
    """Decides claims `lhs = rhs` whose sides are values in one generic network."""

    def __init__(self, values: GenericValues):
        self.values = values
        self.net = values.net
        self.points = g.points(self.net.leaves, POINTS * len(g.CHOICES))
        self._numbers: dict = {}
        self._walkers: dict = {}

    def decide(self, lhs, rhs, labels: list | None = None) -> Decision:
        """lhs = rhs; `labels` name the entries of a claim for every index (a column, one per value)."""
        if isinstance(lhs, Jacobian) or isinstance(rhs, Jacobian):
            return Decision(UNDECIDED, "a Jacobian compared as a whole: its layout is a convention the "
                            "document does not state")
        ls = tuple(lhs.shape) if isinstance(lhs, sp.MatrixBase) else None
        rs = tuple(rhs.shape) if isinstance(rhs, sp.MatrixBase) else None
        if ls != rs:
            return Decision(REFUTED, f"the left side is {_shape(ls)}, the right side {_shape(rhs and rs)} "
                            f"(at the sizes {self._sizes()})")
        left = list(lhs) if ls else [lhs]
        right = list(rhs) if rs else [rhs]
        atoms = g.Atoms()
        nonzero = [k for k, (a, b) in enumerate(zip(left, right)) if not g.is_zero(atoms(a - b))]
        found = self._separate(left, right, nonzero or range(len(left)))
        if not nonzero:
            if found is None:
                return Decision(PROVED, "exact: the difference is 0 with φ, the loss and their derivatives at "
                                "each argument as free symbols, so for every φ and every loss; numeric: "
                                f"{len(self.points)} points agree with {_choices()}")
            return Decision(UNDECIDED, "the exact check found the sides equal but the numbers disagree "
                            f"({found[0].text}): this is a bug in derive; please report it")
        if found is None:
            return Decision(UNDECIDED, "the difference is not 0 with φ and the loss left free, but no point "
                            f"separating the sides was found with {_choices()}")
        choice, point, k, lv, rv = found
        where = "the sides differ" if not ls else f"entry ({k // ls[1] + 1},{k % ls[1] + 1}) differs"
        if labels and ls and len(labels) == ls[0] * ls[1]:
            where = f"the sides differ for {labels[k]}"
        shown = {self.net.display[s]: _decimal(v) for s, v in point.items()}
        shown.update(choice.point)
        counter = Counterexample(point=shown, lhs=_number(lv), rhs=_number(rv),
                                 difference=_difference(left[k] - right[k], self.net.display, self.values.forward))
        return Decision(REFUTED, f"{where} at a point (confirmed to {DIGITS} digits) with {choice.text}: the claim "
                        "is written for every φ and loss, and fails for this one", counter)

    def _separate(self, left, right, entries):
        """(choice, point, entry, left value, right value) where the sides differ, or None."""
        for c, choice in enumerate(g.CHOICES):
            for point in self.points[c * POINTS:(c + 1) * POINTS]:
                for k in entries:
                    lv, rv = self._number(left[k], point, choice), self._number(right[k], point, choice)
                    if lv is None or rv is None:
                        continue
                    if abs(lv - rv) > TOLERANCE * max(1, abs(lv), abs(rv)):
                        return choice, point, k, lv, rv
        return None

    def _number(self, e, point, choice):
        """e's value at the point with the choice's φ and loss (None where it has none): walked by
        model.generic.Numbers, or, for what that does not know, SymPy's own evaluation."""
        key = (e, id(point), choice.text)
        if key not in self._numbers:
            numbers = self._walkers.setdefault(choice.text, g.Numbers(self.net.phi, self.values.arity, choice, DIGITS))
            try:
                value = numbers(e, point)
                number = sp.Float(value, DIGITS) if isinstance(value, mpmath.mpf) else None
            except (KeyError, TypeError, ValueError, ZeroDivisionError):
                number = self._slow(e, point, choice)
            self._numbers[key] = number if number is not None and number.is_finite else None
        return self._numbers[key]

    def _slow(self, e, point, choice):
        value = g.concrete(sp.sympify(e).xreplace(point), self.net.phi, self.values.arity, choice)
        try:
            number = sp.N(value, DIGITS)
        except (TypeError, ValueError, ZeroDivisionError):
            return None
        return number if number.is_real else None

    def _sizes(self) -> str:
        return ", ".join(f"{name} \u2208 R^{n}" for name, n in self.values.model.sizes.items())


def _shape(shape) -> str:
    return "a scalar" if not shape else f"{shape[0]}\u00d7{shape[1]}"


def _choices() -> str:
    return "; ".join(c.text for c in g.CHOICES)


def _decimal(v) -> str:
    """A seeded point's value (a two-decimal rational) as the decimal it is."""
    return f"{float(v):.2f}"


def _number(v) -> float:
    return float(v)


def _difference(d, display, vectors: dict) -> str:
    """The difference in the document's names: φ(z_1), φ'(z_1), ∂l/∂o_1 for the free symbols."""
    atoms = g.Atoms()
    e = atoms(d)
    entries = {}
    for name, value in vectors.items():
        if isinstance(value, sp.MatrixBase) and value.shape[1] == 1:
            for k, entry in enumerate(value):
                entries.setdefault(sp.expand(atoms(entry)), f"{name}_{{{k + 1}}}" if value.shape[0] > 1 else name)
    names = {}
    for key, symbol in atoms.symbols.items():
        func, which, args = key[0], key[1], key[2]
        name = getattr(func, "__name__", str(func))
        if name == "phi" and len(args) == 1:
            names[symbol] = f"\\phi{chr(39) * len(which)}({entries.get(args[0], chr(8230))})"
        elif which and all(k < len(args) for k in which):
            wrt = [entries.get(args[k], f"u_{{{k + 1}}}") for k in which]
            names[symbol] = f"\\frac{{\\partial {name}}}{{\\partial {' '.join(wrt)}}}"
        else:
            names[symbol] = f"{name}(\\dots)"
    if sp.count_ops(e) > 200:
        return "(a long expression in the leaves and the values of φ and the loss; not shown)"
    return latex(sp.factor(e) if sp.count_ops(e) <= 60 else e, {**display, **names})
