"""A letter the document makes a function: Bishop's `h(a) \\equiv \\tanh(a)`, then `h'(a) = 1 - h(a)^2`.

The grammar reads `f`, `g`, `\\phi` before a bracket as the unit's activation (`build.PRIMED_FUNCTIONS`);
any other letter before a bracket is a product (`h (1 - h)`).  A textbook may name its activation
with another letter, and says so by defining it:

    h(a) \\equiv \\tanh(a)          h'(a) = 1 - h(a)^2          z_j = h(a_j)

A statement whose head is a letter applied to a bare variable in brackets, `X(v)`, and whose next
member is written in v alone through functions derive knows (`\\tanh(v)`, `\\frac{1}{1+e^{-v}}`), is
such a definition.  `read_functions` finds the letters so defined — only letters the document never
uses as a quantity (with an index or a layer) — and `apply` rewrites every `X(...)` into the
activation's call (`X'(...)` into its derivative), as `f(...)` is read — or, when X is defined as
`\\tanh` or `\\sigma` itself, into that function — so that the definition and the identities after it
are checked in their own variable (`decide.identities`) and `X(a_j)` in the forward pass is the
unit's activation.  `X(a)^2` is the square of `X(a)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..notation import syntax as s
from ..notation.build import CLOSING
from ..notation.syntax import walk

KNOWN = ("sigmoid", "tanh", "exp", "log", "relu", "softplus")
FAMILIES = ("sigmoid", "tanh")                  # h(a) = \\tanh(a): h is tanh, h' is tanh' (notation's names)


@dataclass
class DocumentFunctions:
    letters: dict = field(default_factory=dict)     # letter -> the family it is (tanh, sigmoid), else None
    definitions: set = field(default_factory=set)   # ids of the defining statements

    def apply(self, statements) -> None:
        if not self.letters:
            return
        for st in statements:
            for k, member in enumerate(st.members):
                for part in member.parts:
                    text = getattr(getattr(part, "source", None), "text", "")
                    named = not (id(st) in self.definitions and k == 0)     # the definition's head stays X(v)
                    part.expr = self.rewrite(part.expr, text, named)

    def rewrite(self, node, text: str, named: bool = True):
        """`X(v)` -> the activation of v, `X'(v)` -> its derivative, `X(v)^2` -> its square; with
        `named`, a letter defined as a family's function is that function (`\\tanh(v)`, `\\tanh'(v)`)."""
        if isinstance(node, s.BinOp) and node.op == "juxt" and isinstance(node.left, s.Sym) \
                and node.left.name in self.letters and not node.left.sub and not node.left.layer:
            family = self.letters[node.left.name] if named else None
            func = (family or "activation") + ("_prime" if node.left.mark else "")
            right = self.rewrite(node.right, text, named)
            if isinstance(right, s.Power) and _bracketed(right.base, text, node.left.end):
                call = s.Call(func, right.base, start=node.start, end=right.base.end + 1)
                return s.Power(call, right.exponent, start=node.start, end=node.end)
            if _bracketed(right, text, node.left.end):
                return s.Call(func, right, start=node.start, end=node.end)
            return s.BinOp("juxt", node.left, right, start=node.start, end=node.end)
        return s.map_children(node, lambda child: self.rewrite(child, text, named))


def read_functions(statements) -> DocumentFunctions:
    """The letters the statements define as functions of one variable (see the module)."""
    quantities = {n.name for st in statements for m in st.members for p in m.parts for n in walk(p.expr)
                  if isinstance(n, s.Sym) and (n.sub or n.layer)}
    found = DocumentFunctions()
    for st in statements:
        if len(st.members) < 2 or len(st.head.parts) != 1 or len(st.members[1].parts) != 1:
            continue
        head = st.head.parts[0].expr
        if not (isinstance(head, s.BinOp) and head.op == "juxt" and isinstance(head.left, s.Sym)
                and isinstance(head.right, s.Sym) and _bare(head.right) and len(head.left.name) == 1
                and not head.left.sub and not head.left.layer and not head.left.mark):
            continue
        letter, var = head.left.name, head.right.name
        if letter in quantities or letter == var:
            continue
        body = st.members[1].parts[0].expr
        names = {n.name for n in walk(body) if isinstance(n, s.Sym)}
        calls = [n for n in walk(body) if isinstance(n, s.Call)]
        if names <= {var, "e"} and var in names and (calls or "e" in names) \
                and all(c.func in KNOWN for c in calls) and letter not in found.letters:
            whole = isinstance(body, s.Call) and body.func in FAMILIES and body.arg == head.right
            found.letters[letter] = body.func if whole else None
            found.definitions.add(id(st))
    return found


def _bare(node: s.Sym) -> bool:
    return node.sub is None and node.layer is None and node.example is None and node.mark is None


def _bracketed(node, text: str, after: int) -> bool:
    """The node is written in brackets right after the function's letter: `h(a)`, `h\\left(a\\right)`."""
    if not text or node.start is None or node.end is None:
        return False
    before = text[after:node.start].replace("\\left", "").strip()
    return before == "(" and CLOSING.match(text, node.end) is not None
