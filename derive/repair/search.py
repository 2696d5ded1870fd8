"""Repairs: the small edits of a refuted member that make its claim proved, each decided exactly.

A lecturer who wrote a wrong formula wants to know what it should be.  For the member found
wrong, candidate edits of its source text are made from its syntax tree, cheapest first:

- another activation's local derivative written for a unit (the sigmoid's `a (1 - a)` for a tanh
  unit, tanh's `1 - a^2` for a sigmoid unit) replaced by its own family's (`families`);
- a name's index or layer changed (`w_{12}^{(3)}` for `w_{11}^{(3)}`, `a^{(2)}` for `a^{(3)}`);
- a sign flipped (`+` for `-`, `(t - a)` for `(a - t)`, a `-` dropped);
- a transpose added or removed, the operands of a matrix product swapped;
- a factor dropped (also a pair side by side, `a (1 - a)`), a term of a sum dropped;
- a factor added, replaced, or a term added: what is missing is found by dividing what the term
  should be (the expected value less the other terms) by what it is, in node values, and is
  printed in the lecture's notation; in a chain-rule product, the missing step `dB/dC` between
  `dA/dB` and `dC/dD`.

Each candidate is the part's text with one stretch replaced; it is parsed again by the grammar,
evaluated in the model and decided by the Decider like any claim, and only a proved one is kept.
So a repair is reported only when putting `new` in place of `old` at line:col makes the claim
proved.  The search is bounded (`LIMIT` candidates, `BUDGET` seconds).

This module holds the loop: the kinds of edit in their order, each within its share of the
budget, each candidate decided, the proved ones kept.  The kinds of edit are in `edits` and
`factors`; the member's text and node values they read, in `written`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace

import sympy as sp

from ..errors import DeriveError
from ..meaning.values import is_matrix
from ..notation import syntax as s
from ..notation.parse import parse
from ..results import PROVED
from ..runtime.clock import TimeLimit, deadline
from . import edits, factors, families, penalty
from .written import Edit, Written

LIMIT = 400            # candidates per refuted claim
BUDGET = 1.0           # seconds of processor time per refuted claim (a loaded machine is not a reason
                       # to find less)
SHOWN = 3              # repairs kept per claim


@dataclass
class Repair:
    """Putting `new` in place of `old` (the source text at line:col) makes the claim proved."""

    line: int
    col: int
    old: str
    new: str
    description: str
    kind: str
    cell: int | None = None        # in a notebook: the cell, whose source line and column these are

    def to_json(self) -> dict:
        out = {"line": self.line, "col": self.col, "old": self.old, "new": self.new,
               "description": self.description, "kind": self.kind}
        if self.cell is not None:
            out["cell"] = self.cell
        return out

    def __repr__(self) -> str:
        return f"Repair({self.line}:{self.col} {self.old!r} -> {self.new!r}: {self.kind})"


class Search:
    """The repairs of one member `member` of a claim whose other side has the value `reference`."""

    def __init__(self, checker, member: s.Member, reference, budget: float = BUDGET):
        self.decider = checker.workspace.decider
        self.reread = getattr(checker, "reread", None) or (lambda expr: expr)
        self.respell = getattr(checker, "respell", None)     # derive's names -> the document's
        self.stop = time.process_time() + budget
        self.tried: set = set()
        self.found: list[Repair] = []
        self.written = Written(checker.meaning, self.decider, checker.workspace.net, member, reference)
        self.written.respell = self.respell

    def run(self, cheap_only: bool = False) -> list[Repair]:
        """Each kind of edit in turn, within its share of the budget; the first kind that repairs
        the member is the one reported."""
        generators = [(families.wrong_family, .1), (penalty.decay_terms, .1), (edits.names, .35), (edits.signs, .1)]
        if not cheap_only:
            generators += [(edits.transposes, .05), (edits.swaps, .05), (edits.extra_factors, .1),
                           (edits.steps, .05), (edits.reroutes, .05), (factors.missing, .25),
                           (edits.extra_terms, .05)]
        budget = self.stop - time.process_time()
        try:
            with deadline(3 * max(0.05, budget) + 1.0):      # a safety net in wall time
                for generate, share in generators:
                    spent = 0.0                 # deciding this kind's candidates (not finding them)
                    try:
                        for edit in generate(self.written):
                            if self._exhausted():
                                return self.found
                            if spent > share * budget:
                                break
                            began = time.process_time()
                            for variant in self._in_the_documents_names(edit):
                                self._try(variant)
                            spent += time.process_time() - began
                    except (DeriveError, ArithmeticError, TypeError, ValueError, sp.PolynomialError):
                        pass                # a kind of edit that does not apply here
                    if self.found:          # the cheapest kind that repairs it is the one reported
                        return self.found
        except TimeLimit:
            pass
        return self.found

    def _in_the_documents_names(self, edit: Edit) -> list[Edit]:
        """The edit with derive's names in its new text written as the document writes them (tried
        first: a repair reads best in the lecture's own names), then as it is."""
        if self.respell is None:
            return [edit]
        new = self.respell(edit.new)
        if new == edit.new:
            return [edit]
        return [replace(edit, new=new, description=self.respell(edit.description)), edit]

    def _exhausted(self) -> bool:
        return (len(self.found) >= SHOWN or len(self.tried) >= LIMIT or time.process_time() > self.stop)

    def _try(self, edit: Edit) -> None:
        """Decide the member with the edit made; keep it as a repair when that proves the claim."""
        w = self.written
        text = w.texts[edit.part]
        new_text = text[:edit.start] + edit.new + text[edit.end:]
        key = (edit.part, new_text)
        if key in self.tried or new_text == text:
            return
        self.tried.add(key)
        expr = _reparse(new_text)
        if expr is None:
            return
        expr = self.reread(expr)                # in the document's convention, numbering and names
        parts = list(w.member.parts)
        old = parts[edit.part]
        parts[edit.part] = s.Part(expr, new_text, old.source)
        try:
            value = w.meaning.member_value(s.Member(parts))
        except DeriveError:
            return
        if not self._proves(value):
            return
        line, col = old.source.position(w.bases[edit.part] + edit.start) if old.source else (1, edit.start + 1)
        repair = Repair(line, col, text[edit.start:edit.end], edit.new, edit.description, edit.kind,
                        getattr(old.source, "cell", None))
        if not any((r.line, r.col) == (line, col) for r in self.found):
            self.found.append(repair)

    def _proves(self, value) -> bool:
        ref = self.written.reference
        if is_matrix(ref) != is_matrix(value) or (is_matrix(ref) and ref.shape != value.shape):
            return False
        pairs = zip(ref, value) if is_matrix(ref) else [(ref, value)]
        if not all(self.decider.is_zero(self.decider.normal(a) - self.decider.normal(b)) for a, b in pairs):
            return False
        return self.decider.decide(ref, value).verdict == PROVED


def _reparse(text: str) -> s.Node | None:
    """The expression a part's text reads as on its own, or None if it is not one expression."""
    try:
        pieces = parse(text)
    except Exception:                           # a NotationError, or text the grammar cannot take
        return None
    if len(pieces) != 1 or pieces[0].lead is not None or pieces[0].label or len(pieces[0].chains) != 1:
        return None
    chain = pieces[0].chains[0]
    if len(chain) != 1 or len(chain[0].parts) != 1:
        return None
    return chain[0].parts[0].expr


def repairs(checker, member: s.Member, reference, budget: float = BUDGET, cheap_only: bool = False) -> list[Repair]:
    """The proved repairs of `member` against the value `reference` (best first; [] when none)."""
    return Search(checker, member, reference, budget).run(cheap_only)


