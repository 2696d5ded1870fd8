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
from dataclasses import dataclass, fields, replace

from .errors import DeriveError, ModelError

MB = 1_000_000


@dataclass(frozen=True)
class Bounds:
    """Every bound, with its default.  Sizes in bytes, times in seconds."""

    file_size: int = 10 * MB          # bytes read from one file
    line: int = 160                   # characters of a source line quoted in a message (cut with …)
    depth: int = 120                  # nesting of a formula (brackets, fractions, operators)
    digits: int = 100                 # digits of a number, written or computed from constants
    exponent: int = 100               # a constant exponent of anything not constant (x^{100})
    layers: int = 20                  # layers of a network (read from a document or --model)
    units: int = 2_000                # units of a network, all layers together
    parameters: int = 50_000          # weights and biases of a network (784-30-10 has 23,860)
    timeout: float = 5.0              # seconds per claim
    budget: float = 600.0             # seconds for the whole run
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
    if name == "timeout":
        return "--timeout"
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


# -- messages ------------------------------------------------------------------------------------
def cut_line(line: str, col: int | None, width: int) -> tuple[str, int | None]:
    """At most `width` characters of a source line around column `col` (cut ends marked …), and
    the column in the cut line."""
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
