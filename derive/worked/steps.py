"""One step, one set of values: what a second value for a leaf means in a worked example.

A worked example takes one step of gradient descent from the values it binds.  Within a step a
value given for a weight or bias that already has one (`w_{11}^{(3)} = 0.35891648` in a sentence
after its gradient, `W^{(3)} = \\begin{pmatrix}…\\end{pmatrix}` after the update is described) or
written as an updated value (`w_6^{+} = 0.408666186`, `w_1' = 0.302`) is the *updated* value: a
claim checked against X - alpha dE/dX at the values the step started from, never a new value of X
for later claims of the same step.  A second value that is no updated value (an input, a target,
the learning rate, or a weight nowhere near its update) is an error at its line naming the first.

A document starts a new step (or example) in its prose, in a heading or a sentence before the new
values: a new step names an iteration, an epoch, a round or step of training/gradient descent with an
ordinal or number (`## Iteration 2`, "the second iteration", "epoch 2", "the next training step"), or
says `<!-- derive: new step -->`; a new example names one ("a second example", "the next training
example", "Example 2", `<!-- derive: new example -->`).  From a new step on, the weights and biases
take the updated values the step before printed (in a sentence or as the last number of an update
rule); one whose update was not printed has no value (its numbers are undecided, naming it).  From
either on, any leaf may be given a new value.
"""
from __future__ import annotations

import re
import time

import sympy as sp

from ..decide.decider import Decision
from ..errors import DeriveError, MeaningError
from ..notation import syntax as s
from ..notation.literals import is_literal, literal_text
from ..results import PROVED, REFUTED, UNDECIDED
from .bindings import Binding, Unbound
from .intervals import differing_digits, exact_interval, hull, long_text, meets, midpoint, printed_interval
from .slips import number_repair, right_text, slip

PARAMETERS = ("w", "b")
_ORDINAL = r"(?:second|third|fourth|fifth|sixth|next|another|new|2nd|3rd|[4-9]th)"
_STEP = (r"(?:iteration|epoch|training step|gradient[- ]descent step|update step|step of gradient descent|"
         r"round of (?:training|backpropagation|back-propagation|updates|gradient descent))")
NEW_STEP = re.compile(rf"\b{_ORDINAL}\s+{_STEP}\b|\b(?:iteration|epoch)\s+#?(?:[2-9]|\d\d+)\b|"
                      r"\bforward pass (?:again )?with the (?:new|updated) (?:weights|parameters|values)\b|"
                      r"(?:<!--|%)\s*derive:\s*new step\b", re.IGNORECASE)
NEW_EXAMPLE = re.compile(rf"\b{_ORDINAL}\s+(?:training\s+)?(?:example|sample|data point)\b|"
                         r"\bexample\s+#?(?:[2-9]|\d\d+)\b|(?:<!--|%)\s*derive:\s*new example\b", re.IGNORECASE)
HOW = ("a new step or example starts before it (a heading or sentence naming it: \"## Iteration 2\", "
       "\"the second training example\", or <!-- derive: new step -->)")


