"""Which definitions are claims: `X := ...` of a name the model already gives meaning to (A1, W3,
loss\\_3, z_1^{(2)}, ...) is a claim; a definition of a new name is not, but a second definition of
the same name is checked against the first, and a definition after one for every layer
(delta^L_j = ... after delta^l_j := dC/dz^l_j) is a claim about that layer.
"""
from __future__ import annotations

from typing import Callable

from ..meaning.meaning import Definition
from ..notation import syntax as s
from ..notation.indices import definition_key, layer_letter
from ..notation.statements import CHAIN, DEFINITION, Statement


def collect_definitions(statements: list[Statement], definitions: dict, knows: Callable[[s.Sym], bool]) -> None:
    """Register the first definition of each new name in `definitions`; mark the restatements with
    it (st.extra["first"]); a definition of a name `knows` gives meaning to becomes a chain."""
    for st in statements:
        if st.kind != DEFINITION:
            continue
        head = st.head.parts[0].expr
        if not isinstance(head, s.Sym) or knows(head):
            st.kind = CHAIN
            continue
        key = definition_key(head)
        if key not in definitions and _over_layers(definitions, head):
            st.kind = CHAIN                 # delta^L_j = ... after delta^l_j := dC/dz^l_j: a claim
            continue
        if key in definitions:
            st.extra["first"] = definitions[key]
        else:
            definitions[key] = Definition(key, st.members[1], head)


def _over_layers(definitions: dict, head: s.Sym) -> bool:
    """Is there a definition of this name for every layer already (delta^l_j \\equiv ...)?"""
    return any(d.head is not None and d.head.name == head.name and layer_letter(d.head.layer)
               for d in definitions.values())
