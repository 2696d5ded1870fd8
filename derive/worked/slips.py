"""A wrong number gets a number: the value a printed number should have, to its printed precision,
and the slip that likely made it (a digit dropped, added, swapped or copied wrong; the sign; the
value of another unit).  The repair is the number itself, never a factor or a long rational.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import mpmath

from ..notation import syntax as s
from ..notation.literals import is_literal, literal_text
from .intervals import decimal_of, midpoint


@dataclass
class NumberRepair:
    """Putting the number `new` in place of the printed `old` (at line:col) makes the claim proved;
    the same fields as repair.search.Repair, so every report shows it as one."""

    line: int
    col: int
    old: str
    new: str
    description: str
    kind: str
    cell: int | None = None

    def to_json(self) -> dict:
        out = {"line": self.line, "col": self.col, "old": self.old, "new": self.new,
               "description": self.description, "kind": self.kind}
        if self.cell is not None:
            out["cell"] = self.cell
        return out


def places_of(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def right_text(value, printed: str) -> str:
    """The value rounded to the places `printed` shows (an interval: its midpoint)."""
    x = midpoint(value) if hasattr(value, "_mpi_") else value
    out = decimal_of(x, places_of(printed))
    return "0" + out[1:] if out.startswith("-") and set(out[1:]) <= set("0.") else out


def slip(right: str, printed: str, exact=None, others: dict | None = None) -> str:
    """The likely slip from `right` (the value to the printed places) to `printed`, or ""."""
    if printed.lstrip("-") == right.lstrip("-") and printed != right:
        return "the sign"
    for name, value in (others or {}).items():
        if right_text(value, printed) == printed:
            return f"the value of {name}"
    a, b = _digits(right), _digits(printed)
    if exact is not None and len(a) == len(b) and places_of(printed) and _within_a_unit(exact, printed):
        return "its last digit one off: the rounding of numbers rounded earlier, or a slip"
    if printed.startswith("-") == right.startswith("-"):
        if len(a) == len(b):
            diff = [k for k in range(len(a)) if a[k] != b[k]]
            if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
                return f"two digits swapped ({a[diff[0]]}{a[diff[1]]} written {b[diff[0]]}{b[diff[1]]})"
            if len(diff) == 1:
                return f"one digit copied wrong ({b[diff[0]]} for {a[diff[0]]})"
        if exact is not None:
            longer = _digits(right_text(exact, printed + "0"))
            if any(longer[:k] + longer[k + 1:] == b for k in range(len(longer))) and len(b) == len(longer) - 1:
                return "a digit dropped"
            shorter = _digits(right_text(exact, printed[:-1])) if places_of(printed) > 1 else None
            if shorter and any(b[:k] + b[k + 1:] == shorter for k in range(len(b))):
                return "a digit added"
    return ""


def _within_a_unit(exact, printed: str) -> bool:
    """Is the printed number less than one unit of its last place from the exact value?"""
    x = midpoint(exact) if hasattr(exact, "_mpi_") else exact
    try:
        value = Decimal(mpmath.nstr(mpmath.mpf(x), 40, strip_zeros=False))
    except (TypeError, ValueError, ArithmeticError):
        return False
    return abs(Decimal(printed) - value) < Decimal(1).scaleb(-places_of(printed))


def _digits(text: str) -> str:
    return text.lstrip("-").replace(".", "")


def lone_literal(member) -> s.Node | None:
    """The member's number when it is one printed number alone (`0.3775`, `-0.0190`), else None."""
    if len(member.parts) == 1 and isinstance(member.parts[0].expr, (s.Num, s.Neg)) and is_literal(member.parts[0].expr):
        return member.parts[0].expr
    return None


def find_literal(member, text: str) -> tuple[s.Part, s.Node] | None:
    """The first printed number `text` in a member (a number an arithmetic line uses)."""
    for part in member.parts:
        for node in s.walk(part.expr):
            if isinstance(node, s.Num) and node.text == text.lstrip("-"):
                return part, node
    return None


def number_repair(part, node, value, exact=None, others=None) -> NumberRepair | None:
    """The repair of the printed number `node` (in `part`) whose value should be `value` (an interval
    or a number): the number to the printed places, and the slip named where one fits."""
    if part.source is None or not isinstance(node, (s.Num, s.Neg)):
        return None
    printed = literal_text(node)
    if printed is None or "e" in printed.lower():
        return None
    right = right_text(value, printed)
    if right == printed:
        return None
    text = part.source.text[node.start:node.end]
    if text.replace(" ", "") != printed:
        return None
    how = slip(right, printed, exact if exact is not None else value, others)
    line, col = part.source.position(node.start)
    description = f"`{printed}` should be `{right}`" + (f" ({how})" if how else "")
    return NumberRepair(line, col, text, right, description, "wrong number", getattr(part.source, "cell", None))
