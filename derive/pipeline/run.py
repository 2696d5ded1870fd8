"""A whole run: paths in, a Report out.  Formula files (.toml) and lecture documents (.md, .tex,
.ipynb) may be mixed; folders are searched for both."""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

from ..decide.claim_result import failure_detail, time_out_detail
from ..errors import DeriveError
from ..model.spec import Spec
from ..results import ERROR, UNDECIDED, Report, Result, error_result
from ..runtime import clock
from ..runtime.bounds import active
from ..runtime.clock import BudgetSpent, TimeLimit, deadline
from ..runtime.parallel import memory_bound, parallel_map
from ..sources.documents import DOCUMENT_SUFFIXES
from ..sources.files import NotRegular
from ..sources.formula_files import FORMULA_SUFFIXES, bundled_formulas
from ..sources.notebooks import notebook_positions
from ..sources.scan import find_files
from .document import prepare_document
from .formula_file import prepare_formula_file
from .options import Options
from .plan import FilePart, FilePlan


def expand_paths(paths, exclude=()) -> list[tuple[Path, str]]:
    """Formula files and documents named by `paths` (folders searched, see `scan`: only TOML files
    that hold formulas, nothing excluded or ignored by git), with their display names."""
    return [(p, str(p)) for p in find_files(paths, FORMULA_SUFFIXES + DOCUMENT_SUFFIXES, exclude)]


def check_paths(paths, options: Options | None = None, progress=None, exclude=()) -> Report:
    """Check formula files and documents; with no paths, the bundled formulas.

    Every file, statement and claim fails alone: whatever goes wrong becomes a result at its place
    (an error, saying so where it is a bug in derive; undecided where a bound stopped it) and the
    rest is still checked.  The whole run is bounded by `options.bounds` (the budget, the memory of
    each worker, the size of files, formulas and networks)."""
    options = options or Options()
    bounds = options.bounds
    clock.check_seconds(options.timeout, "the time per claim (--timeout)")
    start = time.perf_counter()
    report = Report()
    files, prepared, workspaces, tasks, outcomes = [], [], {}, [], None
    with active(bounds), _recursion_limit(RECURSION_LIMIT), memory_bound(bounds.memory):
        try:
            with clock.budget(bounds.budget):
                try:
                    files = expand_paths(paths, exclude) if paths else bundled_formulas()
                except (OSError, RuntimeError, DeriveError) as e:
                    report.results.append(_failure(" ".join(map(str, paths)) or ".", f"cannot search: {e}"))
                report.files = [display for _, display in files]
                named = {Path(str(p)) for p in paths or ()}
                for k, (path, display) in enumerate(files):
                    if progress:
                        progress(k, len(files), display)
                    _check_budget(bounds)
                    prepared.append(_prepare(path, display, options, workspaces, path in named, report))
                _prepare_workspaces(workspaces, prepared, report)
                tasks = [task for plan in prepared for task in plan.tasks]
                _check_budget(bounds)
                outcomes = parallel_map(lambda task: task(), tasks, before=_evaluate_ahead, lost=_lost,
                                        memory=bounds.memory)
        except BudgetSpent as e:                # what is left undone is reported, as undecided
            spent = f"the run's budget of {e.seconds:g} s was used up (--budget)"
            for path, display in files[len(prepared):]:
                prepared.append(FilePlan.alone([_failure(display, f"{display}: not read: {spent}", UNDECIDED)]))
            tasks = [task for plan in prepared for task in plan.tasks]
            if outcomes is None:
                outcomes = [task.lost(spent, True) for task in tasks]
        for plan, display in zip(prepared, [d for _, d in files]):
            mine, outcomes = outcomes[:len(plan.tasks)], outcomes[len(plan.tasks):]
            try:
                part = plan.finish(mine)
            except Exception as e:              # a bug in derive: this file's report, not the run, is lost
                part = FilePart([_failure(display, _bug("reporting this file", e))])
            if not part.results and not part.spans and not plan.unread and Path(display).suffix.lower() in DOCUMENT_SUFFIXES:
                report.no_math.append(display)
            if part.title:
                report.titles[display] = part.title
            report.results.extend(part.results)
            report.formulas.extend(part.formulas)
            report.unread.extend(plan.unread)
            report.bindings.extend(part.bindings)
            report.notes.extend(part.notes)
            for state, n in part.spans.items():
                report.spans[state] = report.spans.get(state, 0) + n
        if progress:
            progress(len(files), len(files), "")
        for path, display in files:
            if path.suffix.lower() == ".ipynb":
                _raw_positions(path, [r for r in report.results if r.file == display and r.cell is not None],
                               [u for u in report.unread if u.file == display and u.cell is not None])
        described = {ws.net.spec.describe(): ws.net.spec for ws in workspaces.values()}
        report.specs = [described[text] for text in sorted(described)] or [options.spec or Spec()]
        report.model = "; ".join(spec.describe() for spec in report.specs)
    report.seconds = time.perf_counter() - start
    return report


