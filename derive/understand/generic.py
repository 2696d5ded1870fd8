"""A network written with whole vectors and generic functions, as a book chapter writes it.

    z = W^{(1)} x,     h = φ(z),     o = W^{(2)} h,     L = l(o, y)

(d2l.ai's "Forward Propagation, Backward Propagation, and Computational Graphs"): bold vectors
named by letters with no layer index, weight matrices numbered from the first (`W^{(1)}`), no
biases, column vectors, an activation φ (also `\\varphi`, `f`, `g`) that the document never
defines, and a loss `l(o, y)` that it never defines either.  The names are the document's: the
vector each definition defines is whatever letter the document gives it.

`read_generic` finds such a forward pass among a document's statements (`GenericModel`: the
definitions in order, the input, the weight matrices with their shapes, the generic functions) or
says it is not one (None), so that every other document is read as before.  It decides nothing;
`decide.generic` evaluates and decides the claims in it.

What makes a forward pass one of these: every definition in it defines a bare name (no index, no
layer), at least one is a product `W^{(k)} v` of a numbered weight matrix and a vector, and it
uses a generic activation `φ(v)` or a generic loss `l(v, y)`.  Sizes: the input has 2 entries, the
output 2, each hidden vector 3 (distinct, so that a missing transpose shows as shapes that do not
fit), unless the front matter states `layers`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..notation import syntax as s
from ..notation.statements import Statement

GENERIC_ACTIVATIONS = ("activation",)       # φ, \varphi, f, g as the grammar reads them (build.PRIMED_FUNCTIONS)

HIDDEN, OUTPUT, INPUT = 3, 2, 2
# "where $g = \tanh$", "$\phi(u) = \max(0, u)$": the text says which function its activation is
NAMED = re.compile(r"(?<![A-Za-z\\])(?:f|g|\\phi|\\varphi)(?:\s*\(\s*[A-Za-z]\s*\))?\s*(?:=|:=|\\equiv)\s*"
                   r"(?:\\(?:tanh|sigma|max|exp|frac|operatorname|text|mathrm|textrm)|[0-9]|\\mathbb)")


@dataclass
class GenericModel:
    """A generic vector network read from a document."""

    definitions: list                       # (name, expression node, statement) in reading order
    inputs: str                             # the input vector's name
    weights: dict                           # layer as written -> (rows, columns)
    sizes: dict                             # vector name -> length
    losses: dict = field(default_factory=dict)      # loss function name -> number of arguments
    loss_text: str = ""                     # the loss as written: l(o, y)
    label: str | None = None
    activation: str = "φ"
    defining: set = field(default_factory=set)      # ids of the statements that define the network
    shift: int = 0                          # derive's layer number - the document's (numbering.py)

    def describe(self) -> str:
        sizes = ", ".join(f"{k} \u2208 R^{v}" for k, v in self.sizes.items())
        loss = f" and a generic loss {self.loss_text}" if self.loss_text else ""
        return (f"vectors {sizes} (column vectors, no biases), a generic activation {self.activation}{loss}: "
                "undefined functions, so a proof holds for every one")


def _bare(node) -> bool:
    return isinstance(node, s.Sym) and not node.sub and not node.layer and not node.example and not node.mark


def _weight(node) -> bool:
    return isinstance(node, s.Sym) and node.name == "W" and node.layer is not None and not node.sub


def _definition(st: Statement):
    """(name, expression) when a statement is `name = expression` (its first two members)."""
    if len(st.members) < 2 or len(st.head.parts) != 1 or len(st.members[1].parts) != 1:
        return None
    head = st.head.parts[0].expr
    if not _bare(head):
        return None
    return head.name, st.members[1].parts[0].expr


def read_generic(statements: list[Statement], layers: tuple | None = None, text: str = "") -> GenericModel | None:
    """The generic vector network the statements define, or None when they define none."""
    defined: dict = {}
    order = []
    for st in statements:
        found = _definition(st)
        if found is None or found[0] in defined:
            continue
        name, expr = found
        defined[name] = (expr, st)
        order.append((name, expr, st))
    linear, generic, losses, label = [], False, {}, None
    for name, expr, _ in order:
        if isinstance(expr, s.BinOp) and expr.op in ("juxt", "bullet") and _weight(expr.left) and _bare(expr.right):
            linear.append((name, expr.left.layer, expr.right.name))
        elif isinstance(expr, s.Call) and expr.func in GENERIC_ACTIVATIONS and _bare(expr.arg):
            generic = True
        elif isinstance(expr, s.Apply) and expr.func != "prod" and len(expr.args) == 2 \
                and all(_bare(a) for a in expr.args):
            losses[expr.func] = None
            label = expr.args[1].name
    if not linear or not (generic or losses) or (generic and NAMED.search(text)):
        return None
    inputs = linear[0][2]
    if inputs in defined or label in defined or label == inputs:      # a label must be a name of its own
        return None
    network = _network_names(order, inputs)
    if network is None:
        return None
    sizes = _sizes(network, inputs, layers)
    if sizes is None:
        return None
    weights = {}
    for name, layer, source in linear:
        weights[layer] = (sizes[name], sizes[source])
    loss_text = ""
    for name, expr, _ in order:
        if isinstance(expr, s.Apply) and expr.func in losses:
            losses[expr.func] = sizes.get(expr.args[0].name, 1) + 1
            shown = {"ell": "\u2113"}.get(expr.func, expr.func)
            loss_text = loss_text or f"{name} = {shown}({expr.args[0].name}, {expr.args[1].name})"
    activation = _activation_text(order, text)
    return GenericModel(definitions=[(n, e, st) for n, e, st in order], inputs=inputs, weights=weights,
                        sizes=sizes, losses=losses, label=label, activation=activation, loss_text=loss_text,
                        defining={id(st) for n, e, st in order})


def _network_names(order, inputs: str) -> dict | None:
    """The vectors of the forward pass: name -> ('linear', layer, source) | ('activation', source)."""
    out: dict = {}
    known = {inputs}
    for name, expr, _ in order:
        if isinstance(expr, s.BinOp) and expr.op in ("juxt", "bullet") and _weight(expr.left) and _bare(expr.right):
            if expr.right.name not in known:
                return None
            out[name] = ("linear", expr.left.layer, expr.right.name)
            known.add(name)
        elif isinstance(expr, s.Call) and _bare(expr.arg) and expr.arg.name in known:
            out[name] = ("activation", expr.arg.name)
            known.add(name)
    return out


def _sizes(network: dict, inputs: str, layers: tuple | None) -> dict | None:
    """Each vector's length: the front matter's `layers` (input, hidden ..., output), or 2, 3 ..., 2."""
    linear = [n for n, d in network.items() if d[0] == "linear"]
    if layers is not None and len(layers) != len(linear) + 1:
        return None
    sizes = {inputs: layers[0] if layers else INPUT}
    for name, what in network.items():
        if what[0] == "linear":
            k = linear.index(name) + 1
            sizes[name] = layers[k] if layers else (OUTPUT if k == len(linear) else HIDDEN)
        else:
            sizes[name] = sizes[what[1]]
    return sizes


def _activation_text(order, text: str) -> str:
    """How the document writes its activation (φ, \\varphi, f, g), for the report."""
    for _, expr, st in order:
        if isinstance(expr, s.Call) and expr.func in GENERIC_ACTIVATIONS:
            written = st.members[1].parts[0].text[:expr.end - expr.start].lstrip()
            for key, shown in (("\\varphi", "φ"), ("\\phi", "φ"), ("g", "g"), ("f", "f")):
                if written.startswith(key):
                    return shown
    return "φ"
