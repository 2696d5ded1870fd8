"""The bounds of a run: how much input, nesting, number, network, time and memory derive accepts.

Input is data from anywhere, so every resource it can make derive spend has a bound, and past a
bound derive answers with an error or undecided result that names the bound (and the option that
moves it), never with a hang, a traceback or a machine out of memory.  The defaults let real course
material through (a 784-30-10 network in front matter, a notebook with pictures in it) and stop
absurd input at once.  `derive check --limit NAME=VALUE` sets any of them; the README lists them.

Reading is bounded here too: `read_input` reads a regular file (never a FIFO, device or socket:
those are `NotRegular`), at most `file_size` bytes of it, and decodes UTF-8 (or UTF-16/32 with a
byte-order mark); a byte that is not UTF-8 is an error at its line and column.
"""
from __future__ import annotations

import codecs
import math
import os
import re
import stat
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from fractions import Fraction

from .errors import DeriveError, ModelError

MB = 1_000_000


@dataclass(frozen=True)
class Bounds:
    """Every bound, with its default.  Sizes in bytes, times in seconds."""

    file_size: int = 10 * MB          # bytes read from one file
    line: int = 160                   # characters of a source line quoted in a message (cut with …)
    errors: int = 1_000               # unreadable places reported per file; past it the rest is not read
    formula: int = 20_000             # characters of one formula (one math span, one latex value)
    depth: int = 120                  # nesting of a formula (brackets, fractions, operators)
    digits: int = 100                 # digits of a number, written or computed from constants
    exponent: int = 100               # a constant exponent of anything not constant (x^{100})
    layers: int = 20                  # layers of a network (read from a document or --model)
    units: int = 2_000                # units of a network, all layers together
    parameters: int = 50_000          # weights and biases of a network (784-30-10 has 23,860)
    budget: float = 600.0             # seconds for the whole run (the time per claim is --timeout)
    memory: int = 1_000 * MB          # bytes of address space per process (resource.setrlimit)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value <= 0:
                raise ValueError(f"the bound {option(f.name)} must be a finite positive number, got {value!r}")

    def with_limits(self, **values) -> "Bounds":
        return replace(self, **values)


def option(name: str) -> str:
    """How a bound is set on the command line."""
    if name == "budget":
        return "--budget"
    return f"--limit {name.replace('_', '-')}"


_UNITS = {"": 1, "b": 1, "k": 1_000, "kb": 1_000, "m": MB, "mb": MB, "g": 1000 * MB, "gb": 1000 * MB,
          "s": 1, "ms": 0.001}


def parse_limit(text: str, bounds: Bounds) -> Bounds:
    """`NAME=VALUE` (`file-size=20MB`, `depth=200`, `budget=60s`) applied to `bounds`; ValueError
    with a message that says what is allowed."""
    names = {f.name.replace("_", "-"): f for f in fields(Bounds)}
    name, sep, value = text.partition("=")
    name = name.strip().lower()
    if not sep or name not in names:
        raise ValueError(f"{text!r}: expected NAME=VALUE with NAME one of {', '.join(names)}")
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*)\s*", value)
    if not m or m.group(2).lower() not in _UNITS:
        raise ValueError(f"{text!r}: expected a positive number (with KB, MB, GB or s), got {value!r}")
    number = float(m.group(1)) * _UNITS[m.group(2).lower()]
    f = names[name]
    kind = type(getattr(Bounds(), f.name))
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{text!r}: the bound must be a finite positive number")
    return replace(bounds, **{f.name: kind(number) if kind is float else max(1, int(number))})


_CURRENT = [Bounds()]


def current() -> Bounds:
    """The bounds of the run in progress (the defaults outside a run)."""
    return _CURRENT[-1]


@contextmanager
def active(bounds: Bounds):
    """Make `bounds` the current ones for the block (parsing reads them from here)."""
    from . import errors
    _CURRENT.append(bounds)
    width, errors.LINE_WIDTH = errors.LINE_WIDTH, bounds.line
    try:
        yield bounds
    finally:
        _CURRENT.pop()
        errors.LINE_WIDTH = width


# -- numbers ---------------------------------------------------------------------------------------
def _digits(q: Fraction) -> int:
    """About how many decimal digits the numerator and denominator of q have together."""
    if q == 0:
        return 1
    return int(math.log10(abs(q.numerator)) + math.log10(q.denominator)) + 1


def check_numbers(pieces, digits: int, exponent: int) -> None:
    """Every number written, and every number computed from constants (2^{20000}, 10^{60} 10^{60}),
    has at most `digits` digits; a constant exponent of anything not constant is at most
    `exponent` in size.  Past either: a NotationError at the number, naming the bound."""
    from . import syntax as s
    from .errors import NotationError

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


def _children(node):
    from dataclasses import fields as dc_fields
    from . import syntax as s
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


