"""A statement for every index: a part with an index no sum binds (j in a_j^{(2)} = tanh(z_j^{(2)}),
l, j, i in w_{ji}^{(l)}) has as its value the column of its values at every instance, and the
instance of every entry is kept so that the decision can name the instances that differ.

`Instances` evaluates such parts (`stacked`), remembers the instances each expression ranged over
(`instances_for`), tells which layers a statement over a layer letter is about (`statement_layers`)
and whether relabelling units proves every instance from one (`symmetric`).  It is composed into
`meaning.Meaning`, which gives it the evaluation of one instance (`value`) and the name resolver.
"""
from __future__ import annotations

import itertools
from typing import Callable

import sympy as sp

from ..errors import DeriveError, MeaningError, NotInNetwork, ShapeError
from ..model.network import Network
from ..notation import syntax as s
from ..notation.indices import (
    SUM_BOUNDS,
    bind_layers,
    definition_key,
    free_indices,
    index_letters,
    layer_letters,
    layers_for,
)
from ..notation.syntax import walk
from .names import LEARNING_RATES, Names
from .ranges import bind_sum_bounds, index_range
from .values import Value, fail, is_matrix

INSTANCES = "__instances__"      # a domain entry: the instances of the statement's head


class InstanceMissing(NotInNetwork):
    """An instance of an index statement names a quantity the network does not have."""

    def __init__(self, message, binding, letters):
        super().__init__(message)
        self.binding, self.letters = binding, letters


class Instances:
    """The instances of statements for every index in one network.

    value(node, env) -> the value of an expression with its letters bound (one instance)."""

    def __init__(self, network: Network, value: Callable, names: Names, stacks: dict | None = None):
        self.net = network
        self.value = value
        self.names = names
        self.instances: dict = {}          # a statement's expression -> (letters, [binding], layer letter)
        self._instances: dict = {}         # (expression, statement layers) -> the same
        self.stacks: dict = {} if stacks is None else stacks   # value of a statement for every index -> "j = 1, ..."

    def stacked(self, written: s.Node, expr: s.Node, env: dict, layers: list[str], domain: dict,
                representative: bool) -> Value:
        """The column of a statement's values, one entry per instance: layers first (the layers every
        quantity exists in), then the unit indices in alphabetical order, each over its layer's units.
        `representative`: the first and the last instance only (see `symmetric`)."""
        if len(layers) > 1:
            raise fail(MeaningError, f"two free layer letters ({', '.join(layers)})", expr,
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
            raise fail(NotInNetwork, f"there is no layer {layer} for which every quantity here exists", expr,
                       f"layers in 1..{self.net.L}")
        entries, instances, letters = [], [], None
        for v in values:
            bound = {layer: v} if layer else {}
            inner = bind_layers(expr, bound, self.net.L) if layer else expr
            inner_env = bind_sum_bounds(self.net, inner, {**env, **bound})
            free = sorted(free_indices(inner, set(inner_env)))
            letters = ([layer] if layer else []) + sorted(free, key=_appearance(written))
            ranges = [range(1, index_range(self.net, inner, var, inner) + 1) for var in free]
            bindings = itertools.product(*ranges)
            if representative:         # see symmetric(): one instance stands for all
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
                if is_matrix(value) and not free and layer:       # dW^{[l]}: every entry, layer by layer
                    _same_shape(given, layer, v, value, expr)
                    letters = [layer, "row", "column"]
                    for r in range(value.shape[0]):
                        for c in range(value.shape[1]):
                            entries.append([value[r, c]])
                            instances.append({**bound, "row": r + 1, "column": c + 1})
                    continue
                if is_matrix(value) and free and 1 in value.shape:     # z^{[1](i)}: example i's column
                    letters = letters + ["unit"] if "unit" not in letters else letters
                    for r, entry in enumerate(value):
                        entries.append([entry])
                        instances.append({**bound, **b, "unit": r + 1})
                    continue
                if is_matrix(value):
                    raise fail(MeaningError, f"a matrix in a statement for every {', '.join(letters)}", expr,
                               "scalars when an index is free")
                entries.append([value])
                instances.append({**bound, **b})
        self._record(written, domain, (letters, instances, layer))
        return self._labelled(sp.ImmutableMatrix(entries), letters, instances)

    def _record(self, written, domain, found) -> None:
        """Keep the instances an expression was evaluated over, per statement layers: the same
        expression in two statements (a_j^{(l)} in prose and as a head) may range over different
        layers, and the order in which statements are checked must not matter."""
        self._instances[written, _layers_key(domain)] = found
        self.instances[written] = found

    def instances_for(self, written, domain: dict | None):
        """(letters, [binding], layer letter) of an expression evaluated within a statement's
        layers (`domain`), else the last ones recorded for it, else None."""
        return self._instances.get((written, _layers_key(domain)), self.instances.get(written))

    def _labelled(self, value, letters, instances):
        """Keep the instance of every entry (the decider names the instances that differ)."""
        self.stacks[value] = [", ".join(f"{x} = {b[x]}" for x in [*letters, *(k for k in b if k not in letters)]
                                        if x in b) for b in instances]
        return value

    def _at_instances(self, written, expr, env, given, domain) -> Value:
        """The member's values at the instances of the statement's head (the member may use fewer of
        its letters: delta_j^{(l)} a_j^{(l-1)} against dE/dw_{ji}^{(l)} is a statement for every l, j, i)."""
        letters, instances, layer = given
        entries = []
        for b in instances:
            inner = bind_layers(expr, {layer: b[layer]}, self.net.L) if layer else expr
            try:
                value = self.value(inner, {**bind_sum_bounds(self.net, inner, {**env, **b}), **b})
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
                if not node.var or not (isinstance(node.lower, s.Num) and node.lower.text == "1"):
                    return False                # \sum over the examples (no index): not renamed
                size = index_range(self.net, node.body, node.var, node)
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
            if self.names.knows(node):
                continue
            for definition in [d for d in self.names.definitions.values() if d.head is not None
                               and d.head.name == node.name and d.head.layer == node.layer]:
                key = definition_key(definition.head)
                if key not in seen:
                    seen.add(key)
                    if not self._renamable(definition.head, {}, seen) or not all(
                            self._renamable(part.expr, {}, seen) for part in definition.member.parts):
                        return False
        return True


def domain_key(domain: dict) -> tuple:
    """A statement's domain (layer letter -> its layers, INSTANCES -> the head's instances) as a key."""
    return tuple(sorted((k, _frozen(v)) for k, v in domain.items()))


def _layers_key(domain: dict | None) -> tuple:
    return tuple(sorted((k, _frozen(v)) for k, v in (domain or {}).items() if k != INSTANCES))


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


def _same_shape(given, layer: str, v: int, value, expr) -> None:
    """A ShapeError when the left side's entries for this layer (the head's instances) are another
    shape than this side's: the stacks would not line up entry by entry."""
    if given is None or given[2] != layer:
        return
    mine = [b for b in given[1] if b.get(layer) == v and "row" in b]
    if not mine:
        return
    shape = (max(b["row"] for b in mine), max(b["column"] for b in mine))
    if shape != tuple(value.shape):
        raise fail(ShapeError, f"for {layer} = {v} the left side is {shape[0]}\u00d7{shape[1]} and this side "
                   f"{value.shape[0]}\u00d7{value.shape[1]}", expr, "the same shape on both sides")
