"""What a formula's value is: a SymPy scalar or an ImmutableMatrix, and the few helpers every part
of the meaning stage uses on values (is it a matrix, its shape in words, one scalar out of a 1x1
matrix) and on its errors (an error placed at the node it is about)."""
from __future__ import annotations

import sympy as sp

from ..errors import ShapeError

Value = sp.Expr | sp.ImmutableMatrix


def is_matrix(v) -> bool:
    return isinstance(v, sp.MatrixBase)


def shape_text(v) -> str:
    return f"{v.shape[0]}\u00d7{v.shape[1]}" if is_matrix(v) else "scalar"


def fail(cls, message, node, expected=None):
    """An error of class `cls` placed at `node` (its offset is the node's start)."""
    err = cls(message, expected=expected)
    err.offset = node.start
    return err


def scalar(v, node, what):
    """v itself, or the entry of a 1x1 matrix; a larger matrix where `what` is needed is a ShapeError."""
    if is_matrix(v):
        if v.shape == (1, 1):
            return v[0, 0]
        raise fail(ShapeError, f"a {shape_text(v)} matrix where {what} is needed", node, what)
    return v


UNDEFINED = (sp.zoo, sp.nan, sp.oo, -sp.oo)


def undefined(v) -> bool:
    """Whether a value is not a finite number anywhere (1/0, log 0, (a - a)^{-1} are SymPy's zoo)."""
    entries = v if is_matrix(v) else [v]
    return any(isinstance(e, sp.Basic) and (e in UNDEFINED or e.has(*UNDEFINED)) for e in entries)
