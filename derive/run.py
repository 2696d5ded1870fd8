"""A whole run: paths in, a Report out.  Formula files (.toml) and lecture documents (.md, .tex,
.ipynb) may be mixed; folders are searched for both."""
from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from . import clock
from .bounds import NotRegular, active, check_network
from .chains import Assembler, Statement
from .check import Checker, Options, failure_detail, time_out_detail, workspace_for
from .clock import BudgetSpent, TimeLimit, deadline
from .parallel import Task, memory_bound, parallel_map, patience
from .errors import DeriveError, FormulaFileError, ModelError
from .model import Spec
from .parse import parse
from .read import FORMULA_SUFFIXES, read_formula_file
from .explain import annotate
from .results import ERROR, REFUTED, UNDECIDED, Formula, Report, Result

BUNDLED = "formulas"


def bundled_formulas() -> list[tuple[Path, str]]:
    """The formula files shipped with derive, with the names they are shown under."""
    try:
        folder = resources.files("derive.formulas")
    except ModuleNotFoundError:             # running from a source tree: formulas/ sits beside derive/
        folder = Path(__file__).resolve().parent.parent / BUNDLED
    files = sorted(p for p in folder.iterdir() if p.name.endswith(".toml"))
    return [(Path(str(p)), f"{BUNDLED}/{p.name}") for p in files]


def expand_paths(paths, exclude=()) -> list[tuple[Path, str]]:
    """Formula files and documents named by `paths` (folders searched, see `scan`: only TOML files
    that hold formulas, nothing excluded or ignored by git), with their display names."""
    from .documents import DOCUMENT_SUFFIXES
    from .scan import find_files
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
                tasks = [task for file_tasks, _ in prepared for task in file_tasks]
                _check_budget(bounds)
                outcomes = parallel_map(lambda task: task(), tasks, before=_evaluate_ahead, lost=_lost,
                                        memory=bounds.memory)
        except BudgetSpent as e:                # what is left undone is reported, as undecided
            spent = f"the run's budget of {e.seconds:g} s was used up (--budget)"
            for path, display in files[len(prepared):]:
                result = _failure(display, f"{display}: not read: {spent}", UNDECIDED)
                prepared.append(([], lambda outcomes, r=result: ([r], {}, [])))
            tasks = [task for file_tasks, _ in prepared for task in file_tasks]
            if outcomes is None:
                outcomes = [task.lost(spent, True) for task in tasks]
        for (file_tasks, finish), display in zip(prepared, [d for _, d in files]):
            mine, outcomes = outcomes[:len(file_tasks)], outcomes[len(file_tasks):]
            try:
                results, spans, formulas, *bound = finish(mine)
            except Exception as e:              # a bug in derive: this file's report, not the run, is lost
                results, spans, formulas = [_failure(display, _bug("reporting this file", e))], {}, []
            report.results.extend(results)
            report.formulas.extend(formulas)
            report.unread.extend(getattr(finish, "unread", ()))
            report.bindings.extend(bound[0] if bound else [])
            for state, n in spans.items():
                report.spans[state] = report.spans.get(state, 0) + n
        if progress:
            progress(len(files), len(files), "")
        for path, display in files:
            if path.suffix.lower() == ".ipynb":
                _raw_positions(path, [r for r in report.results if r.file == display and r.cell is not None],
                               [u for u in report.unread if u.file == display and u.cell is not None])
        specs = sorted({ws.net.spec.describe() for ws in workspaces.values()})
        report.model = "; ".join(specs) if specs else (options.spec or Spec()).describe()
    report.seconds = time.perf_counter() - start
    return report


def _raw_positions(path: Path, results, unread) -> None:
    """Give each result (and block not read) of a notebook the line and column of the .ipynb file
    that hold it."""
    from .notebook_json import notebook_positions
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


def _prepare(path: Path, display: str, options: Options, workspaces: dict, named: bool, report: Report):
    """(tasks, finish) for one file; whatever stops it being read is its one result."""
    def alone(result):
        return [], lambda outcomes: ([result], {"unreadable": 1} if path.suffix not in FORMULA_SUFFIXES else {}, [])
    try:
        if path.suffix in FORMULA_SUFFIXES:
            return prepare_formula_file(path, options, workspaces, display)
        from .lecture import prepare_document
        return prepare_document(path, options, workspaces, display)
    except NotRegular as e:
        if named:                               # asked for by name: that it cannot be read is an error
            return alone(_failure(display, e.describe()))
        report.notes.append(f"{display}: skipped: {e.message}")
        return [], lambda outcomes: ([], {}, [])
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
    for file_tasks, _ in prepared:
        for task in file_tasks:
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


