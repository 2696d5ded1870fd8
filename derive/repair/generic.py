"""Repairs of a refuted member in a generic vector network (decide.generic): single edits of the
kinds a book-style derivation slips in, each kept only when the edited member is proved.

- a transpose missing on a weight matrix (`\\mathbf{W}^{(2)} \\frac{\\partial J}{\\partial \\mathbf{o}}`
  for `{\\mathbf{W}^{(2)}}^\\top \\frac{\\partial J}{\\partial \\mathbf{o}}`), or one too many;
- one vector named for another (`\\mathbf{x}^\\top` for `\\mathbf{h}^\\top`, `\\phi'(\\mathbf{o})` for
  `\\phi'(\\mathbf{z})`).

A candidate is a tree with one node replaced, valued in the network and decided like the claim
(`GenericDecider.decide`: an exact zero and agreeing numbers), so only proved edits are reported.
The edit is shown as source text: the node's own text and its replacement.
"""
from __future__ import annotations

import re
import time

import sympy as sp

from ..decide.generic import GenericDecider
from ..errors import DeriveError
from ..notation import syntax as s
from ..results import PROVED
from .search import Repair

BUDGET = 3.0                    # seconds for one member's candidates


def _replaced(node, old, new):
    """The tree with the node `old` (by identity) replaced by `new`."""
    if node is old:
        return new
    return s.map_children(node, lambda child: _replaced(child, old, new))


def _candidates(part, vectors: list[str]):
    """(node, new node, old text, new text, what) for each single edit of one part."""
    text, base = part.text, part.expr.start
    for node in s.walk(part.expr):
        written = text[node.start - base:node.end - base]
        if not written:
            continue
        if isinstance(node, s.Sym) and node.name == "W" and node.layer is not None and not node.sub:
            yield (node, s.Transpose(node, start=node.start, end=node.end), written, f"{{{written}}}^\\top",
                   "missing transpose")
        elif isinstance(node, s.Transpose):
            inner = text[node.operand.start - base:node.operand.end - base]
            if inner:
                yield node, node.operand, written, inner.strip("{}") if inner.startswith("{") else inner, \
                    "extra transpose"
        if isinstance(node, s.Sym) and node.name in vectors and not node.sub and not node.layer:
            for other in vectors:
                if other != node.name:
                    new_text = re.sub(r"(?<![A-Za-z\\])" + re.escape(node.name) + r"(?![A-Za-z])", other, written, count=1)
                    if new_text != written:
                        yield (node, s.Sym(other, start=node.start, end=node.end), written, new_text,
                               "wrong name")


def generic_repairs(decider: GenericDecider, reference, member: s.Member, written=None) -> list[Repair]:
    """The proved single edits of a member (one part only; at most BUDGET seconds); an edit that
    makes it the other side as `written` (∂J/∂h for ∂J/∂z = ∂J/∂h) says nothing and is left out."""
    if len(member.parts) != 1 or reference is None:
        return []
    part = member.parts[0]
    values = decider.values
    vectors = [n for n, v in values.forward.items()
               if isinstance(v, sp.MatrixBase) and v.shape[1] == 1 and not n.startswith("__")]
    start, out = time.perf_counter(), []
    for node, new, old_text, new_text, what in _candidates(part, vectors):
        if time.perf_counter() - start > BUDGET:
            break
        edited = _replaced(part.expr, node, new)
        if written is not None and edited == written:
            continue
        try:
            value = values.value(edited)
        except DeriveError:
            continue
        if not decider.zero(reference, value) or decider.decide(reference, value).verdict != PROVED:
            continue
        line, col = part.source.position(node.start) if part.source else (1, 1)
        out.append(Repair(line, col, old_text, new_text, f"`{old_text}` should be `{new_text}`", what,
                          cell=getattr(part.source, "cell", None)))
        if len(out) >= 3:
            break
    return out
