"""A statement for every index (`\\delta_k^{(3)} = a_k^{(3)} - t_k`, checked as the column of its
instances k = 1, 2, ...), and what it lacks written once with its letter.

The repair search finds what each instance lacks (a factor, the factor one of its factors should be)
as one expression per instance.  When those are one text with the letter put for the unit
(`a_1^{(3)} (1 - a_1^{(3)})`, `a_2^{(3)} (1 - a_2^{(3)})` -> `a_k^{(3)} (1 - a_k^{(3)})`), that text is
the candidate, in the document's names first (`y_k (1 - y_k)`); the search then decides it like
any other, so a text that does not mean what the instances do is never reported.
"""
from __future__ import annotations

import re

import sympy as sp

from ..errors import DeriveError
from .written import Written

CANCEL_OPS = 400       # as factors.CANCEL_OPS: no factor a lecturer writes is in a larger quotient


def instances(labels) -> tuple[str, list[str]] | None:
    """(the letter, the unit of each instance) of a statement for every value of one letter."""
    if not labels or len(labels) < 2:
        return None
    bound = [dict(item.split(" = ") for item in label.split(", ")) for label in labels]
    if any(len(b) != 1 for b in bound) or len({next(iter(b)) for b in bound}) != 1:
        return None                             # one letter only: j = 1, j = 2, ...
    letter = next(iter(bound[0]))
    return letter, [b[letter] for b in bound]


def ratios(w: Written, should, value):
    """(letter, units, [should / value in each instance]) of a column of instances, else None."""
    labels = w.meaning.stacks.get(value) or w.meaning.stacks.get(w.reference) or _labels(w)
    found = instances(labels)
    if found is None or value.shape[1] != 1 or len(labels) != value.shape[0]:
        return None
    qs = []
    for a, v in zip(should, value):
        if v == 0 or sp.count_ops(a) + sp.count_ops(v) > CANCEL_OPS:
            return None
        qs.append(sp.factor(sp.cancel(a / v)))
    return found[0], found[1], qs


def _labels(w: Written):
    """The instances of the member as written (its value is the column the statement checks)."""
    try:
        return w.meaning.stacks.get(w.meaning.member_value(w.member))
    except (DeriveError, KeyError, TypeError, ValueError):     # no value (a shape error): no instances
        return None


def texts(w: Written, printed: list[str], units: list[str], letter: str) -> list[str]:
    """The instances' texts written once with the letter: in the document's names, then in derive's."""
    out = []
    for spell in ([w.respell] if w.respell else []) + [lambda text: text]:
        text = lettered([spell(p) for p in printed], units, letter)
        if text is not None and text not in out:
            out.append(text)
    return out


def lettered(printed: list[str], units: list[str], letter: str) -> str | None:
    """The one text that, with `letter` replaced by each unit, is each instance's: `y_k (1 - y_k)`."""
    written = "{" + letter + "}" if len(letter) > 1 else letter
    text = re.sub(r"(?<=_)(\{)?" + units[0] + r"(?(1)\})(?![0-9])", written, printed[0])
    if text == printed[0] or any(re.sub(r"(?<=_)" + re.escape(written) + r"(?![A-Za-z])", n, text) != p
                                 for n, p in zip(units, printed)):
        return None
    return text
