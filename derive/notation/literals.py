"""Numbers as a formula writes them: a literal (`0.3775`, `4.38568 \\times 10^{-4}`), arithmetic of
numbers alone, a printed decimal.  Syntax only: what the numbers are worth is `worked.intervals`."""
from __future__ import annotations

from decimal import Decimal

from . import syntax as s
from .syntax import walk

TRANSCENDENTAL = ("sigmoid", "exp", "tanh", "log")


def is_e(node) -> bool:
    return isinstance(node, s.Sym) and node.name == "e" and not node.sub and not node.layer


def is_literal(node) -> bool:
    """A number as printed: `0.3775`, `-0.0380982366`, `1`, `4.38568 \\times 10^{-4}`."""
    if isinstance(node, s.Neg):
        node = node.operand
    return isinstance(node, s.Num) or _scientific(node) is not None


def _scientific(node) -> str | None:
    """`4.38568 \\times 10^{-4}` as the decimal it prints, 0.000438568; else None."""
    if not (isinstance(node, s.BinOp) and node.op in ("times", "juxt") and isinstance(node.right, s.Power)
            and isinstance(node.right.base, s.Num) and node.right.base.text == "10"):
        return None
    mantissa, minus = node.left, ""
    if isinstance(mantissa, s.Neg):
        mantissa, minus = mantissa.operand, "-"
    if not isinstance(mantissa, s.Num):
        return None
    e = node.right.exponent
    sign = -1 if isinstance(e, s.Neg) else 1
    e = e.operand if isinstance(e, s.Neg) else e
    if not (isinstance(e, s.Num) and e.text.isdigit()):
        return None
    return minus + format(Decimal(mantissa.text).scaleb(sign * int(e.text)), "f")


def is_numbers_only(node) -> bool:
    """Arithmetic of numbers alone (no named quantity, no derivative)."""
    return all(isinstance(n, (s.Num, s.BinOp, s.Neg, s.Frac, s.Power, s.Call, s.Matrix, s.Norm)) or is_e(n)
               for n in walk(node))


def has_decimal(node) -> bool:
    """Does this carry a printed decimal, or a function of numbers (e^{-0.3775}): a number to check
    at the bindings rather than an identity to prove?"""
    for n in walk(node):
        if isinstance(n, s.Num) and "." in n.text:
            return True
        if isinstance(n, s.Power) and is_e(n.base) and is_numbers_only(n.exponent):
            return True
        if isinstance(n, s.Call) and n.func in TRANSCENDENTAL and is_numbers_only(n.arg):
            return True
    return False


def literal_text(node) -> str:
    if isinstance(node, s.Neg):
        return "-" + literal_text(node.operand)
    return node.text if isinstance(node, s.Num) else _scientific(node)
