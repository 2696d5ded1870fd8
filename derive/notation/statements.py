"""From parsed pieces to statements: chains, update rules, definitions, lone expressions.

A lecturer writes `X = Y = Z` in one go, or spreads it: a row or block beginning with `=` adds a
member to the chain before it, one beginning with `+` continues that chain's last member.  The
`Assembler` follows those rules over the pieces of one formula or of a whole document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import NotationError
from . import syntax as s
from .literals import is_numbers_only
from .syntax import walk

CHAIN, UPDATE, DEFINITION, EXPRESSION = "chain", "update", "definition", "expression"
BINDING = "binding"          # a leaf set to a number (bindings.py): claims nothing
PARAMETER_NAMES = ("w", "b", "W")
LEAD = re.compile(r"^\s*(?:\\begin\s*\{[^{}]*\}\s*)?(?:&\s*)?(?:\\q?quad\s*)*([=+])")


@dataclass
class Statement:
    """A chain of members; `kind` says what its `=` signs claim."""

    members: list[s.Member]
    kind: str = CHAIN
    label: str | None = None
    id: str | None = None
    title: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def head(self) -> s.Member:
        return self.members[0]

    def __repr__(self) -> str:
        return f"Statement({self.kind}, {len(self.members)} members, {self.head.text[:40]!r})"


class Assembler:
    """Collects pieces in reading order and links continuations to what they continue."""

    def __init__(self):
        self.statements: list[Statement] = []
        self.current: Statement | None = None      # what a continuation continues
        self.lost_member = False                   # the last member went on in a block not read

    def broken(self, text: str, display: bool = True, where=None) -> None:
        """A block that could not be read: what continues it must not be attached to anything else.

        If it began with `+`, the member it continued is incomplete: it leaves its chain (noted in
        the chain's extra["incomplete"] with `where`, so that it is reported as not checked).  If it
        began with `=`, it was a member of its own: `+` blocks after it continue that lost member.
        Otherwise it was a chain of its own, and every continuation after it belongs to that chain.
        """
        if not display:
            return
        lead = LEAD.match(text)
        lead = lead.group(1) if lead else None
        if lead == "+" and self.current is not None and not self.lost_member and self.current.members:
            incomplete = self.current.members.pop()
            self.current.extra.setdefault("incomplete", []).append((incomplete, where))
            self.lost_member = True
        elif lead in ("+", "=") and self.current is not None:
            self.lost_member = True
        else:
            self.current = Statement(members=[s.Member([])])      # a chain that was not read: a sink
            self.lost_member = False

    def add(self, piece: s.Piece, display: bool = True, **attributes) -> list[Statement]:
        """Add one piece; returns the statements it started (continuations start none).

        Only display math is continued: inline math in prose or a table between two display
        blocks (a definition in a table row, say) starts statements of its own and is passed over.
        """
        started = []
        chains = list(piece.chains)
        if piece.lead is not None and chains and not display:
            piece = s.Piece(lead=None, label=piece.label, start=piece.start, chains=chains)   # never glued on
        if piece.lead is not None and chains:
            first = chains.pop(0)
            self._continue(piece.lead, first, piece)
            if piece.label:
                self.current.label = piece.label
        for chain in chains:
            statement = Statement(members=list(chain), label=piece.label, **attributes)
            self.statements.append(statement)
            started.append(statement)
            if display:
                self.current = statement
                self.lost_member = False
        return started

    def _continue(self, lead: str, members: list[s.Member], piece: s.Piece) -> None:
        if self.current is None:
            err = NotationError(f"this begins with {lead!r}, continuing a chain, but no chain comes before it",
                                expected="an expression before the first " + repr(lead))
            err.offset = piece.start
            raise err
        current = self.current
        if self.lost_member:
            if lead == "+":
                return                              # more of a member that could not be read
            self.lost_member = False
        if lead == "=":
            current.members.extend(members)
        else:
            current.members[-1].parts.extend(members[0].parts)
            current.members.extend(members[1:])


def classify(statement: Statement, is_parameter, is_known_name) -> str:
    """What a statement claims, when its file or document did not say.

    - one member: a lone expression (no claim);
    - `X = X - alpha ...` where X is a weight or bias: an update rule;
    - `x_1 = 0.05`, `W^{(2)} = pmatrix of numbers`: a binding (a leaf given a value);
    - `name = ...` where name means nothing in the model: a definition;
    - anything else: a chain of equalities.
    """
    if len(statement.members) == 1:
        return EXPRESSION
    if is_binding(statement):
        return BINDING
    head = single_expr(statement.head)
    if head is not None and isinstance(head, s.Sym):
        second = single_expr(statement.members[1])
        if head.mark == "+":                    # w_5^{+} = w_5 - \eta ...: the updated value
            from dataclasses import replace
            plain = replace(head, mark=None)
            if is_parameter(plain) and second is not None and mentions(second, plain):
                statement.head.parts[0].expr = plain
                return UPDATE
        if is_parameter(head) and second is not None and mentions(second, head):
            return UPDATE
        if not is_known_name(head):
            return DEFINITION
    return CHAIN


def single_expr(member: s.Member) -> s.Node | None:
    return member.parts[0].expr if len(member.parts) == 1 else None


def mentions(tree: s.Node, name: s.Sym) -> bool:
    return any(isinstance(n, s.Sym) and n == name for n in walk(tree))


LEAF_NAMES = ("x", "w", "b", "t", "W", "T", "alpha", "eta")


def is_binding(statement) -> bool:
    """Syntactically: every member but the last names a leaf (or a matrix of them), the last is
    numbers only (a number, a fraction of numbers, a pmatrix of numbers)."""
    members = statement.members
    if len(members) < 2 or any(len(m.parts) != 1 for m in members):
        return False
    *names, value = [m.parts[0].expr for m in members]
    if not all(isinstance(n, s.Sym) and (n.name in LEAF_NAMES or _matrix_alias(n.name)) for n in names):
        return False
    if isinstance(value, s.Matrix):
        return all(is_numbers_only(c) for row in value.rows for c in row)
    return is_numbers_only(value)


def _matrix_alias(name: str) -> bool:
    return len(name) > 1 and name[0] == "W" and name[1:].isdigit()
