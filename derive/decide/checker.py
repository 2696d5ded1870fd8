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
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from . import blame
from ..notation import syntax as s
from ..notation.statements import BINDING, CHAIN, DEFINITION, EXPRESSION, UPDATE, Statement
from .decider import Decider, Decision
from ..runtime.clock import BudgetSpent, TimeLimit, deadline
from ..model.oracle import Oracle
from ..errors import DeriveError, MeaningError
from ..meaning.meaning import INSTANCES, Definition, InstanceMissing, Meaning, is_matrix
from ..notation.indices import definition_key
from ..model.network import Network
from ..model.spec import Spec
from ..results import ERROR, PROVED, REFUTED, UNDECIDED, Formula, Result
from ..notation.indices import layer_letter
from ..notation.indices import describe, instance_text


WARM_PARAMETERS = 1_000       # networks up to this many weights and biases get every dE_i/dp up front


def time_out_detail(e: TimeLimit, timeout: float, what: str) -> str:
    """Why a claim is undecided for lack of time: its own deadline, or the run's budget."""
    if isinstance(e, BudgetSpent):
        return f"{what}: the run's budget of {e.seconds:g} s was used up (--budget)"
    return f"{what} within {timeout:g} s (--timeout)"


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


class Workspace:
    """One network with its oracle and decider, shared by every file checked against it."""

    def __init__(self, spec: Spec):
        self.net = Network(spec)
        self.oracle = Oracle(self.net)
        self.derivatives: dict = {}
        self.stacks: dict = {}             # statements for every index: entry labels (j = 1, ...)
        self._decider = None

    @property
    def decider(self) -> Decider:
        if self._decider is None:
            self._decider = Decider(self.net, self.derivatives, self.oracle)
            self._decider.stacks = self.stacks
        return self._decider

    def warm(self) -> None:
        """What nearly every claim needs: the seeded points and the error terms of E (one level each,
        in reverse mode; the derivatives claims ask for are built from them as they are asked)."""
        self.decider.evaluator
        self.oracle.prepare()

    def meaning(self, definitions: dict) -> Meaning:
        m = Meaning(self.net, self.oracle, definitions)
        m.derivatives = self.derivatives
        m.stacks = self.stacks
        return m


