"""A whole run: paths in, a Report out.  Formula files (.toml) and lecture documents (.md, .tex,
.ipynb) may be mixed; folders are searched for both."""
from __future__ import annotations

import time
from importlib import resources
from pathlib import Path

from .chains import Assembler, Statement
from .check import Checker, Options, workspace_for
from .parallel import parallel_map
from .errors import DeriveError, FormulaFileError
from .model import Spec
from .parse import parse
from .read import FORMULA_SUFFIXES, read_formula_file
from .results import ERROR, Formula, Report, Result

BUNDLED = "formulas"


def bundled_formulas() -> list[tuple[Path, str]]:
    """The formula files shipped with derive, with the names they are shown under."""
    try:
        folder = resources.files("derive.formulas")
    except ModuleNotFoundError:             # running from a source tree: formulas/ sits beside derive/
        folder = Path(__file__).resolve().parent.parent / BUNDLED
    files = sorted(p for p in folder.iterdir() if p.name.endswith(".toml"))
    return [(Path(str(p)), f"{BUNDLED}/{p.name}") for p in files]


def expand_paths(paths) -> list[tuple[Path, str]]:
    """Formula files and documents named by `paths` (folders searched), with their display names."""
    from .documents import DOCUMENT_SUFFIXES, find_documents
    return [(p, str(p)) for p in find_documents(paths, FORMULA_SUFFIXES + DOCUMENT_SUFFIXES)]


def check_paths(paths, options: Options | None = None, progress=None) -> Report:
    """Check formula files and documents; with no paths, the bundled formulas."""
    options = options or Options()
    start = time.perf_counter()
    files = expand_paths(paths) if paths else bundled_formulas()
    report = Report()
    workspaces: dict = {}
    prepared = []
    for k, (path, display) in enumerate(files):
        if progress:
            progress(k, len(files), display)
        if path.suffix in FORMULA_SUFFIXES:
            prepared.append(prepare_formula_file(path, options, workspaces, display))
        else:
            from .lecture import prepare_document
            prepared.append(prepare_document(path, options, workspaces, display))
    tasks = [task for file_tasks, _ in prepared for task in file_tasks]
    if len(tasks) >= 8:
        for ws in workspaces.values():      # shared by every worker: done once, before they fork
            ws.warm()
    outcomes = parallel_map(lambda task: task(), tasks, before=_evaluate_ahead)
    for file_tasks, finish in prepared:
        results, spans, formulas, *bound = finish(outcomes[:len(file_tasks)])
        report.bindings.extend(bound[0] if bound else [])
        outcomes = outcomes[len(file_tasks):]
        report.results.extend(results)
        report.formulas.extend(formulas)
        for state, n in spans.items():
            report.spans[state] = report.spans.get(state, 0) + n
    if progress:
        progress(len(files), len(files), "")
    report.seconds = time.perf_counter() - start
    specs = sorted({ws.net.spec.describe() for ws in workspaces.values()})
    report.model = "; ".join(specs) if specs else (options.spec or Spec()).describe()
    return report


def _evaluate_ahead(tasks) -> None:
    """Evaluate the members of many formulas first, so that the numeric cross-check lambdifies them
    in one call per network instead of one per formula."""
    by_decider: dict = {}
    for task in tasks:
        ahead = getattr(task, "ahead", None)
        if ahead:
            decider, values = ahead()
            by_decider.setdefault(id(decider), (decider, []))[1].extend(values)
    for decider, values in by_decider.values():
        decider.prepare(values)


def error_result(e: DeriveError, display: str) -> Result:
    return Result(file=display, line=e.line or 1, col=e.col or 1, id=None, claim="", verdict=ERROR,
                  detail=e.describe())


def prepare_formula_file(path: Path, options: Options, workspaces: dict, display: str | None = None):
    """Read a formula file; returns (tasks, finish) as `lecture.prepare_document` does: one task per
    formula, and `finish` turning the tasks' outcomes into (results, {}, formulas)."""
    display = display or str(path)
    try:
        formula_file = read_formula_file(path, display)
    except FormulaFileError as e:
        failure = error_result(e, display)
        return [], lambda outcomes: ([failure], {}, [])
    problems = [error_result(p, display) for p in formula_file.problems]
    spec = options.spec or formula_file.spec or Spec()
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
        return found, checker.formula(statement, found)

    def ahead(entry):
        statement, failure = read.get(id(entry)) or _statement(entry, display)
        return checker.workspace.decider, ([] if failure else checker.values_ahead(statement))

    def finish(outcomes):
        results = list(problems)
        for found, _ in outcomes:
            results.extend(found)
        return results, {}, [formula for _, formula in outcomes if formula.verdicts]   # claims made

    return [Task(lambda e=e: task(e), lambda e=e: ahead(e)) for e in formula_file.entries], finish


class Task:
    """A formula to check (call it), and what can be evaluated ahead for it (`ahead()`)."""

    def __init__(self, run, ahead):
        self.run, self.ahead = run, ahead

    def __call__(self):
        return self.run()


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
