"""A formula file checked: its [model] table as the network, one task per formula."""
from __future__ import annotations

from pathlib import Path

from ..decide.checker import Checker
from ..decide.workspace import workspace_for
from ..errors import DeriveError, FormulaFileError, ModelError
from ..model.spec import Spec
from ..notation.parse import parse
from ..notation.statements import Assembler, Statement
from ..repair.explain import annotate
from ..results import ERROR, REFUTED, UNDECIDED, Formula, Result
from ..runtime.bounds import check_network
from ..runtime.parallel import Task, patience
from ..sources.formula_files import FormulaFile, read_formula_file
from .options import Options
from .plan import FilePart, FilePlan, failure
from .plan import lost as lost_result


def formula_file_spec(formula_file: FormulaFile) -> tuple[Spec | None, list[FormulaFileError]]:
    """The network of a formula file's [model] table (None without one), and the file's problems,
    a [model] that cannot be built first among them."""
    problems = list(formula_file.problems)
    if formula_file.model is None:
        return None, problems
    try:
        return Spec.from_mapping(formula_file.model), problems
    except ModelError as e:
        problems.insert(0, FormulaFileError(f"[model]: {e.message}", file=formula_file.path,
                                            line=formula_file.model_line, col=1, expected=e.expected))
        return None, problems


def prepare_formula_file(path: Path, options: Options, workspaces: dict, display: str | None = None) -> FilePlan:
    """Read a formula file and plan its checking, as `document.prepare_document` does: one task per
    formula, and `finish` turning the tasks' outcomes into the file's results and formulas."""
    display = display or str(path)
    try:
        formula_file = read_formula_file(path, display, options.bounds)
    except FormulaFileError as e:
        return FilePlan.alone([failure(e, display)])
    spec, problems = formula_file_spec(formula_file)
    problems = [failure(p, display) for p in problems]
    if formula_file.model is not None and spec is None and options.spec is None:
        # The [model] table cannot be read: no claim is judged in another network than its own.
        why = (f"not checked: the file's [model] table (line {formula_file.model_line}) cannot be read, and no "
               "claim is judged in another network than its own")
        return FilePlan.alone(problems + [Result(file=display, line=e.line, col=1, id=e.id, verdict=UNDECIDED,
                                                 claim=" ".join(e.latex.split()), detail=why, title=e.title)
                                          for e in formula_file.entries])
    spec = options.spec or spec or Spec()
    try:
        check_network(spec.layers, options.bounds, "the network of [model]")
    except ModelError as e:                     # no claim is judged in another network than its own
        return FilePlan.alone(problems + [failure(e.located(display, 1, 1), display)])
    checker = Checker(workspace_for(spec, workspaces), display, options.timeout)
    seen_ids = set()
    for entry in formula_file.entries:
        if entry.id in seen_ids:
            problems.append(failure(FormulaFileError(f"id {entry.id!r} is used twice", file=display,
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
        return [lost_result(display, entry.line, 1, entry.id, entry.latex, reason, undecided, title=entry.title)], None

    def finish(outcomes):
        results = list(problems)
        for found, _ in outcomes:
            results.extend(found)
        return FilePart(results, formulas=[formula for _, formula in outcomes
                                           if formula is not None and formula.verdicts])

    return FilePlan([Task(lambda e=e: task(e), lambda e=e: ahead(e), lambda r, u, e=e: lost(e, r, u),
                          patience=patience(e.latex.count("=") + 1, options.timeout))
                     for e in formula_file.entries], finish)


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
