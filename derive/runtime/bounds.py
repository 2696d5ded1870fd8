"""The bounds of a run: how much input, nesting, number, network, time and memory derive accepts.

Input is data from anywhere, so every resource it can make derive spend has a bound, and past a
bound derive answers with an error or undecided result that names the bound (and the option that
moves it), never with a hang, a traceback or a machine out of memory.  The defaults let real course
material through (a 784-30-10 network in front matter, a notebook with pictures in it) and stop
absurd input at once.  `derive check --limit NAME=VALUE` sets any of them; docs/bounds.md lists them.

Reading under these bounds is `sources.files`; the bounds on numbers and layers named in a formula
are `notation.limits`.
"""
from __future__ import annotations

import math
import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace

from ..errors import ModelError, quoted_width

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


# The bounds of the run in progress: a context (like `decimal.localcontext`), set by `active` for
# the extent of a run and read where input is parsed; outside a run, the defaults.
_ACTIVE: ContextVar[Bounds] = ContextVar("derive_bounds", default=Bounds())


def current() -> Bounds:
    """The bounds of the run in progress (the defaults outside a run)."""
    return _ACTIVE.get()


@contextmanager
def active(bounds: Bounds):
    """Make `bounds` the current ones for the block (parsing reads them from here, and error
    messages quote `bounds.line` characters of a source line)."""
    token, width = _ACTIVE.set(bounds), quoted_width(bounds.line)
    try:
        with width:
            yield bounds
    finally:
        _ACTIVE.reset(token)


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


__all__ = ["Bounds", "active", "check_network", "current", "option", "parse_limit"]
