"""Deciding claims on every core: statements are independent once read, so they are split among
forked worker processes (which inherit everything read so far) and the results gathered in order.

Serial when there is one core, few items, no fork (Windows), or DERIVE_WORKERS=1.  A worker that
fails for any reason leaves its items to the parent, which computes them itself.
"""
from __future__ import annotations

import os
import pickle

MIN_ITEMS = 8


def workers() -> int:
    wanted = os.environ.get("DERIVE_WORKERS")
    if wanted and wanted.isdigit():
        return max(1, int(wanted))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


def parallel_map(func, items: list, before=None) -> list:
    """[func(x) for x in items], on several processes when that is worth it; `before(share)` runs
    first in each process on the items it was given (to batch work the items share)."""
    n = workers()
    if n < 2 or len(items) < MIN_ITEMS or not hasattr(os, "fork"):
        if before:
            before(items)
        return [func(x) for x in items]
    shares = [list(range(w, len(items), n)) for w in range(n)]
    children = []
    for share in shares[1:]:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:                                    # the child: compute its share, send it, leave
            os.close(read_end)
            try:
                if before:
                    before([items[k] for k in share])
                payload = pickle.dumps([(k, func(items[k])) for k in share])
            except BaseException:
                payload = pickle.dumps(None)
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            os._exit(0)
        os.close(write_end)
        children.append((pid, read_end, share))
    if before:
        before([items[k] for k in shares[0]])
    out: dict[int, object] = {k: func(items[k]) for k in shares[0]}
    for pid, read_end, share in children:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        try:
            got = pickle.loads(data) if data else None
        except Exception:
            got = None
        if got is None:
            got = [(k, func(items[k])) for k in share]
        out.update(got)
    return [out[k] for k in range(len(items))]
