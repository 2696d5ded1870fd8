"""Checking: statements in, one Result per claim out.

A chain of n members makes n - 1 claims: every member is compared with the chain's reference
member, which is the head unless a larger group of members agrees on another value (then the head
is the odd one out and is reported as wrong).  An update rule `X = M_1 = M_2` claims that each M_k
is the gradient step X - alpha dE/dX.  A definition of a name the model already gives meaning to
(A1, W3, loss\\_3, z_1^{(2)}, ...) is a claim; a definition of a new name is not, but a second
definition of the same name is checked against the first.

Every claim is decided within the checker's `timeout` seconds; past it the claim is undecided.  What
claims share (the oracle, the seeded points) is built before any claim's deadline starts
(`Workspace.warm`, under the run's budget).  Whatever goes wrong inside derive while a claim is
checked is an error result at the claim, saying it is a bug in derive; running out of the memory
bound or the run's budget is an undecided result that names the bound.

The workspace a checker works in is workspace.py, which statements are claims definitions.py, the
words of a Result claim_result.py, the blame of a definition or a chain's head blame.py.  Other
stages call `collect_definitions`, `results`, `values_ahead`, `formula`, and for the results they
make themselves `result`, `error` and `decide`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from ..errors import DeriveError, MeaningError
from ..meaning.instances import INSTANCES, InstanceMissing
from ..meaning.values import is_matrix, undefined
from ..notation import syntax as s
from ..notation.statements import BINDING, CHAIN, DEFINITION, EXPRESSION, UPDATE, Statement
from ..results import NOT_CHECKED, PROVED, REFUTED, UNDECIDED, Formula, Result
from ..runtime.clock import BudgetSpent, TimeLimit, deadline
from . import blame
from .claim_result import (
    by_symmetry,
    claim_result,
    failure_detail,
    instances_said,
    member_error,
    repeats,
    statement_formula,
    time_out_detail,
    undefined_detail,
)
from .decider import Decision
from .definitions import collect_definitions
from .workspace import Workspace

APPROXIMATION = ("≈ states an approximation, not an equality: derive checks an approximation only "
                 "against the numbers a worked example prints")


@dataclass
class Checker:
    """Checks the statements of one file or document in one workspace."""

    workspace: Workspace
    file: str
    timeout: float                      # seconds per claim (--timeout)
    definitions: dict = field(default_factory=dict)
    reread: object = None               # a formula's tree -> as the document's formulas were read (repairs)

    def __post_init__(self):
        self.meaning = self.workspace.meaning(self.definitions)

    # -- definitions ----------------------------------------------------------------------------
    def knows(self, node: s.Sym) -> bool:
        """Does the model (or notation) give this name a meaning of its own?"""
        return self.meaning.knows(node)

    def collect_definitions(self, statements: list[Statement]) -> None:
        """Register the first definition of each new name; mark the restatements with it."""
        collect_definitions(statements, self.definitions, self.knows)

    # -- claims -----------------------------------------------------------------------------------
    def results(self, st: Statement) -> list[Result]:
        """The claims of a statement; numbers in it were checked in reading order (worked.py) and
        their results wait in st.extra["numeric"]."""
        if st.kind in (EXPRESSION, BINDING):
            return list(st.extra.get("numeric", []))
        numeric = list(st.extra.get("numeric", []))
        skip = st.extra.get("numeric_members", ())
        return [r for r in self._results(st, skip) if not repeats(r, numeric)] + numeric

    def _results(self, st: Statement, skip) -> list[Result]:
        values, errors = {}, []
        members = [(k, m) for k, m in enumerate(st.members) if k not in skip]
        if st.kind == DEFINITION:
            if "first" not in st.extra:
                members = [(k, m) for k, m in members if k >= 2]    # the definition claims nothing ...
                values[1] = self._value(st.members[1], errors, st)
                if values[1] is None:
                    return errors
                try:                                        # ... but an error term must be one
                    wrong = blame.error_term(self, st, values[1])
                except Exception:                           # the check of a definition is an extra
                    wrong = []
                if not members:
                    return errors + wrong
            else:
                values[0] = self._value(st.extra["first"].member, errors, st)
        every = self._for_every_index(st)
        for k, member in members:
            if k not in values:
                values[k] = self._value(member, errors, st)
        self.meaning.representative = False
        if every:
            return errors + [by_symmetry(r, every) for r in self._chain(st, values, 0)]
        if st.kind == UPDATE:
            return errors + self._update(st, values)
        reference = 1 if st.kind == DEFINITION and "first" not in st.extra else 0
        wrong = wrong if st.kind == DEFINITION and "first" not in st.extra else []
        return errors + wrong + self._chain(st, values, reference)

    def _for_every_index(self, st: Statement) -> tuple[list[str], int] | None:
        """A chain for every index that one instance proves (Meaning.symmetric): its members are then
        read at the first and the last instance only (set for the reading that follows)."""
        letters = None
        if st.kind == CHAIN:
            letters = self.meaning.symmetric([p.expr for m in st.members for p in m.parts])
        self.meaning.representative = bool(letters)
        return letters

    def values_ahead(self, st: Statement) -> list:
        """The values of a statement's members that can be read now (errors are left for `results`)."""
        out = []
        self._for_every_index(st)
        for member in st.members:
            try:
                with deadline(self.timeout):
                    out.append(self.meaning.member_value(member, domain=self.layers(st)))
            except BudgetSpent:
                break
            except (Exception, TimeLimit):      # reported when the claim itself reads the member
                pass
        self.meaning.representative = False
        return out

    def _value(self, member: s.Member, errors: list, st: Statement):
        start = time.perf_counter()
        try:
            with deadline(self.timeout):
                value = self.meaning.member_value(member, domain=self._domain(st, member))
            if undefined(value):
                raise MeaningError("this member is undefined: it divides by zero or takes the logarithm of 0 "
                                   "(its value is infinite or not a number)",
                                   expected="a formula with a value (no 1/0, 0^{-1}, \\log 0, (a - a)^{-1})")
            return value
        except InstanceMissing as e:            # the statement is false as stated for that instance
            errors.append(self.result(st, st.head, member, REFUTED, time.perf_counter() - start,
                                      detail=e.message))
        except DeriveError as e:
            errors.append(self.error(e, member, st, time.perf_counter() - start))
        except TimeLimit as e:
            errors.append(self.result(st, member, member, UNDECIDED, time.perf_counter() - start,
                                      detail=time_out_detail(e, self.timeout, "this member could not be read")))
        except Exception as e:                  # a bug in derive: say so, never pass, never crash the run
            verdict, detail = failure_detail(e, "reading this member")
            errors.append(self.result(st, member, member, verdict, time.perf_counter() - start, detail=detail))
        return None

    def _domain(self, st: Statement, member: s.Member) -> dict:
        """What a member of an index statement is evaluated over: the layers of the statement and, for
        members after the head, the head's own instances."""
        domain = self.layers(st)
        head = st.head if "first" not in st.extra else None
        if head is not None and member is not head and len(head.parts) == 1:
            found = self.meaning.instances_for(head.parts[0].expr, domain)
            if found is not None:
                domain = {**domain, INSTANCES: found}
        return domain

    def layers(self, st: Statement) -> dict:
        """The layers a statement over a layer letter holds for (the same for every member)."""
        if "layers" not in st.extra:
            members = list(st.members) + ([st.extra["first"].member] if "first" in st.extra else [])
            st.extra["layers"] = self.meaning.statement_layers(members)
        return st.extra["layers"]

    def decide(self, lhs, rhs) -> tuple[Decision, float]:
        """The decision on lhs = rhs within the timeout, and the seconds it took; a bug in derive met
        on the way is an error decision that says so."""
        start = time.perf_counter()
        try:
            with deadline(self.timeout):
                decision = self.workspace.decider.decide(lhs, rhs)
        except TimeLimit as e:
            decision = Decision(UNDECIDED, time_out_detail(e, self.timeout, "no decision"))
        except Exception as e:                  # a bug in derive: say so, never pass, never crash the run
            decision = Decision(*(undefined_detail(e) or failure_detail(e, "deciding")))
        return decision, time.perf_counter() - start

    def _chain(self, st: Statement, values: dict, reference: int) -> list[Result]:
        ok = [k for k, v in values.items() if v is not None]
        if reference not in ok:
            reference = ok[0] if ok else None
        if reference is None:
            return []
        try:                                    # numeric values in one batch: an optimization only
            with deadline(self.timeout):
                self.workspace.decider.prepare([values[k] for k in ok])
        except (Exception, TimeLimit):          # each decision below evaluates (and reports) on its own
            pass
        approximate = {k for k in ok if any(self._member(st, j).approx
                                            for j in range(min(k, reference) + 1, max(k, reference) + 1))}
        ok = [k for k in ok if k == reference or k not in approximate]
        decisions = {k: self.decide(values[reference], values[k]) for k in ok if k != reference}
        failed = [k for k, (d, _) in decisions.items() if d.verdict != PROVED]
        if failed and len(failed) * 2 > len(ok) and reference == 0:
            alternative = failed[0]
            agreeing = [k for k in failed if k == alternative
                        or self.decide(values[alternative], values[k])[0].verdict == PROVED]
            if len(agreeing) > len(ok) - len(failed) and blame.outvoted(self, st, values[alternative]):
                reference = alternative
                decisions = {k: self.decide(values[reference], values[k]) for k in ok if k != reference}
        out = [self._approximation(st, self._member(st, reference), self._member(st, k))
               for k in sorted(approximate - {reference})]
        for k in sorted(decisions):
            decision, seconds = decisions[k]
            out.append(self.result(st, self._member(st, reference), self._member(st, k), decision.verdict,
                                   seconds, decision))
        return out

    def _approximation(self, st: Statement, reference: s.Member, member: s.Member) -> Result:
        """`X \\approx Y`: not checked (an approximation states no equality), shown as written."""
        found = claim_result(self.file, st, reference, member, NOT_CHECKED, 0.0, APPROXIMATION)
        return replace(found, claim=f"{found.lhs} \\approx {found.rhs}")

    def _member(self, st: Statement, k: int) -> s.Member:
        if k == 0 and "first" in st.extra:
            return st.extra["first"].member
        return st.members[k]

    def _update(self, st: Statement, values: dict) -> list[Result]:
        target = values.get(0)
        if target is None:
            return []
        entries = list(target) if is_matrix(target) else [target]
        if not all(e in self.workspace.net.quantities and self.workspace.net.quantities[e][0] in ("w", "b")
                   for e in entries):
            err = MeaningError("an update rule must assign weights or biases", expected="W^{(l)}, b^{(l)}, w or b")
            return [self.error(err, st.head, st, 0.0)]
        node = st.head.parts[0].expr
        start = time.perf_counter()
        try:
            with deadline(self.timeout):
                step = self.meaning.gradient_step(target, node)
        except DeriveError as e:
            return [self.error(e, st.head, st, time.perf_counter() - start)]
        except TimeLimit as e:
            return [self.result(st, st.head, st.head, UNDECIDED, time.perf_counter() - start,
                                detail=time_out_detail(e, self.timeout, "no gradient step"))]
        except Exception as e:
            verdict, detail = failure_detail(e, "the gradient step")
            return [self.result(st, st.head, st.head, verdict, time.perf_counter() - start, detail=detail)]
        out = []
        for k in range(1, len(st.members)):
            if values.get(k) is None:
                continue
            decision, seconds = self.decide(step, values[k])
            decision.detail = "update rule, checked against X - \u03b1 \u2202E/\u2202X: " + decision.detail
            out.append(self.result(st, st.head, st.members[k], decision.verdict, seconds, decision))
        return out

    def formula(self, st: Statement, results: list[Result]) -> Formula:
        """The statement as one formula of the report, with the verdicts of its claims."""
        return statement_formula(self.file, st, results)

    # -- results ------------------------------------------------------------------------------------
    def result(self, st: Statement, reference: s.Member, member: s.Member, verdict: str, seconds: float,
               decision: Decision | None = None, detail: str = "") -> Result:
        """A claim `reference = member`, reported at the member (the one found wrong when refuted),
        with the instances an index statement was checked over and the definitions a refuted one uses."""
        detail = decision.detail if decision else detail
        layers, found = self.layers(st), None
        for m in (reference, member):
            for part in m.parts:
                found = found or self.meaning.instances_for(part.expr, layers)
        detail = instances_said(found, detail, verdict)
        if verdict == REFUTED:
            detail += blame.depends_on(self, st, reference, member)
        return claim_result(self.file, st, reference, member, verdict, seconds, detail,
                            decision.counterexample if decision else None)

    def error(self, e: DeriveError, member: s.Member, st: Statement, seconds: float) -> Result:
        """A member that could not be read, reported at its position."""
        return member_error(self.file, e, member, st, seconds)
