"""The network a document defines, inferred from its statements: as many layers as it mentions,
each layer's size from the units its definitions name (x_2, z_3^{(2)}, a sum \\sum_{k=1}^{3}), and
the W layout from its W^{(l)} = pmatrix definitions.  The forward pass (`forward_pass.read_model`)
then reads each layer's activation, the loss and the mini-batch on top of it."""
from __future__ import annotations

from ..model.spec import Spec
from ..notation import syntax as s
from ..notation.syntax import walk


def infer_spec(statements) -> Spec:
    """The network a document defines: as many layers as it mentions, each layer's size from the
    units its definitions name (else the lecture's), or more where it uses more units (mentioned at
    least twice: a unit mentioned once may be a typo, which should be an error at its line), the W layout from its
    W^{(l)} = pmatrix definitions (the lecture's layout when it states none)."""
    default = Spec()
    defined: dict[int, int] = {}
    mentioned: dict[int, int] = {}
    votes = {"source-major": 0, "target-major": 0}

    def note(table, layer, unit):
        if layer >= 1 and unit >= 1:
            table[layer] = max(table.get(layer, 0), unit)

    counted: dict[tuple[int, int], int] = {}

    def count(table, layer, unit):           # a unit mentioned once may be a typo; twice, it is used
        if layer >= 1 and unit >= 1:
            counted[layer, unit] = counted.get((layer, unit), 0) + 1
            if counted[layer, unit] >= 2:
                note(table, layer, unit)

    for st in statements:
        for member in st.members:
            for part in member.parts:
                for n in walk(part.expr):
                    if isinstance(n, s.Sym):
                        _mention(n, mentioned, count)
                    elif isinstance(n, s.Sum) and isinstance(n.upper, s.Num) and n.upper.text.isdigit():
                        _sum_range(n, int(n.upper.text), lambda layer, unit: note(defined, layer, unit))
        if len(st.members) < 2 or len(st.head.parts) != 1:
            continue
        head = st.head.parts[0].expr
        if not isinstance(head, s.Sym):
            continue
        if head.name == "x" and head.sub and head.sub.isdigit():
            note(defined, 1, int(head.sub))
        if not head.layer or not head.layer.isdigit():
            continue
        layer = int(head.layer)
        if head.name in ("a", "z") and head.sub and head.sub.isdigit():
            note(defined, layer, int(head.sub))
            if head.name == "z":
                for n in walk(st.members[1].parts[0].expr):
                    if isinstance(n, s.Sym) and n.name in ("a", "x") and n.sub and n.sub.isdigit():
                        note(defined, layer - 1, int(n.sub))
        if head.name == "W" and not head.sub:
            value = st.members[1].parts[0].expr
            if isinstance(value, s.Matrix) and len(value.rows) > 1 and len(value.rows[0]) > 1:
                corner = value.rows[0][1]
                if isinstance(corner, s.Sym) and corner.name == "w" and corner.sub in ("21", "12"):
                    votes["source-major" if corner.sub == "21" else "target-major"] += 1
    layout = "target-major" if votes["target-major"] > votes["source-major"] else default.layout
    depth = max(list(defined) + list(mentioned) + [0])
    if depth < 2:
        return Spec(layout=layout)
    def usual(l):          # the lecture's size for a layer the document does not define
        return default.layers[l - 1] if l <= len(default.layers) else default.layers[-1]
    layers = tuple(max(defined.get(l) or usual(l), mentioned.get(l, 0)) for l in range(1, depth + 1))
    return Spec(layers=layers, layout=layout)


def _sum_range(sum_node: s.Sum, upper: int, note) -> None:
    """\\sum_{k=1}^{3} t_k^{(3)}: the layers whose units k runs over have (at least) `upper` units."""
    for n in walk(sum_node.body):
        if not isinstance(n, s.Sym) or not n.sub:
            continue
        parts = n.sub.split(",") if "," in n.sub else list(n.sub)
        if sum_node.var not in parts:
            continue
        layer = int(n.layer) if n.layer and n.layer.isdigit() else None
        if n.name == "x":
            note(1, upper)
        elif n.name == "w" and layer and len(parts) == 2:
            note(layer if parts.index(sum_node.var) == 0 else layer - 1, upper)
        elif layer and n.name in ("a", "z", "b", "t", "delta"):
            note(layer, upper)


def _mention(n: s.Sym, mentioned: dict, note) -> None:
    """Record the layer and unit a name mentions (w_{ji}^{(l)}: unit j of l and unit i of l-1)."""
    layer = int(n.layer) if n.layer and n.layer.isdigit() else None
    digits = n.sub if n.sub and n.sub.isdigit() else None
    if n.name == "x" and digits:
        note(mentioned, 1, int(digits))
    elif layer is None:
        return
    elif n.name == "w" and digits and len(digits) == 2:
        note(mentioned, layer, int(digits[0]))
        note(mentioned, layer - 1, int(digits[1]))
    elif n.name in ("a", "z", "b", "t") and digits:
        note(mentioned, layer, int(digits))
    elif n.name in ("A", "W", "Z", "b"):
        note(mentioned, layer, 1)