@dataclass
class Checker:
    """Checks the statements of one file or document in one workspace."""

    workspace: Workspace
    file: str
    timeout: float                      # seconds per claim (--timeout)
    definitions: dict = field(default_factory=dict)

    def __post_init__(self):
        self.meaning = self.workspace.meaning(self.definitions)

    # -- definitions ----------------------------------------------------------------------------
    def knows(self, node: s.Sym) -> bool:
        """Does the model (or notation) give this name a meaning of its own?"""
        return self.meaning.knows(node)

    def collect_definitions(self, statements: list[Statement]) -> None:
        """Register the first definition of each new name; mark the restatements with it."""
        for st in statements:
            if st.kind != DEFINITION:
                continue
            head = st.head.parts[0].expr
            if not isinstance(head, s.Sym) or self.knows(head):
                st.kind = CHAIN
                continue
            key = definition_key(head)
            if key not in self.definitions and self._over_layers(head):
                st.kind = CHAIN                 # delta^L_j = ... after delta^l_j := dC/dz^l_j: a claim
                continue
            if key in self.definitions:
                st.extra["first"] = self.definitions[key]
            else:
                self.definitions[key] = Definition(key, st.members[1], head)

    def _over_layers(self, head: s.Sym) -> bool:
        """Is there a definition of this name for every layer already (delta^l_j \\equiv ...)?"""
        return any(d.head is not None and d.head.name == head.name and layer_letter(d.head.layer)
                   for d in self.definitions.values())

    # -- claims -----------------------------------------------------------------------------------
    def results(self, st: Statement) -> list[Result]:
        """The claims of a statement; numbers in it were checked in reading order (worked.py) and
        their results wait in st.extra["numeric"]."""
        if st.kind in (EXPRESSION, BINDING):
            return list(st.extra.get("numeric", []))
        numeric = list(st.extra.get("numeric", []))
        skip = st.extra.get("numeric_members", ())
        return [r for r in self._results(st, skip) if not _repeats(r, numeric)] + numeric

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
            return errors + [self._by_symmetry(r, every) for r in self._chain(st, values, 0)]
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

    def _by_symmetry(self, result: Result, every: tuple[list[str], int]) -> Result:
        letters, count = every
        if result.verdict == PROVED:
            result.detail = (f"for every {', '.join(letters)} ({count:,} instances): proved at the first and "
                             "the last instance, and so "
                             "at every one (relabelling the units of a layer maps the network, its loss and this "
                             "statement to themselves, so every instance is the same identity with the "
                             "quantities renamed); " + result.detail)
        return result

    def values_ahead(self, st: Statement) -> list:
        """The values of a statement's members that can be read now (errors are left for `results`)."""
        out = []
        self._for_every_index(st)
        for member in st.members:
            try:
                with deadline(self.timeout):
                    out.append(self.meaning.member_value(member, domain=self._layers(st)))
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
                return self.meaning.member_value(member, domain=self._domain(st, member))
        except InstanceMissing as e:            # the statement is false as stated for that instance
            errors.append(self._result(st, st.head, member, REFUTED, time.perf_counter() - start,
                                       detail=e.message))
        except DeriveError as e:
            errors.append(self._error(e, member, st, time.perf_counter() - start))
        except TimeLimit as e:
            errors.append(self._result(st, member, member, UNDECIDED, time.perf_counter() - start,
                                       detail=time_out_detail(e, self.timeout, "this member could not be read")))
        except Exception as e:                  # a bug in derive: say so, never pass, never crash the run
            verdict, detail = failure_detail(e, "reading this member")
            errors.append(self._result(st, member, member, verdict, time.perf_counter() - start, detail=detail))
        return None

    def _domain(self, st: Statement, member: s.Member) -> dict:
        """What a member of an index statement is evaluated over: the layers of the statement and, for
        members after the head, the head's own instances."""
        domain = self._layers(st)
        head = st.head if "first" not in st.extra else None
        if head is not None and member is not head and len(head.parts) == 1:
            found = self.meaning.instances_for(head.parts[0].expr, domain)
            if found is not None:
                domain = {**domain, INSTANCES: found}
        return domain

    def _layers(self, st: Statement) -> dict:
        """The layers a statement over a layer letter holds for (the same for every member)."""
        if "layers" not in st.extra:
            members = list(st.members) + ([st.extra["first"].member] if "first" in st.extra else [])
            st.extra["layers"] = self.meaning.statement_layers(members)
        return st.extra["layers"]

    def _decide(self, lhs, rhs) -> tuple[Decision, float]:
        start = time.perf_counter()
        try:
            with deadline(self.timeout):
                decision = self.workspace.decider.decide(lhs, rhs)
        except TimeLimit as e:
            decision = Decision(UNDECIDED, time_out_detail(e, self.timeout, "no decision"))
        except Exception as e:                  # a bug in derive: say so, never pass, never crash the run
            decision = Decision(*failure_detail(e, "deciding"))
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
        decisions = {k: self._decide(values[reference], values[k]) for k in ok if k != reference}
        failed = [k for k, (d, _) in decisions.items() if d.verdict != PROVED]
        if failed and len(failed) * 2 > len(ok) and reference == 0:
            alternative = failed[0]
            agreeing = [k for k in failed if k == alternative
                        or self._decide(values[alternative], values[k])[0].verdict == PROVED]
            if len(agreeing) > len(ok) - len(failed) and blame.outvoted(self, st, values[alternative]):
                reference = alternative
                decisions = {k: self._decide(values[reference], values[k]) for k in ok if k != reference}
        out = []
        for k in sorted(decisions):
            decision, seconds = decisions[k]
            out.append(self._result(st, self._member(st, reference), self._member(st, k), decision.verdict,
                                    seconds, decision))
        return out

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
            return [self._error(err, st.head, st, 0.0)]
        net = self.workspace.net
        node = st.head.parts[0].expr
        E = net["E",]
        start = time.perf_counter()
        try:
            with deadline(self.timeout):
                gradient = (target.applyfunc(lambda p: self.meaning._partial(E, p, node)) if is_matrix(target)
                            else self.meaning._partial(E, target, node))
        except DeriveError as e:
            return [self._error(e, st.head, st, time.perf_counter() - start)]
        except TimeLimit as e:
            return [self._result(st, st.head, st.head, UNDECIDED, time.perf_counter() - start,
                                 detail=time_out_detail(e, self.timeout, "no gradient step"))]
        except Exception as e:
            verdict, detail = failure_detail(e, "the gradient step")
            return [self._result(st, st.head, st.head, verdict, time.perf_counter() - start, detail=detail)]
        step = target - net.alpha * gradient
        out = []
        for k in range(1, len(st.members)):
            if values.get(k) is None:
                continue
            decision, seconds = self._decide(step, values[k])
            decision.detail = "update rule, checked against X - \u03b1 \u2202E/\u2202X: " + decision.detail
            out.append(self._result(st, st.head, st.members[k], decision.verdict, seconds, decision))
        return out

    def formula(self, st: Statement, results: list[Result]) -> Formula:
        part = st.head.parts[0]
        line = part.source.position(part.start)[0] if part.source else 1
        return Formula(file=self.file, line=line, id=st.id, title=st.title, kind=st.kind,
                       members=[_compact(m.text) for m in st.members], label=st.label,
                       verdicts=[r.verdict for r in results], cell=getattr(part.source, "cell", None))

    # -- results ------------------------------------------------------------------------------------
    def _result(self, st, reference, member, verdict, seconds, decision=None, detail=""):
        """A claim `reference = member`, reported at the member (the one found wrong when refuted)."""
        part = member.parts[0]
        line, col = part.source.position(part.start) if part.source else (1, 1)
        lhs, rhs = _compact(reference.text), _compact(member.text)
        detail = decision.detail if decision else detail
        detail = self._instances(reference, member, detail, verdict, self._layers(st))
        if verdict == REFUTED:
            detail += blame.depends_on(self, st, reference, member)
        return Result(file=self.file, line=line, col=col, id=st.id, claim=f"{lhs} = {rhs}",
                      verdict=verdict, detail=detail,
                      counterexample=decision.counterexample if decision else None, seconds=seconds,
                      title=st.title or st.label, cell=getattr(part.source, "cell", None), lhs=lhs, rhs=rhs,
                      wrong="rhs" if verdict == REFUTED else None)

    def _instances(self, reference, member, detail: str, verdict: str, layers=None) -> str:
        """An index statement says over which values it was checked and, refuted, the first instance
        that fails (in place of the entries of the column of instances)."""
        found = None
        for m in (reference, member):
            for part in m.parts:
                found = found or self.meaning.instances_for(part.expr, layers)
        if found is None:
            return detail
        letters, instances, layer = found
        failing, start, end = _failing(detail, [instance_text(b, letters) for b in instances])
        if failing:
            said = (f"the first failing instance is {failing[0]} ({len(failing)} of {len(instances)} "
                    f"instance{'s' if len(instances) != 1 else ''} differ)")
            detail = detail[:start] + said + detail[end:]
        return detail + "; " + ("proved " if verdict == PROVED else "checked ") + describe(letters, instances, layer)

    def _error(self, e: DeriveError, member: s.Member, st: Statement, seconds: float) -> Result:
        part = member.parts[0]
        if e.line is None and part.source is not None:
            line, col = part.source.position(part.start)
            e.located(part.source.file, line, col, part.source.line_text(line))
        return Result(file=self.file, line=e.line or 1, col=e.col or 1, id=st.id, claim=_compact(member.text),
                      verdict=ERROR, detail=e.describe(), seconds=seconds, title=st.title,
                      cell=getattr(e, "cell", None))


def _repeats(r: Result, numeric: list[Result]) -> bool:
    """An error already reported by the numeric check (the same member's)."""
    return r.verdict == ERROR and any(n.verdict == ERROR and (n.line, n.col) == (r.line, r.col) for n in numeric)


def _compact(text: str) -> str:
    return " ".join(text.split())


def workspace_for(spec: Spec, cache: dict) -> Workspace:
    if spec not in cache:
        cache[spec] = Workspace(spec)
    return cache[spec]


__all__ = ["Checker", "Workspace", "deadline", "TimeLimit", "BudgetSpent", "failure_detail",
           "time_out_detail", "workspace_for"]
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


