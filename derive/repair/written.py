"""The refuted member as written: its parts' source text, where each node sits in it, and the
values of its nodes; and `Edit`, one stretch of that text replaced.

Every kind of edit (`edits`, `factors`) reads the member through `Written`: the offsets of a node
in its part's text, widened over the brackets around it (`(a - t)` is replaced whole), its source
text, every node in the order a mistake is looked for (the terms that already match a term of the
expected member last), and node values in the Decider's normal form.  `Written` decides nothing:
the search (`search`) parses, evaluates and decides each edit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from ..errors import DeriveError
from ..meaning.values import is_matrix
from ..model.lecture_form import lecture_terms as expected_terms
from ..notation import syntax as s

OPEN = re.compile(r"(\\left\s*\(|\\left\s*\[|\\left\s*\\\{|\\\{|\(|\[|\{)\s*$")
CLOSE = re.compile(r"^\s*(\\right\s*\)|\\right\s*\]|\\right\s*\\\}|\\\}|\)|\]|\})")


@dataclass
class Edit:
    """A candidate: `new` in place of the text from `start` to `end` of the member's part `part`."""

    part: int              # which part of the member
    start: int             # offsets into that part's text
    end: int
    new: str
    kind: str
    description: str


class Written:
    """The member `member` as written, of a claim whose other side has the value `reference`."""

    def __init__(self, meaning, decider, net, member: s.Member, reference):
        self.meaning, self.decider, self.net = meaning, decider, net
        self.member, self.reference = member, reference
        self.texts = [p.text for p in member.parts]
        self.bases = [p.expr.start for p in member.parts]
        self.terms = [(k, node, sign) for k, p in enumerate(member.parts) for node, sign in s.terms(p.expr, 1)]
        self._right: list | None = None
        self.respell = None                     # derive's names -> the document's (set by the search)

    # -- where a node is in the text -------------------------------------------------------------
    def span(self, k: int, node: s.Node, groups: bool = True) -> tuple[int, int]:
        """The node's offsets in part k's text, widened over the brackets that enclose it."""
        text, start, end = self.texts[k], node.start - self.bases[k], node.end - self.bases[k]
        while groups:
            before, after = OPEN.search(text[:start]), CLOSE.match(text[end:])
            if not (before and after and _pairs(before.group(1), after.group(1))):
                break
            start, end = before.start(1), end + after.end(1)
        return start, end

    def text(self, k, node, groups=True) -> str:
        a, b = self.span(k, node, groups)
        return self.texts[k][a:b]

    def nodes(self):
        """Every node of the member; first those outside the terms that match an expected term."""
        right = self.right_terms()
        later = []
        for k, part in enumerate(self.member.parts):
            for node in s.walk(part.expr):
                if any(j == k and a <= node.start and node.end <= b for j, a, b in right):
                    later.append((k, node))
                else:
                    yield k, node
        yield from later

    def right_terms(self) -> list:
        """(part, start, end) of the written terms equal to a term of the expected member as the
        lecture writes it: a mistake is less likely there (an order, not a proof)."""
        if self._right is not None:
            return self._right
        self._right = []
        if len(self.terms) < 2 or is_matrix(self.reference):
            return self._right
        try:
            want = {sp.expand(x) for x in expected_terms(self.net, self.decider.normal(self.reference))}
            for k, node, sign in self.terms:
                value = self.normal_node(node)
                if value is not None and sp.expand(sign * value) in want:
                    self._right.append((k, node.start, node.end))
        except (DeriveError, ArithmeticError, TypeError, ValueError, AttributeError):
            self._right = []
        return self._right

    # -- values ----------------------------------------------------------------------------------
    def normal(self, value):
        """A value in the Decider's normal form, expanded (entry by entry for a matrix)."""
        if value is None:
            return None
        if is_matrix(value):
            return sp.ImmutableMatrix(value.shape[0], value.shape[1],
                                      [sp.expand(self.decider.normal(e)) for e in value])
        return sp.expand(self.decider.normal(value))

    def normal_member(self):
        """The written member's value, normal; None when it has none (a shape error, say)."""
        try:
            return self.normal(self.meaning.member_value(self.member))
        except DeriveError:
            return None

    def normal_node(self, node, matrices: bool = False):
        """A node's value, normal; None when it has none, or is a matrix and `matrices` is false."""
        try:
            v = self.meaning.value(node, {})
        except (DeriveError, KeyError, TypeError):
            if not matrices:
                return None
            try:                                # a factor of a statement for every index: its column
                v = self.meaning.part_value(s.Part(node, "", self.member.parts[0].source))
            except (DeriveError, KeyError, TypeError):
                return None
        return None if is_matrix(v) and not matrices else self.normal(v)


def _pairs(opening: str, closing: str) -> bool:
    o, c = opening.replace("\\left", "").strip(), closing.replace("\\right", "").strip()
    return {"(": ")", "[": "]", "\\{": "\\}", "{": "}"}.get(o) == c
