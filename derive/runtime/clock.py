"""Time bounds: a deadline per claim and a budget for the whole run, on one interval timer.

`deadline(seconds)` raises `TimeLimit` inside its block once `seconds` have passed, and
`BudgetSpent` (a TimeLimit) once the run's budget (`budget(seconds)`, set by `run.check_paths`)
is used up, whichever comes first; deadlines nest, and an inner one never loses an outer one.
After the budget every new deadline expires at once, so the rest of a run ends in a moment with
results that say why.  The timer is SIGALRM (Unix, main thread); elsewhere blocks run unbounded.
Both are BaseExceptions, so that SymPy's `except Exception` lets them by.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from contextlib import contextmanager


class TimeLimit(BaseException):
    """A claim ran past its time bound."""

    def __init__(self, seconds: float | None = None):
        super().__init__(seconds)
        self.seconds = seconds


class BudgetSpent(TimeLimit):
    """The whole run ran past its budget (--budget)."""


_ends: list[float] = []                 # the open deadlines, innermost last (monotonic seconds)
_run: dict = {"end": math.inf, "seconds": None}
_previous = {"handler": None}


def check_seconds(seconds, what: str = "a time bound") -> float | None:
    """None (no bound) or a finite positive number of seconds; anything else is a ValueError."""
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds) \
            or seconds <= 0:
        raise ValueError(f"{what} must be a finite positive number of seconds, got {seconds!r}")
    return float(seconds)


def _usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _expire(signum, frame):
    now = time.monotonic()
    if now >= _run["end"] - 1e-3:
        raise BudgetSpent(_run["seconds"])
    raise TimeLimit()


def rearm() -> None:
    """Set the timer for the nearest open deadline (also needed after fork: timers are not inherited)."""
    if not _usable() or not _ends:             # no open deadline: no handler either, so no alarm
        return
    soonest = min(_ends + [_run["end"]])
    if soonest == math.inf:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return
    signal.setitimer(signal.ITIMER_REAL, max(soonest - time.monotonic(), 1e-4))


def remaining() -> float:
    """Seconds left in the run's budget (inf when there is none)."""
    return _run["end"] - time.monotonic()


def spent() -> bool:
    return remaining() <= 0


def budget_seconds() -> float | None:
    return _run["seconds"]


@contextmanager
def paused():
    """No alarm in this block (a parent waiting on its workers keeps time itself); re-armed after."""
    if _usable():
        signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        yield
    finally:
        rearm()


@contextmanager
def deadline(seconds: float | None):
    """Raise TimeLimit in this block after `seconds` (None: only the run's budget bounds it)."""
    seconds = check_seconds(seconds, "a deadline")
    if not _usable():
        yield
        return
    if spent():
        raise BudgetSpent(_run["seconds"])
    outermost = not _ends
    if outermost:
        _previous["handler"] = signal.signal(signal.SIGALRM, _expire)
    _ends.append(time.monotonic() + seconds if seconds else math.inf)
    try:
        rearm()
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _ends.pop()
        if outermost:
            signal.signal(signal.SIGALRM, _previous["handler"] or signal.SIG_DFL)
        else:
            rearm()


@contextmanager
def budget(seconds: float | None):
    """The whole run, within `seconds`: every deadline inside also ends when the budget does."""
    seconds = check_seconds(seconds, "the run's budget")
    saved = dict(_run)
    _run.update(end=time.monotonic() + seconds if seconds else math.inf, seconds=seconds)
    try:
        with deadline(None):
            yield
    finally:
        _run.update(saved)


__all__ = ["TimeLimit", "BudgetSpent", "deadline", "budget", "budget_seconds", "paused", "rearm", "remaining",
           "spent", "check_seconds"]
