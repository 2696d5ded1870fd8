"""Andrew Ng's notation, read into derive's spelling before the convention's layer rewrite.

Ng writes the layer in brackets and the example in parentheses: `a^{[2](i)}` is unit output of
layer 2 (derive's 3) for example i, `A^{[1]T}` the transpose of layer 1's outputs, `L^{(i)}` the
loss of example i (`J = \\frac{1}{m}\\sum_{i=1}^m L^{(i)}` the cost), `y^{(i)}` its target, `X` and
`Y` the inputs and targets with an example per column, and `\\frac{dL}{dz^{[2]}}` the derivative of
the loss.  The parser reads `^{[2](i)}` and `^{[1]T}` as a power of a product; this module writes
them as the names they are, so that `conventions.rewrite` then numbers the layers as everywhere
else.  What `dZ^{[l]}`, `dW^{[l]}`, `db^{[l]}`, `dA^{[l]}` stand for is the meaning stage's
(`meaning/names.py`): the gradient of the cost with respect to W and b, and the gradient of each
example's loss with respect to its column of Z and A.
"""
from __future__ import annotations

from dataclasses import replace

from ..notation import syntax as s

LAYERED = ("a", "z", "w", "b", "A", "Z", "W", "dZ", "dW", "db", "dA", "dz", "dw", "da", "delta")
GRADIENTS = ("dZ", "dW", "db", "dA", "dz", "dw", "da")
PER_EXAMPLE = {"x": "x", "X": "x", "y": "t", "Y": "t", "t": "t", "L": "E", "J": "E", "E": "E",
               "\\mathcal{L}": "E"}
LOSSES = ("L", "J", "E")


def is_ng_name(node) -> bool:
    """A name only Ng's notation writes: W^{[1]}, b^{[2]}, dZ^{[2]} (a layer in brackets on a
    parameter or a gradient), or A^{[1]T}, a^{[2](i)}."""
    if isinstance(node, s.Sym):
        return node.example is not None and node.layer is None and node.sub is None \
            and node.name in ("W", "b", "A", "Z") + GRADIENTS
    return _bracketed_power(node) is not None


def before(node):
    """The Ng forms of one node written as derive's names (a power `^{[2](i)}`, `^{[1]T}`, an
    example in parentheses, `\\frac{dL}{dz}`), or the node itself."""
    if isinstance(node, s.Power) and isinstance(node.base, s.Call) and isinstance(node.base.arg, s.Sym):
        inner = s.Power(node.base.arg, node.exponent, start=node.base.arg.start, end=node.end)
        if _bracketed_power(inner) is not None:      # \log a^{[2](i)}: the name's superscript, not the log's
            return replace(node.base, arg=before(inner), end=node.end)
    power = _bracketed_power(node)
    if power is not None:
        base, layer, after = power
        if isinstance(after, s.Sym) and after.name == "T" and not after.sub:
            return s.Transpose(replace(base, example=layer, start=node.start, end=node.end),
                               start=node.start, end=node.end)
        if after is not None:
            example = after.name if isinstance(after, s.Sym) else after.text
            return replace(base, layer=str(int(layer) + 1) if layer.isdigit() else layer, example=example,
                           start=node.start, end=node.end)
    if isinstance(node, s.Sym) and node.name in PER_EXAMPLE and node.layer is not None and node.example is None:
        return replace(node, name=PER_EXAMPLE[node.name], layer=None, example=node.layer)
    if isinstance(node, s.Sym) and node.name in ("X", "Y") and not node.sub and not node.layer \
            and node.example is None:
        return replace(node, name=PER_EXAMPLE[node.name])
    if isinstance(node, s.Frac) and isinstance(node.num, s.Sym) and isinstance(node.den, s.Sym):
        top, below = node.num, node.den
        if top.name in tuple("d" + n for n in LOSSES) and not top.sub and below.name[:1] == "d" \
                and below.name[1:] in LAYERED:
            return _derivative(replace(top, name=top.name[1:]), replace(below, name=below.name[1:]), node)
    if isinstance(node, s.Derivative) and isinstance(node.of, s.Sym) and isinstance(node.wrt, s.Sym):
        return _derivative(node.of, node.wrt, node)
    return node


def _derivative(of: s.Sym, wrt: s.Sym, node):
    """dL/dX (one example's loss L): Ng's own name dX for it (dz^{[2]} = \\frac{dL}{dz^{[2]}}); dJ/dX
    (the cost): the derivative of E."""
    if of.name == "L" and not of.sub and of.layer is None and of.example is None and wrt.name in LAYERED \
            and "d" + wrt.name in GRADIENTS and wrt.sub is None:
        return replace(wrt, name="d" + wrt.name, start=node.start, end=node.end)
    if of.name in LOSSES and not of.sub and of.layer is None and of.example is None:
        return s.Derivative(replace(of, name="E"), wrt, start=node.start, end=node.end)
    return node


def _bracketed_power(node):
    """(base, layer text, what follows) for `a^{[2](i)}` and `A^{[1]T}` as the parser reads them
    (a power of a product of the layer number and an example or T), else None."""
    if not isinstance(node, s.Power) or not isinstance(node.base, s.Sym):
        return None
    base, e = node.base, node.exponent
    if base.name not in LAYERED or base.layer is not None or base.example is not None:
        return None
    layer = _layer_text(e.left) if isinstance(e, s.BinOp) and e.op == "juxt" else None
    if layer is not None:
        if isinstance(e.right, s.Sym) and len(e.right.name) == 1 and not e.right.sub and not e.right.layer:
            return base, layer, e.right
        if isinstance(e.right, s.Num) and e.right.text.isdigit():
            return base, layer, e.right
    return None


def _layer_text(node) -> str | None:
    """`2`, `l`, `l-1`, `l+1` as the parser read a bracketed layer inside a product."""
    if isinstance(node, s.Num) and node.text.isdigit():
        return node.text
    if isinstance(node, s.Sym) and len(node.name) == 1 and node.name.isalpha() and not node.sub and not node.layer:
        return node.name
    if isinstance(node, s.BinOp) and node.op in ("+", "-") and _layer_text(node.left) is not None \
            and not _layer_text(node.left).isdigit() and isinstance(node.right, s.Num) and node.right.text.isdigit():
        return f"{_layer_text(node.left)}{node.op}{node.right.text}"
    return None


def one_example_cost(statements) -> None:
    """Notes that define one example's loss `L = -[y \\log \\hat{y} + ...]` and never a cost J: that L
    is the cost (derive's E), in every statement (in place).  With J written, L stays each example's."""
    heads = []
    for st in statements:
        head = st.head.parts[0].expr if len(st.head.parts) == 1 else None
        if len(st.members) >= 2 and isinstance(head, s.Sym) and not head.sub and head.layer is None \
                and head.example is None:
            heads.append(head.name)
    if "L" not in heads or any(name in ("J", "E") for name in heads):
        return
    for st in statements:
        for member in st.members:
            for part in member.parts:
                part.expr = _cost(part.expr)


def _cost(node):
    if isinstance(node, s.Sym) and node.name == "L" and not node.sub and node.layer is None and node.example is None:
        return replace(node, name="E")
    return s.map_children(node, _cost)
