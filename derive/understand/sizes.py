"""The sizes a document gives its network, or that it gives none.

A document names its network's sizes by the units it writes (`x_2`, `z_3^{(2)}`, `w_{21}^{(3)}`, a
sum `\\sum_{k=1}^{3}`, a pmatrix): `infer.infer_spec` reads those.  It may also say them in words or
in math that claims nothing about the network (`sizes_in_text`):

- Ng's `n^{[0]} = n_x = 2`, `n^{[1]} = 3` (the units of layer l; `n_x`, `n_y` the input and output;
  `n_x`, `n_h`, `n_y` together a network with one hidden layer);
- a weight matrix's shape, `\\mathbf{W}^{(1)} \\in \\mathbb{R}^{3 \\times 2}` (rows = the units it feeds
  for column vectors, the units it reads for row vectors), an input `\\mathbf{x} \\in \\mathbb{R}^{2}`;
- "a 2-3-1 network", "a 2-3-1 neural network".

Symbolic sizes (`\\mathbb{R}^{h \\times d}` with h, d never given numbers) are no sizes.  A document
that gives none at all — a general L-layer derivation (`w^l_{jk}`, `\\delta^l`) — is checked on
several networks (`instances`): different depths when it names no layer by number (so that a
layer l - 1 that is not the input, and an l + 1 that is not L, are both seen), different widths
when it does (so that no layer is square throughout: a transpose, a sum over the wrong layer's
units, cannot hide), and reported as proved on those, never as proved for every size.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..notation import syntax as s
from ..notation.syntax import walk

LAYERED = ("x", "a", "z", "b", "t", "w", "y", "h", "delta", "X", "A", "Z", "W", "T", "Y", "dZ", "dW", "db", "dA",
           "Delta")
FREE_DEPTH = ((2, 2, 2), (3, 2, 4), (2, 3, 3, 2))       # sizes not stated, nor the depth
WIDTH_PATTERNS = ((3, 2, 4), (2, 4, 3))                # the depth stated, not the widths


@dataclass(frozen=True)
class Sizes:
    """What a document says of its sizes: `stated` (from its text, None when it says none), and
    when it names no unit either, `free`: "depth" (no layer named by number) or "widths" (the
    layers named, `depth` of them, but not their units) or "chain" (one unit per layer, the layers
    named from the last: `chains` the depths, understand/chain.py)."""

    stated: tuple | None = None
    free: str | None = None
    depth: int = 0
    where: str = ""                 # how the stated sizes were read (for the model line)
    one_output: bool = False        # its loss is a number of one output (L = -[y log ŷ + ...], no sum)
    chains: tuple = ()              # free "chain": the depths of one-unit chains to check on (chain.py)

    @property
    def instances(self) -> tuple:
        """The networks a document that states no sizes is checked on (none when it states them)."""
        found = ()
        if self.free == "depth":
            found = FREE_DEPTH
        elif self.free == "chain":
            return tuple((1,) * depth for depth in self.chains)
        elif self.free == "widths" and self.depth >= 2:
            cycle = [tuple(p[k % len(p)] for k in range(self.depth)) for p in WIDTH_PATTERNS]
            found = ((2,) * self.depth, *cycle)
        if self.one_output:
            found = tuple(dict.fromkeys(sizes[:-1] + (1,) for sizes in found))
        return found

    @property
    def checked(self) -> str | None:
        """How the report names the networks checked on, when not by their sizes alone."""
        if self.free == "chain" and self.chains:
            depths = ", ".join(str(d) for d in self.chains[:-1]) + " and " * (len(self.chains) > 1) \
                + str(self.chains[-1])
            return f"depth not stated (layers named from the last, L), checked on one-unit chains of {depths} layers"
        return None


def read_sizes(statements, texts, vectors: str, input_layer: int) -> Sizes:
    """The document's sizes: none to read when its statements name units (`infer` reads those);
    else as its text states them (`texts`: its text and its math spans'), at least as deep as the
    layers it names; else free (its widths, or its depth too)."""
    depth, widths = _named(statements)
    if widths:
        return Sizes()
    stated, where = sizes_in_text(texts, _products(statements) or vectors, input_layer)
    if stated is not None and len(stated) >= depth:
        return Sizes(stated=stated, where=where)
    one = _one_output(statements)
    return Sizes(free="widths", depth=depth, one_output=one) if depth >= 2 else Sizes(free="depth", one_output=one)


LOSS_NAMES = ("L", "J", "E", "C")


def _one_output(statements) -> bool:
    """The loss is written for one output: `L = -[y \\log \\hat{y} + (1 - y) \\log(1 - \\hat{y})]` or
    `L = \\frac{1}{2}(y - \\hat{y})^2` — a log or a square of names with no unit index, no sum, no norm."""
    for st in statements:
        head = st.head.parts[0].expr if len(st.head.parts) == 1 else None
        if not (isinstance(head, s.Sym) and head.name in LOSS_NAMES and not head.sub and head.layer is None
                and head.example is None) or len(st.members) < 2:
            continue
        nodes = [n for p in st.members[1].parts for n in walk(p.expr)]
        if any(isinstance(n, (s.Sum, s.Norm)) for n in nodes) or any(isinstance(n, s.Sym) and n.sub for n in nodes):
            continue
        if any(isinstance(n, s.Call) and n.func == "log" for n in nodes) or \
                any(isinstance(n, s.Power) and isinstance(n.exponent, s.Num) and n.exponent.text == "2"
                    and isinstance(n.base, s.BinOp) and n.base.op == "-" for n in nodes):
            return True
    return False


def _products(statements) -> str | None:
    """How the forward pass multiplies by a weight matrix: "column" (`W^{(1)} x`), "row" (`x W`),
    None when it does not say (then the convention's)."""
    votes = {"column": 0, "row": 0}
    for st in statements:
        for member in st.members:
            for part in member.parts:
                for n in walk(part.expr):
                    if isinstance(n, s.BinOp) and n.op in ("juxt", "bullet"):
                        left, right = _weight(n.left), _weight(n.right)
                        if left != right:
                            votes["column" if left else "row"] += 1
    return max(votes, key=votes.get) if votes["column"] != votes["row"] else None


def _weight(node) -> bool:
    """A weight matrix: W^{(1)}, w^l (its layer written), or its transpose."""
    node = node.operand if isinstance(node, s.Transpose) else node
    return isinstance(node, s.Sym) and node.name in ("W", "w") and node.layer is not None and not node.sub


def is_size_statement(st) -> bool:
    """`n^{[1]} = 3`, `n^{[0]} = n_x = 2`: a size said, no claim about the network."""
    members = [m.parts[0].expr if len(m.parts) == 1 else None for m in st.members]
    return (len(members) >= 2 and any(isinstance(e, s.Num) for e in members)
            and all(isinstance(e, s.Num) or (isinstance(e, s.Sym) and e.name == "n") for e in members))


def _named(statements) -> tuple[int, bool]:
    """The deepest layer the statements name by number, and whether they name a unit (a digit
    index, a sum with a number for its end, a matrix written out)."""
    depth, widths = 0, False
    for st in statements:
        for member in st.members:
            for part in member.parts:
                for n in walk(part.expr):
                    if isinstance(n, s.Sym):
                        if n.name in LAYERED and n.layer and n.layer.isdigit():
                            depth = max(depth, int(n.layer))
                        if n.sub and any(c.isdigit() for c in n.sub):
                            widths = True       # x_2, E_1, w_{21}^{(3)}: a unit named
                    elif isinstance(n, s.Sum) and isinstance(n.upper, s.Num) and n.upper.text.isdigit():
                        widths = True
                    elif isinstance(n, s.Matrix):
                        widths = True
    return depth, widths


# -- sizes said in the text ---------------------------------------------------------------------------

LAYER = r"(?:\^\s*\{?\s*\[\s*(\d+)\s*\]\s*\}?|\^\s*\{?\s*\(\s*(\d+)\s*\)\s*\}?|_\s*\{?\s*(\d+)\s*\}?)"
NG_UNITS = re.compile(r"n\s*" + LAYER + r"\s*=\s*(?:n_\{?[xyh]\}?\s*=\s*)?(\d+)(?![\d.])")
NG_IO = re.compile(r"(?<![A-Za-z\\])n_\{?([xyh])\}?\s*=\s*(\d+)(?![\d.])")
REALS = r"\\in\s*\\mathbb\s*\{?\s*R\s*\}?\s*\^\s*\{\s*(\d+)\s*(?:\\times|\\cdot|\*|x)\s*(\d+)\s*\}"
W_LAYER = r"(?:\^\s*\{?\s*\[\s*(\d+)\s*\]\s*\}?|\^\s*\{?\s*\(?\s*(\d+)\s*\)?\s*\}?|_\s*\{?\s*(\d+)\s*\}?)"   # w^2 too
WEIGHT_SHAPE = re.compile(r"(?:\\mathbf\s*\{\s*[Ww]\s*\}|\\boldsymbol\s*\{\s*[Ww]\s*\}|(?<![A-Za-z\\])[Ww])\s*" + W_LAYER
                          + r"\s*" + REALS)
INPUT_SHAPE = re.compile(r"(?:\\mathbf\s*\{\s*x\s*\}|\\boldsymbol\s*\{\s*x\s*\}|(?<![A-Za-z\\])x)\s*"
                         r"\\in\s*\\mathbb\s*\{?\s*R\s*\}?\s*\^\s*\{?\s*(\d+)\s*\}?")
IN_WORDS = re.compile(r"\b(?:a|an|the|our)\s+(\d+(?:\s*-\s*\d+){1,8})\s+(?:neural\s+)?(?:network|net|architecture|MLP)\b",
                      re.IGNORECASE)
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10}
NUM = r"(\d+|" + "|".join(NUMBER_WORDS) + r")"
IN_UNITS = (re.compile(r"\b" + NUM + r"\s+input(?:s|\s+units?|\s+features?|\s+neurons?|\s+nodes?)?\b", re.IGNORECASE),
            re.compile(r"\b" + NUM + r"\s+hidden\s+(?:units|neurons|nodes)\b", re.IGNORECASE),
            re.compile(r"\b" + NUM + r"\s+output(?:s|\s+units?|\s+neurons?|\s+nodes?)?\b", re.IGNORECASE))
MOST_UNITS = 64                 # a size past this is no toy network's: not read as one


def sizes_in_text(texts, vectors: str, input_layer: int) -> tuple[tuple | None, str]:
    """Layer sizes the text says (see the module's docstring), in derive's numbering (the input is
    layer 1), with how they were read; (None, "") when it says none or says them inconsistently
    (then the units the statements name decide, as before)."""
    units: dict[int, int] = {}
    how: list[str] = []
    clash = False

    def say(layer: int, n: int, what: str) -> None:
        nonlocal clash
        if layer < 1 or not 1 <= n <= MOST_UNITS:
            return
        if units.get(layer, n) != n:
            clash = True
        units[layer] = n
        if what not in how:
            how.append(what)

    counts: list[tuple[int, int]] = []          # n^{(l)} = N, n_l = N: numbered from 0 or from 1
    shapes: list[tuple] = []                    # W^{(l)} in R^{m x n}: (l, Ng's [l], target, source units)
    io: dict[str, int] = {}                     # Ng's n_x, n_h, n_y (one hidden layer)
    for text in texts:
        for m in NG_UNITS.finditer(text):
            number, n = int(next(g for g in m.groups()[:3] if g is not None)), int(m.group(4))
            if m.group(1) is not None:              # Ng's [l]: the input is layer 0
                say(number + 1, n, "n^{[l]}")
            else:
                counts.append((number, n))
        for m in NG_IO.finditer(text):
            io[m.group(1)] = int(m.group(2))
            if m.group(1) == "x":
                say(1, int(m.group(2)), "n^{[l]}")
        for m in WEIGHT_SHAPE.finditer(text):
            number = int(next(g for g in m.groups()[:3] if g is not None))
            rows, cols = int(m.group(4)), int(m.group(5))
            shapes.append((number, m.group(1) is not None, *((rows, cols) if vectors == "column" else (cols, rows))))
        for m in INPUT_SHAPE.finditer(text):
            say(1, int(m.group(1)), "x \\in R^n")
        for m in IN_WORDS.finditer(text):
            numbers = [int(n) for n in re.split(r"\s*-\s*", m.group(1))]
            for k, n in enumerate(numbers):
                say(k + 1, n, f"'{' '.join(m.group(0).split())}'")
    if "h" in io and "y" in io:                 # the course notebook: n_x inputs, n_h hidden units, n_y outputs
        say(2, io["h"], "n_x, n_h, n_y")
        say(3, io["y"], "n_x, n_h, n_y")
    in_words = [sorted({_number(m.group(1)) for text in texts for m in pattern.finditer(text)}) for pattern in IN_UNITS]
    if all(len(found) == 1 for found in in_words):      # "two inputs, three hidden units and one output"
        for layer, (n,) in enumerate(in_words, start=1):
            say(layer, n, "in words")
    shift = 1 if any(number == 0 for number, _ in counts) or input_layer == 0 else 0
    for number, n in counts:
        say(number + shift, n, "n_l")
    shift = 1 if input_layer == 0 or any(bracket or number == 1 for number, bracket, _, _ in shapes) else 0
    for number, _, target, source in shapes:      # W^{(1)} is the first weights: every W one layer up
        say(number + shift, target, "W \\in R^{m x n}")
        say(number + shift - 1, source, "W \\in R^{m x n}")
    depth = max(units, default=0)
    if clash or depth < 2 or any(layer not in units for layer in range(1, depth + 1)):
        return None, ""
    return tuple(units[layer] for layer in range(1, depth + 1)), ", ".join(how)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text.lower()]
