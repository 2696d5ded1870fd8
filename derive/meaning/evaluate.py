"""The value of a syntax tree in one network: one method per kind of node (`_Num`, `_Sym`,
`_BinOp`, `_Sum`, ...), dispatched on the node's class name by `Evaluate.value`.

Operators follow the lecture: \\times and \\cdot multiply elementwise (scalars, or a scalar and a
matrix, or two matrices of one shape), \\bullet is the matrix product, ^T transposes, a scalar
added to a matrix is added to every entry, juxtaposition multiplies scalars (or a scalar and a
matrix; in column-vector notation two matrices: w^l a^{l-1}).  Anything else is a ShapeError naming
both shapes.  Names are resolved by `names.Names`, derivatives by `derivatives.Partials`.
"""
from __future__ import annotations

import sympy as sp

from ..errors import MeaningError, ShapeError, Unresolved
from ..model.families import forward, leaky, relu, sigmoid, step
from ..model.network import Network
from ..notation import syntax as s
from .columns import one
from .derivatives import Partials
from .names import Names
from .penalty import parameter_norm, parameter_sum
from .ranges import index_range
from .sums import Sums
from .values import Value, fail, is_matrix, scalar, shape_text

FUNCTIONS = {
    "sigmoid": sigmoid, "exp": sp.exp, "tanh": sp.tanh, "log": sp.log, "relu": relu, "step": step,
    "relu_prime": step, "sigmoid_prime": lambda u: sigmoid(u) * (1 - sigmoid(u)),
    "tanh_prime": lambda u: 1 - sp.tanh(u) ** 2,
}


