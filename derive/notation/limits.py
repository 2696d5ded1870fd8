"""The bounds on what a formula writes: the digits of its numbers and the size of its exponents
(checked on the parsed pieces before any value is computed), and the layers a document names."""
from __future__ import annotations

import math
from dataclasses import fields as dc_fields
from fractions import Fraction

from ..errors import ModelError, NotationError
from ..runtime.bounds import Bounds, option
from . import syntax as s
from .syntax import walk


def _digits(q: Fraction) -> int:
    """About how many decimal digits the numerator and denominator of q have together."""
    if q == 0:
        return 1
    return int(math.log10(abs(q.numerator)) + math.log10(q.denominator)) + 1


def check_numbers(pieces, digits: int, exponent: int) -> None:
    """Every number written, and every number computed from constants (2^{20000}, 10^{60} 10^{60}),
    has at most `digits` digits; a constant exponent of anything not constant is at most
    `exponent` in size.  Past either: a NotationError at the number, naming the bound."""
    def fail(message, node, expected):
        err = NotationError(message, expected=expected)
        err.offset = node.start
        return err

    def value(node):
        """The exact value of a constant subtree, or None; checks every subtree on the way."""
        if isinstance(node, s.Num):
            count = sum(ch.isdigit() for ch in node.text)
            if count > digits:
                raise fail(f"a number of {count} digits: past the bound of {digits} digits", node,
                           f"numbers of at most {digits} digits ({option('digits')}=N)")
            return Fraction(node.text)
        if isinstance(node, s.Neg):
            v = value(node.operand)
            return None if v is None else -v
        if isinstance(node, s.Power):
            base, power = value(node.base), value(node.exponent)
            if power is None:
                size = _approx(node.exponent)           # e^{5}, \exp(5): constant, not rational
                if size is not None and not abs(size) <= exponent:
                    raise fail(f"the exponent is about {size:.6g}: past the bound of {exponent}", node.exponent,
                               f"an exponent of at most {exponent} ({option('exponent')}=N)")
                return None
            if base is None or power.denominator != 1:
                inner = node.base
                while isinstance(inner, s.Power) and isinstance(inner.exponent, s.Num):
                    power *= Fraction(inner.exponent.text)      # (x^a)^b is x^{ab}
                    inner = inner.base
                if abs(power) > exponent:
                    raise fail(f"the exponent {_short(power)} is past the bound of {exponent}", node.exponent,
                               f"an exponent of at most {exponent} ({option('exponent')}=N)")
                return None
            if base == 0 or abs(base) == 1:
                return None if (base == 0 and power < 0) else base ** int(power)
            size = int((math.log10(abs(base.numerator)) + math.log10(base.denominator)) * abs(power)) + 1
            if size > digits:
                raise fail(f"this power is a number of about {_short(size)} digits: past the bound of "
                           f"{digits} digits", node, f"numbers of at most {digits} digits ({option('digits')}=N)")
            return base ** int(power)
        if isinstance(node, (s.BinOp, s.Frac)):
            left, right = (node.left, node.right) if isinstance(node, s.BinOp) else (node.num, node.den)
            op = node.op if isinstance(node, s.BinOp) else "/"
            a, b = value(left), value(right)
            if a is None or b is None or op == "bullet":
                return None
            if op in ("+", "-"):
                out = a + b if op == "+" else a - b
            elif op == "/":
                if b == 0:
                    return None
                out = a / b
            else:
                out = a * b
            if _digits(out) > digits:
                raise fail(f"a number of about {_digits(out)} digits: past the bound of {digits} digits", node,
                           f"numbers of at most {digits} digits ({option('digits')}=N)")
            return out
        for child in _children(node):
            value(child)
        return None

    for piece in pieces:
        for chain in piece.chains:
            for member in chain:
                for part in member.parts:
                    value(part.expr)


def _approx(node) -> float | None:
    """About the value of a constant made of numbers, e, exp and arithmetic (inf when it is too
    large for a float), or None when the node is not such a constant."""
    try:
        if isinstance(node, s.Num):
            return float(node.text)
        if isinstance(node, s.Sym) and node.name == "e" and not (node.sub or node.layer or node.example or node.mark):
            return math.e
        if isinstance(node, s.Neg):
            v = _approx(node.operand)
            return None if v is None else -v
        if isinstance(node, s.Call) and node.func == "exp":
            v = _approx(node.arg)
            return None if v is None else (math.exp(v) if v < 700 else math.inf)
        if isinstance(node, (s.Power, s.BinOp, s.Frac)):
            left, right = ((node.base, node.exponent) if isinstance(node, s.Power) else
                           (node.left, node.right) if isinstance(node, s.BinOp) else (node.num, node.den))
            a, b = _approx(left), _approx(right)
            op = "^" if isinstance(node, s.Power) else "/" if isinstance(node, s.Frac) else node.op
            if a is None or b is None or op not in ("^", "+", "-", "/", "times", "juxt", "cdot", "*"):
                return None
            if op == "^":
                return abs(a) ** b if a != 0 else 0.0
            return a + b if op == "+" else a - b if op == "-" else (a / b if b else None) if op == "/" else a * b
    except (OverflowError, ValueError, ZeroDivisionError):
        return math.inf
    return None


def _children(node):
    for f in dc_fields(node):
        v = getattr(node, f.name)
        if isinstance(v, s.Node):
            yield v
        elif isinstance(v, tuple):
            for row in v:
                if isinstance(row, s.Node):
                    yield row
                elif isinstance(row, tuple):
                    yield from (c for c in row if isinstance(c, s.Node))


def _short(q) -> str:
    text = str(q)
    return text if len(text) <= 24 else f"{text[:10]}…({len(text)} digits)"


def check_layers_named(statements, bounds: Bounds) -> None:
    """A document that names a layer past the bound (a_1^{(8000)}) cannot define a network derive
    builds: a ModelError at the name, before the network is read from the document."""
    for st in statements:
        if len(st.members) < 2:                 # a name mentioned, with no relation, defines nothing
            continue
        for member in st.members:
            for part in member.parts:
                for node in walk(part.expr):
                    if isinstance(node, s.Sym) and node.layer and node.layer.isdigit() \
                            and len(node.layer) < 12 and int(node.layer) <= bounds.layers:
                        continue
                    if isinstance(node, s.Sym) and node.layer and node.layer.isdigit():
                        line, col = part.source.position(node.start) if part.source else (None, None)
                        raise ModelError(f"the document names layer {node.layer[:20]}: past the bound of "
                                         f"{bounds.layers} layers", line=line, col=col,
                                         source_line=part.source.line_text(line) if part.source else None,
                                         expected=f"at most {bounds.layers} layers ({option('layers')}=N)")
