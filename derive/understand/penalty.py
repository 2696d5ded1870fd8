"""A penalty term in a document's objective: which definition adds one, what its names are, and
the penalty R in the network (model/penalty.py).

A document adds weight decay by defining its objective as its data loss plus a penalty:

    C = C_0 + \\frac{\\lambda}{2n} \\sum_w w^2          (C_0 the data loss, C the objective)
    J = \\frac{1}{m} \\sum_i L^{(i)} + \\frac{\\lambda}{2m} \\sum_l \\|W^{[l]}\\|_F^2
    J = L + s   with   s = \\frac{\\lambda}{2}(\\|W^{(1)}\\|_F^2 + \\|W^{(2)}\\|_F^2)
    E_{reg} = E_{total} + \\frac{\\lambda}{2} \\sum_w w^2

`read_objective` finds that definition (read after the convention and the glossary, so C is E
and E_{total} is E already): a name defined as a sum of terms, some of which square parameters
(w^2, \\|W\\|^2, |w|, or a name defined so, like s) and the others the data loss.  `rename` then reads
the document's names for it: the objective's name is J from its definition on (before it, the same
name meant the loss without the penalty), a data loss written as one name (C_0, L) is E, a penalty
written as one name (s, R, \\Omega) is R.  `read_penalty` evaluates the penalty in the network:
the coefficients it names that are nothing else in the network (λ, and n: Nielsen's training-set
size) are free symbols; a penalty that cannot be read, or that is no polynomial in the parameters,
leaves every claim about J and R not checked.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import sympy as sp

from ..errors import DeriveError
from ..meaning.meaning import Meaning
from ..model.network import Network
from ..model.penalty import OBJECTIVE, PENALTY, Penalty, coefficient_symbol, is_polynomial
from ..notation import syntax as s
from ..notation.syntax import walk

PARAMETERS = ("w", "W", "b")
UNIT_NAMES = ("a", "z", "x", "t", "y", "E", "A", "Z", "X", "Y", "T", "delta", "loss")
LOSS_NAMES = ("E", "L", "C", "J", "ell", "\\ell", "\\mathcal{L}", "mathcal{L}")
NOT_COEFFICIENTS = PARAMETERS + ("e", "F", "alpha", "eta")


@dataclass
class Objective:
    """The definition that adds a penalty, and the document's names for its parts."""

    index: int                          # the statement that defines the objective
    head: s.Sym                         # its name (position-free)
    penalty: list                       # the penalty's terms as written (or its one name)
    names: dict = field(default_factory=dict)       # name -> J, E, R everywhere (the data, the penalty)
    after: dict = field(default_factory=dict)       # name -> J from the definition on
    expressions: list = field(default_factory=list)     # the penalty's value, as written (its definition)
    line: int = 0
    text: str = ""                      # the objective's name and the penalty's, as written
    penalty_text: str = "R"

    def translate(self, node, after: bool = True):
        """The tree with the objective's, the data loss's and the penalty's names read."""
        names = {**self.names, **self.after} if after else self.names
        if isinstance(node, s.Sym):
            target = names.get(_key(node))
            return replace(target, start=node.start, end=node.end) if target is not None else node
        return s.map_children(node, lambda child: self.translate(child, after))


def _key(node: s.Sym) -> s.Sym:
    return replace(node, start=0, end=0, mark=None)


def _definition(st):
    if len(st.members) < 2 or len(st.head.parts) != 1 or len(st.members[1].parts) != 1:
        return None, None
    head = st.head.parts[0].expr
    return (head, st.members[1].parts[0]) if isinstance(head, s.Sym) else (None, None)


def terms(expr) -> list:
    """The terms of a sum as written (a - b is no penalty's sum: one term)."""
    if isinstance(expr, s.BinOp) and expr.op == "+":
        return terms(expr.left) + terms(expr.right)
    return [expr]


