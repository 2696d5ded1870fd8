"""How a document numbers its layers, read from its forward pass.

derive numbers the input layer 1 (`a_i^{(1)} = x_i`, the first weights `w_{ji}^{(2)}`).  Documents
also number it 0 (`a^{(0)} = x`, `a^0`) or number from 1 at the first weight matrix
(`z^{(1)} = W^{(1)} x + b^{(1)}`, `\\mathbf{W}^{(1)}` connecting the input to the hidden layer):
both put every layer one number lower than derive does.  The forward pass says which:

- *from 0*: a quantity of layer 0 (`a^{(0)}`, `A^{(0)}`, `h^{(0)}`) in a definition, or a
  definition of a weighted input or an output of layer 1 from weights of layer 1
  (`z_1^{(1)} = w_{11}^{(1)} x_1 + ...`, `a^{(1)} = \\sigma(W^{(1)} x + b^{(1)})`), or weights of layer 1
  applied to the input (`\\mathbf{z} = \\mathbf{W}^{(1)} \\mathbf{x}`);
- *derive's*: the input defined as layer 1 (`a_i^{(1)} = x_i`, `A^{(1)} = X`), or the inputs fed
  to weights of layer 2 (`z_1^{(2)} = w_{11}^{(2)} x_1 + ...`).

A document with evidence of one numbering only is read in it: its layer texts that are numbers are
written one higher (`W^{(1)}` is derive's `W^{(2)}`), layers named by letter (`l`, `l+1`, `L`) are
unchanged (a statement for every layer is one for every layer in either numbering), and reports
name layers in derive's numbering.  A document with evidence of both cannot be told: no layer is
renumbered and the reason is returned, so that its claims are undecided rather than judged in a
network it did not define.  Ng's `[l]` layers are numbered from 0 by the convention itself
(conventions.py) and reach this module already in derive's numbering.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..notation import syntax as s
from ..notation.syntax import walk

NUMBERED = ("a", "z", "w", "b", "h", "t", "delta", "Delta", "A", "Z", "W", "T", "dZ", "dW", "db", "dA")
INPUTS = ("x", "X")
WEIGHTED = ("w", "W", "b")
ALIAS = re.compile(r"^(A|W|Z)([0-9]+)$")


@dataclass(frozen=True)
class Numbering:
    input_layer: int = 1             # the number the document gives the input layer
    reason: str | None = None        # why the numbering cannot be told (nothing is renumbered)
    line: int | None = None          # where the evidence of a numbering other than derive's stands


def read_numbering(statements) -> Numbering:
    """The document's numbering of its layers (see the module's docstring)."""
    shifted, derives = None, None
    for st in statements:
        if len(st.members) < 2 or len(st.head.parts) != 1 or len(st.members[1].parts) != 1:
            continue
        head, part = st.head.parts[0].expr, st.members[1].parts[0]
        if not isinstance(head, s.Sym):
            continue
        names = [n for n in walk(part.expr) if isinstance(n, s.Sym)]
        layer = _number(head)
        if layer == 0 and head.name in ("a", "A", "h") or any(_number(n) == 0 and n.name in ("a", "A", "h")
                                                              for n in names):
            shifted = shifted or part
        elif layer == 1 and head.name in ("z", "Z", "a", "A") and any(
                n.name in WEIGHTED and _number(n) == 1 for n in names):
            shifted = shifted or part
        elif layer is None and any(n.name in INPUTS and not n.layer for n in names) and any(
                n.name in WEIGHTED and _number(n) == 1 for n in names):
            shifted = shifted or part           # \mathbf{z} = \mathbf{W}^{(1)} \mathbf{x}: W^{(1)} takes the input
        if layer == 1 and head.name in ("a", "A") and isinstance(part.expr, s.Sym) \
                and part.expr.name in INPUTS and not part.expr.layer:
            derives = derives or part
        elif layer == 2 and head.name in ("z", "Z", "a", "A") and any(n.name in INPUTS and not n.layer for n in names) \
                and any(n.name in WEIGHTED and _number(n) == 2 for n in names):
            derives = derives or part
    if shifted is None:
        return Numbering()
    if derives is not None:
        return Numbering(reason=(f"line {_line(shifted)} numbers the input layer 0 (its first weights "
                                 f"are layer 1) and line {_line(derives)} numbers it 1: derive cannot tell "
                                 "which network is meant"),
                         line=_line(shifted))
    return Numbering(input_layer=0, line=_line(shifted))


def renumber(statements, numbering: Numbering) -> None:
    """Write every layer number of the document in derive's numbering, in place."""
    if numbering.input_layer == 1 or numbering.reason:
        return
    shift = 1 - numbering.input_layer
    for st in statements:
        for member in st.members:
            for part in member.parts:
                part.expr = _shifted(part.expr, shift)


def _shifted(node, shift: int):
    if isinstance(node, s.Sym):
        if node.name in NUMBERED and node.layer and node.layer.isdigit():
            return replace(node, layer=str(int(node.layer) + shift))
        alias = ALIAS.match(node.name)
        if alias and node.layer is None and node.sub is None:
            return replace(node, name=f"{alias.group(1)}{int(alias.group(2)) + shift}")
        return node
    return s.map_children(node, lambda child: _shifted(child, shift))


def _number(node: s.Sym) -> int | None:
    return int(node.layer) if node.layer and node.layer.isdigit() else None


def _line(part) -> int:
    return part.source.position(part.start)[0] if part.source else 1
