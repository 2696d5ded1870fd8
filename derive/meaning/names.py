"""Names in a formula and what they stand for in the network: quantities (a_j^{(l)}, w_{ji}^{(l)},
x_i^{[n]}), matrices (A1, W^{(3)}, T), error terms (loss\\_3), the document's own definitions (also
written for every index: delta_j^{(2)} = ...).

`Names` resolves one name to its value.  It is composed into `meaning.Meaning`, which hands it
three callbacks for what only the whole evaluation can do: the value of a definition's member, the
symbol a defined error term stands for (`term`), and a partial derivative (loss\\_l is dE/dZ^{(l)}).
Which quantity a name denotes is in `quantities`, how far an index runs in `ranges`.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

import sympy as sp

from ..errors import MeaningError, NotInNetwork
from ..model.network import Network
from ..model.penalty import COEFFICIENT, OBJECTIVE, PENALTY
from ..notation import syntax as s
from ..notation.indices import EXAMPLE_SUPERSCRIPT, definition_key, layer_letter, layer_number
from .columns import GRADIENT_NAMES, batch_column, gradient, one
from .quantities import layer_matrix, layer_of, no_bias, quantity_key, spelled, unit_indices
from .values import Value, fail, is_matrix

MATRIX_ALIAS = re.compile(r"^(A|W|Z)([0-9]+)$")
LEARNING_RATES = ("alpha", "eta")
BATCH_COLUMNS = ("a", "z", "x", "t") + tuple(GRADIENT_NAMES)
PENALTY_NAMES = {OBJECTIVE: ("J",), PENALTY: ("R",)}
QUANTITY_NAMES = "a, z, w, b, x, t, E, \\alpha, A1, W3, Z2, T, loss\\_3"


class Names:
    """Name resolution in one network, with the document's definitions.

    member_value(member, outer) -> the value of a definition's member, `outer` binding its letters;
    term(node, key, value, definition, outer) -> what a defined name stands for in values (its
    value, or a symbol for a document's error term delta_j^{(l)});
    partial(of, wrt, node) -> the symbol of d(of)/d(wrt)."""

    def __init__(self, network: Network, definitions: dict, member_value: Callable, term: Callable,
                 partial: Callable):
        self.net = network
        self.definitions = definitions
        self.columns = network.spec.vectors == "column"      # Nielsen: a^l, z^l, b^l columns
        self._member_value, self._term, self._partial = member_value, term, partial
        self._evaluating: set[str] = set()

    # -- names --------------------------------------------------------------------------------------
    def name_value(self, node: s.Sym, env: dict) -> Value:
        if node.mark is not None:
            raise fail(MeaningError, f"{spelled(node)}{'^{+}' if node.mark == '+' else chr(39)} is an "
                       "updated value, which only the head of an update rule may name", node,
                       "X^{+} = X - \\eta \\frac{\\partial E}{\\partial X}")
        if node.layer and not node.layer.isdigit() and node.name not in EXAMPLE_SUPERSCRIPT:
            number = layer_number(node.layer, env, self.net.L)
            if number is not None:
                node = replace(node, layer=str(number))
        name, sub, layer = node.name, node.sub, node.layer
        if name in env and sub is None and layer is None:      # a weight, where \sum_w binds it (penalty.py)
            return env[name] if isinstance(env[name], sp.Basic) else sp.Integer(env[name])
        if self.columns and sub is None and (node.example is None or name in BATCH_COLUMNS):
            column = self.column(node, env)
            if column is not None:
                return column
        if name in ("n", "N") and sub is None and layer is not None and node.example is None:
            size = layer_number(layer, env, self.net.L)     # Ng's n^{[l]}: the number of units of layer l
            if size is not None and 1 <= size <= self.net.L:
                return sp.Integer(self.net.size(size))
        if name in ("n", "N") and sub is not None and layer is None and node.example is None:
            size = layer_number(sub, env, self.net.L)       # n_l, n_{l+1}: the number of units of a layer
            if size is not None and 1 <= size <= self.net.L:
                return sp.Integer(self.net.size(size))
        if name in LEARNING_RATES and sub is None and layer is None:
            return self.net.alpha
        if sub is None and layer is None and node.example is None and self.net.spec.penalty is not None:
            key = PENALTY_NAMES.get(name, (COEFFICIENT, name))
            if key in self.net.symbols:         # J = E + R and R's coefficients (model/penalty.py)
                return self.net.symbols[key]
        if name == "m" and sub is None and layer is None and node.example is None and self.net.m > 1:
            return sp.Integer(self.net.m)          # the batch size
        m = MATRIX_ALIAS.match(name)
        if m and sub is None and layer is None:
            return layer_matrix(self.net, m.group(1), int(m.group(2)), node)
        if name in ("A", "W", "Z") and sub is None:
            return layer_matrix(self.net, name, layer_of(self.net, node, required=True), node)
        if name == "b" and sub is None:
            return layer_matrix(self.net, "b", layer_of(self.net, node, required=True), node)
        if name == "T" and sub is None:
            if layer is not None and layer_of(self.net, node) != self.net.L:
                raise fail(MeaningError, f"targets belong to the output layer {self.net.L}", node)
            return self.net.matrix("T")
        if name == "loss" and sub is not None and layer is None and sub.isdigit():
            return self._loss(int(sub), node)
        defined = self._defined(node, env)
        if defined is not None:
            return defined
        if name in ("delta", "Delta") and layer is None and sub is not None and node.example is None:
            i, j = unit_indices(node, 2, env)         # the Kronecker delta of a softmax Jacobian
            return sp.Integer(1 if i == j else 0)
        if sub is None and node.example is None and (name in ("a", "z") and layer is not None
                                                     or name in ("x", "t") and layer is None):
            kind = {"a": "A", "z": "Z", "x": "A", "t": "T"}[name]     # a^{(l)}: the layer's row vector
            return layer_matrix(self.net, kind, 1, node) if name == "x" else (
                self.net.matrix("T") if name == "t"
                else layer_matrix(self.net, kind, layer_of(self.net, node, required=True), node))
        if name in ("a", "z", "w", "b", "x", "t", "E"):
            return self.net[quantity_key(self.net, node, env)]
        if name == "e" and sub is None and layer is None:
            return sp.E
        raise fail(MeaningError, f"unknown name {spelled(node)}", node, QUANTITY_NAMES)

    def column(self, node: s.Sym, env) -> Value | None:
        """In column-vector notation: a^l, z^l, b^l (and a name defined for every unit, delta^l) are
        columns over the layer's units, w^l the matrix with a row per unit j of layer l, t (y) and x
        the columns of targets and inputs."""
        net, name = self.net, node.name
        if name in GRADIENT_NAMES and node.layer is not None:      # Ng's dZ^{[l]}, dW^{[l]}, db^{[l]}
            layer = layer_of(net, node, required=True)
            if GRADIENT_NAMES[name] == "b":
                no_bias(net, layer, node)
            return gradient(net, node, layer, env, self._partial)
        if name in BATCH_COLUMNS:                # a mini-batch: a column per example (Ng's A^{[l]}, X, Y)
            batch = batch_column(net, name, layer_of(net, node) if node.layer else None, node, env)
            if batch is not None:
                return batch
        if name in ("t", "x") and node.layer is None:
            layer = net.L if name == "t" else 1
            return sp.ImmutableMatrix([[net[name, j]] for j in net.units(layer)])
        if node.layer is None or name in ("A", "W", "Z", "T", "E"):
            return None
        layer = layer_of(net, node)
        if name in ("a", "z", "b"):
            if layer == 1 and name != "a":
                raise fail(NotInNetwork, f"layer 1 has no {name}", node, f"a layer in 2..{net.L}")
            if name == "b":
                no_bias(net, layer, node)
            column = sp.ImmutableMatrix([[net.bias(layer, j) if name == "b" else net[name, layer, j]]
                                         for j in net.units(layer)])
            return one(column) if name == "b" and net.m > 1 else column
        if name == "w":
            if layer == 1:
                raise fail(NotInNetwork, "layer 1 has no weights", node, f"a layer in 2..{net.L}")
            return sp.ImmutableMatrix([[net["w", layer, j, k] for k in net.units(layer - 1)]
                                       for j in net.units(layer)])
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
        if self.net.spec.penalty is not None and not node.sub and not node.layer and (
                node.name in PENALTY_NAMES or (COEFFICIENT, node.name) in self.net.symbols):
            return True
        if node.name == "loss" and node.sub is not None and node.sub.isdigit():
            return True
        if self.columns and node.name in GRADIENT_NAMES and node.layer is not None and node.sub is None:
            return True
        return bool(MATRIX_ALIAS.match(node.name)) or (node.name == "e" and not node.sub and not node.layer)

    # -- the document's definitions -------------------------------------------------------------
    def _defined(self, node: s.Sym, env) -> Value | None:
        node = _bound_example(_bound(node, env), env)
        key = definition_key(node)
        definition, outer = self.definitions.get(key), {}
        if definition is None:
            definition, outer = self.template(node)
        if definition is None:
            return None
        if key in self._evaluating:
            raise fail(MeaningError, f"{key} is defined in terms of itself", node)
        self._evaluating.add(key)
        try:
            value = self._member_value(definition.member, outer)
        finally:
            self._evaluating.discard(key)
        if outer and is_matrix(value) and value.shape == (1, 1):
            value = value[0, 0]
        return self._term(node, key, value, definition, outer)

    def template(self, node: s.Sym):
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
            raise fail(NotInNetwork, f"loss\\_{layer}: there is no layer {layer} with weights "
                       f"(layers 2..{self.net.L})", node)
        E = self.net["E",]
        return self.net.matrix("Z", layer).applyfunc(lambda z: self._partial(E, z, node))


def _bound(node: s.Sym, env: dict) -> s.Sym:
    """The name with the index letters env binds written as numbers (delta_j -> delta_1)."""
    if not node.sub or not env:
        return node
    parts = node.sub.split(",") if "," in node.sub else (list(node.sub) if len(node.sub) <= 2 else [node.sub])
    if not any(p in env for p in parts):
        return node
    digits = [str(env[p]) if p in env else p for p in parts]
    sub = ",".join(digits) if "," in node.sub or any(len(d) > 1 for d in digits) else "".join(digits)
    return replace(node, sub=sub)


def _bound_example(node: s.Sym, env: dict) -> s.Sym:
    if node.example and node.example in env:
        return replace(node, example=str(env[node.example]))
    return node
