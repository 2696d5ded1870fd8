"""Layers named by their index letters, as textbooks write them.

Bishop's *Pattern Recognition and Machine Learning* (§5.3) and the many course notes written after it
never write a layer on a name: the letter of the index says it.  i runs over the inputs, j over
the hidden units, k over the outputs, and each name has one role:

    a_j = \\sum_{i=0}^{D} w_{ji}^{(1)} x_i      z_j = \\tanh(a_j)      y_k = \\sum_{j=0}^{M} w_{kj}^{(2)} z_j
    \\delta_k = y_k - t_k                       \\delta_j = (1 - z_j^2) \\sum_k w_{kj} \\delta_k

Here `a` is a weighted input and `z` an output (derive's z and a, swapped), `y` the output of a
linear layer, `E_n` the error of pattern n, and a sum from 0 carries the bias (`x_0 = z_0 = 1`, so
`w_{j0}` is unit j's bias).  `read_letters` finds this forward pass — a weighted sum of the inputs
`x`, each next layer a weighted sum of the last one's outputs — and `Letters.apply` rewrites every
formula into derive's spelling: `a_j` -> `z_j^{(2)}`, `z_j` -> `a_j^{(2)}`, `y_k` -> `a_k^{(3)}`,
`w_{kj}` and `w_{kj}^{(2)}` -> `w_{kj}^{(3)}`, `w_{j0}^{(1)}` -> `b_j^{(2)}`, `\\delta_k` -> `\\delta_k^{(3)}`,
`E_n` -> `E`; a sum to a size the document names only by a letter (`D`, `M`, `K`) runs over the layer.

Nothing is read unless the whole chain is there, from the inputs to a layer whose outputs nothing
uses, with one letter per layer and weights whose own layer numbers (when written) agree.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..notation import syntax as s

ACTIVATIONS = ("sigmoid", "tanh", "relu", "softplus", "exp")
PRODUCT = ("juxt", "times")


@dataclass
class Letters:
    layer: dict = field(default_factory=dict)       # index letter -> derive layer
    role: dict = field(default_factory=dict)        # (name, layer or None) -> "z" or "a"
    folded: dict = field(default_factory=dict)      # (sum letter, head letter) -> layer whose bias the 0th term is
    shift: int = 0                                  # derive's layer of a weight = the document's + shift
    ones: tuple = ()                                # the names whose 0th unit is the constant 1 (x_0 = z_0 = 1)

    def __bool__(self) -> bool:
        return bool(self.layer)

    def apply(self, statements) -> None:
        if not self:
            return
        for st in statements:
            for member in st.members:
                for part in member.parts:
                    part.expr = self.rewrite(part.expr)

    def rewrite(self, node):
        if isinstance(node, s.Sum):
            return self._sum(node)
        if isinstance(node, s.Sym):
            return self._name(node)
        return s.map_children(node, self.rewrite)

    # -- names ---------------------------------------------------------------------------------------
    def _name(self, node: s.Sym) -> s.Sym:
        if node.layer is not None and not (node.name in ("w", "b") and node.layer.isdigit()):
            return node
        sub = node.sub or ""
        if sub == "0" and node.name in self.ones and node.layer is None:
            return s.Num("1", start=node.start, end=node.end)        # the bias's unit: x_0 = 1
        if node.name == "b" and len(sub) == 1 and sub in self.layer:
            to = self.layer[sub]
            return replace(node, layer=str(to)) if node.layer is None or int(node.layer) + self.shift == to else node
        if node.name == "E" and len(sub) == 1 and sub not in self.layer and sub.isalpha():
            return replace(node, sub=None)                  # E_n: the error of pattern n
        if node.name == "w" and len(sub) == 2 and all(c in self.layer for c in sub):
            to, source = self.layer[sub[0]], self.layer[sub[1]]
            if to == source + 1 and (node.layer is None or int(node.layer) + self.shift == to):
                return replace(node, layer=str(to))
            return node
        if node.name == "w" and len(sub) == 2 and sub[0] in self.layer and sub[1] == "0":
            to = self.layer[sub[0]]
            if node.layer is None or int(node.layer) + self.shift == to:      # w_{j0}: the bias of unit j
                return s.Sym("b", sub[0], str(to), start=node.start, end=node.end)
            return node
        if node.layer is not None or len(sub) != 1:
            return node
        layer = self.layer.get(sub)
        if layer is None:
            return node
        if node.name in ("delta", "t", "x"):
            return replace(node, layer=str(layer)) if node.name == "delta" else node
        role = self.role.get((node.name, layer)) or self.role.get((node.name, None))
        return replace(node, name=role, layer=str(layer)) if role else node

    # -- sums ----------------------------------------------------------------------------------------
    def _sum(self, node: s.Sum):
        body = self.rewrite(node.body)
        upper = None if _size_letter(node.upper) else node.upper
        zero = isinstance(node.lower, s.Num) and node.lower.text == "0"
        if not zero:
            return replace(node, body=body, upper=upper)
        head = _weight_letter(node.body, node.var)
        layer = self.folded.get((node.var, head))
        if layer is None:
            return replace(node, body=body, upper=upper)
        one = s.Num("1", start=node.lower.start, end=node.lower.end)
        summed = replace(node, lower=one, upper=upper, body=body)
        bias = s.Sym("b", head, str(layer), start=node.start, end=node.start + 1)
        return s.BinOp("+", summed, bias, start=node.start, end=node.end)


def read_letters(statements) -> Letters:
    """The layers the forward pass's index letters name (see the module's docstring), or none."""
    sums, acts = {}, {}
    for st in statements:
        if len(st.members) < 2 or len(st.members[0].parts) != 1:
            continue
        head = st.members[0].parts[0].expr
        if not (isinstance(head, s.Sym) and head.layer is None and head.mark is None and head.sub
                and len(head.sub) == 1 and head.sub.isalpha()):
            continue
        for member in st.members[1:2]:
            expr = member.parts[0].expr if len(member.parts) == 1 else None
            found = _weighted_sum(expr, head.sub)
            if found is not None:
                sums.setdefault(found[0], (head.name, head.sub) + found[1])
            elif isinstance(expr, s.Call) and expr.func in ACTIVATIONS and isinstance(expr.arg, s.Sym) \
                    and expr.arg.sub == head.sub and expr.arg.layer is None and expr.arg.name != head.name:
                acts.setdefault((expr.arg.name, head.sub), head.name)
    return _chain(sums, acts)


def _chain(sums: dict, acts: dict) -> Letters:
    """From the inputs' sum, layer by layer, to the last; no chain of two or more sums: no letters."""
    letters, role, folded, shifts, ones = {}, {}, {}, set(), []
    source = ("x", None)
    layer = 1
    while True:
        step = next(((k, v) for k, v in sums.items() if k[0] == source[0] and (source[1] is None or k[1] == source[1])), None)
        if step is None:
            break
        (name, var), (head_name, head_letter, zero, weight_layer) = step
        if var in letters and letters[var] != layer or head_letter in letters:
            return Letters()
        letters[var], layer = layer, layer + 1
        letters[head_letter] = layer
        if weight_layer is not None:
            shifts.add(layer - weight_layer)
        if zero:
            folded[(var, head_letter)] = layer
            ones.append(name)
        output = acts.get((head_name, head_letter))
        if output is not None:
            role.setdefault((head_name, None), "z")
            role[(output, None)] = "a"
            source = (output, head_letter)
        else:                                      # a linear layer: its sum is its output
            role[(head_name, layer)] = "a"
            source = (head_name, head_letter)
        del sums[step[0]]
    if layer < 3 or len(shifts) > 1 or any(role.get((n, None)) == "z" and role.get((n, l)) == "a"
                                          for (n, l) in list(role) if l is not None):
        return Letters()
    return Letters(letters, role, folded, shifts.pop() if shifts else 0, tuple(ones))