# -- messages ------------------------------------------------------------------------------------
# Control characters become their visible pictures (NUL -> ␀) and text-direction overrides the
# replacement character, one character each, so that a quoted source line can neither garble a
# terminal or an XML report nor be shown reordered; columns stay as they were.
_VISIBLE = {**{c: 0x2400 + c for c in range(0x20) if c != 0x09}, 0x7F: 0x2421,
            **{c: 0xFFFD for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}}


def visible(text: str) -> str:
    return text.translate(_VISIBLE)


def cut_line(line: str, col: int | None, width: int) -> tuple[str, int | None]:
    """At most `width` characters of a source line around column `col` (cut ends marked …), and
    the column in the cut line."""
    line = visible(line)
    if len(line) <= width:
        return line, col
    centre = (col or 1) - 1
    start = max(0, min(centre - width // 2, len(line) - width))
    end = start + width
    text = line[start:end]
    shift = start
    if start > 0:
        text, shift = "…" + text[1:], start
    if end < len(line):
        text = text[:-1] + "…"
    return text, (None if col is None else col - shift)


# -- networks ------------------------------------------------------------------------------------
def check_network(layers, bounds: Bounds, where: str = "the network") -> None:
    """A network past a bound is a ModelError naming the bound, before anything is built."""
    layers = list(layers)
    if len(layers) > bounds.layers:
        raise ModelError(f"{where} has {len(layers)} layers: past the bound of {bounds.layers} layers",
                         expected=f"at most {bounds.layers} layers ({option('layers')}=N)")
    units = sum(n for n in layers if isinstance(n, int))
    if units > bounds.units:
        raise ModelError(f"{where} has {units:,} units: past the bound of {bounds.units:,} units",
                         expected=f"at most {bounds.units:,} units ({option('units')}=N)")
    parameters = sum(a * b + b for a, b in zip(layers, layers[1:]) if isinstance(a, int) and isinstance(b, int))
    if parameters > bounds.parameters:
        raise ModelError(f"{where} has {parameters:,} weights and biases: past the bound of "
                         f"{bounds.parameters:,}",
                         expected=f"at most {bounds.parameters:,} parameters ({option('parameters')}=N)")


def check_layers_named(statements, bounds: Bounds) -> None:
    """A document that names a layer past the bound (a_1^{(8000)}) cannot define a network derive
    builds: a ModelError at the name, before the network is read from the document."""
    from .meaning import walk
    from . import syntax as s
    for st in statements:
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


# -- reading files ---------------------------------------------------------------------------------
class NotRegular(DeriveError):
    """A path that is not a regular file (a FIFO, a device, a socket, a folder): never read."""


KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
         (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def read_input(path, bounds: Bounds, display: str | None = None) -> str:
    """The text of a regular file, read without blocking, at most `bounds.file_size` bytes.

    Raises NotRegular for anything else (a FIFO is opened non-blocking, so it never hangs), and
    DeriveError for a file too large, unreadable or not in UTF-8 (UTF-16/32 with a BOM are read)."""
    name = display or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        if e.errno == getattr(__import__("errno"), "ELOOP", -1):
            raise NotRegular("a symbolic link loop: not followed", file=name) from None
        raise DeriveError(f"cannot read the file: {e.strerror or e}", file=name) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = next((k for test, k in KINDS if test(info.st_mode)), "not a regular file")
            raise NotRegular(f"{kind}, not a regular file: not read", file=name)
        if info.st_size > bounds.file_size:
            raise _too_large(name, info.st_size, bounds)
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, bounds.file_size + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > bounds.file_size:       # grew while read, or a file that lies about its size
                raise _too_large(name, size, bounds)
    except OSError as e:
        raise DeriveError(f"cannot read the file: {e.strerror or e}", file=name) from None
    finally:
        os.close(fd)
    return decode(b"".join(chunks), name)


def _too_large(name: str, size: int, bounds: Bounds) -> DeriveError:
    return DeriveError(f"the file has {size:,} bytes or more: past the bound of {bounds.file_size:,} bytes; not read",
                       file=name, expected=f"a smaller file ({option('file_size')}=BYTES)")


def decode(data: bytes, name: str) -> str:
    """UTF-8 (a BOM is dropped), or UTF-16/32 with a BOM; otherwise an error at the first bad byte."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        good = data[:e.start].decode(encoding, errors="replace")
        line = good.count("\n") + 1
        col = len(good) - (good.rfind("\n") + 1) + 1
        source = good[good.rfind("\n") + 1:]
        label = encoding.replace("-sig", "").upper()
        raise DeriveError(f"not {label} text: byte 0x{data[e.start]:02x} cannot be decoded", file=name,
                          line=line, col=col, source_line=source,
                          expected=f"a text file in UTF-8 (or UTF-16 with a byte-order mark)") from None
    return text[1:] if text.startswith("\ufeff") else text


__all__ = ["Bounds", "NotRegular", "check_network", "cut_line", "decode", "option", "parse_limit", "read_input"]