def penalises_parameters(expr) -> bool:
    """Is the expression a penalty on the network's parameters: a power or a norm of them (w^2,
    \\|W^{(l)}\\|_F^2, (w^l_{jk})^2, |w|), naming no unit, target, loss or derivative?"""
    found = False
    for n in walk(expr):
        if isinstance(n, (s.Derivative, s.Gradient, s.Partial, s.Call)):
            return False
        if isinstance(n, s.Sym) and n.name in UNIT_NAMES:
            return False
        if isinstance(n, (s.Power, s.Norm)):
            base = n.base if isinstance(n, s.Power) else n.operand
            found = found or any(isinstance(q, s.Sym) and q.name in PARAMETERS for q in walk(base))
    return found


def _is_data(term) -> bool:
    if isinstance(term, s.Sym):
        return True
    return any(isinstance(n, s.Sym) and (n.name in LOSS_NAMES or n.name in UNIT_NAMES) for n in walk(term)) \
        and not penalises_parameters(term)


def read_objective(statements) -> Objective | None:
    """The document's objective with a penalty (the first definition that adds one), or None."""
    defined = {}
    for st in statements:
        head, part = _definition(st)
        if head is not None:
            defined.setdefault(_key(head), part)
    for index, st in enumerate(statements):
        head, part = _definition(st)
        if head is None or head.layer or head.example or head.name in PARAMETERS \
                or (head.name in UNIT_NAMES and head.name != "E"):
            continue
        written = terms(part.expr)
        if len(written) < 2:
            continue
        named = {id(t): defined[_key(t)] for t in written if isinstance(t, s.Sym) and _key(t) in defined
                 and _key(t) != _key(head) and penalises_parameters(defined[_key(t)].expr)}
        penalty = [t for t in written if id(t) in named or penalises_parameters(t)]
        data = [t for t in written if all(t is not p for p in penalty)]
        if not penalty or not data or not all(_is_data(t) for t in data):
            continue
        objective = Objective(index, _key(head), penalty, line=_line(part))
        objective.after[_key(head)] = s.Sym(OBJECTIVE)
        if len(data) == 1 and isinstance(data[0], s.Sym) and _key(data[0]) != s.Sym("E"):
            objective.names[_key(data[0])] = s.Sym("E")
        if len(penalty) == 1 and id(penalty[0]) in named:
            objective.names[_key(penalty[0])] = s.Sym(PENALTY)
            objective.expressions = [named[id(penalty[0])].expr]
            objective.penalty_text = _written(part, penalty[0]) or "R"
        else:
            objective.expressions = penalty
        objective.text = _written(st.head.parts[0], head) or "J"
        return objective
    return None


def _line(part) -> int:
    return part.source.position(part.start)[0] if getattr(part, "source", None) is not None else 0


def _written(part, node) -> str:
    """A name as the document writes it, from its source text (the head's, before the part)."""
    source = getattr(part, "source", None)
    text = getattr(source, "text", None)
    if text is None or node.end <= node.start:
        return ""
    return text[node.start:node.end].strip()


def rename(statements, objective: Objective | None) -> None:
    """Read the objective's, the data loss's and the penalty's names in every statement (in place)."""
    if objective is None:
        return
    for index, st in enumerate(statements):
        for member in st.members:
            for part in member.parts:
                part.expr = objective.translate(part.expr, after=index >= objective.index)


def coefficients(objective: Objective, known) -> tuple:
    """The names the penalty's coefficients are (λ, n), in the order written: names of no parameter,
    bound by no sum, that the network gives no meaning (`known(name)` is False; m is the batch size)."""
    bound = set()
    found = []
    for expr in objective.expressions:
        for n in walk(expr):
            if isinstance(n, s.Sum):
                bound.add(n.var)
                if isinstance(n.upper, s.Sym):      # \sum_{l=1}^{L}: L is how far the sum runs
                    bound.add(n.upper.name)
            if isinstance(n, s.Sym) and n.layer and not n.layer.isdigit():
                bound.add(n.layer)
    for expr in objective.expressions:
        for n in walk(expr):
            if isinstance(n, s.Sym) and not n.sub and not n.layer and not n.example and n.name not in bound \
                    and n.name not in NOT_COEFFICIENTS and n.name not in found and not known(n):
                found.append(n.name)
    return tuple(found)