class Steps:
    """The step a document is in, read in reading order alongside the bindings."""

    def __init__(self, text: str, bound, cells: dict | None = None):
        self.lines = text.split("\n") if text else []
        self.cells = {n: source.split("\n") for n, source in (cells or {}).items()}   # a notebook's prose
        self.last = None                    # (cell, line, col) where the statement before ended
        self.number = 1
        self.in_step: set = set(bound.values)       # leaves given a value in this step
        self.updated: dict = {}             # leaf -> the Binding of its printed updated value

    # -- where a new step starts ------------------------------------------------------------------
    def advance(self, st, bound) -> None:
        """Before a statement: a new step or example named in the prose since the last one."""
        first, last = st.members[0].parts[0], st.members[-1].parts[-1]
        if first.source is None or last.source is None:
            return
        cell = getattr(first.source, "cell", None)
        if cell is not None and cell not in self.cells:
            return
        start = (cell, *first.source.position(first.expr.start))
        end = (getattr(last.source, "cell", None), *last.source.position(last.expr.end))
        prose = self._prose(self.last or (min(self.cells, default=None), 1, 1), start)
        self.last = end
        if NEW_STEP.search(prose):
            self.number += 1
            for symbol in list(bound.values):
                if bound.net.quantities.get(symbol, ("?",))[0] in PARAMETERS:
                    if symbol in self.updated:
                        bound.add(self.updated[symbol])
                    else:
                        bound.remove(symbol)
            self.updated, self.in_step = {}, set()
        elif NEW_EXAMPLE.search(prose):
            self.in_step = set()

    def _prose(self, a, b) -> str:
        """The text between two places (cell, line, col); in a notebook, across the markdown cells
        between them."""
        (k0, l0, c0), (k1, l1, c1) = a, b
        if k1 is None:
            return self._between(self.lines, (l0, c0), (l1, c1))
        if k0 == k1:
            return self._between(self.cells.get(k1, []), (l0, c0), (l1, c1))
        rows = self.cells.get(k0, []) if k0 is not None else []
        parts = [self._between(rows, (l0, c0), (len(rows), len(rows[-1]) + 1))] if rows else []
        parts += ["\n".join(self.cells[k]) for k in sorted(self.cells) if (k0 or 0) < k < k1]
        parts.append(self._between(self.cells.get(k1, []), (1, 1), (l1, c1)))
        return "\n".join(parts)

    @staticmethod
    def _between(lines: list, a, b) -> str:
        (l0, c0), (l1, c1) = a, b
        if not lines or l1 < l0:
            return ""
        if l0 == l1:
            return lines[l0 - 1][c0 - 1:c1 - 1] if l0 <= len(lines) else ""
        rows = lines[l0 - 1:l1]
        if not rows:
            return ""
        rows[0], rows[-1] = rows[0][c0 - 1:], rows[-1][:c1 - 1]
        return "\n".join(rows)

    # -- updates ------------------------------------------------------------------------------------
    def record_update(self, checker, st) -> None:
        """An update rule whose last member is a printed number: the value the next step starts from."""
        try:
            target = checker.meaning.member_value(st.head)
        except DeriveError:
            return
        last = st.members[-1]
        if not isinstance(target, sp.Symbol) or len(last.parts) != 1 or not is_literal(last.parts[0].expr):
            return
        text = literal_text(last.parts[0].expr)
        if text is None or "e" in text.lower():
            return
        line = last.parts[0].source.position(last.parts[0].start)[0] if last.parts[0].source else 1
        net = checker.workspace.net
        self.updated[target] = Binding(target, sp.Rational(text), text, line, net.display.get(target, str(target)))

    def bind(self, checker, st, bound, printed) -> tuple[list, list]:
        """A binding statement: (the bindings made, the results of the updated values it claims)."""
        made, results = [], []
        for b in bound.read(checker.meaning, st):
            current = bound.values.get(b.symbol)
            kind = bound.net.quantities.get(b.symbol, ("?",))[0]
            again = current is not None and b.symbol in self.in_step
            if b.marked or (again and b.value != current.value):
                if kind in PARAMETERS:
                    results.append(self._updated(checker, st, bound, b, current, printed))
                else:
                    results.append(_error(checker, st, b, f"a second value for {b.spelled}, which was given "
                                          f"{current.text} at line {current.line}: a leaf keeps one value in a "
                                          f"step, unless " + HOW))
                continue
            if again:                       # the same value again: a restatement
                continue
            made.append(b)
            self.in_step.add(b.symbol)
        for b in made:
            bound.add(b)
        return made, results

    def _updated(self, checker, st, bound, b, first, printed):
        """The claim that b is the updated value of its leaf, at the values the step started from."""
        start = time.perf_counter()
        where = _where(b)
        node = b.target.parts[0].expr
        node = node.operand if isinstance(node, s.Transpose) else node
        try:
            step = checker.meaning.gradient_step(b.symbol, node)
            at = bound.evaluate(step, checker.workspace.derivatives)
        except Unbound as e:
            return _result(checker, st, b, where, UNDECIDED, start, f"the updated value of {b.spelled}, but no "
                           "values are bound for " + ", ".join(e.names))
        except DeriveError as e:
            return _result(checker, st, b, where, UNDECIDED, start, f"the updated value of {b.spelled}, which "
                           f"cannot be computed here ({e.message})")
        reference, mine = exact_interval(at), printed_interval(b.text)
        value = sp.Rational(b.text)
        printed[value] = hull(exact_interval(value), reference)
        what = f"the updated value {b.spelled} - \\alpha \\frac{{\\partial E}}{{\\partial {b.spelled}}}"
        if meets(mine, reference):
            self.updated[b.symbol] = b
            return _result(checker, st, b, where, PROVED, start, f"numbers: {what} at the values the step "
                           f"started from is {long_text(midpoint(reference))}…; {b.text} is within half a unit "
                           "of its last place")
        how = slip(right_text(reference, b.text), b.text, reference)
        old = first.value if first is not None else None
        if old is not None and not how:
            uphill = exact_interval(2 * old - sp.Float(midpoint(reference), 60))
            if meets(mine, uphill):
                how = "the step taken uphill: + where the rule has -"
            elif meets(mine, exact_interval(old)):
                how = "the value before the update"
        near = how or (old is not None and abs(value - sp.Float(midpoint(reference), 60)) < abs(value - old))
        if not (b.marked or near) and first is not None:
            return _error(checker, st, b, f"a second value for {b.spelled}, which was given {first.text} at line "
                          f"{first.line}: in the same step it can only be its updated value, "
                          f"{right_text(reference, b.text)} to the digits printed (this is not), unless " + HOW)
        self.updated[b.symbol] = b
        result = _result(checker, st, b, where, REFUTED, start, f"numbers: {what} at the values the step started "
                         f"from: " + differing_digits(midpoint(reference), b.text) + (f" ({how})" if how else ""))
        if b.cell is not None and isinstance(b.cell, (s.Num, s.Neg)):
            repair = number_repair(where.parts[0], b.cell, reference)
            if repair is not None:
                result.repairs, result.mistake = [repair], repair.kind
                result.line, result.col = repair.line, repair.col
        return result


def _where(b):
    """The member a claim about b is reported at: its value, or its entry of a pmatrix."""
    part = b.where.parts[0]
    if isinstance(part.expr, s.Matrix) and b.cell is not None:
        return s.Member([s.Part(b.cell, part.text, part.source)])
    return b.where


def _result(checker, st, b, where, verdict, start, detail):
    result = checker.result(st, b.target, where, verdict, time.perf_counter() - start, Decision(verdict, detail))
    result.claim = f"{' '.join(b.target.text.split())} = {b.text}"
    return result


def _error(checker, st, b, message):
    err = MeaningError(message, expected="one value per leaf in a step")
    return checker.error(err, _where(b), st, 0.0)


__all__ = ["Steps"]
