"""Numbers as a worked example prints them: what a decimal claims, and arithmetic with rounding.

A printed decimal claims its value to half a unit in its last place: `0.593269992` says the value
lies in [0.5932699915, 0.5932699925]; an integer claims itself exactly.  Arithmetic written with
numbers (`0.40 - 0.5 \\times 0.082167041`, `\\frac{1}{1 + e^{-0.3775}}`) is evaluated in interval
arithmetic (mpmath.iv at 60 digits, so every enclosure is rigorous): a literal that repeats a value
printed earlier as a rounded result carries that rounding (it stands for every value between what
was printed and the exact value printed there), every other literal stands exactly for itself.
Named quantities inside such arithmetic (`0.40 \\times a_1^{(2)}`) take their values at the
bindings.  Nothing here decides with floats: the decision is whether intervals meet.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import mpmath
import sympy as sp

from ..errors import MeaningError
from ..notation import syntax as s
from ..notation.literals import TRANSCENDENTAL, is_e

iv = mpmath.iv
DIGITS = 60
PRECISION = 210                 # bits: 60 decimal digits and a margin


def significant_digits(text: str) -> int:
    """0.000438568 -> 6, 0.40 -> 2, 12 -> 2."""
    digits = text.lstrip("-").replace(".", "").lstrip("0")
    return len(digits)


def half_unit(text: str) -> Decimal:
    """Half a unit in the last place of a printed decimal; 0 for an integer (it claims itself)."""
    if "." not in text:
        return Decimal(0)
    return Decimal(1).scaleb(-len(text.split(".")[1])) / 2


def printed_interval(text: str):
    """The interval a printed number claims: [p - h, p + h]."""
    p, h = Decimal(text), half_unit(text)
    saved, iv.prec = iv.prec, PRECISION
    try:
        return iv.mpf(str(p)) if h == 0 else iv.mpf([str(p - h), str(p + h)])
    finally:
        iv.prec = saved


def exact_interval(value):
    """A rigorous enclosure of an exact SymPy number (rationals exactly, the rest to 60 digits)."""
    saved, iv.prec = iv.prec, PRECISION
    try:
        if isinstance(value, sp.Rational):
            return iv.mpf(value.p) / iv.mpf(value.q)
        with mpmath.workprec(PRECISION):
            if not isinstance(value, mpmath.mpf):
                number = sp.N(value, DIGITS + 5)
                if not number.is_Float:
                    raise MeaningError(f"cannot evaluate {value} to a number")
                value = mpmath.mpf(number._mpf_)
            f = value
            eps = mpmath.mpf(10) ** (-DIGITS + 5) * max(1, abs(f))
            return iv.mpf([f - eps, f + eps])
    finally:
        iv.prec = saved


def ends(x) -> tuple:
    """An interval's two ends as mpf numbers."""
    a, b = x._mpi_
    with mpmath.workprec(PRECISION):
        return mpmath.mpf(a), mpmath.mpf(b)


def hull(x, y):
    (a, b), (c, d) = ends(x), ends(y)
    saved, iv.prec = iv.prec, PRECISION
    try:
        return iv.mpf([min(a, c), max(b, d)])
    finally:
        iv.prec = saved


def meets(x, y) -> bool:
    (a, b), (c, d) = ends(x), ends(y)
    return a <= d and c <= b


def midpoint(x) -> mpmath.mpf:
    a, b = ends(x)
    with mpmath.workprec(PRECISION):
        return (a + b) / 2


def width(x) -> mpmath.mpf:
    a, b = ends(x)
    with mpmath.workprec(PRECISION):
        return b - a


class Arithmetic:
    """Evaluates a syntax tree in interval arithmetic.  `literal(num_text)` gives a printed number's
    interval (exact, or the rounding it carries); `quantity(node)` the value of anything named."""

    def __init__(self, literal, quantity):
        self.literal, self.quantity = literal, quantity

    def value(self, node):
        saved, iv.prec = iv.prec, PRECISION
        try:
            return self._value(node)
        finally:
            iv.prec = saved

    def _value(self, node):
        if isinstance(node, s.Num):
            return self.literal(node.text)
        if isinstance(node, s.Matrix):
            return Grid([[self._value(c) for c in row] for row in node.rows])
        if isinstance(node, s.Transpose):
            grid = self._value(node.operand)
            if not isinstance(grid, Grid):
                raise MeaningError("^T of a number", expected="a matrix before ^T")
            return grid.T
        if isinstance(node, s.Norm):              # \\|x\\|: the magnitude, the rounding kept inside
            u = self._value(node.operand)
            if isinstance(u, Grid):
                return iv.sqrt(sum((abs(x) ** 2 for x in u.entries()), iv.mpf(0)))
            return abs(u)
        if isinstance(node, s.Neg):
            if isinstance(node.operand, s.Num):
                return self.literal("-" + node.operand.text)
            return each(lambda u: -u, self._value(node.operand))
        if isinstance(node, s.BinOp) and node.op == "bullet":
            return _product(self._value(node.left), self._value(node.right))
        if isinstance(node, s.BinOp) and node.op in ("+", "-", "times", "juxt", "/"):
            left, right = self._value(node.left), self._value(node.right)
            if node.op == "+":
                return each(lambda u, v: u + v, left, right)
            if node.op == "-":
                return each(lambda u, v: u - v, left, right)
            if node.op == "/":
                return self._divide(left, right, node)
            return each(lambda u, v: u * v, left, right)
        if isinstance(node, s.Frac):
            return self._divide(self._value(node.num), self._value(node.den), node)
        if isinstance(node, s.Call) and node.func in TRANSCENDENTAL:
            u = self._value(node.arg)
            if isinstance(u, Grid):
                return each(lambda x: self._function(node.func, x), u)
            return self._function(node.func, u)
        if isinstance(node, s.Power):
            exponent = self._value(node.exponent)
            if is_e(node.base):
                return iv.exp(exponent)
            base = self._value(node.base)
            if isinstance(base, Grid) or isinstance(exponent, Grid):
                raise MeaningError("a power of a matrix", expected="\\times for elementwise products")
            low, high = ends(exponent)
            if low == high and low == int(low):
                return base ** int(low)
            if ends(base)[0] <= 0:
                raise MeaningError("a power of a number that may be negative", expected="an integer exponent")
            return iv.exp(exponent * iv.log(base))
        return self.quantity(node)

    @staticmethod
    def _function(func, u):
        if func == "sigmoid":
            return 1 / (1 + iv.exp(-u))
        if func == "exp":
            return iv.exp(u)
        if func == "tanh":
            return 1 - 2 / (1 + iv.exp(2 * u))
        if ends(u)[0] <= 0:
            raise MeaningError("the logarithm of a number that may not be positive")
        return iv.log(u)

    @staticmethod
    def _divide(num, den, node):
        if isinstance(den, Grid):
            raise MeaningError("division by a matrix", expected="a number below the fraction bar")
        if isinstance(num, Grid):
            return each(lambda u: Arithmetic._divide(u, den, node), num)
        low, high = ends(den)
        if low <= 0 <= high:
            raise MeaningError("division by a number that may be zero", expected="a nonzero denominator")
        return num / den