def _weighted_sum(expr, head_letter: str):
    """(source name, sum letter), (zero start, the weights' written layer) of `\\sum_i w_{ji} x_i`
    (and of `\\sum_i w_{ji} x_i + b_j`, the bias written)."""
    if isinstance(expr, s.BinOp) and expr.op == "+" and isinstance(expr.right, s.Sym) \
            and expr.right.name in ("b", "w") and expr.right.sub in (head_letter, head_letter + "0"):
        expr = expr.left
    if not isinstance(expr, s.Sum) or expr.var == head_letter:
        return None
    weight, other = _weight_and_source(expr.body, expr.var)
    if weight is None or weight.sub != head_letter + expr.var:
        return None
    zero = isinstance(expr.lower, s.Num) and expr.lower.text == "0"
    written = int(weight.layer) if weight.layer and weight.layer.isdigit() else None
    return (other.name, expr.var), (zero, written)


def _weight_and_source(body, var: str):
    parts = s.factors(body, PRODUCT)
    if len(parts) != 2:
        return None, None
    weight = next((p for p in parts if isinstance(p, s.Sym) and p.name == "w"), None)
    other = next((p for p in parts if p is not weight), None)
    if weight is None or not (isinstance(other, s.Sym) and other.sub == var and other.layer is None):
        return None, None
    return weight, other


def _weight_letter(body, var: str) -> str | None:
    weight, _ = _weight_and_source(body, var)
    return weight.sub[0] if weight is not None and weight.sub and len(weight.sub) == 2 else None


def _size_letter(node) -> bool:
    """An upper limit the document names by a capital letter only (D, M, K): the layer's size."""
    return isinstance(node, s.Sym) and node.sub is None and node.layer is None and len(node.name) == 1 \
        and node.name.isupper() and node.name not in ("E", "L", "W", "A", "Z", "T")
