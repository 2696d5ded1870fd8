"""A chain of one-neuron layers named from the last one, as 3Blue1Brown's "Backpropagation calculus" writes it.

The video (and the many blog posts written after it) draws a network with one neuron per layer and
names the layers relative to the last one, never by number:

    a^{(L)} = \\sigma(z^{(L)})      z^{(L)} = w^{(L)} a^{(L-1)} + b^{(L)}      C_0 = (a^{(L)} - y)^2
    \\frac{\\partial C_0}{\\partial w^{(L)}} = a^{(L-1)} \\sigma'(z^{(L)}) 2(a^{(L)} - y)

(L) is the last layer and (L-k) the k-th before it; a name carries no unit (`w^{(L)}` is the one
weight into layer L); `C_0` is the cost of one training example and `y` its target, and the
squared error has no 1/2 (it is modelled as written: forward_pass.py reads it as the SSE).

`read_chain` finds this style — every layered name (a, z, w, b, δ) that carries a layer carries
L or L-k and no subscript, and both L and some L-k are written — and `Chain.apply` rewrites every
formula into derive's spelling in a chain of `depth` layers: `a^{(L-k)}` -> `a_1^{(depth-k)}`,
`w^{(L)}` -> `w_{11}^{(depth)}`, the cost of one example (the name defined from `a^{(L)}` and the
target) -> `E`, the target `y` -> `t_1`.  The depth is the one the front matter (or --model)
states, else the one the text says ("a network with four layers"), else it is not stated: the
document is checked on chains of two depths (`sizes`: the shallowest in which every layer it names
back from L lies past the input, and one deeper), and reported so.

Documents in another notation (Nielsen's `a^L`, subscripted units `a_j^{(L)}`, numbered layers) are
never read this way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..notation import syntax as s
from ..notation.syntax import walk
from .sizes import NUMBER_WORDS, Sizes

NAMED = ("a", "z", "w", "b", "delta")           # the layered names of one unit
UNITS = NAMED + ("x", "t", "y")                 # names whose subscript would be a unit: not a chain
TARGETS = ("y", "t")
LAYER = re.compile(r"^L(?:\s*-\s*(\d+))?$")
MOST_DEPTH = 12                                 # a depth said past this is no toy chain's
NUM = r"(\d+|" + "|".join(NUMBER_WORDS) + r")"
DEPTH_SAID = re.compile(r"\b(?:has|have|with|of)\s+" + NUM + r"\s+layers\b", re.IGNORECASE)


@dataclass(frozen=True)
class Chain:
    """The chain a document names from its last layer: `back`, the farthest layer named back from L
    (the k of L-k; 0: not this style), `loss` the (name, subscript) of the cost of one example,
    `target` the target's letter, `said` the depth its text says (0: none) and `where` how,
    `depth` the depth it is read in (`at`)."""

    back: int = 0
    loss: tuple | None = None
    target: str | None = None
    said: int = 0
    where: str = ""
    depth: int = 0

    def __bool__(self) -> bool:
        return self.back > 0

    @property
    def depths(self) -> tuple:
        """The depths a document that does not say its depth is checked in: the shallowest in which
        every layer named back from L lies past the input (so that a^{(L-k)} is a neuron's, not x),
        and one deeper."""
        first = max(3, self.back + 2)
        return (first, first + 1)

    def at(self, depth: int) -> Chain:
        return replace(self, depth=depth)

    def sizes(self) -> Sizes:
        """The sizes the document states: one unit per layer, in the depth it says, or in none."""
        if self.said:
            return Sizes(stated=(1,) * self.said, where=self.where)
        return Sizes(free="chain", chains=self.depths)

    # -- rewriting -------------------------------------------------------------------------------------
    def apply(self, statements) -> None:
        if not self or not self.depth:
            return
        for st in statements:
            for member in st.members:
                for part in member.parts:
                    part.expr = self.rewrite(part.expr)

    def rewrite(self, node):
        if isinstance(node, s.Sym):
            return self._name(node)
        return s.map_children(node, self.rewrite)

    def _name(self, node: s.Sym) -> s.Node:
        if node.name in NAMED and node.sub is None and node.layer is not None:
            back = _back(node.layer)
            if back is None:
                return node
            return replace(node, sub="11" if node.name == "w" else "1", layer=str(self.depth - back))
        if node.layer is not None or node.example is not None or node.mark is not None:
            return node
        if self.loss is not None and (node.name, node.sub) == self.loss:
            return replace(node, name="E", sub=None)
        if self.target is not None and node.name == self.target and node.sub is None:
            return replace(node, name="t", sub="1")
        return node


def read_chain(statements, texts) -> Chain:
    """The chain the document names from its last layer (see the module's docstring), or none."""
    backs = set()
    for st in statements:
        for member in st.members:
            for part in member.parts:
                for n in walk(part.expr):
                    if not isinstance(n, s.Sym):
                        if isinstance(n, (s.Matrix, s.Transpose)):
                            return Chain()          # vectors, matrices: not one unit per layer
                        continue
                    if n.name in UNITS and n.sub is not None:
                        return Chain()              # a_j^{(L)}, x_1: units named
                    if n.name in NAMED and n.layer is not None:
                        back = _back(n.layer)
                        if back is None:
                            return Chain()          # a^{(2)}, w^{(l)}: layers named otherwise
                        backs.add(back)
    if 0 not in backs or len(backs) < 2:
        return Chain()
    loss, target = _loss(statements)
    said, where = _said(texts, max(backs))
    return Chain(max(backs), loss, target, said, where)


def _back(layer: str) -> int | None:
    """k of a layer written L-k (0 for L); None for any other layer."""
    m = LAYER.match(layer.strip())
    if m is None:
        return None
    return int(m.group(1)) if m.group(1) else 0


def _loss(statements) -> tuple:
    """(name, subscript) of the cost of one example and the target's letter: a name without a
    layer defined from the last layer's output and a target y (or t), as `C_0 = (a^{(L)} - y)^2`."""
    for st in statements:
        head = st.members[0].parts[0].expr if st.members and len(st.members[0].parts) == 1 else None
        if len(st.members) < 2 or not isinstance(head, s.Sym) or head.layer is not None or head.mark \
                or head.name in UNITS:
            continue
        for member in st.members[1:]:
            names = [n for part in member.parts for n in walk(part.expr) if isinstance(n, s.Sym)]
            last = any(n.name == "a" and n.layer is not None and _back(n.layer) == 0 for n in names)
            targets = {n.name for n in names if n.name in TARGETS and n.sub is None and n.layer is None}
            if last and len(targets) == 1:
                return (head.name, head.sub), targets.pop()
    return None, None


def _said(texts, back: int) -> tuple[int, str]:
    """The depth the text says ("a network with four layers"), deep enough for the layers it names;
    (0, "") when it says none, or two."""
    found = set()
    for text in texts:
        for m in DEPTH_SAID.finditer(text):
            word = m.group(1).lower()
            found.add((int(word) if word.isdigit() else NUMBER_WORDS[word], " ".join(m.group(0).split())))
    depths = {n for n, _ in found}
    if len(depths) != 1:
        return 0, ""
    depth = depths.pop()
    if not back + 1 <= depth <= MOST_DEPTH:
        return 0, ""
    return depth, "'" + sorted(w for n, w in found)[0] + "'"
