"""Checking a document whose network is a generic vector network (understand.generic): the book
chapter's z = W^{(1)} x, h = φ(z), o = W^{(2)} h, L = l(o, y), with φ and l left undefined.

Every statement is checked in that network (decide.generic_values, decide.generic): a chain's
members each against its head; a definition of the forward pass claims nothing, but the members
after its definition are each checked against it.  A member derive cannot give a meaning (a
`\\textrm{prod}` it cannot resolve, a name with no definition it can read) is not checked, with the
reason; shapes that do not fit at the stated sizes refute the member that writes them.
"""
from __future__ import annotations

import itertools
import time

import sympy as sp

from ..decide.claim_result import claim_result, failure_detail, member_error, statement_formula
from ..decide.generic import GenericDecider
from ..decide.generic_values import GenericValues, Jacobian, Misfit
from ..errors import DeriveError, Unresolved
from ..results import ERROR, NOT_CHECKED, PROVED, REFUTED, UNDECIDED, Result
from ..runtime.clock import TimeLimit, deadline
from ..runtime.parallel import Task, patience
from ..understand.generic import GenericModel
from .lecture import Lecture
from .options import Options
from .plan import FilePart, FilePlan, failure

SPAN_STATE = {ERROR: "unreadable", REFUTED: "refuted", UNDECIDED: "undecided", PROVED: "proved",
              NOT_CHECKED: "unreadable"}
SEVERITY = {"unreadable": 4, "refuted": 3, "undecided": 2, "proved": 1, "bound": 0}


class GenericChecker:
    """The statements of one document, checked in its generic network."""

    def __init__(self, lecture: Lecture, model: GenericModel, timeout: float):
        self.file, self.model, self.timeout = lecture.display, model, timeout
        self._decider: GenericDecider | None = None

    @property
    def decider(self) -> GenericDecider:
        if self._decider is None:               # built in the worker that first needs it
            self._decider = GenericDecider(GenericValues(self.model))
        return self._decider

    def results(self, st) -> list[Result]:
        if len(st.members) < 2:
            return []
        first = 1 if id(st) in self.model.defining else 0
        errors: list[Result] = []
        letters: dict = {}
        for member in [st.members[first]] + st.members:      # the reference says first how far each runs
            for letter, n in self.decider.values.indices([p.expr for p in member.parts]).items():
                letters.setdefault(letter, n)
        assignments = [dict(zip(letters, values)) for values in
                       itertools.product(*[range(1, n + 1) for n in letters.values()])]
        labels = [", ".join(f"{k} = {v}" for k, v in a.items()) for a in assignments] if letters else None
        reference = self._value(st, st.members[first], errors, assignments=assignments)
        if reference is None:
            return errors
        out = []
        for member in st.members[first + 1:]:
            start = time.perf_counter()
            value = self._value(st, member, out, st.members[first], assignments)
            if value is None:
                continue
            try:
                with deadline(self.timeout):
                    decision = self.decider.decide(reference, value, labels)
                if labels:
                    decision.detail += f" (for every {', '.join(f'{k} = 1..{n}' for k, n in letters.items())})"
                out.append(claim_result(self.file, st, st.members[first], member, decision.verdict,
                                        time.perf_counter() - start, decision.detail, decision.counterexample))
            except TimeLimit:
                out.append(claim_result(self.file, st, st.members[first], member, UNDECIDED,
                                        time.perf_counter() - start, f"not decided within {self.timeout:g} s (--timeout)"))
            except Exception as e:                  # a bug in derive: say so, never pass
                verdict, detail = failure_detail(e, "deciding")
                out.append(claim_result(self.file, st, st.members[first], member, verdict,
                                        time.perf_counter() - start, detail))
        return errors + out

    def _value(self, st, member, out: list, reference=None, assignments=({},)):
        """The member's value; with index letters, the column of its values for every assignment."""
        start = time.perf_counter()
        try:
            with deadline(self.timeout):
                column = []
                for index in assignments:
                    values = [self.decider.values.value(p.expr, index=index) for p in member.parts]
                    total = values[0]
                    for v in values[1:]:
                        total = total + v
                    column.append(total)
            if len(column) == 1 and not assignments[0]:
                return column[0]
            if any(isinstance(v, (sp.MatrixBase, Jacobian)) for v in column):
                raise Unresolved("a member with an index letter that is still a vector or a matrix",
                                 expected="z_j, \\phi'(z_j): a number for each value of the index")
            return sp.ImmutableMatrix(len(column), 1, column)
        except Misfit as e:
            if reference is None:
                out.append(_located(self.file, e, member, st, start))
            else:
                sizes = ", ".join(f"{k} \u2208 R^{n}" for k, n in self.model.sizes.items())
                out.append(claim_result(self.file, st, reference, member, REFUTED, time.perf_counter() - start,
                                        f"{e.message} at the sizes {sizes}: this member has no value, so it "
                                        "cannot be the left side"))
        except DeriveError as e:
            out.append(_located(self.file, e, member, st, start))
        except TimeLimit:
            out.append(claim_result(self.file, st, member, member, UNDECIDED, time.perf_counter() - start,
                                    f"this member could not be read within {self.timeout:g} s (--timeout)"))
        except Exception as e:                      # a bug in derive: say so, never pass
            verdict, detail = failure_detail(e, "reading this member")
            out.append(claim_result(self.file, st, member, member, verdict, time.perf_counter() - start, detail))
        return None