class Evaluate:
    """Evaluates expressions in one network; names go to `names`, derivatives to `partials`."""

    def __init__(self, network: Network, names: Names, partials: Partials):
        self.net = network
        self.names = names
        self.partials = partials
        self.columns = network.spec.vectors == "column"      # Nielsen: w^l a^{l-1} is a matrix product
        self.sums = Sums(network, self.value)

    def value(self, node: s.Node, env: dict) -> Value:
        method = getattr(self, "_" + type(node).__name__)
        return method(node, env)

    def _Num(self, node, env):
        return sp.Rational(node.text)

    def _Sym(self, node, env):
        return self.names.name_value(node, env)

    def _Neg(self, node, env):
        return -self.value(node.operand, env)

    def _Transpose(self, node, env):
        v = self.value(node.operand, env)
        return v.T if is_matrix(v) else v       # a number is its own transpose (δ^{[2]T} of one output)

    def _Power(self, node, env):
        if isinstance(node.base, s.Sym) and node.base.name == "e" and not node.base.sub and not node.base.layer:
            exponent = scalar(self.value(node.exponent, env), node.exponent, "an exponent")
            return sp.exp(exponent)
        base = self.value(node.base, env)
        exponent = scalar(self.value(node.exponent, env), node.exponent, "an exponent")
        if is_matrix(base) and self.net.spec.vectors == "column":
            return base.applyfunc(lambda e: e ** exponent)     # (A^{[1]})^2, np.power: elementwise
        if is_matrix(base):
            raise fail(ShapeError, f"a power of a {shape_text(base)} matrix", node,
                       "\\times for elementwise products, ^T for a transpose")
        if isinstance(base, sp.Abs) and exponent.is_Integer and exponent % 2 == 0:
            return base.args[0] ** exponent        # |x|^2 = x^2: every quantity is a real number
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
            raise fail(MeaningError, "f(...) of something that is not the weighted input of a unit", node,
                       "f(z_j^{(l)}) or f'(z_j^{(l)}), f the layer's activation")
        u = sp.Dummy("u")
        rule = forward(self.net.activation(key[1]), u)
        if node.func == "activation_prime":
            rule = sp.diff(rule, u)
        return rule.subs(u, z)

    def _Apply(self, node, env):
        """l(o, y), \\textrm{prod}(A, B): only a generic network (decide.generic_values) gives them a value."""
        raise fail(Unresolved, f"{node.func}(..., ...) in a network whose loss and activations derive knows",
                   node, "a function of one argument, as in \\sigma(z); l(o, y) only for a generic loss")

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
        raise fail(MeaningError, "\\max of anything but 0 (or c z) and z", node,
                   "\\max(0, z) (ReLU) or \\max(0.01 z, z) (leaky ReLU)")

    def _Ones(self, node, env):
        return sp.ImmutableMatrix([[1] for _ in range(self.net.m)])

    def _Indicator(self, node, env):
        left, right = self.value(node.left, env), self.value(node.right, env)
        if not is_matrix(right) and right == 0:
            return left.applyfunc(step) if is_matrix(left) else step(left)
        raise fail(MeaningError, "an indicator of anything but u > 0", node, "\\mathbb{1}[z > 0]")

    def _Frac(self, node, env):
        num, den = self.value(node.num, env), self.value(node.den, env)
        den = scalar(den, node.den, "a scalar denominator")
        if den == 0:
            raise fail(MeaningError, "division by zero", node.den)
        return num / den

    def _Matrix(self, node, env):
        rows = []
        for row in node.rows:
            rows.append([scalar(self.value(c, env), c, "a scalar entry") for c in row])
        return sp.ImmutableMatrix(rows)

    def _Sum(self, node, env):
        over = parameter_sum(self.net, node, env, self.value)      # \sum_w w^2, \sum_l \|W^{(l)}\|^2
        if over is not None:
            return over
        if not node.var:
            return self._over_examples(node, env)
        nested = self.sums.evaluate(node, env)          # sum by sum, each sub-sum once (sums.py)
        if nested is not None:
            return nested
        lower = int(node.lower.text)
        if node.upper is None:
            upper = index_range(self.net, node.body, node.var, node)
        else:
            upper_value = self.value(node.upper, env)
            if not (upper_value.is_Integer if not is_matrix(upper_value) else False):
                raise fail(MeaningError, "the sum's upper limit is not a whole number", node.upper)
            upper = int(upper_value)
        terms = [self.value(node.body, {**env, node.var: k}) for k in range(lower, upper + 1)]
        if not terms:
            return sp.Integer(0)
        if not any(is_matrix(t) for t in terms):
            return sp.Add(*terms)               # at once: adding one term at a time is quadratic
        total = terms[0]
        for t in terms[1:]:
            total = self.add(total, t, node, "+")
        return total

    def _over_examples(self, node, env):
        """\\sum dZ^{[2]} without an index: the sum over the examples of a mini-batch written with a
        column per example (np.sum(dZ, axis=1, keepdims=True)); anything else needs its index."""
        v = self.value(node.body, env) if self.columns and self.net.m > 1 else None
        if not is_matrix(v) or v.shape[1] != self.net.m:
            raise fail(Unresolved, "a sum with no index: derive cannot tell what it runs over", node,
                       "\\sum_{i=1}^{n} or \\sum_i")     # Mazur's schematic \sum \frac{1}{2}(target - output)^2
        return one(sp.ImmutableMatrix([[sp.Add(*v.row(r))] for r in range(v.shape[0])]))

    def _BinOp(self, node, env):
        left, right = self.value(node.left, env), self.value(node.right, env)
        if node.op in ("+", "-"):
            return self.add(left, right, node, node.op)
        if node.op == "bullet":
            if not (is_matrix(left) and is_matrix(right)):
                raise fail(ShapeError, f"\\bullet between {shape_text(left)} and {shape_text(right)}",
                           node, "two matrices (\\times multiplies scalars)")
            if left.shape[1] != right.shape[0]:
                raise fail(ShapeError, f"matrix product of {shape_text(left)} and {shape_text(right)}: "
                           f"{left.shape[1]} columns against {right.shape[0]} rows", node,
                           "the left factor's columns to match the right factor's rows")
            inner = range(left.shape[1])        # entry by entry: SymPy's own product goes through a
            return sp.ImmutableMatrix(left.shape[0], right.shape[1],      # slow generic domain here
                                      lambda i, j: sp.Add(*[left[i, k] * right[k, j] for k in inner]))
        if node.op == "/":
            den = scalar(right, node.right, "a scalar denominator")
            if den == 0:
                raise fail(MeaningError, "division by zero", node.right)
            return left / den
        # \times, \cdot, juxtaposition
        if is_matrix(left) and is_matrix(right):
            if node.op == "juxt" and self.columns:          # w^l a^{l-1}: the matrix product
                if left.shape[1] != right.shape[0]:
                    raise fail(ShapeError, f"matrix product of {shape_text(left)} and {shape_text(right)}: "
                               f"{left.shape[1]} columns against {right.shape[0]} rows", node,
                               "the left factor's columns to match the right factor's rows")
                return left * right
            if node.op == "juxt" and left.shape[1] == right.shape[0] and left.shape != right.shape:
                return left * right                 # Z = A W + b: only a matrix product fits these shapes
            if node.op == "juxt":
                raise fail(ShapeError, f"two matrices ({shape_text(left)} and {shape_text(right)}) "
                           "side by side", node, "\\times (elementwise) or \\bullet (matrix product)")
            if left.shape != right.shape:
                raise fail(ShapeError, f"elementwise product of {shape_text(left)} and "
                           f"{shape_text(right)}", node, "two matrices of the same shape")
            return left.multiply_elementwise(right)
        return left * right

    def add(self, left, right, node, op):
        """left + right (op "+") or left - right: a scalar to every entry of a matrix, a bias row to
        every example of a mini-batch."""
        sign = 1 if op == "+" else -1
        if is_matrix(left) and is_matrix(right):
            if left.shape != right.shape and self.net.m > 1:      # a row (b^{(l)}) added to every example
                left, right = _broadcast(left, right.shape), _broadcast(right, left.shape)
                if self.columns:                                   # a column b^{[l]} to every example's column
                    left, right = _broadcast_column(left, right.shape), _broadcast_column(right, left.shape)
            if left.shape != right.shape:
                raise fail(ShapeError, f"{'sum' if op == '+' else 'difference'} of {shape_text(left)} "
                           f"and {shape_text(right)}", node, "two matrices of the same shape")
            return left + sign * right
        if is_matrix(left):
            return left.applyfunc(lambda e: e + sign * right)
        if is_matrix(right):
            return right.applyfunc(lambda e: left + sign * e)
        return left + sign * right

    def _Dots(self, node, env):
        raise fail(MeaningError, "\\dots stands for terms the formula does not write, so it has no value",
                   node, "every term written out (a list such as w_1, \\dots, w_8 claims nothing)")

    def _Norm(self, node, env):
        every = parameter_norm(self.net, node, env)        # \\|w\\|^2: every weight (penalty.py)
        if every is not None:
            return every
        v = self.value(node.operand, env)
        if not is_matrix(v):
            return sp.Abs(v)
        if node.kind == "2" and min(v.shape) > 1:
            raise fail(MeaningError, "the 2-norm of a matrix (its largest singular value) is not modelled", node,
                       "\\|W\\|_F, the Frobenius norm")
        return sp.sqrt(sp.Add(*[e ** 2 for e in v]))

    # -- derivatives: derivatives.Partials --------------------------------------------------------
    def _Derivative(self, node, env):
        return self.partials.derivative(node, env)

    def _Gradient(self, node, env):
        return self.partials.gradient(node, env)

    def _DerivativeOperator(self, node, env):
        return self.partials.operator_alone(node)

    def _Partial(self, node, env):
        return self.partials.partial_alone(node)


def _broadcast(v, shape):
    """A 1 x c row repeated to r x c (the bias row of a mini-batch's Z = A W + b); else v."""
    if v.shape[0] == 1 and v.shape[1] == shape[1] and shape[0] > 1:
        return sp.ImmutableMatrix([list(v) for _ in range(shape[0])])
    return v


def _broadcast_column(v, shape):
    """An r x 1 column repeated to r x c (the bias column of Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}); else v."""
    if v.shape[1] == 1 and v.shape[0] == shape[0] and shape[1] > 1:
        return sp.ImmutableMatrix([[v[i, 0]] * shape[1] for i in range(shape[0])])
    return v
