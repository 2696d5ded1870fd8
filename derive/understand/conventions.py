"""The notational conventions derive recognises, as data, and how a document's formulas are read
in the one it uses.

A convention says how a layer is written on a name, whether vectors are columns or rows, and which
names mean the loss and the targets.  A document chooses one with its front matter
(`derive:` / `  notation: nielsen`), or derive infers it from the document's formulas: a layer
written as a bare superscript with a layer letter (`a^l_j`, `z^L`, `w^{l+1}`) is Nielsen's.
Reading a document in its convention rewrites its formulas' trees into derive's own spelling
(`a^l_j` -> `a_j^{(l)}`, `C` -> `E`, `y_j` -> `t_j`); the text shown in reports stays as written.

| convention | layer | weights | vectors | names |
| --- | --- | --- | --- | --- |
| derive (the lecture's) | `a_j^{(l)}` | `w_{ji}^{(l)}`: from unit i of layer l-1 to unit j of l; `W^{(l)}` laid out source-major (row = source) unless the document's `W^{(l)} = pmatrix` says target-major | rows: `Z^{(l)} = A^{(l-1)} \\bullet W^{(l)} + b^{(l)}` | `E`, `t`, `x`, `\\alpha`/`\\eta` |
| nielsen | `a^l_j`, `a^{l-1}_k`, `z^L` | `w^l_{jk}`: from unit k of layer l-1 to unit j of l; `w^l` (also `W^l`, `\\mathbf{W}^l`) is the matrix with rows j | columns: `z^l = w^l a^{l-1} + b^l`, juxtaposition multiplies matrices | `C` the cost, `y` the targets, `\\nabla_a C`, `\\odot` |
| ng | `a^{[l]}`, `W^{[l]}`, `Z^{[L]}`, `a^{[2](i)}`; the input layer is `a^{[0]} = x` (derive numbers it 1) | `W^{[l]}`: a row per unit of layer l | columns, one per example: `Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}` | `J`, `L^{(i)}`, `y`, `X`, `Y`, `dZ^{[l]}`, `dW^{[l]}` (ng.py) |
| mazur (any names) | the forward pass's own (`net_{h1}`, `out_{o1}`) | `w_1 ... w_8` wired by the forward pass, one bias per layer allowed | scalars | `E_{total}`, `E_{o1}`, `target_{o1}`, `\\eta` (glossary.py) |
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..errors import ModelError
from ..notation import syntax as s
from ..notation.syntax import walk
from . import ng

LAYERED = ("a", "z", "w", "b", "delta", "Delta")
BRACKETED = LAYERED + ("A", "Z", "W", "dZ", "dW", "db", "dA", "dz", "dw", "da", "n")   # n^{[l]}: a layer's size


@dataclass(frozen=True)
class Convention:
    name: str
    bare_layers: bool = False          # a^l_j: the superscript of a layered name is its layer
    vectors: str = "row"               # "column": z^l = w^l a^{l-1} + b^l
    bracket_layers: bool = False       # a^{[l]}: the layer in brackets, the input layer numbered 0 (Ng)
    names: dict = field(default_factory=dict, hash=False, compare=False)
    layered: tuple = LAYERED           # the names a bare superscript gives a layer (a^l, and W^l in Nielsen's)


CONVENTIONS = {
    "derive": Convention("derive"),
    "nielsen": Convention("nielsen", bare_layers=True, vectors="column", layered=LAYERED + ("W",),
                          names={s.Sym("C"): s.Sym("E"), s.Sym("y"): s.Sym("t"), s.Sym("W"): s.Sym("w")}),
    "mazur": Convention("mazur"),
    "ng": Convention("ng", bracket_layers=True, vectors="column",
                     names={s.Sym("W"): s.Sym("w"), s.Sym("Z"): s.Sym("z"), s.Sym("A"): s.Sym("a"),
                            s.Sym("J"): s.Sym("E"), s.Sym("y"): s.Sym("t")}),
}


def choose(statements, stated: str | None) -> Convention:
    """The document's convention: the one its front matter names, else the one its formulas use."""
    if stated is not None:
        if stated not in CONVENTIONS:
            raise ModelError(f"front matter: unknown notation {stated!r}", expected=", ".join(CONVENTIONS))
        return CONVENTIONS[stated]
    for st in statements:
        for member in st.members:
            for part in member.parts:
                for n in walk(part.expr):
                    if _bare_layer(n, letters_only=True) is not None:
                        return CONVENTIONS["nielsen"]
                    if isinstance(n, s.Sym) and n.name in BRACKETED and n.layer is None \
                            and n.example and n.example[0] in "lL" and len(n.example.replace(" ", "")) in (1, 3):
                        return CONVENTIONS["ng"]
                    if ng.is_ng_name(n):             # W^{[1]}, dZ^{[2]}, A^{[1]T}: no mini-batch writes these
                        return CONVENTIONS["ng"]
    return CONVENTIONS["derive"]


def apply(convention: Convention, statements) -> None:
    """Rewrite every formula of the document into derive's spelling, in place."""
    if not convention.bare_layers and not convention.bracket_layers and not convention.names:
        return
    for st in statements:
        for member in st.members:
            for part in member.parts:
                part.expr = rewrite(convention, part.expr)


def rewrite(convention: Convention, node):
    if convention.bracket_layers:
        node = ng.before(node)
    if convention.bare_layers and isinstance(node, s.Sum) and node.var in convention.layered:
        inner = replace(convention, layered=tuple(n for n in convention.layered if n != node.var))
        return s.map_children(node, lambda child: rewrite(inner, child))    # \sum_w w^2: a square
    if convention.bare_layers and isinstance(node, s.Power):
        layer = _bare_layer(node, layered=convention.layered)
        if layer is not None:
            return rewrite(convention, replace(node.base, layer=layer, start=node.start, end=node.end))
    if isinstance(node, s.Sym) and convention.bracket_layers and node.example is not None \
            and node.layer is None and node.name in BRACKETED:
        text = node.example.replace(" ", "")
        node = replace(node, layer=str(int(text) + 1) if text.isdigit() else text, example=None)
    if isinstance(node, s.Sym):
        target = convention.names.get(replace(node, sub=None, layer=None, start=0, end=0))
        if target is not None and node.name != target.name:
            return replace(node, name=target.name)
        return node
    return s.map_children(node, lambda child: rewrite(convention, child))


def _bare_layer(node, letters_only: bool = False, layered: tuple = LAYERED) -> str | None:
    """The layer text of `a^l`, `w^{l+1}`, `z^L`, `a^2` (a layered name without a layer, raised to a
    layer letter, a letter plus or minus a number, or — unless letters_only — a number)."""
    if not isinstance(node, s.Power) or not isinstance(node.base, s.Sym):
        return None
    base, e = node.base, node.exponent
    if base.name not in layered or base.layer is not None or base.example is not None:
        return None
    if isinstance(e, s.Sym) and len(e.name) == 1 and e.sub is None and e.layer is None:
        return e.name
    if isinstance(e, s.BinOp) and e.op in ("+", "-") and isinstance(e.left, s.Sym) and len(e.left.name) == 1 \
            and e.left.sub is None and isinstance(e.right, s.Num) and e.right.text.isdigit():
        return f"{e.left.name}{e.op}{e.right.text}"
    if not letters_only and isinstance(e, s.Num) and e.text.isdigit():
        return e.text
    return None
