"""Checking: statements in, one Result per claim out.

A chain of n members makes n - 1 claims: every member is compared with the chain's reference
member, which is the head unless a larger group of members agrees on another value (then the head
is the odd one out and is reported as wrong).  An update rule `X = M_1 = M_2` claims that each M_k
is the gradient step X - alpha dE/dX.  A definition of a name the model already gives meaning to
(A1, W3, loss\\_3, z_1^{(2)}, ...) is a claim; a definition of a new name is not, but a second
definition of the same name is checked against the first.

Every claim is decided within `Options.timeout` seconds; past it the claim is undecided.
"""
from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from . import blame
from . import syntax as s
from .chains import CHAIN, DEFINITION, EXPRESSION, UPDATE, Statement
from .decide import Decider, Decision
from .derive import Oracle
from .errors import DeriveError, MeaningError
from .meaning import Definition, Meaning, definition_key, is_matrix
from .model import Network, Spec
from .results import ERROR, PROVED, REFUTED, UNDECIDED, Formula, Result


class TimeLimit(BaseException):
    """A claim ran past its time bound (a BaseException, so SymPy's `except Exception` lets it by)."""


@contextmanager
def deadline(seconds: float | None):
    """Raise TimeLimit in this block after `seconds` (main thread on Unix; elsewhere no bound)."""
    usable = (seconds and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise TimeLimit()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Options:
    timeout: float = 5.0
    spec: Spec | None = None


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
    options: Options = field(default_factory=Options)
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
            if key in self.definitions:
                st.extra["first"] = self.definitions[key]
            else:
                self.definitions[key] = Definition(key, st.members[1], head)

    # -- claims -----------------------------------------------------------------------------------
    def results(self, st: Statement) -> list[Result]:
        if st.kind == EXPRESSION:
            return []
        values, errors = {}, []
        members = list(enumerate(st.members))
        if st.kind == DEFINITION:
            if "first" not in st.extra:
                members = members[2:]           # the definition itself claims nothing ...
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
                with deadline(self.options.timeout):
                    out.append(self.meaning.member_value(member))
            except (DeriveError, TimeLimit):
                pass
        self.meaning.representative = False
        return out

    def _value(self, member: s.Member, errors: list, st: Statement):
        start = time.perf_counter()
        try:
            with deadline(self.options.timeout):
                return self.meaning.member_value(member)
        except DeriveError as e:
            errors.append(self._error(e, member, st, time.perf_counter() - start))
        except TimeLimit:
            errors.append(self._result(st, member, member, UNDECIDED, time.perf_counter() - start,
                                       detail=f"reading this member took more than {self.options.timeout:g} s"))
        except Exception as e:                  # a bug in derive: say so, never pass, never crash the run
            errors.append(self._result(st, member, member, UNDECIDED, time.perf_counter() - start,
                                       detail=f"internal error while reading this member ({type(e).__name__}: "
                                              f"{e}); please report it"))
        return None

    def _decide(self, lhs, rhs) -> tuple[Decision, float]:
        start = time.perf_counter()
        try:
            with deadline(self.options.timeout):
                decision = self.workspace.decider.decide(lhs, rhs)
        except TimeLimit:
            decision = Decision(UNDECIDED, f"no decision within {self.options.timeout:g} s (--timeout)")
        except Exception as e:                  # a bug in derive: say so, never pass, never crash the run
            decision = Decision(UNDECIDED, f"internal error while deciding ({type(e).__name__}: {e}); "
                                "please report it")
        return decision, time.perf_counter() - start

    def _chain(self, st: Statement, values: dict, reference: int) -> list[Result]:
        ok = [k for k, v in values.items() if v is not None]
        if reference not in ok:
            reference = ok[0] if ok else None
        if reference is None:
            return []
        self.workspace.decider.prepare([values[k] for k in ok])
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
        gradient = (target.applyfunc(lambda p: self.meaning._partial(E, p, node)) if is_matrix(target)
                    else self.meaning._partial(E, target, node))
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
                       verdicts=[r.verdict for r in results])

    # -- results ------------------------------------------------------------------------------------
    def _result(self, st, reference, member, verdict, seconds, decision=None, detail=""):
        """A claim `reference = member`, reported at the member (the one found wrong when refuted)."""
        part = member.parts[0]
        line, col = part.source.position(part.start) if part.source else (1, 1)
        lhs, rhs = _compact(reference.text), _compact(member.text)
        detail = decision.detail if decision else detail
        if verdict == REFUTED:
            detail += blame.depends_on(self, st, reference, member)
        return Result(file=self.file, line=line, col=col, id=st.id, claim=f"{lhs} = {rhs}",
                      verdict=verdict, detail=detail,
                      counterexample=decision.counterexample if decision else None, seconds=seconds,
                      title=st.title or st.label, cell=getattr(part.source, "cell", None), lhs=lhs, rhs=rhs,
                      wrong="rhs" if verdict == REFUTED else None)

    def _error(self, e: DeriveError, member: s.Member, st: Statement, seconds: float) -> Result:
        part = member.parts[0]
        if e.line is None and part.source is not None:
            line, col = part.source.position(part.start)
            e.located(part.source.file, line, col, part.source.line_text(line))
        return Result(file=self.file, line=e.line or 1, col=e.col or 1, id=st.id, claim=_compact(member.text),
                      verdict=ERROR, detail=e.describe(), seconds=seconds, title=st.title,
                      cell=getattr(e, "cell", None))


def _compact(text: str) -> str:
    return " ".join(text.split())


def workspace_for(spec: Spec, cache: dict) -> Workspace:
    if spec not in cache:
        cache[spec] = Workspace(spec)
    return cache[spec]


__all__ = ["Checker", "Options", "Workspace", "deadline", "TimeLimit", "workspace_for"]