def _raw_positions(path: Path, results, unread) -> None:
    """Give each result (and block not read) of a notebook the line and column of the .ipynb file
    that hold it."""
    if not results and not unread:
        return
    try:
        position = notebook_positions(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return
    if position is None:
        return
    for r in results:
        r.raw_line, r.raw_col = position(r.cell, r.line, r.col)
    for u in unread:
        u.raw_line = position(u.cell, u.line, 1)[0]


def _check_budget(bounds) -> None:
    """The alarm rings once; between steps the parent looks at the clock itself."""
    if clock.spent():
        raise BudgetSpent(bounds.budget)


RECURSION_LIMIT = 6_000     # deep enough for a formula at the nesting bound, through SymPy too


@contextmanager
def _recursion_limit(limit: int):
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def _prepare(path: Path, display: str, options: Options, workspaces: dict, named: bool, report: Report) -> FilePlan:
    """The plan for one file; whatever stops it being read is its one result."""
    def alone(result):
        return FilePlan.alone([result], {"unreadable": 1} if path.suffix not in FORMULA_SUFFIXES else {})
    try:
        if path.suffix in FORMULA_SUFFIXES:
            return prepare_formula_file(path, options, workspaces, display)
        return prepare_document(path, options, workspaces, display)
    except NotRegular as e:
        if named:                               # asked for by name: that it cannot be read is an error
            return alone(_failure(display, e.describe()))
        report.notes.append(f"{display}: skipped: {e.message}")
        return FilePlan.alone([])
    except DeriveError as e:
        return alone(error_result(e.located(display), display))
    except TimeLimit as e:
        return alone(_failure(display, time_out_detail(e, options.timeout, "this file could not be read"), UNDECIDED))
    except Exception as e:
        verdict, detail = failure_detail(e, "reading this file")
        return alone(_failure(display, f"{display}: {detail}", verdict))


WARM_SECONDS = 60.0         # at most this long building one network's oracle up front (then claims build it)
AHEAD_SECONDS = 10.0        # at most this long evaluating members ahead in the parent (then the workers do)


def _prepare_workspaces(workspaces: dict, prepared, report: Report) -> None:
    """What the claims share, built before any claim's deadline starts (so that it is never charged
    to a claim), under the run's budget: the oracle (`Workspace.warm`), and the values of every
    member (oracle derivatives included), which the workers inherit."""
    for ws in workspaces.values():
        if clock.spent():
            return
        try:
            with deadline(WARM_SECONDS):
                ws.warm()
        except BudgetSpent:
            return
        except (Exception, TimeLimit) as e:     # the claims build what they need, or report why not
            report.notes.append(f"preparing the {ws.net.spec.describe()}: {failure_detail(e, 'skipped')[1]}")
    until = time.monotonic() + AHEAD_SECONDS
    for plan in prepared:
        for task in plan.tasks:
            if getattr(task, "ahead", None) is None:
                continue
            if time.monotonic() > until or clock.spent():   # the workers evaluate the rest, in parallel
                return
            try:
                task.ahead()
            except BudgetSpent:
                return
            except (Exception, TimeLimit):      # reported by the claim itself
                pass


def _lost(task, reason: str, undecided: bool):
    return task.lost(reason, undecided)


def _bug(what: str, e: BaseException) -> str:
    return failure_detail(e, what)[1]


def _failure(display: str, detail: str, verdict: str = ERROR) -> Result:
    return Result(file=display, line=1, col=1, id=None, claim="", verdict=verdict, detail=detail)


def _evaluate_ahead(tasks) -> None:
    """Gather the members of many formulas (evaluated ahead, in the parent), so that the numeric
    cross-check lambdifies them in one call per network instead of one per formula."""
    by_decider: dict = {}
    for task in tasks:
        ahead = getattr(task, "ahead", None)
        if ahead:
            try:
                decider, values = ahead()
            except (Exception, TimeLimit):
                continue
            by_decider.setdefault(id(decider), (decider, []))[1].extend(values)
    for decider, values in by_decider.values():
        try:                                    # an optimization: each claim evaluates on its own too
            with deadline(None):
                decider.prepare(values)
        except (Exception, TimeLimit):
            pass


__all__ = ["check_paths", "bundled_formulas", "expand_paths"]
