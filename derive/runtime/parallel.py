"""Deciding claims in worker processes: statements are independent once read, so they are split
among forked workers (which inherit everything read and prepared so far) and the results gathered
in order.

Each worker runs under the memory bound (`resource.setrlimit`), ignores Ctrl-C and dies with its
parent (Linux: PR_SET_PDEATHSIG), and sends each outcome as soon as it has it; the parent only
waits.  So a worker that dies (the memory bound, a crash) loses only the item it was working on,
which is reported through `lost(item, reason)`, and the rest of its items go to a new worker; when
the run's budget is used up (plus a second's grace for the workers to report), the workers still
running are killed and their items reported lost; and when the parent is interrupted (Ctrl-C,
SIGTERM) every worker is killed at once.  Two workers at most per core and four in all
(DERIVE_WORKERS sets the number); in process, one item after the other, where there is no fork.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import time
from contextlib import contextmanager

from . import clock

MIN_ITEMS = 8            # fewer items go to a single worker
GRACE = 1.0              # seconds the workers get past the budget to send what they have
SLACK = 5.0              # seconds a worker may run past the sum of its item's deadlines
HEADROOM = 200_000_000   # a worker that starts above the memory bound may still grow this much


class Task:
    """One item of work: call it; `ahead()` gives what can be evaluated ahead for it (a decider and
    values, batched per worker), `lost(reason, undecided)` its outcome when it cannot be computed,
    `patience` the seconds its own deadlines let it take at most (past them, its worker is stuck)."""

    def __init__(self, run, ahead=None, lost=None, patience: float | None = None):
        self.run, self.ahead, self.lost, self.patience = run, ahead, lost, patience

    def __call__(self):
        return self.run()


def patience(members: int, timeout: float) -> float:
    """The most a statement of `members` members can take under its own deadlines (each member
    read, decided and narrowed within `timeout`), with some slack: past it, its worker is stuck."""
    return (3 * members + 4) * timeout + SLACK


def workers() -> int:
    wanted = os.environ.get("DERIVE_WORKERS")
    if wanted and wanted.isdigit():
        return max(1, int(wanted))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def parallel_map(func, items: list, before=None, lost=None, memory: int | None = None) -> list:
    """[func(x) for x in items], computed in worker processes; `before(share)` runs first in each
    worker on the items it was given (to batch work the items share); `lost(x, reason, undecided)`
    stands in for func(x) when it could not be computed (its worker died, the run's budget ran out,
    an exception escaped): `undecided` when a bound stopped it, not a bug."""
    lost = lost or (lambda item, reason, undecided: None)
    if not items:
        return []
    if not hasattr(os, "fork"):
        return _in_process(func, items, before, lost)
    out: dict[int, object] = {}
    todo = list(range(len(items)))
    with clock.paused():                         # the parent keeps time itself; the workers re-arm
        while todo:
            count = 1 if len(todo) < MIN_ITEMS else min(workers(), len(todo))
            shares = [todo[w::count] for w in range(count)]
            todo = _run_workers(func, items, shares, before, lost, memory, out)
    return [out[k] for k in range(len(items))]


def _in_process(func, items, before, lost):
    if before:
        try:
            before(items)
        except Exception:
            pass
    out = []
    for item in items:
        try:
            out.append(func(item))
        except (Exception, clock.TimeLimit) as e:
            out.append(lost(item, *_reason(e)))
    return out


def _reason(e: BaseException) -> tuple[str, bool]:
    """(why an item has no outcome, whether that leaves it undecided rather than an error)."""
    if isinstance(e, clock.BudgetSpent):
        return f"the run's budget of {e.seconds:g} s was used up (--budget)", True
    if isinstance(e, clock.TimeLimit):
        return "past its time bound (--timeout)", True
    if isinstance(e, MemoryError):
        return "past the memory bound (--limit memory=BYTES)", True
    return (f"internal error ({type(e).__name__}: {' '.join(str(e).split())[:200]}); this is a bug in derive, "
            "please report it", False)


# -- workers ------------------------------------------------------------------------------------------
def _run_workers(func, items, shares, before, lost, memory, out) -> list[int]:
    """Run one worker per share; fill `out`; return the items to try again (those of a worker that
    died, after the one it died on)."""
    children: dict[int, dict] = {}
    again: list[int] = []
    try:
        for share in shares:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(read_end)
                _worker(func, items, share, before, lost, memory, write_end)
            os.close(write_end)
            children[read_end] = {"pid": pid, "share": share, "buffer": b"", "done": set(), "since": None}
        again = _collect(children, items, lost, out)
    finally:
        for child in children.values():          # interrupted, or past the budget: stop them all now
            _kill(child["pid"])
        for fd in list(children):
            os.close(fd)
    return again


def _worker(func, items, share, before, lost, memory, write_end) -> None:
    """The child: compute the share, send each outcome as it comes, leave without cleaning up."""
    try:
        _become_worker(memory)
        if before:
            try:
                before([items[k] for k in share])
            except (Exception, clock.TimeLimit):
                pass
        _send(write_end, pickle.dumps((-1, None)))  # ready: the parent's watch on each item starts now
        for k in share:
            try:
                outcome = func(items[k])
            except BaseException as e:           # noqa: B036 - nothing may escape a worker
                outcome = lost(items[k], *_reason(e))
            try:
                payload = pickle.dumps((k, outcome))
            except Exception as e:
                payload = pickle.dumps((k, lost(items[k], *_reason(e))))
            _send(write_end, payload)
    except BaseException:                        # noqa: B036
        pass
    finally:
        os._exit(0)


def _send(fd: int, payload: bytes) -> None:
    _write_all(fd, struct.pack(">Q", len(payload)) + payload)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _become_worker(memory: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # the parent handles Ctrl-C, and kills us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:                                             # die with the parent, however it ends (Linux)
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except Exception:
        pass
    _set_memory_bound(memory)
    clock.rearm()                                    # timers are not inherited across fork


def _set_memory_bound(memory: int | None):
    """Limit this process's address space to `memory` (or HEADROOM above what it holds already);
    returns the previous soft limit, or None when nothing was set."""
    if not memory:
        return None
    try:
        import resource
        limit = max(memory, _address_space() + HEADROOM)
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft != resource.RLIM_INFINITY and soft <= limit:
            return None                              # already bounded at least as tightly
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        return soft
    except (ImportError, ValueError, OSError):
        return None


@contextmanager
def memory_bound(memory: int | None):
    """The memory bound for this process too (it reads and prepares), lifted again afterwards."""
    previous = _set_memory_bound(memory)
    try:
        yield
    finally:
        if previous is not None:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (previous, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _collect(children: dict, items, lost, out) -> list[int]:
    again: list[int] = []
    while children:
        _watch(children, items, lost, out, again)
        if not children:
            break
        left = min([clock.remaining() + GRACE] + [_overdue(child, items) for child in children.values()])
        if clock.remaining() + GRACE <= 0:          # past the budget and its grace: stop them
            for fd, child in list(children.items()):
                _kill(child["pid"])
                for k in child["share"]:
                    if k not in child["done"]:
                        out[k] = lost(items[k], *_reason(clock.BudgetSpent(clock.budget_seconds())))
                os.close(fd)
                del children[fd]
            break
        ready, _, _ = select.select(list(children), [], [], None if left == float("inf") else max(left, 0.01))
        for fd in ready:
            child = children[fd]
            data = os.read(fd, 1 << 20)
            if data:
                child["buffer"] += data
                _frames(child, out)
                continue
            status = _reap(child["pid"])
            missing = [k for k in child["share"] if k not in child["done"]]
            if missing:                              # it died on missing[0]; the rest were not begun
                out[missing[0]] = lost(items[missing[0]], *_death(status))
                again.extend(missing[1:])
            os.close(fd)
            del children[fd]
    return sorted(again)


def _frames(child: dict, out: dict) -> None:
    buffer = child["buffer"]
    while len(buffer) >= 8:
        size = struct.unpack(">Q", buffer[:8])[0]
        if len(buffer) < 8 + size:
            break
        k, outcome = pickle.loads(buffer[8:8 + size])
        child["since"] = time.monotonic()            # the next item's watch starts now
        if k >= 0:
            out[k] = outcome
            child["done"].add(k)
        buffer = buffer[8 + size:]
    child["buffer"] = buffer


def _current(child: dict):
    return next((k for k in child["share"] if k not in child["done"]), None)


def _overdue(child: dict, items) -> float:
    """Seconds until the item a worker is on is overdue (inf: not watched): its own deadlines let
    it take `patience` seconds at most; a worker past that is stuck where no alarm reaches it."""
    k = _current(child)
    patience = getattr(items[k], "patience", None) if k is not None else None
    if child.get("since") is None or not patience:
        return float("inf")
    return child["since"] + patience - time.monotonic()


def _watch(children: dict, items, lost, out, again: list) -> None:
    """Stop the workers stuck past their item's patience; the item is lost, the rest go again."""
    for fd, child in list(children.items()):
        if _overdue(child, items) > 0:
            continue
        k = _current(child)
        _kill(child["pid"])
        out[k] = lost(items[k], f"no result within {items[k].patience:.3g} s: it did not stop at its "
                      "deadlines (--timeout), so its worker was stopped", True)
        again.extend(j for j in child["share"] if j not in child["done"] and j != k)
        os.close(fd)
        del children[fd]


def _death(status: int | None) -> tuple[str, bool]:
    if status is not None and os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return (f"the worker checking this was stopped by {name} (past the memory bound "
                "--limit memory=BYTES, or stopped by the system)", True)
    return "the worker checking this ended without a result; this is a bug in derive, please report it", False


def _reap(pid: int) -> int | None:
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    _reap(pid)


__all__ = ["Task", "memory_bound", "parallel_map", "patience", "workers"]
