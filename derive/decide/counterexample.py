"""The witness of a refutation: a seeded point where the two sides differ, confirmed in 50 digits.

The points are the second opinion's (second_opinion.py, reproducible from its seed).  The points
where the numbers already disagree are tried first, then the others: a point refutes only when the
sides, evaluated again with mpmath at 50 significant digits, differ by more than 1e-30 relative, so
rounding never refutes.  Sides of different shapes are refuted at the first point, with the values
of both sides shown.
"""
from __future__ import annotations

from typing import Callable

from ..meaning.values import is_matrix
from ..results import Counterexample
from .second_opinion import Evaluator


def find_counterexample(evaluator: Evaluator, lhs, rhs, numeric_ok, difference: Callable[[], str]):
    """The first seeded point where lhs and rhs differ in 50 digits (its index kept as `.index`),
    else None; `difference()` writes the difference of the sides for the report, once found."""
    left, right = flat(lhs), flat(rhs)
    candidates = [k for k in range(len(numeric_ok)) if not numeric_ok[k]]
    candidates += [k for k in range(len(numeric_ok)) if numeric_ok[k]]
    for k in candidates:
        exact = evaluator.exact_point(left + right, k)
        n = len(left)
        l_vals, r_vals = exact[:n], exact[n:]
        if any(abs(a - b) > 1e-30 * max(1, abs(a), abs(b)) for a, b in zip(l_vals, r_vals)):
            found = Counterexample(point=evaluator.point(k), lhs=shaped(lhs, l_vals),
                                   rhs=shaped(rhs, r_vals), difference=difference())
            found.index = k
            return found
    return None


def shape_counterexample(evaluator: Evaluator, lhs, rhs) -> Counterexample:
    """Sides of different shapes: both evaluated at the first point."""
    values = evaluator.exact_point(flat(lhs) + flat(rhs), 0)
    n = len(flat(lhs))
    return Counterexample(point=evaluator.point(0), lhs=shaped(lhs, values[:n]),
                          rhs=shaped(rhs, values[n:]), difference="(the shapes differ)")


def flat(v) -> list:
    """The entries of a matrix row by row, or the one value."""
    return list(v) if is_matrix(v) else [v]


def shaped(v, values):
    """Values (row by row) as floats in the shape of v: a number, or a list of rows."""
    floats = [float(x) for x in values]
    if not is_matrix(v):
        return floats[0]
    cols = v.shape[1]
    return [floats[r * cols:(r + 1) * cols] for r in range(v.shape[0])]
