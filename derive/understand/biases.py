"""Which layers of a document's network have no biases, read from its forward pass.

A document that writes a layer's weighted inputs without a bias (`z_1^{(2)} = w_{11}^{(2)} x_1 +
w_{12}^{(2)} x_2`, `z^{(l)} = W^{(l)} a^{(l-1)}`, `a^{(2)} = \\sigma(W^{(2)} x)`) defines a network
whose units in that layer have none: the forward pass is the network.  A layer is read without
biases when

- some definition of its weighted inputs (z, Z), or of its outputs (a, A) written from its
  weights, adds no bias, and
- no definition of that layer's weighted inputs or outputs adds one, and
- the document names no bias of that layer anywhere (a bias named with a layer letter, `b^{(l)}`,
  names one in every layer): a document that speaks of `\\partial E / \\partial b_1^{(2)}` has biases,
  and a definition of z that leaves one out is its mistake, refuted where it stands.

Each layer is read on its own: a hidden layer with biases and an output layer without are both
as written.  A definition for every layer (`z^{(l)} = W^{(l)} a^{(l-1)}`) speaks for every layer
with weights.

One bias shared by a layer's units, written without a unit (`z_1^{(2)} = w_{11}^{(2)} x_1 +
w_{12}^{(2)} x_2 + b^{(2)}` and the same `b^{(2)}` in every unit), is that layer's `b_1^{(2)}` shared by
its units (`shared_bias_layers`, `share`), as Mazur's `b_1` is (glossary.py): `\\partial E / \\partial
b^{(2)}` then sums over the units it feeds.
"""
from __future__ import annotations

from dataclasses import replace

from ..notation import syntax as s
from ..notation.indices import layer_letter
from ..notation.syntax import walk

WEIGHTED_INPUTS = ("z", "Z")
OUTPUTS = ("a", "A")
WEIGHTS = ("w", "W")
BIASES = ("b",)
EVERY = "every"


def bias_free_layers(statements, depth: int) -> tuple[int, ...]:
    """The layers 2..depth the document's forward pass defines without biases."""
    without, with_bias, named = set(), set(), set()
    for st in statements:
        for member in st.members:
            for part in member.parts:
                for n in walk(part.expr):
                    if isinstance(n, s.Sym) and n.name in BIASES + ("db",):     # Ng's db^{[l]} names b^{[l]}
                        named.add(_layer(n, depth))
        if len(st.members) < 2 or len(st.head.parts) != 1 or len(st.members[1].parts) != 1:
            continue
        head, expr = st.head.parts[0].expr, st.members[1].parts[0].expr
        if not isinstance(head, s.Sym) or head.name not in WEIGHTED_INPUTS + OUTPUTS or not head.layer:
            continue
        names = [n for n in walk(expr) if isinstance(n, s.Sym)]
        weights = [n for n in names if n.name in WEIGHTS and _layer(n, depth) == _layer(head, depth)]
        if not weights:
            continue
        layer = _layer(head, depth)
        if any(n.name in BIASES for n in names):
            with_bias.add(layer)
        else:
            without.add(layer)
    if EVERY in named or EVERY in with_bias:
        return ()
    layers = set(range(2, depth + 1)) if EVERY in without else {l for l in without if isinstance(l, int)}
    return tuple(sorted(l for l in layers if 2 <= l <= depth and l not in with_bias and l not in named))


def _layer(node: s.Sym, depth: int):
    """The layer number a name carries (L: depth), EVERY for a layer letter (l, l+1), None for none."""
    if not node.layer:
        return None
    if node.layer.isdigit():
        return int(node.layer)
    if node.layer == "L":
        return depth
    return EVERY if layer_letter(node.layer) else None


def shared_bias_layers(statements) -> tuple[int, ...]:
    """The layers whose units the document gives one bias, written without a unit
    (`z_1^{(2)} = w_{11}^{(2)} x_1 + w_{12}^{(2)} x_2 + b^{(2)}`): a definition of one unit's weighted
    input or output adds `b^{(l)}`, and the document names no bias of a unit of that layer."""
    shared, per_unit = set(), set()
    for st in statements:
        for member in st.members:
            for part in member.parts:
                for n in walk(part.expr):
                    if isinstance(n, s.Sym) and n.name in BIASES and n.sub and n.layer:
                        per_unit.add(n.layer)
        if len(st.members) < 2 or len(st.head.parts) != 1 or len(st.members[1].parts) != 1:
            continue
        head, expr = st.head.parts[0].expr, st.members[1].parts[0].expr
        if not (isinstance(head, s.Sym) and head.name in ("z", "a") and head.sub and head.layer
                and head.layer.isdigit()):
            continue
        if any(isinstance(n, s.Sym) and n.name in BIASES and not n.sub and n.layer == head.layer
               and n.example is None for n in walk(expr)):
            shared.add(head.layer)
    return tuple(sorted(int(l) for l in shared if l not in per_unit and int(l) >= 2))


def share(statements, layers) -> None:
    """Write the shared bias `b^{(l)}` of each layer in `layers` as derive's `b_1^{(l)}`, in place."""
    if not layers:
        return
    texts = {str(l) for l in layers}
    for st in statements:
        for member in st.members:
            for part in member.parts:
                part.expr = _shared(part.expr, texts)


def _shared(node, layers: set):
    if isinstance(node, s.Sym):
        if node.name in BIASES and not node.sub and node.layer in layers and node.example is None:
            return replace(node, sub="1")
        return node
    return s.map_children(node, lambda child: _shared(child, layers))