def error_result(e: DeriveError, display: str) -> Result:
    return Result(file=display, line=e.line or 1, col=e.col or 1, id=None, claim="", verdict=ERROR,
                  detail=e.describe())


def prepare_formula_file(path: Path, options: Options, workspaces: dict, display: str | None = None):
    """Read a formula file; returns (tasks, finish) as `lecture.prepare_document` does: one task per
    formula, and `finish` turning the tasks' outcomes into (results, {}, formulas)."""
    display = display or str(path)
    try:
        formula_file = read_formula_file(path, display, options.bounds)
    except FormulaFileError as e:
        failure = error_result(e, display)
        return [], lambda outcomes: ([failure], {}, [])
    problems = [error_result(p, display) for p in formula_file.problems]
    spec = options.spec or formula_file.spec or Spec()
    try:
        check_network(spec.layers, options.bounds, "the network of [model]")
    except ModelError as e:                     # no claim is judged in another network than its own
        failure = error_result(e.located(display, 1, 1), display)
        return [], lambda outcomes: (problems + [failure], {}, [])
    checker = Checker(workspace_for(spec, workspaces), display, options)
    seen_ids = set()
    for entry in formula_file.entries:
        if entry.id in seen_ids:
            problems.append(error_result(FormulaFileError(f"id {entry.id!r} is used twice", file=display,
                                                           line=entry.line, col=1), display))
        seen_ids.add(entry.id)
    # Definitions are read first, since any formula may use them; the other formulas are read in
    # their own task, so that reading, like deciding, is spread over the workers.
    read = {id(e): _statement(e, display) for e in formula_file.entries if e.kind == "definition"}
    checker.collect_definitions([st for st, _ in read.values() if st is not None])

    def task(entry):
        statement, failure = read.get(id(entry)) or _statement(entry, display)
        if failure is not None:
            return [failure], Formula(file=display, line=failure.line, id=failure.id, title=failure.title,
                                      kind="chain", members=[failure.claim], label=None, verdicts=[ERROR])
        found = checker.results(statement)
        for r in found:
            member = next((m for m in statement.members if r.verdict == REFUTED and m.parts[0].source
                           and m.parts[0].source.position(m.parts[0].start) == (r.line, r.col)), None)
            if member is not None:
                annotate(checker, statement, r, member)
        return found, checker.formula(statement, found)

    def ahead(entry):
        statement, failure = read.get(id(entry)) or _statement(entry, display)
        return checker.workspace.decider, ([] if failure else checker.values_ahead(statement))

    def lost(entry, reason, undecided):
        r = Result(file=display, line=entry.line, col=1, id=entry.id, claim=" ".join(entry.latex.split())[:400],
                   verdict=UNDECIDED if undecided else ERROR, detail=reason, title=entry.title)
        return [r], None

    def finish(outcomes):
        results = list(problems)
        for found, _ in outcomes:
            results.extend(found)
        return results, {}, [formula for _, formula in outcomes if formula is not None and formula.verdicts]

    return [Task(lambda e=e: task(e), lambda e=e: ahead(e), lambda r, u, e=e: lost(e, r, u),
                 patience=patience(e.latex.count("=") + 1, options.timeout)) for e in formula_file.entries], finish


def _statement(entry, display: str) -> tuple[Statement | None, Result | None]:
    """A formula file entry as one statement, or the error result that says why it is not one."""
    def failure(e: DeriveError, line: int, col: int) -> Result:
        return Result(file=display, line=line, col=col, id=entry.id, claim=" ".join(entry.latex.split()),
                      verdict=ERROR, detail=e.describe(), title=entry.title)
    try:
        assembler = Assembler()
        for piece in parse(entry.latex, entry.source):
            assembler.add(piece, id=entry.id, title=entry.title)
    except DeriveError as e:
        return None, failure(e, e.line or entry.line, e.col or 1)
    found = assembler.statements
    if len(found) != 1 or len(found[0].members) < 2:
        e = FormulaFileError("a formula must be one chain with at least one '='", file=display,
                             line=entry.line, col=1, expected="X = Y (= Z ...)")
        return None, failure(e, entry.line, 1)
    found[0].kind = entry.kind
    return found[0], None


__all__ = ["check_paths", "bundled_formulas", "expand_paths"]
