"""Names in a formula and what they stand for in the network: quantities (a_j^{(l)}, w_{ji}^{(l)},
x_i^{[n]}), matrices (A1, W^{(3)}, T), error terms (loss\\_3), the document's own definitions (also
written for every index: delta_j^{(2)} = ...), and the ranges of sums and free indices.

`Names` is the part of `meaning.Meaning` that resolves names; the helpers below work on syntax
trees alone (which index letters a name carries, which are free, a name with its letters bound).
"""
from __future__ import annotations

import re

import sympy as sp

from ..notation import syntax as s
from ..errors import MeaningError, NotInNetwork
from ..notation.indices import EXAMPLE_SUPERSCRIPT, SUM_BOUNDS, definition_key, index_letters, layer_letter, layer_number
from ..notation.syntax import walk

Value = sp.Expr | sp.ImmutableMatrix

MATRIX_ALIAS = re.compile(r"^(A|W|Z)([0-9]+)$")
LEARNING_RATES = ("alpha", "eta")
QUANTITY_NAMES = "a, z, w, b, x, t, E, \\alpha, A1, W3, Z2, T, loss\\_3"


def is_matrix(v) -> bool:
    return isinstance(v, sp.MatrixBase)


def shape_text(v) -> str:
    return f"{v.shape[0]}\u00d7{v.shape[1]}" if is_matrix(v) else "scalar"


def _fail(cls, message, node, expected=None):
    err = cls(message, expected=expected)
    err.offset = node.start
    return err


class Names:
    """Name resolution for `Meaning` (which supplies net, definitions, value, member_value, ...)."""

    # -- names --------------------------------------------------------------------------------------
    def name_value(self, node: s.Sym, env: dict) -> Value:
        if node.mark is not None:
            raise _fail(MeaningError, f"{self._spelled(node)}{'^{+}' if node.mark == '+' else chr(39)} is an "
                        "updated value, which only the head of an update rule may name", node,
                        "X^{+} = X - \\eta \\frac{\\partial E}{\\partial X}")
        if node.layer and not node.layer.isdigit() and node.name not in EXAMPLE_SUPERSCRIPT:
            number = layer_number(node.layer, env, self.net.L)
            if number is not None:
                from dataclasses import replace
                node = replace(node, layer=str(number))
        name, sub, layer = node.name, node.sub, node.layer
        if name in env and sub is None and layer is None:
            return sp.Integer(env[name])
        if self.columns and sub is None and node.example is None:
            column = self._column(node, env)
            if column is not None:
                return column
        if name in ("n", "N") and sub is not None and layer is None and node.example is None:
            size = layer_number(sub, env, self.net.L)       # n_l, n_{l+1}: the number of units of a layer
            if size is not None and 1 <= size <= self.net.L:
                return sp.Integer(self.net.size(size))
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

    def _column(self, node: s.Sym, env) -> Value | None:
        """In column-vector notation: a^l, z^l, b^l (and a name defined for every unit, delta^l) are
        columns over the layer's units, w^l the matrix with a row per unit j of layer l, t (y) and x
        the columns of targets and inputs."""
        net, name = self.net, node.name
        if name in ("t", "x") and node.layer is None:
            layer = net.L if name == "t" else 1
            return sp.ImmutableMatrix([[net[name, j]] for j in net.units(layer)])
        if node.layer is None or name in ("A", "W", "Z", "T", "E"):
            return None
        layer = self._layer(node)
        if name in ("a", "z", "b"):
            if layer == 1 and name != "a":
                raise _fail(NotInNetwork, f"layer 1 has no {name}", node, f"a layer in 2..{net.L}")
            return sp.ImmutableMatrix([[net[name, layer, j]] for j in net.units(layer)])
        if name == "w":
            if layer == 1:
                raise _fail(NotInNetwork, "layer 1 has no weights", node, f"a layer in 2..{net.L}")
            return sp.ImmutableMatrix([[net["w", layer, j, k] for k in net.units(layer - 1)]
                                       for j in net.units(layer)])
        from dataclasses import replace
        entries = []
        for j in net.units(layer):
            value = self._defined(replace(node, sub=str(j), layer=str(layer)), env)
            if value is None:
                return None
            entries.append([value])
        return sp.ImmutableMatrix(entries)

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

    def _term(self, node: s.Sym, key: str, value, definition, outer):
        """The value a defined name stands for in values (Meaning keeps error terms as symbols)."""
        return value

    def _template(self, node: s.Sym):
        """A definition written for every index (delta_j^{(2)} = ..., delta_k^{(3)[n]} = ...) that this
        name (delta_1^{(2)}, delta_2^{(3)[1]}, delta_{10}^{(2)}) is an instance of, with the binding
        of its letters."""
        subs = (node.sub.split(",") if "," in node.sub else list(node.sub)) if node.sub else []
        example = [node.example] if node.example else []
        if not all(d.isdigit() for d in subs + example) or not (subs + example or node.layer):
            return None, {}
        found = []
        for definition in self.definitions.values():
            head = definition.head
            if head is None or head.name != node.name or bool(head.layer) != bool(node.layer):
                continue
            binding = {}
            if head.layer != node.layer:           # delta_j^{(l)}: a recursion over the layers
                letter = layer_letter(head.layer)
                if head.layer == "L" and node.layer == str(self.net.L):
                    pass
                elif letter is None or not node.layer.isdigit() or head.layer != letter:
                    continue
                else:
                    binding[letter] = int(node.layer)
            if bool(head.sub) != bool(node.sub) or bool(head.example) != bool(node.example):
                continue
            letters = (head.sub.split(",") if "," in head.sub else list(head.sub)) if head.sub else []
            digits = [node.sub] if len(letters) == 1 and node.sub and "," not in node.sub else subs
            letters += [head.example] if head.example else []
            digits = digits + example
            if len(letters) != len(digits):
                continue
            for x, d in zip(letters, digits):
                if x.isalpha() and len(x) == 1:
                    binding[x] = int(d)
                elif x != d:
                    break
            else:
                if binding:
                    found.append((head.layer != node.layer, definition, binding))
        if not found:
            return None, {}
        found.sort(key=lambda f: f[0])             # a definition for this very layer first
        return found[0][1], found[0][2]

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
        if node.layer == "L":
            return self.net.L
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
            if isinstance(node, s.Sum) and isinstance(node.upper, s.Sym) and node.upper.name in SUM_BOUNDS \
                    and node.upper.sub is None:
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


INSTANCES = "__instances__"      # a domain entry: the instances of the statement's head


class InstanceMissing(NotInNetwork):
    """An instance of an index statement names a quantity the network does not have."""

    def __init__(self, message, binding, letters):
        super().__init__(message)
        self.binding, self.letters = binding, letters


def _frozen(v):
    if isinstance(v, tuple) and len(v) == 3 and isinstance(v[1], list):
        return (tuple(v[0]), tuple(tuple(sorted(b.items())) for b in v[1]), v[2])
    return tuple(v)


def _appearance(expr):
    """Index letters in the order they first appear (w_{ji}: j, then i), for reports."""
    order = []
    for n in walk(expr):
        if isinstance(n, s.Sym):
            order += [x for x in index_letters(n) if x not in order]
    return lambda x: order.index(x) if x in order else len(order)