class Grid:
    """A matrix of intervals (rows of entries), for arithmetic on pmatrix of numbers."""

    def __init__(self, rows):
        self.rows = [list(r) for r in rows]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.rows), len(self.rows[0]) if self.rows else 0

    @property
    def T(self) -> "Grid":
        return Grid(list(zip(*self.rows)))

    def entries(self) -> list:
        return [x for row in self.rows for x in row]


def each(f, *args):
    """f entry by entry: two matrices of one shape, or a matrix and a number (every entry)."""
    grids = [a for a in args if isinstance(a, Grid)]
    if not grids:
        return f(*args)
    shape = grids[0].shape
    if any(g.shape != shape for g in grids):
        raise MeaningError(f"matrices of shapes {' and '.join(f'{g.shape[0]}x{g.shape[1]}' for g in grids)}",
                           expected="matrices of one shape")
    return Grid([[f(*[a.rows[i][j] if isinstance(a, Grid) else a for a in args]) for j in range(shape[1])]
                 for i in range(shape[0])])


def _product(left, right):
    """The matrix product (\\bullet)."""
    if not (isinstance(left, Grid) and isinstance(right, Grid)) or left.shape[1] != right.shape[0]:
        raise MeaningError("\\bullet of shapes that do not chain", expected="(n x k) \\bullet (k x m)")
    columns = right.T.rows
    out = []
    for row in left.rows:
        out.append([sum((u * v for u, v in zip(row, column)), iv.mpf(0)) for column in columns])
    return Grid(out)


def decimal_of(x, places: int) -> str:
    """An mpf rounded to `places` decimals, as text."""
    d = Decimal(mpmath.nstr(x, DIGITS, min_fixed=-mpmath.inf, max_fixed=mpmath.inf))
    return str(d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))


def long_text(x, digits: int = 15) -> str:
    text = mpmath.nstr(x, digits, min_fixed=-mpmath.inf, max_fixed=mpmath.inf)
    return text[:-2] if text.endswith(".0") else text


def differing_digits(exact, printed: str) -> str:
    """Where a printed number parts from the exact value: 'exact 0.3775, printed 0.3875: they differ
    from the 2nd decimal on'."""
    places = len(printed.split(".")[1]) if "." in printed else 0
    right = decimal_of(exact, places)
    a, b = right.lstrip("-"), printed.lstrip("-")
    where = ""
    if right.startswith("-") != printed.startswith("-"):
        where = "the sign differs"
    else:
        a, b = a.rjust(len(b), "0"), b.rjust(len(a), "0")
        for k, (x, y) in enumerate(zip(a, b)):
            if x != y:
                point = a.index(".") if "." in a else len(a)
                if k > point:
                    where = f"they differ from the {_ordinal(k - point)} decimal on"
                else:
                    where = f"they differ from the {_ordinal(point - k)} digit before the decimal point on"
                break
        else:
            where = "they agree to the digits printed, but not within half a unit of the last"
    return f"exact {long_text(exact)}, rounded to the digits printed {right}, printed {printed}: {where}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rounded(x, places: int | None = 9, significant: int | None = None) -> str:
    """A value as a worked example prints it, fixed point, without trailing zeros: to `places`
    decimal places (0.3775, 0.593269992, 0.000438568, 0.75136507 for 0.751365070), but never fewer
    than 3 significant digits; or to `significant` significant digits when that is given."""
    with mpmath.workprec(PRECISION):
        x = mpmath.mpf(x)
    if x == 0:
        return "0"
    d = Decimal(mpmath.nstr(x, DIGITS, min_fixed=-mpmath.inf, max_fixed=mpmath.inf))
    exponent = d.adjusted()
    if significant is None:
        step = min(-places, exponent - 2)
    else:
        step = exponent - significant + 1
    q = d.quantize(Decimal(1).scaleb(step), rounding=ROUND_HALF_EVEN)
    text = format(q, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
