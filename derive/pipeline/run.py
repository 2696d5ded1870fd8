"""A whole run: paths in, a Report out.  Formula files (.toml) and lecture documents (.md, .tex,
.ipynb) may be mixed; folders are searched for both."""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

from ..decide.claim_result import failure_detail, time_out_detail
from ..errors import DeriveError, safe_text
from ..model.spec import Spec
from ..results import ERROR, UNDECIDED, Report, Result, error_result
from ..runtime import clock
from ..runtime.bounds import active
from ..runtime.clock import BudgetSpent, TimeLimit, deadline
from ..runtime.parallel import memory_bound, parallel_map
from ..sources.documents import DOCUMENT_SUFFIXES
from ..sources.files import NotRegular, read_input
from ..sources.formula_files import FORMULA_SUFFIXES, bundled_formulas
from ..sources.notebooks import notebook_positions
from ..sources.scan import find_files
from .document import prepare_document
from .formula_file import prepare_formula_file
from .options import Options
from .plan import FilePart, FilePlan


def expand_paths(paths, exclude=(), skipped: list | None = None) -> list[tuple[Path, str]]:
    """Formula files and documents named by `paths` (folders searched, see `scan`: only TOML files
    that hold formulas, nothing excluded or ignored by git, no link out of a folder: those go to
    `skipped`), with their display names (shown safely: `errors.safe_text`)."""
    found = find_files(paths, FORMULA_SUFFIXES + DOCUMENT_SUFFIXES, exclude, skipped=skipped)
    return [(p, safe_text(p)) for p in found]


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
    report = Report(strict=options.strict)
    files, workspaces, pending, outcomes, finished = [], {}, [], None, 0
    with active(bounds), _recursion_limit(RECURSION_LIMIT), memory_bound(bounds.memory):
        try:
            with clock.budget(bounds.budget):
                try:
                    skipped: list = []
                    files = expand_paths(paths, exclude, skipped) if paths else bundled_formulas()
                    report.notes.extend(f"{safe_text(p)}: skipped: {why}" for p, why in skipped)
                except (OSError, RuntimeError, DeriveError) as e:
                    report.results.append(_failure(" ".join(map(str, paths)) or ".", f"cannot search: {e}"))
                report.files = [display for _, display in files]
                named = {Path(str(p)) for p in paths or ()}
                # A chunk of files at a time: read, decided, reported, and its plans let go, so that
                # the memory a run holds is its results, not every file's reading (1,000 lectures).
                while finished < len(files):
                    pending, outcomes = [], None
                    for path, display in files[finished:finished + CHUNK]:
                        if progress:
                            progress(finished + len(pending), len(files), display)
                        _check_budget(bounds)
                        pending.append((_prepare(path, display, options, workspaces, path in named, report),
                                        display))
                    _prepare_workspaces(workspaces, [plan for plan, _ in pending], report)
                    tasks = [task for plan, _ in pending for task in plan.tasks]
                    _check_budget(bounds)
                    outcomes = parallel_map(lambda task: task(), tasks, before=_evaluate_ahead, lost=_lost,
                                            memory=bounds.memory)
                    with clock.paused():        # reporting a chunk is never cut short by the alarm
                        _finish(report, pending, outcomes)
                    finished += len(pending)
                    pending, outcomes = [], None
        except BudgetSpent as e:                # what is left undone is reported, as undecided
            spent = f"the run's budget of {e.seconds:g} s was used up (--budget)"
            for path, display in files[finished + len(pending):]:
                pending.append((FilePlan.alone([_failure(display, f"{display}: not read: {spent}", UNDECIDED)]),
                                display))
            if outcomes is None:
                outcomes = [task.lost(spent, True) for plan, _ in pending for task in plan.tasks]
            _finish(report, pending, outcomes)
        if progress:
            progress(len(files), len(files), "")
        in_cells: dict = {}
        for item in [*report.results, *report.unread]:
            if item.cell is not None:
                in_cells.setdefault(item.file, []).append(item)
        for path, display in files:
            if path.suffix.lower() == ".ipynb" and display in in_cells:
                _raw_positions(path, in_cells[display], bounds)
        described = {ws.net.spec.describe(): ws.net.spec for ws in workspaces.values()}
        report.specs = [described[text] for text in sorted(described)] or [options.spec or Spec()]
        generic = sorted(set(report.generic))
        report.model = "; ".join(([spec.describe() for spec in report.specs] if described or not generic else [])
                                 + generic)
        report.notes = [safe_text(note) for note in report.notes]
    report.seconds = time.perf_counter() - start
    return report


CHUNK = 50                  # files read, decided and reported together


def _finish(report: Report, pending: list, outcomes: list) -> None:
    """Each plan's results from its outcomes (sliced once: linear in the files), into the report."""
    taken = 0
    for plan, display in pending:
        mine, taken = outcomes[taken:taken + len(plan.tasks)], taken + len(plan.tasks)
        try:
            part = plan.finish(mine)
        except Exception as e:                  # a bug in derive: this file's report, not the run, is lost
            part = FilePart([_failure(display, _bug("reporting this file", e))])
        if not part.results and not part.spans and not plan.unread and Path(display).suffix.lower() in DOCUMENT_SUFFIXES:
            report.no_math.append(display)
        if part.title:
            report.titles[display] = part.title
        if part.model:
            report.generic.append(part.model)
        report.results.extend(part.results)
        report.formulas.extend(part.formulas)
        report.unread.extend(plan.unread)
        report.bindings.extend(part.bindings)
        report.notes.extend(part.notes)
        for state, n in part.spans.items():
            report.spans[state] = report.spans.get(state, 0) + n


def _raw_positions(path: Path, items, bounds) -> None:
    """Give each result and block not read of a notebook the line and column of the .ipynb file
    that hold it.  The file is read again as any input is (a regular file, non-blocking, within the
    size bound): when it is no longer one (swapped for a FIFO or /dev/zero), the positions within
    the cells stay, which is what the first read learned."""
    try:
        position = notebook_positions(read_input(path, bounds))
    except (DeriveError, OSError, RecursionError):
        return
    if position is None:
        return
    for item in items:
        if isinstance(item, Result):
            item.raw_line, item.raw_col = position(item.cell, item.line, item.col)
        else:
            item.raw_line = position(item.cell, item.line, 1)[0]


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