def read_penalty(objective: Objective, spec) -> Penalty:
    """The penalty R in the network the document defines (`spec`): its value, or why it has none."""
    plain = Meaning(Network(replace(spec, penalty=None)))

    def known(node) -> bool:
        try:
            plain.name_value(node, {})
            return True
        except DeriveError:
            return False
    names = coefficients(objective, known)
    shown = tuple((name, ("\\" + name) if len(name) > 1 else name) for name in names)
    base = Penalty(sp.S.Zero, shown, objective.text, objective.penalty_text, objective.line)
    probe = Network(replace(spec, penalty=base))
    meaning = Meaning(probe)
    try:
        value = sp.Add(*[meaning.value(expr, meaning.bind_sum_bounds(expr, {})) for expr in objective.expressions])
    except DeriveError as e:
        return replace(base, value=None, reason=f"the penalty at line {objective.line} cannot be read: "
                                                f"{getattr(e, 'message', str(e))}")
    parameters = [q for k, q in probe.symbols.items() if k[0] in ("w", "b")]
    allowed = set(parameters) | {coefficient_symbol(name) for name in names}
    if isinstance(value, sp.MatrixBase) or not value.free_symbols & set(parameters) \
            or value.free_symbols - allowed or not is_polynomial(value, sorted(value.free_symbols & set(parameters), key=str)):
        return replace(base, value=None, reason=f"the penalty at line {objective.line} is no polynomial in the "
                                                "weights and biases")
    return replace(base, value=sp.expand(value))


UNIT_LETTERS = "jkiqrsuv"


def every_parameter(statements) -> None:
    """Nielsen's `\\frac{\\partial C}{\\partial w} = \\frac{\\partial C_0}{\\partial w} + \\frac{\\lambda}{n} w`:
    a weight `w` (a bias `b`, a layer's `W`) written with no index and bound by no sum stands for
    every one of them, so the statement is read as the statement for every index it abbreviates
    (`w` as w_{jk}^{(l)}, `b` as b_j^{(l)}, `W` as W^{(l)}, in letters the statement does not use),
    which is then checked for every layer and unit like any other (in place)."""
    for st in statements:
        exprs = [part.expr for member in st.members for part in member.parts]
        bare = {n.name for e in exprs for n in _free_bare(e)}
        if not bare:
            continue
        used = {ch for e in exprs for n in walk(e) if isinstance(n, s.Sym)
                for ch in (n.sub or "") + (n.layer or "") + (n.name if len(n.name) == 1 else "")}
        used |= {n.var for e in exprs for n in walk(e) if isinstance(n, s.Sum)}
        free = [ch for ch in UNIT_LETTERS if ch not in used]
        layer = next((ch for ch in "lhpg" if ch not in used), None)
        if layer is None or len(free) < 2:
            continue
        written = {"w": s.Sym("w", free[0] + free[1], layer), "b": s.Sym("b", free[0], layer),
                   "W": s.Sym("W", None, layer)}
        for member in st.members:
            for part in member.parts:
                part.expr = _indexed(part.expr, written, frozenset())


def _all_of_them(node) -> bool:
    """\\|w\\|: the norm of every weight at once (meaning/penalty.py), no weight of its own."""
    return isinstance(node, s.Norm) and isinstance(node.operand, s.Sym) and not node.operand.sub \
        and not node.operand.layer


def _free_bare(node, bound=frozenset()):
    if _all_of_them(node):
        return
    if isinstance(node, s.Sum):
        bound = bound | {node.var}
    if isinstance(node, s.Sym):
        if node.name in ("w", "b", "W") and not node.sub and not node.layer and not node.example \
                and node.name not in bound:
            yield node
        return
    for value in vars(node).values():
        if isinstance(value, s.Node):
            yield from _free_bare(value, bound)


def _indexed(node, written: dict, bound: frozenset):
    if _all_of_them(node):
        return node
    if isinstance(node, s.Sum):
        bound = bound | {node.var}
    if isinstance(node, s.Sym):
        if node.name in written and not node.sub and not node.layer and not node.example and node.name not in bound:
            return replace(written[node.name], start=node.start, end=node.end, mark=node.mark)
        return node
    return s.map_children(node, lambda child: _indexed(child, written, bound))
