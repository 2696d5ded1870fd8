"""What a parsed formula means in a given network: syntax trees -> SymPy values.

A value is a SymPy scalar or an ImmutableMatrix, written in the network's quantity symbols
(x, w, b, t, alpha, a, z, E, E_i), sigmoid/exp of such, and one symbol per derivative
dX/dY, whose two forms (normal and raw) the oracle supplies and `Meaning.derivatives` keeps.

Operators follow the lecture: \\times and \\cdot multiply elementwise (scalars, or a scalar and a
matrix, or two matrices of one shape), \\bullet is the matrix product, ^T transposes, a scalar
added to a matrix is added to every entry, juxtaposition multiplies scalars (or a scalar and a
matrix).  Anything else is a ShapeError naming both shapes.

Names: a_i^{(l)} (a_i^{(1)} = x_i), z_j^{(l)}, w_{ji}^{(l)}, b_j^{(l)}, x_i, t_i, E, E_i, \\alpha;
matrices A^{(l)}/A1, Z^{(l)}/Z2, W^{(l)}/W3, b^{(l)}, T; loss\\_l = dE/dZ^{(l)} (the lecture's
error term of layer l); and whatever a document defines itself.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import sympy as sp

from . import printing
from . import syntax as s
from .derive import Derivative, Oracle
from .errors import DeriveError, MeaningError, NotInNetwork, ShapeError
from .model import Network, leaky, relu, sigmoid, step

Value = sp.Expr | sp.ImmutableMatrix
MATRIX_ALIAS = re.compile(r"^(A|W|Z)([0-9]+)$")
LEARNING_RATES = ("alpha", "eta")
SUM_BOUNDS = ("n", "N", "m", "K")
QUANTITY_NAMES = "a, z, w, b, x, t, E, \\alpha, A1, W3, Z2, T, loss\\_3"


def is_matrix(v) -> bool:
    return isinstance(v, sp.MatrixBase)


def shape_text(v) -> str:
    return f"{v.shape[0]}\u00d7{v.shape[1]}" if is_matrix(v) else "scalar"


def _fail(cls, message, node, expected=None):
    err = cls(message, expected=expected)
    err.offset = node.start
    return err


class DefinedTerm:
    """A document's error term delta_j^{(l)} (a definition of delta or Delta for one unit of a layer),
    kept as a symbol in values: `value` is its definition's value, `z` the z it names the derivative
    by.  The decision puts the value back in (node values), or, once the definition is proved equal
    to the oracle's error term dE/dz, the oracle's atom for it (a claim checked at its own level)."""

    __slots__ = ("value", "z", "about", "name")

    def __init__(self, value, z, about, name):
        self.value, self.z, self.about, self.name = value, z, about, name

    def __repr__(self) -> str:
        return f"DefinedTerm({self.name} = {self.value})"


@dataclass
class Definition:
    """A name a document introduces (`delta = ...`): its member, and where it first stood."""

    name: str
    member: s.Member
    head: s.Sym | None = None


class Meaning:
    """Evaluates members in one network; keeps the derivatives it met for the decision."""

    def __init__(self, network: Network, oracle: Oracle | None = None,
                 definitions: dict[str, Definition] | None = None):
        self.net = network
        self.oracle = oracle or Oracle(network)
        self.definitions = definitions if definitions is not None else {}
        self.derivatives: dict[sp.Symbol, Derivative] = {}
        self._evaluating: set[str] = set()
        self._values: dict = {}
        self._terms: dict = {}
        self.representative = False     # a statement for every index: its first and last instance only
        self.stacks: dict = {}          # value of a statement for every index -> "j = 1, i = 2" per entry

    # -- entry points ------------------------------------------------------------------------------
    def member_value(self, member: s.Member, outer: dict | None = None) -> Value:
        """The value of a member: the sum of its parts, each evaluated where it was written.
        `outer` binds indices from outside (a template definition delta_j used as delta_1)."""
        total = None
        for part in member.parts:
            v = self.part_value(part, outer)
            total = v if total is None else self._add(total, v, part.expr, "+")
        return total

    def part_value(self, part: s.Part, outer: dict | None = None) -> Value:
        """The value of one part; the same expression (a restated definition) is evaluated once.

        An index no sum binds (j in a_j^{(2)} = tanh(z_j^{(2)}), i and j in w_{ji}) makes the part a
        statement for every index: its value is the column of the values for each index in range
        (indices in alphabetical order), so that two members with the same free indices compare
        entry by entry."""
        from .parse import locate
        outer = outer or {}
        key = (part.expr, tuple(sorted(outer.items())), self.representative)
        if key in self._values:
            return self._values[key]
        try:
            env = self._bind_sum_bounds(part.expr, dict(outer))
            free = sorted(free_indices(part.expr, set(env)))
            value = self._stacked(part.expr, env, free) if free else self.value(part.expr, env)
        except DeriveError as err:
            raise locate(err, part.source, getattr(err, "offset", part.start)) from None
        self._values[key] = value
        return value

    def _stacked(self, expr: s.Node, env: dict, free: list[str]) -> Value:
        import itertools
        ranges = [range(1, self._infer_range(expr, var, expr) + 1) for var in free]
        entries, labels = [], []
        bindings = itertools.product(*ranges)
        if self.representative:             # see symmetric(): one instance stands for all
            bindings = list(dict.fromkeys([tuple(r[0] for r in ranges), tuple(r[-1] for r in ranges)]))
        for binding in bindings:
            v = self.value(expr, {**env, **dict(zip(free, binding))})
            if is_matrix(v):
                raise _fail(MeaningError, f"a matrix in a statement for every {', '.join(free)}", expr,
                            "scalars when an index is free")
            entries.append([v])
            labels.append(", ".join(f"{x} = {k}" for x, k in zip(free, binding)))
        value = sp.ImmutableMatrix(entries)
        self.stacks[value] = labels
        return value

    # -- one argument for every index ------------------------------------------------------------------
    def symmetric(self, exprs) -> tuple[list[str], int] | None:
        """The free index letters of a statement for every index that relabelling units proves at once
        and the number of its instances, else None.  Relabelling the units of each layer (and the examples of a batch) by a
        permutation maps the network to itself: every unit of a layer has the same family, each z
        sums over the whole layer below, and the loss sums (or averages) over all outputs and
        examples.  If the statement's text (and every definition it uses) names units only through
        index letters, each letter ranging over one layer, distinct free letters over distinct
        layers, and every sum runs over a whole layer, then the instance for one choice of indices
        is mapped to the instance for any other: the same identity with the quantities renamed.  A
        proof of one instance is then a proof of all of them."""
        free: set = set()
        for e in exprs:
            free |= free_indices(e, set())
        if not free:
            return None
        layers: dict = {}
        try:
            for e in exprs:
                if not self._renamable(e, layers, set()):
                    return None
        except DeriveError:
            return None
        used = [next(iter(layers[x])) for x in free if len(layers.get(x, ())) == 1]
        if len(used) != len(free) or len(set(used)) != len(used):
            return None
        count = 1
        for l in used:
            count *= self.net.m if l == "examples" else self.net.size(l)
        return sorted(free), count

    def _renamable(self, expr, layers: dict, seen: set) -> bool:
        L = self.net.L
        for node in walk(expr):
            if isinstance(node, (s.Matrix, s.Transpose)):
                return False
            if isinstance(node, s.Sum):
                if not (isinstance(node.lower, s.Num) and node.lower.text == "1"):
                    return False
                size = self._infer_range(node.body, node.var, node)
                upper = node.upper
                if not (upper is None or (isinstance(upper, s.Sym) and upper.name in SUM_BOUNDS and not upper.sub)
                        or (isinstance(upper, s.Num) and upper.text == str(size))):
                    return False
            if not isinstance(node, s.Sym):
                continue
            if node.name in SUM_BOUNDS and not node.sub and not node.layer:
                continue
            if not node.sub:
                if node.name not in ("E", "e") + LEARNING_RATES or node.layer or (node.example and not node.example.isalpha()):
                    return False
            else:
                parts = node.sub.split(",") if "," in node.sub else (list(node.sub) if node.name == "w" else [node.sub])
                layer = int(node.layer) if node.layer and node.layer.isdigit() else None
                if node.name == "x":
                    where = [1]
                elif node.name in ("t", "E"):
                    where = [L]
                elif node.name == "w" and layer and len(parts) == 2:
                    where = [layer, layer - 1]
                elif layer and len(parts) == 1:
                    where = [layer]
                else:
                    return False
                for p, l in zip(parts, where):
                    if not (len(p) == 1 and p.isalpha()):
                        return False           # a unit named by number is not renamed with the others
                    layers.setdefault(p, set()).add(l)
            if node.example:
                if not (len(node.example) == 1 and node.example.isalpha()):
                    return False
                layers.setdefault(node.example, set()).add("examples")
            if self.knows(node):
                continue
            for definition in [d for d in self.definitions.values() if d.head is not None
                               and d.head.name == node.name and d.head.layer == node.layer]:
                key = definition_key(definition.head)
                if key not in seen:
                    seen.add(key)
                    if not self._renamable(definition.head, {}, seen) or not all(
                            self._renamable(part.expr, {}, seen) for part in definition.member.parts):
                        return False
        return True

    # -- evaluation ---------------------------------------------------------------------------------
    def value(self, node: s.Node, env: dict) -> Value:
        method = getattr(self, "_" + type(node).__name__)
        return method(node, env)

    def _Num(self, node, env):
        return sp.Rational(node.text)

    def _Sym(self, node, env):
        return self.name_value(node, env)

    def _Neg(self, node, env):
        return -self.value(node.operand, env)

    def _Transpose(self, node, env):
        v = self.value(node.operand, env)
        if not is_matrix(v):
            raise _fail(ShapeError, "^T of a scalar", node, "a matrix before ^T")
        return v.T

    def _Power(self, node, env):
        if isinstance(node.base, s.Sym) and node.base.name == "e" and not node.base.sub and not node.base.layer:
            exponent = self._scalar(self.value(node.exponent, env), node.exponent, "an exponent")
            return sp.exp(exponent)
        base = self.value(node.base, env)
        exponent = self._scalar(self.value(node.exponent, env), node.exponent, "an exponent")
        if is_matrix(base):
            raise _fail(ShapeError, f"a power of a {shape_text(base)} matrix", node,
                        "\\times for elementwise products, ^T for a transpose")
        return base ** exponent

    def _Call(self, node, env):
        v = self.value(node.arg, env)
        f = FUNCTIONS[node.func]
        return v.applyfunc(f) if is_matrix(v) else f(v)

    def _Max(self, node, env):
        left, right = self.value(node.left, env), self.value(node.right, env)
        for zero, u in ((left, right), (right, left)):
            if not is_matrix(zero) and zero == 0:
                return u.applyfunc(relu) if is_matrix(u) else relu(u)
        if not is_matrix(left) and not is_matrix(right):
            for small, u in ((left, right), (right, left)):
                c = sp.cancel(small / u) if u != 0 else None
                if c is not None and c.is_Rational and 0 < c < 1:
                    return leaky(u, c)
        raise _fail(MeaningError, "\\max of anything but 0 (or c z) and z", node,
                    "\\max(0, z) (ReLU) or \\max(0.01 z, z) (leaky ReLU)")

    def _Ones(self, node, env):
        return sp.ImmutableMatrix([[1] for _ in range(self.net.m)])

    def _Indicator(self, node, env):
        left, right = self.value(node.left, env), self.value(node.right, env)
        if not is_matrix(right) and right == 0:
            return left.applyfunc(step) if is_matrix(left) else step(left)
        raise _fail(MeaningError, "an indicator of anything but u > 0", node, "\\mathbb{1}[z > 0]")

    def _Frac(self, node, env):
        num, den = self.value(node.num, env), self.value(node.den, env)
        den = self._scalar(den, node.den, "a scalar denominator")
        if den == 0:
            raise _fail(MeaningError, "division by zero", node.den)
        return num / den

    def _Matrix(self, node, env):
        rows = []
        for row in node.rows:
            rows.append([self._scalar(self.value(c, env), c, "a scalar entry") for c in row])
        return sp.ImmutableMatrix(rows)

    def _Sum(self, node, env):
        lower = int(node.lower.text)
        if node.upper is None:
            upper = self._infer_range(node.body, node.var, node)
        else:
            upper_value = self.value(node.upper, env)
            if not (upper_value.is_Integer if not is_matrix(upper_value) else False):
                raise _fail(MeaningError, "the sum's upper limit is not a whole number", node.upper)
            upper = int(upper_value)
        terms = [self.value(node.body, {**env, node.var: k}) for k in range(lower, upper + 1)]
        if not terms:
            return sp.Integer(0)
        if not any(is_matrix(t) for t in terms):
            return sp.Add(*terms)               # at once: adding one term at a time is quadratic
        total = terms[0]
        for t in terms[1:]:
            total = self._add(total, t, node, "+")
        return total

    def _BinOp(self, node, env):
        left, right = self.value(node.left, env), self.value(node.right, env)
        if node.op in ("+", "-"):
            return self._add(left, right, node, node.op)
        if node.op == "bullet":
            if not (is_matrix(left) and is_matrix(right)):
                raise _fail(ShapeError, f"\\bullet between {shape_text(left)} and {shape_text(right)}",
                            node, "two matrices (\\times multiplies scalars)")
            if left.shape[1] != right.shape[0]:
                raise _fail(ShapeError, f"matrix product of {shape_text(left)} and {shape_text(right)}: "
                            f"{left.shape[1]} columns against {right.shape[0]} rows", node,
                            "the left factor's columns to match the right factor's rows")
            inner = range(left.shape[1])        # entry by entry: SymPy's own product goes through a
            return sp.ImmutableMatrix(left.shape[0], right.shape[1],      # slow generic domain here
                                      lambda i, j: sp.Add(*[left[i, k] * right[k, j] for k in inner]))
        if node.op == "/":
            den = self._scalar(right, node.right, "a scalar denominator")
            if den == 0:
                raise _fail(MeaningError, "division by zero", node.right)
            return left / den
        # \times, \cdot, juxtaposition
        if is_matrix(left) and is_matrix(right):
            if node.op == "juxt":
                raise _fail(ShapeError, f"two matrices ({shape_text(left)} and {shape_text(right)}) "
                            "side by side", node, "\\times (elementwise) or \\bullet (matrix product)")
            if left.shape != right.shape:
                raise _fail(ShapeError, f"elementwise product of {shape_text(left)} and "
                            f"{shape_text(right)}", node, "two matrices of the same shape")
            return left.multiply_elementwise(right)
        return left * right

    def _add(self, left, right, node, op):
        sign = 1 if op == "+" else -1
        if is_matrix(left) and is_matrix(right):
            if left.shape != right.shape and self.net.m > 1:      # a row (b^{(l)}) added to every example
                left, right = _broadcast(left, right.shape), _broadcast(right, left.shape)
            if left.shape != right.shape:
                raise _fail(ShapeError, f"{'sum' if op == '+' else 'difference'} of {shape_text(left)} "
                            f"and {shape_text(right)}", node, "two matrices of the same shape")
            return left + sign * right
        if is_matrix(left):
            return left.applyfunc(lambda e: e + sign * right)
        if is_matrix(right):
            return right.applyfunc(lambda e: left + sign * e)
        return left + sign * right

    def _scalar(self, v, node, what):
        if is_matrix(v):
            if v.shape == (1, 1):
                return v[0, 0]
            raise _fail(ShapeError, f"a {shape_text(v)} matrix where {what} is needed", node, what)
        return v

    # -- derivatives ------------------------------------------------------------------------------
    def _Derivative(self, node, env):
        of = self.value(node.of, env)
        wrt = self.value(node.wrt, env)
        if is_matrix(of) and is_matrix(wrt):
            raise _fail(ShapeError, f"derivative of a {shape_text(of)} matrix by a {shape_text(wrt)} matrix",
                        node, "a scalar on top or below")
        if is_matrix(wrt):
            return wrt.applyfunc(lambda y: self._partial(of, y, node))
        if is_matrix(of):
            return of.applyfunc(lambda x: self._partial(x, wrt, node))
        return self._partial(of, wrt, node)

    def _DerivativeOperator(self, node, env):
        raise _fail(MeaningError, "\\frac{\\partial}{\\partial ...} with nothing to differentiate", node,
                    "an expression after the operator")

    def _Partial(self, node, env):
        raise _fail(MeaningError, "\\partial outside a derivative", node,
                    "\\frac{\\partial X}{\\partial Y} or \\partial X / \\partial Y")

    def _partial(self, of: sp.Expr, wrt: sp.Expr, node) -> sp.Expr:
        key = self.net.quantities.get(wrt)
        if key is None or key[0] == "alpha":
            raise _fail(MeaningError, f"cannot differentiate with respect to {wrt}", node.wrt,
                        "a named quantity below \\partial (w, b, a, z, x, t, W^{(l)}, b^{(l)}, ...)")
        of = self._inlined(of)
        if any(sym in self.derivatives for sym in of.free_symbols):
            raise _fail(MeaningError, "a derivative of a derivative", node, "first derivatives only")
        derivative = self.oracle.partial(of, key)
        symbol = derivative_symbol(of, wrt)
        self.derivatives[symbol] = derivative
        return symbol

    def _inlined(self, v: sp.Expr) -> sp.Expr:
        """v with the error terms a document defines replaced by their definitions."""
        terms = {q: self._inlined(self.derivatives[q].value) for q in v.free_symbols
                 if isinstance(self.derivatives.get(q), DefinedTerm)}
        return v.xreplace(terms) if terms else v

    # -- names --------------------------------------------------------------------------------------
    def name_value(self, node: s.Sym, env: dict) -> Value:
        name, sub, layer = node.name, node.sub, node.layer
        if name in env and sub is None and layer is None:
            return sp.Integer(env[name])
        if name in LEARNING_RATES and sub is None and layer is None:
            return self.net.alpha
        if name == "m" and sub is None and layer is None and node.example is None and self.net.m > 1:
            return sp.Integer(self.net.m)          # the batch size
        m = MATRIX_ALIAS.match(name)
        if m and sub is None and layer is None:
            return self._matrix(m.group(1), int(m.group(2)), node)
        if name in ("A", "W", "Z") and sub is None:
            return self._matrix(name, self._layer(node, required=True), node)
        if name == "b" and sub is None:
            return self._matrix("b", self._layer(node, required=True), node)
        if name == "T" and sub is None:
            if layer is not None and self._layer(node) != self.net.L:
                raise _fail(MeaningError, f"targets belong to the output layer {self.net.L}", node)
            return self.net.matrix("T")
        if name == "loss" and sub is not None and layer is None and sub.isdigit():
            return self._loss(int(sub), node)
        defined = self._defined(node, env)
        if defined is not None:
            return defined
        if name in ("delta", "Delta") and layer is None and sub is not None and node.example is None:
            i, j = self._indices(node, 2, env)         # the Kronecker delta of a softmax Jacobian
            return sp.Integer(1 if i == j else 0)
        if sub is None and node.example is None and (name in ("a", "z") and layer is not None
                                                     or name in ("x", "t") and layer is None):
            kind = {"a": "A", "z": "Z", "x": "A", "t": "T"}[name]     # a^{(l)}: the layer's row vector
            return self._matrix(kind, 1, node) if name == "x" else (
                self.net.matrix("T") if name == "t" else self._matrix(kind, self._layer(node, required=True), node))
        if name in ("a", "z", "w", "b", "x", "t", "E"):
            return self.net[self._quantity_key(node, env)]
        if name == "e" and sub is None and layer is None:
            return sp.E
        raise _fail(MeaningError, f"unknown name {self._spelled(node)}", node, QUANTITY_NAMES)

    def knows(self, node: s.Sym) -> bool:
        """Does the model or the notation give this name a meaning (whether or not it is valid here)?"""
        if node.name in ("a", "z", "w", "b", "x", "t", "E", "A", "W", "Z", "T") + LEARNING_RATES:
            return True
        if node.name == "loss" and node.sub is not None and node.sub.isdigit():
            return True
        return bool(MATRIX_ALIAS.match(node.name)) or (node.name == "e" and not node.sub and not node.layer)

    def _spelled(self, node: s.Sym) -> str:
        text = node.name + (f"_{{{node.sub}}}" if node.sub else "")
        layer = f"({node.layer})" if node.layer else ""
        example = f"[{node.example}]" if node.example else ""
        return text + (f"^{{{layer}{example}}}" if layer or example else "")

    def _defined(self, node: s.Sym, env) -> Value | None:
        node = _bound_example(_bound(node, env), env)
        key = definition_key(node)
        definition, outer = self.definitions.get(key), {}
        if definition is None:
            definition, outer = self._template(node)
        if definition is None:
            return None
        if key in self._evaluating:
            raise _fail(MeaningError, f"{key} is defined in terms of itself", node)
        self._evaluating.add(key)
        try:
            value = self.member_value(definition.member, outer)
        finally:
            self._evaluating.discard(key)
        if outer and is_matrix(value) and value.shape == (1, 1):
            value = value[0, 0]
        return self._term(node, key, value, definition, outer)

    def _term(self, node: s.Sym, key: str, value: Value, definition, outer) -> Value:
        """A definition of delta_j^{(l)} for one unit, as a symbol standing for its value (DefinedTerm)."""
        if node.name not in ("delta", "Delta") or is_matrix(value) or not node.sub or not node.sub.isdigit() \
                or not node.layer or not node.layer.isdigit():
            return value
        n = int(node.example) if node.example and node.example.isdigit() else None
        if (n is None) != (self.net.m == 1):
            return value
        z_key = ("z", int(node.layer), int(node.sub)) + self.net.ex(n)
        if not self.net.has(z_key):
            return value
        memo = (key, id(definition), tuple(sorted(outer.items())))
        if memo in self._terms:
            return self._terms[memo]
        # the value is fixed by the definition's text, the binding and the names it uses (the
        # names of other terms are such digests themselves)
        text = f"{definition.member.text}|{memo[2]}|{sorted(map(str, value.free_symbols))}"
        digest = hashlib.sha1(text.encode()).hexdigest()[:10]
        symbol = sp.Symbol("T_" + re.sub(r"\W", "_", key) + "_" + digest)
        self._terms[memo] = symbol
        if symbol not in self.derivatives:
            about = set(value.free_symbols)
            for q in value.free_symbols:
                if q in self.derivatives:
                    about |= self.derivatives[q].about
            printing.DISPLAY[symbol] = self._spelled(node)
            self.derivatives[symbol] = DefinedTerm(value, self.net[z_key], frozenset(about), key)
        return symbol

    def _template(self, node: s.Sym):
        """A definition written for every index (delta_j^{(2)} = ..., delta_k^{(3)[n]} = ...) that this
        name (delta_1^{(2)}, delta_2^{(3)[1]}, delta_{10}^{(2)}) is an instance of, with the binding
        of its letters."""
        subs = (node.sub.split(",") if "," in node.sub else list(node.sub)) if node.sub else []
        example = [node.example] if node.example else []
        if not subs + example or not all(d.isdigit() for d in subs + example):
            return None, {}
        for definition in self.definitions.values():
            head = definition.head
            if head is None or head.name != node.name or head.layer != node.layer:
                continue
            if bool(head.sub) != bool(node.sub) or bool(head.example) != bool(node.example):
                continue
            letters = (head.sub.split(",") if "," in head.sub else list(head.sub)) if head.sub else []
            digits = [node.sub] if len(letters) == 1 and node.sub and "," not in node.sub else subs
            letters += [head.example] if head.example else []
            digits = digits + example
            if len(letters) != len(digits):
                continue
            binding = {}
            for x, d in zip(letters, digits):
                if x.isalpha() and len(x) == 1:
                    binding[x] = int(d)
                elif x != d:
                    break
            else:
                if binding:
                    return definition, binding
        return None, {}

    def _loss(self, layer: int, node) -> Value:
        """loss_l: the error term of layer l, dE/dZ^{(l)} (the lecture's loss\\_3, loss\\_2)."""
        if not 2 <= layer <= self.net.L:
            raise _fail(NotInNetwork, f"loss\\_{layer}: there is no layer {layer} with weights "
                        f"(layers 2..{self.net.L})", node)
        E = self.net["E",]
        return self.net.matrix("Z", layer).applyfunc(lambda z: self._partial(E, z, node))

    def _layer(self, node: s.Sym, required: bool = False) -> int | None:
        if node.layer is None:
            if required:
                raise _fail(MeaningError, f"{node.name} needs its layer", node,
                            f"{node.name}^{{(l)}} with l in 1..{self.net.L}")
            return None
        if not node.layer.isdigit():
            raise _fail(MeaningError, f"layer ({node.layer}) is not a number", node, "a layer such as (2)")
        layer = int(node.layer)
        if not 1 <= layer <= self.net.L:
            raise _fail(NotInNetwork, f"there is no layer {layer}", node, f"a layer in 1..{self.net.L}")
        return layer

    def _matrix(self, kind: str, layer: int, node) -> Value:
        if not 1 <= layer <= self.net.L or (kind in ("W", "Z", "b") and layer == 1):
            low = 1 if kind == "A" else 2
            raise _fail(NotInNetwork, f"{kind}^{{({layer})}} does not exist", node,
                        f"a layer in {low}..{self.net.L}")
        return self.net.matrix(kind, layer)

    def _indices(self, node: s.Sym, count: int, env) -> list[int]:
        sub = node.sub
        if sub is None:
            raise _fail(MeaningError, f"{node.name} needs a subscript", node,
                        f"{node.name}_{{ji}}" if count == 2 else f"{node.name}_i")
        parts = sub.split(",") if "," in sub else ([sub] if count == 1 else list(sub))
        if len(parts) != count:
            raise _fail(MeaningError, f"{node.name}_{{{sub}}} has {len(parts)} ind{'ex' if len(parts) == 1 else 'ices'}",
                        node, f"{count} ind{'ex' if count == 1 else 'ices'}"
                        + (" as in w_{ji}^{(l)}" if node.name == "w" else ""))
        out = []
        for p in parts:
            if p.isdigit():
                out.append(int(p))
            elif p in env:
                out.append(env[p])
            else:
                raise _fail(MeaningError, f"index {p} is not bound", node, "a number, or an index bound by \\sum")
        return out

    def _example(self, node: s.Sym, env, text) -> tuple:
        """The example index a per-example quantity carries in a mini-batch (none for one example)."""
        m = self.net.m
        if text is None:
            if m > 1:
                raise _fail(MeaningError, f"{self._spelled(node)} needs its example in a mini-batch of {m}",
                            node, f"{node.name}^{{[n]}} with n in 1..{m}")
            return ()
        n = int(text) if text.isdigit() else env.get(text)
        if n is None:
            raise _fail(MeaningError, f"example index {text} is not bound", node, "\\sum_{n=1}^{m} around it")
        if not 1 <= n <= m:
            raise _fail(NotInNetwork, f"there is no example {n}" + (" (one example: no mini-batch)" if m == 1
                        else f" (a mini-batch of {m})"), node, f"an example in 1..{m}")
        return (n,) if m > 1 else ()

    def _quantity_key(self, node: s.Sym, env) -> tuple:
        name, L = node.name, self.net.L
        if name == "x" and node.layer is not None and node.example is None and self.net.m > 1 \
                and node.layer != "1":           # x^{(n)}: the n-th example's input
            node = s.Sym(node.name, node.sub, None, node.layer, start=node.start, end=node.end)
        layer = self._layer(node)
        if name == "E":
            if layer is not None:
                raise _fail(MeaningError, "E has no layer", node, "E or E_i")
            if node.sub is None:
                if node.example is not None and self.net.m > 1:
                    return ("En",) + self._example(node, env, node.example)
                if node.example is not None:
                    self._example(node, env, node.example)
                return ("E",)
            key = ("E", self._indices(node, 1, env)[0])
            if node.example is not None:
                key += self._example(node, env, node.example)
        elif name == "x":
            if layer not in (None, 1):
                raise _fail(MeaningError, "inputs x_i are layer 1", node, "x_i or a_i^{(1)}")
            key = ("x", self._indices(node, 1, env)[0]) + self._example(node, env, node.example)
        elif name == "t":
            if layer not in (None, L):
                raise _fail(MeaningError, f"targets t_i belong to the output layer {L}", node, f"t_i^{{({L})}}")
            key = ("t", self._indices(node, 1, env)[0]) + self._example(node, env, node.example)
        elif name == "w":
            if layer is None or layer == 1:
                raise _fail(MeaningError, "a weight needs its layer (2 or more)", node, "w_{ji}^{(l)}")
            key = ("w", layer) + tuple(self._indices(node, 2, env))
        else:
            if layer is None:
                raise _fail(MeaningError, f"{name}_{node.sub} needs its layer", node, f"{name}_i^{{(l)}}")
            if layer == 1 and name in ("z", "b"):
                raise _fail(MeaningError, f"layer 1 has no {name}", node, f"a layer in 2..{L}")
            key = (name, layer, self._indices(node, 1, env)[0])
            if name in ("a", "z"):
                key += self._example(node, env, node.example)
        if not self.net.has(key):
            raise _fail(NotInNetwork, f"{self._spelled(node)} does not exist in the "
                        f"{'-'.join(map(str, self.net.spec.layers))} network", node,
                        "unit numbers within each layer's size")
        return key

    # -- sums ---------------------------------------------------------------------------------------
    def _bind_sum_bounds(self, expr: s.Node, env: dict) -> dict:
        """Bind `n` in \\sum_{i=1}^{n} (and 1/n beside it) to the size of the layer the sum runs over."""
        env = dict(env)
        for node in walk(expr):
            if isinstance(node, s.Sum) and isinstance(node.upper, s.Sym) and node.upper.name in SUM_BOUNDS:
                size = self._infer_range(node.body, node.var, node)
                bound = node.upper.name
                if env.get(bound, size) != size:
                    raise _fail(MeaningError, f"{bound} stands for two sizes here ({env[bound]} and {size})", node)
                env[bound] = size
        return env

    def _infer_range(self, body: s.Node, var: str, node) -> int:
        sizes = set()
        for n in walk(body):
            if isinstance(n, s.Sym) and (n.example == var or (n.name == "x" and n.layer == var and self.net.m > 1)):
                sizes.add(self.net.m)
                continue
            if not isinstance(n, s.Sym) or not n.sub:
                continue
            parts = n.sub.split(",") if "," in n.sub else (list(n.sub) if n.name == "w" else [n.sub])
            if var not in parts:
                continue
            layer = int(n.layer) if n.layer and n.layer.isdigit() else None
            if n.name in ("x",):
                sizes.add(self.net.size(1))
            elif n.name in ("t", "E"):
                sizes.add(self.net.size(self.net.L))
            elif n.name == "w" and layer and 2 <= layer <= self.net.L:
                sizes.add(self.net.size(layer if parts.index(var) == 0 else layer - 1))
            elif layer and 1 <= layer <= self.net.L:
                sizes.add(self.net.size(layer))
        if len(sizes) != 1:
            raise _fail(MeaningError, f"cannot tell how far the sum over {var} runs"
                        + (f" (sizes {sorted(sizes)})" if sizes else ""), node,
                        f"quantities indexed by {var} from one layer, or explicit limits \\sum_{{{var}=1}}^{{2}}")
        return sizes.pop()


FUNCTIONS = {
    "sigmoid": sigmoid, "exp": sp.exp, "tanh": sp.tanh, "log": sp.log, "relu": relu, "step": step,
    "relu_prime": step, "sigmoid_prime": lambda u: sigmoid(u) * (1 - sigmoid(u)),
    "tanh_prime": lambda u: 1 - sp.tanh(u) ** 2,
}


def _broadcast(v, shape):
    """A 1 x c row repeated to r x c (the bias row of a mini-batch's Z = A W + b); else v."""
    if v.shape[0] == 1 and v.shape[1] == shape[1] and shape[0] > 1:
        return sp.ImmutableMatrix([list(v) for _ in range(shape[0])])
    return v


def derivative_symbol(of: sp.Expr, wrt: sp.Symbol) -> sp.Symbol:
    """The symbol standing for d(of)/d(wrt) in a value; its printed form is the lecture's fraction."""
    if of.is_Symbol:
        ident, top = f"D_{of.name}__{wrt.name}", printing.display_name(of)
    else:
        digest = hashlib.sha1(sp.srepr(of).encode()).hexdigest()[:10]
        ident, top = f"D_{digest}__{wrt.name}", "(" + printing.latex(of) + ")"
    symbol = sp.Symbol(ident)
    printing.DISPLAY[symbol] = f"\\frac{{\\partial {top}}}{{\\partial {printing.display_name(wrt)}}}"
    return symbol


def index_letters(node: s.Sym) -> list[str]:
    """The letters a name is indexed by: j in a_j^{(2)}, j and i in w_{ji}, n in a_i^{(3)[n]}."""
    out = []
    if node.sub:
        parts = node.sub.split(",") if "," in node.sub else (list(node.sub) if len(node.sub) <= 2 else [node.sub])
        out += [p for p in parts if len(p) == 1 and p.isalpha()]
    if node.example and len(node.example) == 1 and node.example.isalpha():
        out.append(node.example)
    return out


def free_indices(node, bound: set) -> set[str]:
    """Index letters no sum around them (nor `bound`) binds."""
    if isinstance(node, s.Sum):
        return free_indices(node.body, bound | {node.var})
    if isinstance(node, s.Sym):
        if node.name in SUM_BOUNDS and not node.sub:
            return set()
        return set(index_letters(node)) - bound
    out = set()
    for value in vars(node).values():
        if isinstance(value, s.Node):
            out |= free_indices(value, bound)
        elif isinstance(value, tuple):
            for row in value:
                for item in (row if isinstance(row, tuple) else (row,)):
                    if isinstance(item, s.Node):
                        out |= free_indices(item, bound)
    return out


def _bound(node: s.Sym, env: dict) -> s.Sym:
    """The name with the index letters env binds written as numbers (delta_j -> delta_1)."""
    from dataclasses import replace
    if not node.sub or not env:
        return node
    parts = node.sub.split(",") if "," in node.sub else (list(node.sub) if len(node.sub) <= 2 else [node.sub])
    if not any(p in env for p in parts):
        return node
    digits = [str(env[p]) if p in env else p for p in parts]
    sub = ",".join(digits) if "," in node.sub or any(len(d) > 1 for d in digits) else "".join(digits)
    return replace(node, sub=sub)


def _bound_example(node: s.Sym, env: dict) -> s.Sym:
    from dataclasses import replace
    if node.example and node.example in env:
        return replace(node, example=str(env[node.example]))
    return node


def walk(node):
    """Every node of a tree, parents first."""
    yield node
    for value in vars(node).values():
        if isinstance(value, s.Node):
            yield from walk(value)
        elif isinstance(value, tuple):
            for row in value:
                for item in (row if isinstance(row, tuple) else (row,)):
                    if isinstance(item, s.Node):
                        yield from walk(item)


def definition_key(node: s.Sym) -> str:
    """The name under which a definition is kept: `loss_3`, `delta_1^(2)`, `g`."""
    key = node.name + (f"_{node.sub}" if node.sub else "")
    key += f"^({node.layer})" if node.layer else ""
    return key + (f"[{node.example}]" if node.example else "")
