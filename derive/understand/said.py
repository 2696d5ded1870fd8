"""A layer's activation said in the text, where the forward pass writes only a generic g.

Ng's notes write the forward pass with a generic activation, `A^{[1]} = g^{[1]}(Z^{[1]})`, and say in
a sentence which it is: "the hidden layer uses $g^{[1]} = \\tanh$" (or `g^{[1]}(z) = \\tanh(z)`,
`\\sigma`, `\\text{ReLU}`, `\\max(0, z)`).  A derivation written with `g^{[1]\\prime}` holds for every g,
but one that writes tanh's derivative out (`1 - (A^{[1]})^2`) needs the layer to be tanh: the text
says so, and the forward pass, which names no family for that layer, does not contradict it.  A
layer the forward pass defines with a family of its own keeps it (`read_model` decides those).
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..model.spec import Spec
from ..notation import syntax as s
from ..notation.syntax import walk

FAMILY = {r"\tanh": "tanh", r"\sigma": "sigmoid", "sigmoid": "sigmoid", "relu": "relu", r"\max(0": "relu",
          "tanh": "tanh"}
SAID = re.compile(r"(?<![A-Za-z\\])g\s*\^\s*\{\s*\[\s*(\d+)\s*\]\s*\}\s*(?:\(\s*[zZ]\s*\))?\s*=\s*"
                  r"(\\tanh|\\sigma|\\(?:text|mathrm|operatorname|rm)\s*\{\s*(?:ReLU|relu|tanh|sigmoid)\s*\}|"
                  r"\\max\s*\(\s*0)")
GENERIC = ("activation",)


def activations_said(texts) -> dict[int, str]:
    """layer (derive's numbering: Ng's [1] is 2) -> the family the text says it has; a layer said
    to be two families is said nothing of."""
    said: dict[int, str] = {}
    clash: set[int] = set()
    for text in texts:
        for m in SAID.finditer(text):
            word = re.sub(r"\\(?:text|mathrm|operatorname|rm)\s*\{\s*|\s*\}", "", m.group(2)).replace(" ", "")
            family = FAMILY.get(word, FAMILY.get(word.lower()))
            layer = int(m.group(1)) + 1
            if family is None:
                continue
            if said.get(layer, family) != family:
                clash.add(layer)
            said[layer] = family
    return {layer: family for layer, family in said.items() if layer not in clash}


def with_said(spec: Spec, statements, said: dict[int, str]) -> Spec:
    """The network with the text's families for the layers whose outputs the forward pass defines
    only through a generic g (and that no front matter or --model states)."""
    if not said or "activation" in spec.stated:
        return spec
    generic = _generic_layers(statements)
    activations = list(spec.activations)
    changed = False
    for layer, family in said.items():
        if layer in generic and 2 <= layer <= len(spec.layers) and activations[layer - 2] != family:
            activations[layer - 2], changed = family, True
    return replace(spec, activation=tuple(activations)) if changed else spec


def _generic_layers(statements) -> set[int]:
    """The layers whose outputs are defined (a^{(l)} = ...) only as g(z^{(l)}), never by a family."""
    generic, concrete = set(), set()
    for st in statements:
        if len(st.members) < 2 or len(st.head.parts) != 1:
            continue
        head = st.head.parts[0].expr
        if not (isinstance(head, s.Sym) and head.name in ("a", "A") and head.layer and head.layer.isdigit()):
            continue
        for member in st.members[1:]:
            for part in member.parts:
                calls = [n for n in walk(part.expr) if isinstance(n, (s.Call, s.Max))]
                if calls and all(isinstance(n, s.Call) and n.func in GENERIC for n in calls):
                    generic.add(int(head.layer))
                elif calls:
                    concrete.add(int(head.layer))
    return generic - concrete
