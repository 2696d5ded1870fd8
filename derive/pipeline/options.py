"""The settings of one run: the time per claim, the network (a Spec) when one is given, the bounds.

`derive check --timeout/--model/--limit/--budget` and `derive.check(..., timeout=, model=)` fill
it; the run (run.py) reads the bounds, a file's plan (document.py, formula_file.py) the Spec and
the bounds, and each claim's checker (decide.checker.Checker) is given only the timeout.  It lives
with the run, the lowest stage that reads it whole; the stages below take the one setting they need.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model.spec import Spec
from ..runtime.bounds import Bounds
from ..understand.front_matter import FrontMatter


@dataclass
class Options:
    timeout: float = 5.0                # seconds per claim (--timeout)
    spec: Spec | None = None            # the network (--model); None: each file's own
    bounds: Bounds = field(default_factory=Bounds)
    run_code: bool = False              # run the documents' Python code in the sandbox (--run-code)
    strict: bool = False                # an equation not checked fails the run (--strict)
    stated: FrontMatter | None = None   # what --model says besides the network: notation, names, values
