"""A claim's Result: where it is reported and the words of its detail.

- `claim_result`: the claim `reference = member`, reported at the member (the one found wrong when
  refuted); `member_error`: a member derive could not read, at its position; `statement_formula`: a
  statement with the verdicts of its claims.
- `instances_said`: an index statement says over which values it was checked and, refuted, the first
  instance that fails (in place of the entries of the column of instances).
- `time_out_detail`, `failure_detail`: a claim out of time, past the memory bound, or met by a bug
  in derive (an error result that says so; nothing unproved ever passes).
"""
from __future__ import annotations

import re

from ..errors import DeriveError, Unresolved
from ..notation.indices import describe, instance_text
from ..notation.statements import Statement
from ..results import ERROR, NOT_CHECKED, PROVED, REFUTED, UNDECIDED, Counterexample, Formula, Result
from ..runtime.clock import BudgetSpent, TimeLimit


def time_out_detail(e: TimeLimit, timeout: float, what: str) -> str:
    """Why a claim is undecided for lack of time: its own deadline, or the run's budget."""
    if isinstance(e, BudgetSpent):
        return f"{what}: the run's budget of {e.seconds:g} s was used up (--budget)"
    return f"{what} within {timeout:g} s (--timeout)"


def undefined_detail(e: BaseException) -> tuple[str, str] | None:
    """(verdict, detail) when deciding met a formula with no real value at the point tried: a
    division by zero (a denominator that is 0 everywhere), or a complex value; else None."""
    if isinstance(e, ZeroDivisionError):
        return ERROR, ("the formula divides by zero (a denominator that is 0, such as a derivative that is 0 "
                       "everywhere): it has no value to compare")
    if isinstance(e, TypeError) and "mpc" in str(e):
        return UNDECIDED, ("the formula's value is a complex number at the points tried (a non-integer power of "
                           "a quantity that can be negative); derive decides real-valued formulas only")
    return None


def failure_detail(e: BaseException, what: str) -> tuple[str, str]:
    """(verdict, detail) for an exception met while checking a claim: the memory bound is
    undecided; anything else is an error, and a bug in derive."""
    if isinstance(e, MemoryError):
        return UNDECIDED, f"{what}: past the memory bound (--limit memory=BYTES)"
    if isinstance(e, OverflowError):
        return UNDECIDED, (f"{what}: a value past the range of floating-point numbers (OverflowError: "
                           f"{' '.join(str(e).split())[:120]})")
    if isinstance(e, RecursionError):
        return ERROR, (f"{what}: nested too deeply for derive (RecursionError); this is a bug in derive: the "
                       "nesting bound (--limit depth=N) should have stopped it; please report it")
    text = " ".join(str(e).split())
    text = text if len(text) <= 200 else text[:199] + "…"
    return ERROR, f"{what}: internal error ({type(e).__name__}: {text}); this is a bug in derive, please report it"


def claim_result(file: str, st: Statement, reference, member, verdict: str, seconds: float, detail: str,
                 counterexample: Counterexample | None = None) -> Result:
    """The claim `reference = member`, reported at the member (the one found wrong when refuted)."""
    part = member.parts[0]
    line, col = part.source.position(part.start) if part.source else (1, 1)
    lhs, rhs = compact(reference.text), compact(member.text)
    return Result(file=file, line=line, col=col, id=st.id, claim=f"{lhs} = {rhs}",
                  verdict=verdict, detail=detail,
                  counterexample=counterexample, seconds=seconds,
                  title=st.title or st.label, cell=getattr(part.source, "cell", None), lhs=lhs, rhs=rhs,
                  wrong="rhs" if verdict == REFUTED else None)


def member_error(file: str, e: DeriveError, member, st: Statement, seconds: float) -> Result:
    """A member that could not be read, at its position (located there unless it is already)."""
    part = member.parts[0]
    if e.line is None and part.source is not None:
        line, col = part.source.position(part.start)
        e.located(part.source.file, line, col, part.source.line_text(line))
    verdict = NOT_CHECKED if isinstance(e, Unresolved) else ERROR     # a name derive cannot resolve
    return Result(file=file, line=e.line or 1, col=e.col or 1, id=st.id, claim=compact(member.text),
                  verdict=verdict, detail=e.describe(), seconds=seconds, title=st.title,
                  cell=getattr(e, "cell", None))


def statement_formula(file: str, st: Statement, results: list[Result]) -> Formula:
    """The statement as one formula of the report, with the verdicts of its claims."""
    part = st.head.parts[0]
    line = part.source.position(part.start)[0] if part.source else 1
    return Formula(file=file, line=line, id=st.id, title=st.title, kind=st.kind,
                   members=[compact(m.text) for m in st.members], label=st.label,
                   verdicts=[r.verdict for r in results], cell=getattr(part.source, "cell", None))


def instances_said(found, detail: str, verdict: str) -> str:
    """An index statement says over which values it was checked and, refuted, the first instance
    that fails (in place of the entries of the column of instances).  `found` is the statement's
    (letters, instances, layer), or None for a statement about one instance."""
    if found is None:
        return detail
    letters, instances, layer = found
    failing, start, end = _failing(detail, [instance_text(b, letters) for b in instances])
    if failing:
        said = (f"the first failing instance is {failing[0]} ({len(failing)} of {len(instances)} "
                f"instance{'s' if len(instances) != 1 else ''} differ)")
        detail = detail[:start] + said + detail[end:]
    return detail + "; " + ("proved " if verdict == PROVED else "checked ") + describe(letters, instances, layer)


def _failing(detail: str, labels: list[str]) -> tuple[list[str], int, int]:
    """The instances a refutation names ("the sides differ for l = 2, j = 1; l = 3, j = 2"), and where."""
    prefix = "the sides differ for "
    start = detail.find(prefix)
    if start < 0:
        return [], 0, 0
    pos, found = start + len(prefix), []
    while True:
        matches = [lab for lab in labels if detail.startswith(lab, pos)
                   and (pos + len(lab) == len(detail) or detail[pos + len(lab)] == ";")]
        if not matches:
            break
        label = max(matches, key=len)
        found.append(label)
        pos += len(label)
        if not detail.startswith("; ", pos) or not any(detail.startswith(lab, pos + 2) for lab in labels):
            break
        pos += 2
    return found, start, pos


def repeats(r: Result, numeric: list[Result]) -> bool:
    """An error already reported by the numeric check (the same member's)."""
    return r.verdict == ERROR and any(n.verdict == ERROR and (n.line, n.col) == (r.line, r.col) for n in numeric)


def compact(text: str) -> str:
    """A member's text on one line, runs of white space as one space, none before a subscript or a
    superscript (`z _1` is how a Markdown escape `z\\_1` reads: sources.spans.unescape)."""
    return re.sub(r" (?=[_^])", "", " ".join(text.split()))


def by_symmetry(result: Result, every: tuple[list[str], int]) -> Result:
    """A claim proved for every index by one instance says why that instance is enough."""
    letters, count = every
    if result.verdict == PROVED:
        result.detail = (f"for every {', '.join(letters)} ({count:,} instances): proved at the first and "
                         "the last instance, and so "
                         "at every one (relabelling the units of a layer maps the network, its loss and this "
                         "statement to themselves, so every instance is the same identity with the "
                         "quantities renamed); " + result.detail)
    return result
