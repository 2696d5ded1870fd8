"""What a parsed formula means in a given network: syntax trees -> SymPy values.

A value is a SymPy scalar or an ImmutableMatrix, written in the network's quantity symbols
(x, w, b, t, alpha, a, z, E, E_i, per example in a mini-batch), the families' functions of such
(sigmoid, tanh, exp, log, ReLU and its step), and one symbol per derivative dX/dY, whose two forms
(normal and raw) the oracle supplies and `Meaning.derivatives` keeps.  A part with an index no sum
binds is a statement for every index: the column of its values (`part_value`).

Operators follow the lecture: \\times and \\cdot multiply elementwise (scalars, or a scalar and a
matrix, or two matrices of one shape), \\bullet is the matrix product, ^T transposes, a scalar
added to a matrix is added to every entry, juxtaposition multiplies scalars (or a scalar and a
matrix).  Anything else is a ShapeError naming both shapes.

Names (resolved in `names.Names`): a_i^{(l)} (a_i^{(1)} = x_i), z_j^{(l)}, w_{ji}^{(l)}, b_j^{(l)},
x_i, t_i, E, E_i, \\alpha; matrices A^{(l)}/A1, Z^{(l)}/Z2, W^{(l)}/W3, b^{(l)}, T; loss\\_l =
dE/dZ^{(l)} (the lecture's error term of layer l); and whatever a document defines itself.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import sympy as sp

from ..model import printing
from ..notation import syntax as s
from ..model.oracle import Derivative, Oracle
from ..errors import DeriveError, MeaningError, NotInNetwork, ShapeError
from ..notation.indices import bind_layers, layer_letters, layers_for
from ..model.network import Network
from ..model.families import forward
from ..model.families import leaky, relu, sigmoid, step
from .names import INSTANCES, LEARNING_RATES, InstanceMissing, Names, _appearance, _fail, _frozen, is_matrix, shape_text
from ..notation.indices import SUM_BOUNDS, definition_key, free_indices
from ..notation.syntax import walk
from ..errors import locate

Value = sp.Expr | sp.ImmutableMatrix
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


class Meaning(Names):
    """Evaluates members in one network; keeps the derivatives it met for the decision."""

    def __init__(self, network: Network, oracle: Oracle | None = None,
                 definitions: dict[str, Definition] | None = None):
        self.net = network
        self.oracle = oracle or Oracle(network)
        self.definitions = definitions if definitions is not None else {}
        self.derivatives: dict[sp.Symbol, Derivative] = {}
        self.columns = network.spec.vectors == "column"      # Nielsen: a^l, z^l, b^l columns, w^l a^{l-1}
        self._evaluating: set[str] = set()
        self._values: dict = {}
        self.instances: dict = {}          # a statement's expression -> (letters, [binding], layer letter)
        self._instances: dict = {}         # (expression, statement layers) -> the same
        self._terms: dict = {}
        self.representative = False     # a statement for every index: its first and last instance only
        self.stacks: dict = {}          # value of a statement for every index -> "j = 1, i = 2" per entry

    # -- entry points ------------------------------------------------------------------------------
    def member_value(self, member: s.Member, outer: dict | None = None, domain: dict | None = None) -> Value:
        """The value of a member: the sum of its parts, each evaluated where it was written.
        `outer` binds indices from outside (a template definition delta_j used as delta_1)."""
        total = None
        for part in member.parts:
            v = self.part_value(part, outer, domain)
            total = v if total is None else self._add(total, v, part.expr, "+")
        return total

    def part_value(self, part: s.Part, outer: dict | None = None, domain: dict | None = None) -> Value:
        """The value of one part; the same expression (a restated definition) is evaluated once.

        An index no sum binds (j in a_j^{(2)} = tanh(z_j^{(2)}), i and j in w_{ji}) makes the part a
        statement for every index: its value is the column of the values for each index in range
        (indices in alphabetical order), so that two members with the same free indices compare
        entry by entry.  `domain` limits a layer letter to the layers every member of the statement
        exists in (statement_layers)."""
        outer = outer or {}
        domain = {k: v for k, v in (domain or {}).items() if k not in outer}
        key = (part.expr, tuple(sorted(outer.items())), tuple(sorted((k, _frozen(v)) for k, v in domain.items())),
               self.representative)
        if key in self._values:
            return self._values[key]
        try:
            expr = bind_layers(part.expr, outer, self.net.L)
            env = self._bind_sum_bounds(expr, dict(outer)) if not layer_letters(expr) else dict(outer)
            free = sorted(free_indices(expr, set(env)))
            layers = sorted(layer_letters(expr) - set(env))
            value = (self._stacked(part.expr, expr, env, layers, domain) if free or layers
                     else self.value(expr, env))
        except DeriveError as err:
            raise locate(err, part.source, getattr(err, "offset", part.start)) from None
        self._values[key] = value
        return value

    def _stacked(self, written: s.Node, expr: s.Node, env: dict, layers: list[str], domain: dict) -> Value:
        """The column of a statement's values, one entry per instance: layers first (the layers every
        quantity exists in), then the unit indices in alphabetical order, each over its layer's units."""
        import itertools
        if len(layers) > 1:
            raise _fail(MeaningError, f"two free layer letters ({', '.join(layers)})", expr,
                        "one layer letter, as in w_{ji}^{(l)} and a_i^{(l-1)}")
        layer = layers[0] if layers else None
        given = domain.get(INSTANCES)
        if given is not None and set(layers) | free_indices(expr, set(env)) <= set(given[0]) - {None}:
            value = self._at_instances(written, expr, env, given, domain)
            if value is not None:
                return value
        values = layers_for(expr, layer, self.net.L) if layer else [None]
        if layer in domain:
            values = [v for v in values if v in domain[layer]]
        if not values:
            raise _fail(NotInNetwork, f"there is no layer {layer} for which every quantity here exists", expr,
                        f"layers in 1..{self.net.L}")
        entries, instances, letters = [], [], None
        for v in values:
            bound = {layer: v} if layer else {}
            inner = bind_layers(expr, bound, self.net.L) if layer else expr
            inner_env = self._bind_sum_bounds(inner, {**env, **bound})
            free = sorted(free_indices(inner, set(inner_env)))
            letters = ([layer] if layer else []) + sorted(free, key=_appearance(written))
            ranges = [range(1, self._infer_range(inner, var, inner) + 1) for var in free]
            bindings = itertools.product(*ranges)
            if self.representative:         # see symmetric(): one instance stands for all
                bindings = list(dict.fromkeys([tuple(r[0] for r in ranges), tuple(r[-1] for r in ranges)]))
            for binding in bindings:
                b = dict(zip(free, binding))
                value = self.value(inner, {**inner_env, **b})
                if is_matrix(value) and value.shape[1] == 1 and not free:     # delta^l: a column per layer
                    letters = [layer, "j"] if layer else ["j"]
                    for r in range(value.shape[0]):
                        entries.append([value[r, 0]])
                        instances.append({**bound, "j": r + 1})
                    continue
                if is_matrix(value):
                    raise _fail(MeaningError, f"a matrix in a statement for every {', '.join(letters)}", expr,
                                "scalars when an index is free")
                entries.append([value])
                instances.append({**bound, **b})
        self._record(written, domain, (letters, instances, layer))
        return self._labelled(sp.ImmutableMatrix(entries), letters, instances)

    @staticmethod
    def _layers_key(domain: dict | None) -> tuple:
        return tuple(sorted((k, _frozen(v)) for k, v in (domain or {}).items() if k != INSTANCES))

    def _record(self, written, domain, found) -> None:
        """Keep the instances an expression was evaluated over, per statement layers: the same
        expression in two statements (a_j^{(l)} in prose and as a head) may range over different
        layers, and the order in which statements are checked must not matter."""
        self._instances[written, self._layers_key(domain)] = found
        self.instances[written] = found

    def instances_for(self, written, domain: dict | None):
        """(letters, [binding], layer letter) of an expression evaluated within a statement's
        layers (`domain`), else the last ones recorded for it, else None."""
        return self._instances.get((written, self._layers_key(domain)), self.instances.get(written))

    def _labelled(self, value, letters, instances):
        """Keep the instance of every entry (the decider names the instances that differ)."""
        self.stacks[value] = [", ".join(f"{x} = {b[x]}" for x in letters) for b in instances]
        return value

    def _at_instances(self, written, expr, env, given, domain) -> Value:
        """The member's values at the instances of the statement's head (the member may use fewer of
        its letters: delta_j^{(l)} a_j^{(l-1)} against dE/dw_{ji}^{(l)} is a statement for every l, j, i)."""
        letters, instances, layer = given
        entries = []
        for b in instances:
            inner = bind_layers(expr, {layer: b[layer]}, self.net.L) if layer else expr
            try:
                value = self.value(inner, {**self._bind_sum_bounds(inner, {**env, **b}), **b})
            except NotInNetwork as err:
                raise InstanceMissing(f"for {', '.join(f'{x} = {b[x]}' for x in letters)} (an instance of the left "
                                      f"side) this names what does not exist: {err.message}", b, letters) from None
            if is_matrix(value):
                return None                     # delta^l: columns, stacked layer by layer as the head's
            entries.append([value])
        self._record(written, domain, given)
        return self._labelled(sp.ImmutableMatrix(entries), letters, instances)

    def statement_layers(self, members) -> dict:
        """The layers a statement over a layer letter is about: those where every member's
        quantities exist (a_i^{(l-1)} on one side, w_{ji}^{(l)} on the other: l = 2..L)."""
        out: dict = {}
        for member in members:
            for part in member.parts:
                for letter in layer_letters(part.expr):
                    values = set(layers_for(part.expr, letter, self.net.L))
                    out[letter] = out[letter] & values if letter in out else values
        return {k: sorted(v) for k, v in out.items()}

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
        if node.func in ("activation", "activation_prime"):        # f(z), f'(z): the unit's own family
            return v.applyfunc(lambda e: self._unit(e, node)) if is_matrix(v) else self._unit(v, node)
        f = FUNCTIONS[node.func]
        return v.applyfunc(f) if is_matrix(v) else f(v)

    def _unit(self, z, node):
        key = self.net.quantities.get(z)
        if key is None or key[0] != "z" or self.net.activation(key[1]) == "softmax":
            raise _fail(MeaningError, "f(...) of something that is not the weighted input of a unit", node,
                        "f(z_j^{(l)}) or f'(z_j^{(l)}), f the layer's activation")
        u = sp.Dummy("u")
        rule = forward(self.net.activation(key[1]), u)
        if node.func == "activation_prime":
            rule = sp.diff(rule, u)
        return rule.subs(u, z)

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
            if node.op == "juxt" and self.columns:          # w^l a^{l-1}: the matrix product
                if left.shape[1] != right.shape[0]:
                    raise _fail(ShapeError, f"matrix product of {shape_text(left)} and {shape_text(right)}: "
                                f"{left.shape[1]} columns against {right.shape[0]} rows", node,
                                "the left factor's columns to match the right factor's rows")
                return left * right
            if node.op == "juxt" and left.shape[1] == right.shape[0] and left.shape != right.shape:
                return left * right                 # Z = A W + b: only a matrix product fits these shapes
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

    def _Gradient(self, node, env):
        """\\nabla_a C: the column of dC/da_j^{(L)} (of the layer the name gives, if it has one)."""
        of = self._scalar(self.value(node.of, env), node.of, "a scalar to take the gradient of")
        wrt = node.wrt
        if wrt.layer is None:
            wrt = s.Sym(wrt.name, None, "L" if wrt.name != "x" else None, start=wrt.start, end=wrt.end)
        column = self._column(wrt, env) if self.columns else None
        if column is None:
            values = self.value(wrt, env)
            column = values.T if is_matrix(values) and values.shape[0] == 1 else values
        if not is_matrix(column):
            raise _fail(MeaningError, "a gradient by a scalar", node, "\\nabla_a C, a a vector")
        return column.applyfunc(lambda y: self._partial(of, y, node))

    def _Dots(self, node, env):
        raise _fail(MeaningError, "\\dots stands for terms the formula does not write, so it has no value",
                    node, "every term written out (a list such as w_1, \\dots, w_8 claims nothing)")

    def _Norm(self, node, env):
        v = self.value(node.operand, env)
        if not is_matrix(v):
            return sp.Abs(v)
        return sp.sqrt(sp.Add(*[e ** 2 for e in v]))

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
        symbol = derivative_symbol(of, wrt, self.net.display)
        self.derivatives[symbol] = derivative
        return symbol

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
            self.net.display[symbol] = self._spelled(node)
            self.derivatives[symbol] = DefinedTerm(value, self.net[z_key], frozenset(about), key)
        return symbol

    def _inlined(self, v: sp.Expr) -> sp.Expr:
        """v with the error terms a document defines replaced by their definitions."""
        terms = {q: self._inlined(self.derivatives[q].value) for q in v.free_symbols
                 if isinstance(self.derivatives.get(q), DefinedTerm)}
        return v.xreplace(terms) if terms else v

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


def derivative_symbol(of: sp.Expr, wrt: sp.Symbol, display: dict) -> sp.Symbol:
    """The symbol standing for d(of)/d(wrt) in a value; its printed form, the lecture's fraction,
    is added to `display` (the network's spellings)."""
    if of.is_Symbol:
        ident, top = f"D_{of.name}__{wrt.name}", printing.display_name(of, display)
    else:
        digest = hashlib.sha1(sp.srepr(of).encode()).hexdigest()[:10]
        ident, top = f"D_{digest}__{wrt.name}", "(" + printing.latex(of, display) + ")"
    symbol = sp.Symbol(ident)
    display[symbol] = f"\\frac{{\\partial {top}}}{{\\partial {printing.display_name(wrt, display)}}}"
    return symbol