def _located(file: str, e: DeriveError, member, st, start: float) -> Result:
    """A member's error at the node it names (its offset), else at the member."""
    offset = getattr(e, "offset", None)
    part = next((p for p in member.parts if offset is not None and p.expr.start <= offset <= p.expr.end),
                member.parts[0])
    if e.line is None and part.source is not None and offset is not None:
        line, col = part.source.position(offset)
        e.located(part.source.file, line, col, part.source.line_text(line))
    return member_error(file, e, member, st, time.perf_counter() - start)


def generic_plan(lecture: Lecture, model: GenericModel, options: Options, title=None) -> FilePlan:
    """The plan of a document whose network is generic: one task per statement."""
    display, spans, states = lecture.display, lecture.spans, lecture.states
    results = lecture.results + [failure(e.located(display, 1, 1), display) for e in lecture.errors]
    checker = GenericChecker(lecture, model, options.timeout)
    index = {id(sp): k for k, sp in enumerate(spans)}

    def task(st):
        found = checker.results(st)
        marks = []
        for r in found:
            parts = [p for m in st.members for p in m.parts if id(p.source) in index and _holds(p, r)]
            touched = {index[id(p.source)] for p in parts or st.head.parts if id(p.source) in index}
            marks.append((touched, r.verdict))
        return found, marks, (statement_formula(display, st, found) if found else None)

    def finish(outcomes):
        out, formulas = list(results), []
        for found, marks, formula in outcomes:
            out.extend(found)
            if formula is not None:
                formulas.append(formula)
            for touched, verdict in marks:
                _mark(states, touched, verdict)
        out.sort(key=lambda r: (r.cell or 0, r.line, r.col))
        counts: dict = {}
        for state in states:
            counts[state or "no claim"] = counts.get(state or "no claim", 0) + 1
        counts["unreadable"] = counts.get("unreadable", 0) + lecture.problems
        return FilePart(out, {k: v for k, v in counts.items() if v}, formulas, title=title, model=model.describe())

    def lost(st, reason, undecided):
        part = st.head.parts[0]
        line, col = part.source.position(part.start)
        r = Result(file=display, line=line, col=col, id=st.id, claim=" ".join(part.text.split())[:400],
                   verdict=UNDECIDED if undecided else ERROR, detail=reason)
        return [r], [({index[id(p.source)] for m in st.members for p in m.parts if id(p.source) in index},
                      r.verdict)], None

    return FilePlan([Task(lambda st=st: task(st), None, lambda r, u, st=st: lost(st, r, u),
                          patience=patience(len(st.members), options.timeout)) for st in lecture.statements],
                    finish, lecture.unread)


def _holds(part, r: Result) -> bool:
    """Does this part's span hold the result's position?"""
    if part.source is None or r.cell != getattr(part.source, "cell", None):
        return False
    return part.source.position(part.expr.start) <= (r.line, r.col) <= part.source.position(part.expr.end)


def _mark(states: list, touched: set, verdict: str) -> None:
    """A span's state is the worst verdict of the claims it holds a checked member of."""
    for key in touched:
        if states[key] not in ("skipped", "prose"):
            current = states[key]
            if current in (None, "bound") or SEVERITY[current] < SEVERITY[SPAN_STATE[verdict]]:
                states[key] = SPAN_STATE[verdict]
