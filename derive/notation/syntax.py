"""The parsed form of a formula: small tree nodes that remember where they came from.

Positions (`start`, `end`) are character offsets into the text that was parsed; they take no part
in equality, so two nodes are equal when they say the same thing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Node:
    start: int = field(default=0, compare=False, kw_only=True)
    end: int = field(default=0, compare=False, kw_only=True)


@dataclass(frozen=True)
class Num(Node):
    text: str


@dataclass(frozen=True)
class Sym(Node):
    """A name as written: `w_{11}^{(2)}` is Sym('w', '11', '2'); `loss\\_3` is Sym('loss_3')."""

    name: str
    sub: str | None = None
    layer: str | None = None
    example: str | None = None          # a_i^{(3)[n]}, t_i^{[n]}: the example of a mini-batch
    mark: str | None = None             # "+" for the updated value (w_5^{+}, w_5'), "'" for f'


@dataclass(frozen=True)
class BinOp(Node):
    """op is one of + - times bullet / juxt (juxtaposition: an implicit product)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True)
class Power(Node):
    base: Node
    exponent: Node


@dataclass(frozen=True)
class Transpose(Node):
    operand: Node


@dataclass(frozen=True)
class Call(Node):
    """func is 'sigmoid', 'exp', 'tanh', 'log', 'relu', 'step', or one of those with '_prime'
    (sigma'(u), \\tanh'(u), \\text{ReLU}'(u))."""

    func: str
    arg: Node


@dataclass(frozen=True)
class Apply(Node):
    """A named function of two arguments, as written: a loss `l(\\mathbf{o}, y)`, the book's
    `\\textrm{prod}(A, B)`; `func` is the name as written, `args` the arguments."""

    func: str
    args: tuple


@dataclass(frozen=True)
class Max(Node):
    """\\max(left, right): ReLU is \\max(0, z)."""

    left: Node
    right: Node


@dataclass(frozen=True)
class Ones(Node):
    """\\mathbf{1}_m: the column of m ones (a mini-batch's examples)."""


@dataclass(frozen=True)
class Indicator(Node):
    """\\mathbb{1}[left > right] (op '>' or '>=')."""

    left: Node
    op: str
    right: Node


@dataclass(frozen=True)
class Dots(Node):
    """\\dots: terms left out (w_1, \\dots, w_8); readable, but it has no value."""


@dataclass(frozen=True)
class Norm(Node):
    """\\|v\\|: the Euclidean norm of a vector; `kind` "F" (\\|W\\|_F, Frobenius) or "2" as written."""

    operand: Node
    kind: str = ""


@dataclass(frozen=True)
class Gradient(Node):
    """\\nabla_a C: the vector of dC/da_j (of the output layer when the name has no layer)."""

    of: Node
    wrt: Node


@dataclass(frozen=True)
class Frac(Node):
    num: Node
    den: Node


@dataclass(frozen=True)
class Partial(Node):
    """`\\partial X` (X None for the bare operator in \\frac{\\partial}{\\partial Y})."""

    of: Node | None


@dataclass(frozen=True)
class Derivative(Node):
    """dX/dY: `of` is what is differentiated, `wrt` a named quantity."""

    of: Node
    wrt: Node


@dataclass(frozen=True)
class DerivativeOperator(Node):
    """\\frac{\\partial}{\\partial Y}, waiting for what follows it."""

    wrt: Node


@dataclass(frozen=True)
class Matrix(Node):
    rows: tuple[tuple[Node, ...], ...]


@dataclass(frozen=True)
class Sum(Node):
    var: str
    lower: Node
    upper: Node | None
    body: Node


@dataclass
class Part:
    """A stretch of a member as printed in one place; `source` maps its offsets to file positions.

    A member may continue over later rows or blocks (`+ ...`); its value is the sum of its parts.
    """

    expr: Node
    text: str
    source: object = None

    @property
    def start(self) -> int:
        return self.expr.start


@dataclass
class Member:
    """One side of an `=`; `approx`: joined to the member before it by `\\approx` (an approximation,
    not an equality: only the printed numbers of a worked example are checked against it)."""

    parts: list[Part]
    approx: bool = False

    @property
    def text(self) -> str:
        return " + ".join(p.text for p in self.parts)

    def __repr__(self) -> str:
        return f"Member({self.text!r})"


@dataclass
class Piece:
    """What a row holds: chains (several when it is a list `X, Y`), the first perhaps led by
    '=' (a new member of the previous chain) or '+' (more of the previous member)."""

    lead: str | None
    chains: list[list[Member]]
    label: str | None
    start: int


def map_children(node, rewrite):
    """The node with `rewrite` applied to each child node (matrix rows included); the node itself
    when no child changed.  Tree rewrites (conventions, glossary, layer binding) recurse through it."""
    if not isinstance(node, Node):
        return node
    changes = {}
    for key, value in vars(node).items():
        if isinstance(value, Node):
            new = rewrite(value)
            if new is not value:
                changes[key] = new
        elif isinstance(value, tuple) and value and isinstance(value[0], tuple):
            rows = tuple(tuple(rewrite(c) for c in row) for row in value)
            if rows != value:
                changes[key] = rows
        elif isinstance(value, tuple) and value and isinstance(value[0], Node):     # Apply's arguments
            args = tuple(rewrite(c) for c in value)
            if any(a is not b for a, b in zip(args, value)):
                changes[key] = args
    return replace(node, **changes) if changes else node


def walk(node):
    """Every node of a tree, parents first."""
    yield node
    for value in vars(node).values():
        if isinstance(value, Node):
            yield from walk(value)
        elif isinstance(value, tuple):
            for row in value:
                for item in (row if isinstance(row, tuple) else (row,)):
                    if isinstance(item, Node):
                        yield from walk(item)


def terms(node: Node, sign: int):
    """The terms of a sum with their signs: a - (b + c) has terms a (+1) and b + c (-1)."""
    if isinstance(node, BinOp) and node.op in "+-":
        yield from terms(node.left, sign)
        yield node.right, sign if node.op == "+" else -sign
    else:
        yield node, sign


def factors(node: Node, ops) -> list[Node]:
    """The factors of a product written with the operators `ops`, left to right."""
    if isinstance(node, BinOp) and node.op in ops:
        return factors(node.left, ops) + factors(node.right, ops)
    return [node]
