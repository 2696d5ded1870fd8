"""Bindings: the values a worked example gives to the leaves of its network.

`x_1 = 0.05`, `b_1^{(2)} = b_2^{(2)} = 0.35`, `\\alpha = 0.5`, `W^{(2)} = \\begin{pmatrix}0.15 & 0.25\\\\
0.20 & 0.30\\end{pmatrix}` (in the document's W layout): a leaf (input, weight, bias, target, learning
rate) set to a number is a binding, not a claim.  Bindings hold from where they stand; a later
binding of the same leaf replaces the earlier one from there on (a second example).  At the
bindings every quantity of the network has a value: the forward pass is computed exactly where it is
rational (z of the first layer) and to 60 digits where a unit's function makes it transcendental.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import sympy as sp

from ..errors import MeaningError
from ..meaning.values import is_matrix
from ..model.families import forward
from ..notation import syntax as s
from ..notation.literals import is_literal, literal_text
from .intervals import DIGITS

LEAF_KINDS = ("x", "w", "b", "t", "alpha")


@dataclass
class Binding:
    symbol: sp.Symbol
    value: sp.Rational
    text: str           # as printed
    line: int
    spelled: str        # the leaf as the lecture writes it
    target: object = None       # the member that names the leaf, and the printed value's member and
    where: object = None        # node (a pmatrix entry), for a claim made at them (worked.steps)
    cell: object = None
    marked: bool = False        # written as an updated value: w_5^{+}, w_1'

    def describe(self) -> str:
        return f"{self.spelled} = {self.text}"


class Bindings:
    """The values in force at a point of the document."""

    def __init__(self, net):
        self.net = net
        self.values: dict[sp.Symbol, Binding] = {}
        self._point = None
        self.known = None           # (point, values a lecturer may print rounded), kept by worked.printed

    def add(self, binding: Binding) -> None:
        """Give a leaf its value (from outside the document: `derive example --values`)."""
        self.values[binding.symbol] = binding
        self._point = None

    def copy(self) -> "Bindings":
        other = Bindings(self.net)
        other.values = dict(self.values)
        return other

    def remove(self, symbol) -> None:
        """A leaf without a value from here on (a new step whose update of it was not given)."""
        self.values.pop(symbol, None)
        self._point = None

    def bind(self, meaning, statement) -> list[Binding]:
        """Read a binding statement; returns the bindings it made.  Raises MeaningError (with the
        offset of the offending member) when a name is no leaf or a value no number of its shape."""
        made = self.read(meaning, statement)
        for b in made:
            self.values[b.symbol] = b
        self._point = None
        return made

    def read(self, meaning, statement) -> list[Binding]:
        """The bindings a statement gives, not yet in force (an updated value's mark, w_5^{+} or
        w_1', is read off: the binding says which leaf it is and `marked`)."""
        value_member = statement.members[-1]
        node = value_member.parts[0].expr
        value = meaning.member_value(value_member)
        line = _line(value_member.parts[0])
        made = []
        for member in statement.members[:-1]:
            marked = _marked(member)
            target = meaning.member_value(_unmarked(member) if marked else member)
            names = list(target) if is_matrix(target) else [target]
            if is_matrix(target) != is_matrix(value) or (is_matrix(target) and target.shape != value.shape):
                raise _at(MeaningError(f"{' '.join(member.text.split())} and its value have different shapes",
                                       expected="a number for a leaf, a matrix of its shape for W or b"), member)
            numbers = list(value) if is_matrix(value) else [value]
            cells = [c for row in node.rows for c in row] if isinstance(node, s.Matrix) else [node] * len(numbers)
            texts = [_text(c, n) for c, n in zip(cells, numbers)]
            for name, number, text, cell in zip(names, numbers, texts, cells):
                kind = self.net.quantities.get(name, ("?",))[0]
                if kind not in LEAF_KINDS:
                    raise _at(MeaningError(f"{' '.join(member.text.split())} is no leaf of the network, so it "
                                           "cannot be given a value", expected="an input, weight, bias, target "
                                           "or the learning rate"), member)
                if not isinstance(number, sp.Rational):
                    raise _at(MeaningError("a binding's value must be a rational number",
                                           expected="a decimal such as 0.05"), value_member)
                made.append(Binding(name, number, text, line, self.net.display.get(name, str(name)),
                                    member, value_member, cell, marked))
        return made

    # -- the network at the bindings --------------------------------------------------------------
    def point(self) -> dict:
        """Every quantity symbol whose value the bindings determine -> that value (a SymPy number)."""
        if self._point is not None:
            return self._point
        net = self.net
        out = {b.symbol: b.value for b in self.values.values()}
        if net.m == 1:
            for l in range(2, net.L + 1):
                zs = {}
                for j in net.units(l):
                    terms = [(net["a", l - 1, i], net["w", l, j, i]) for i in net.units(l - 1)]
                    bias = net.bias(l, j)
                    if all(a in out and w in out for a, w in terms) and (bias == 0 or bias in out):
                        z = sp.Add(*[out[a] * out[w] for a, w in terms], out.get(bias, sp.S.Zero))
                        zs[j] = out[net["z", l, j]] = z
                act = net.activation(l)
                for j in zs:
                    if act == "softmax":
                        if len(zs) == net.size(l):
                            total = sp.Add(*[sp.exp(zs[k]) for k in net.units(l)])
                            out[net["a", l, j]] = sp.N(sp.exp(zs[j]) / total, DIGITS)
                        continue
                    a = forward(act, zs[j])
                    out[net["a", l, j]] = a if a.is_Rational else sp.N(a, DIGITS)
                    if ("h", l, j) in net.symbols:
                        out[net["h", l, j]] = sp.Integer(1 if zs[j] > 0 else 0)
            for i in net.units(net.L):
                t, a = net["t", i], net["a", net.L, i]
                if t in out and a in out:
                    e = net.loss_term(out[t], out[a])
                    out[net["E", i]] = e if e.is_Rational else sp.N(e, DIGITS)
            if all(net["E", i] in out for i in net.units(net.L)):
                out[net["E"]] = sp.Add(*[out[net["E", i]] for i in net.units(net.L)])
        self._point = out
        return out

    def evaluate(self, value, derivatives: dict):
        """A SymPy value (in quantity and derivative symbols) at the bindings: a SymPy number, or
        raise Unbound naming the leaves it still needs."""
        if is_matrix(value):
            return value.applyfunc(lambda e: self.evaluate(e, derivatives))
        forms = {d: derivatives[d].normal for d in value.free_symbols if d in derivatives}
        value = value.xreplace(forms) if forms else value
        v = value.xreplace(self.point())
        if v.free_symbols:
            missing = sorted(self._missing(v.free_symbols))
            raise Unbound(missing)
        return v if v.is_Rational else sp.N(v, DIGITS + 5)

    def _missing(self, symbols) -> set[str]:
        leaves = set()
        for sym in symbols:
            key = self.net.quantities.get(sym)
            if key is None:
                leaves.add(str(sym))
                continue
            composed = self.net.compose(key) if key[0] not in ("h", "S") else sym
            leaves |= {self.net.display.get(l, str(l)) for l in composed.free_symbols
                       if l in self.net.quantities and l not in self.values}
        return leaves

    def used(self, value, derivatives: dict) -> list[Binding]:
        """The bindings a value depends on (for a refutation's detail)."""
        symbols = set()
        for sym in (value.free_symbols if not is_matrix(value) else set().union(*[e.free_symbols for e in value])):
            if sym in derivatives:
                symbols |= derivatives[sym].about
            symbols.add(sym)
        leaves = set()
        for sym in symbols:
            key = self.net.quantities.get(sym)
            if key is not None and key[0] not in ("h", "S"):
                leaves |= self.net.compose(key).free_symbols
        return [b for sym, b in self.values.items() if sym in leaves]

    def describe(self) -> list[str]:
        return [b.describe() for b in self.values.values()]


class Unbound(Exception):
    """A value needs leaves no binding gave (names them)."""

    def __init__(self, names):
        super().__init__(", ".join(names))
        self.names = names


def _marked(member) -> bool:
    node = member.parts[0].expr if len(member.parts) == 1 else None
    return isinstance(node, s.Sym) and node.mark == "+"


def _unmarked(member):
    part = member.parts[0]
    return s.Member([s.Part(replace(part.expr, mark=None), part.text, part.source)])


def _text(node, number) -> str:
    return literal_text(node) if is_literal(node) else str(number)


def _line(part) -> int:
    return part.source.position(part.start)[0] if part.source else 1


def _at(err, member):
    err.member = member           # reported at this member
    return err
