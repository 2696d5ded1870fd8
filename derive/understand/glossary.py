"""A document's own names for the network's quantities, read from its forward pass.

A lecture need not call its quantities a, z, w, b, x, t and E.  Mazur's worked example writes

    net_{h1} = w_1 * i_1 + w_2 * i_2 + b_1 * 1        out_{h1} = \\frac{1}{1 + e^{-net_{h1}}}
    net_{o1} = w_5 * out_{h1} + w_6 * out_{h2} + b_2 * 1
    E_{o1} = \\frac{1}{2} (target_{o1} - out_{o1})^2   E_{total} = E_{o1} + E_{o2}

and that *is* the definition of a 2-2-2 network: a name defined as a sum of products plus a bias is
a unit's weighted input (z), a name defined as a function of one such sum is that unit's output (a),
the factors multiplied by outputs (or by the same leaves in every unit of a layer) are the weights,
the lone terms the biases (one bias in every unit of a layer: a bias shared by the layer), the leaves
the first layer multiplies are the inputs (x), a name defined from one output and a leaf is that
output's loss term (E_j, the leaf its target t_j) and a name defined from all of them the loss (E).
Units are numbered in the order the document defines them, inputs in the order the first layer's
sums use them.  A front matter `derive:` / `  names: {target_{o1}: t_1, ...}` names what cannot be
inferred (read by `front_matter.py`).  The glossary maps each such name to the quantity in derive's
notation; the document's formulas are then read through it (their text, shown in reports, stays
as written).

Nothing is guessed beyond this: a weight used by two units, a bias shared by some units of a layer
but not all, or a sum whose inputs come from two layers make no glossary, and names left unmapped are
unknown names (unreadable, with the reason) rather than quantities of some other network.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..notation import syntax as s
from ..notation.syntax import walk
from .alike import Unit, layers_of_letters, patterned, virtual_units, weights_of, written_names

DERIVE_NAMES = ("a", "z", "w", "b", "x", "t", "E", "A", "W", "Z", "T")


@dataclass
class Glossary:
    """Document names -> names in derive's notation; `shared_bias` the layers with one bias."""

    names: dict = field(default_factory=dict)
    shared_bias: tuple = ()

    def __bool__(self) -> bool:
        return bool(self.names)

    def translate(self, node):
        """The tree with every glossary name written in derive's notation (positions kept)."""
        if isinstance(node, s.Sym):
            if node.mark == "+":                   # w_5^{+}: the updated w_5
                plain = self.translate(replace(node, mark=None))
                return replace(plain, mark="+") if plain.name != node.name or plain.sub != node.sub else node
            key = replace(node, start=0, end=0)
            target = self.names.get(key)
            if target is None and node.example is not None:
                target = self.names.get(replace(key, example=None))
                target = replace(target, example=node.example) if target is not None else None
            return replace(target, start=node.start, end=node.end) if target is not None else node
        return s.map_children(node, self.translate)

    def apply(self, statements) -> None:
        """Read every part of every statement through the glossary."""
        for st in statements:
            for member in st.members:
                for part in member.parts:
                    part.expr = self.translate(part.expr)


def _key(node: s.Sym) -> s.Sym:
    return replace(node, start=0, end=0)


def _definitions(statements):
    for st in statements:
        if len(st.members) < 2 or len(st.head.parts) != 1 or len(st.members[1].parts) != 1:
            continue
        head, value = st.head.parts[0].expr, st.members[1].parts[0].expr
        if not any(isinstance(x, s.Sym) and x.name != "e" for x in walk(value)):
            continue                    # numbers (net_{h1} = 0.15 * 0.05 + ... = 0.3775): no definition
        if isinstance(head, s.Sym):
            yield _key(head), value


def _terms(expr) -> list:
    if isinstance(expr, s.BinOp) and expr.op == "+":
        return _terms(expr.left) + _terms(expr.right)
    return [expr]


def _weighted_sum(expr):
    """[(factor, factor)] products and [bias] terms of `w_1 * i_1 + w_2 * i_2 + b_1 * 1`, or None."""
    products, biases = [], []
    for term in _terms(expr):
        if isinstance(term, s.BinOp) and term.op in ("times", "juxt"):
            left, right = term.left, term.right
            if isinstance(left, s.Sym) and isinstance(right, s.Sym):
                products.append((_key(left), _key(right)))
                continue
            one = right if isinstance(left, s.Sym) else left
            sym = left if isinstance(left, s.Sym) else right
            if isinstance(sym, s.Sym) and isinstance(one, s.Num) and one.text == "1":
                biases.append(_key(sym))
                continue
            return None
        if isinstance(term, s.Sym):
            biases.append(_key(term))
            continue
        return None
    return (products, biases) if products else None


def _is_derive_name(node: s.Sym) -> bool:
    return node.name in DERIVE_NAMES and (node.name != "E" or not node.sub or node.sub.isdigit())


def _terms(node) -> list:
    """The terms of a sum (a difference's second term counted as one)."""
    if isinstance(node, s.BinOp) and node.op in ("+", "-"):
        return _terms(node.left) + _terms(node.right)
    return [node]


def _unlayered(node: s.Sym) -> bool:
    """z_1, a_3 with no layer: a blog's own numbering of its units (derive's z and a always carry one)."""
    return node.name in ("z", "a") and node.layer is None and node.example is None


def read_glossary(statements, names: dict | None = None) -> Glossary:
    """The glossary of a document whose forward pass uses names of its own (empty when it uses
    derive's names, or when its forward pass is not one derive can read as a network)."""
    glossary = Glossary(dict(names or {}))
    defs = [(h, v) for h, v in _definitions(statements) if not _is_derive_name(h) or _unlayered(h)]
    sums = {h: _weighted_sum(v) for h, v in defs}
    sums = {h: ws for h, ws in sums.items() if ws is not None}
    if not sums:
        return glossary
    order = list(dict.fromkeys(h for h, _ in defs if h in sums))
    outputs = {}                                   # output name -> unit-sum name
    for h, v in defs:
        if h in sums:
            continue
        used = [n for n in sums if any(_key(x) == n for x in walk(v) if isinstance(x, s.Sym))]
        others = {_key(x) for x in walk(v) if isinstance(x, s.Sym)} - set(used) - {s.Sym("e")}
        if len(used) == 1 and not others and h not in outputs:
            outputs[h] = used[0]
    written = written_names(statements)
    virtual = virtual_units(written, sums, outputs)        # units the document says are alike
    unit_of_output = dict(outputs) | virtual
    sibling = {v: next(n for n in order if Unit.of(n) and Unit.of(n).letters == Unit.of(v).letters)
               for v in virtual.values()}
    layer: dict = {}
    for _ in range(len(order) + 1):                # layers: 1 + the layer of what a sum multiplies
        for n in order:
            products, _ = sums[n]
            feeding = [unit_of_output.get(p) or unit_of_output.get(q) for p, q in products]
            if all(f is None for f in feeding):
                layer[n] = 2
            elif all(f is not None and f in layer for f in feeding):
                layer[n] = layer[feeding[0]] + 1
        layer.update((v, layer[n]) for v, n in sibling.items() if n in layer)
    if any(n not in layer for n in order):
        return glossary
    count: dict = {}
    for n in order:
        for p, q in sums[n][0]:
            count[p] = count.get(p, 0) + 1
            count[q] = count.get(q, 0) + 1
    units: dict = {}
    number: dict = {}
    for n in order:
        units.setdefault(layer[n], []).append(n)
        number[n] = len(units[layer[n]])
    for v in sorted(sibling, key=lambda v: Unit.of(v).number):
        units[layer[v]].append(v)
        number[v] = len(units[layer[v]])
        if number[v] != Unit.of(v).number:
            return Glossary(dict(names or {}))      # a gap in the units: h1 and h3 only
    inputs: list = []
    mapped: dict = {}
    wiring: dict = {}                               # unit sum -> [(weight, input number)]
    for n in order:
        l, j = layer[n], number[n]
        for p, q in sums[n][0]:
            source, weight = _source_and_weight(p, q, unit_of_output, count, l)
            if source in unit_of_output:
                i = number[unit_of_output[source]]
                if layer[unit_of_output[source]] != l - 1:
                    return Glossary(dict(names or {}))
            else:
                if source not in inputs:
                    inputs.append(source)
                i = inputs.index(source) + 1
                mapped[source] = s.Sym("x", str(i))
            target = s.Sym("w", _pair(j, i), str(l))
            if mapped.get(weight, target) != target:
                return Glossary(dict(names or {}))          # one weight in two places
            mapped[weight] = target
            wiring.setdefault(n, []).append((weight, i))
        mapped[n] = s.Sym("z", str(j), str(l))
    if sibling and not _build_alike(sibling, units, layer, number, sums, wiring, mapped):
        return Glossary(dict(names or {}))
    shared = []
    for l, members in units.items():
        if any(v in sibling for v in members):
            shared.append(l)                        # _build_alike: the layer's one bias
            continue
        biases = [sums[n][1] for n in members]
        if any(len(b) != 1 for b in biases):
            return Glossary(dict(names or {}))
        if len(members) > 1 and len({b[0] for b in biases}) == 1:
            shared.append(l)
            mapped[biases[0][0]] = s.Sym("b", "1", str(l))
        elif len({b[0] for b in biases}) == len(members):
            for n, b in zip(members, biases):
                mapped[b[0]] = s.Sym("b", str(number[n]), str(layer[n]))
        else:
            return Glossary(dict(names or {}))
    for out, n in list(outputs.items()) + list(virtual.items()):
        mapped[out] = s.Sym("a", str(number[n]), str(layer[n]))
    last = max(units)
    final = {out: number[n] for out, n in outputs.items() if layer[n] == last}
    terms = {}
    for h, v in defs:                               # loss terms: one output and its target
        if h in mapped:
            continue
        names_in = {_key(x) for x in walk(v) if isinstance(x, s.Sym)} - {s.Sym("e")}
        outs = [x for x in names_in if x in final]
        if len(outs) == 1:
            j = final[outs[0]]
            targets = [x for x in names_in - {outs[0]} if x not in mapped and not _is_derive_name(x)]
            if len(targets) <= 1:
                terms[h] = j
                mapped[h] = s.Sym("E", str(j))
                for t in targets:
                    mapped.setdefault(t, s.Sym("t", str(j)))
    if len(units[last]) == 1 and len(terms) == 1:   # one output: its term is the whole loss (L = ½(y - ŷ)²)
        (only,) = terms
        mapped[only] = s.Sym("E")
    for h, v in defs:                               # the loss: all the terms (or all the outputs)
        if h in mapped:
            continue
        names_in = {_key(x) for x in walk(v) if isinstance(x, s.Sym)}
        if terms and set(terms) <= names_in or (len(final) > 1 and set(final) <= names_in):
            mapped[h] = s.Sym("E")
            for term in _terms(v):                  # L = ½(y_1 - ŷ_1)² + ½(y_2 - ŷ_2)²: each term's target
                leaves = {_key(x) for x in walk(term) if isinstance(x, s.Sym)} - {s.Sym("e")}
                outs = [x for x in leaves if x in final]
                targets = [x for x in leaves - set(outs) if x not in mapped and not _is_derive_name(x)]
                if len(outs) == 1 and len(targets) == 1:
                    mapped.setdefault(targets[0], s.Sym("t", str(final[outs[0]])))
    letters = layers_of_letters(sums) or {}
    mapped.update(patterned(written, mapped, letters))     # E_{o2} after E_{o1}
    for name, target in mapped.items():
        glossary.names.setdefault(name, target)
    glossary.shared_bias = tuple(sorted(shared))
    return glossary


def _build_alike(sibling: dict, units: dict, layer: dict, number: dict, sums: dict, wiring: dict,
                 mapped: dict) -> bool:
    """Weights and bias of the units the document says are alike (alike.py), by the pattern of the
    defined units' names; False when the pattern does not say (then no unit is built)."""
    by_layer = {}
    for l, members in units.items():
        defined = [n for n in members if n in sums]
        biases = {b for n in defined for b in sums[n][1]}
        if any(len(sums[n][1]) != 1 for n in defined) or len(biases) != 1:
            return False
        by_layer[l] = biases.pop()
    ordered = [by_layer[l] for l in sorted(by_layer)]
    if len({(b.name, b.layer) for b in ordered}) != 1 or \
            [b.sub for b in ordered] != [str(k) for k in range(1, len(ordered) + 1)]:
        return False                                # biases not numbered by layer: unknown
    for l, members in units.items():
        if not any(v in sibling for v in members):
            continue
        pattern = weights_of([n for n in members if n in sums],
                             lambda n: sorted(wiring.get(n, []), key=lambda wi: wi[1]))
        if pattern is None:
            return False
        letter, first, width = pattern
        for v in (v for v in members if v in sibling):
            k = number[v]
            for i in range(1, width + 1):
                weight = s.Sym(letter, str(first + (k - 1) * width + i - 1))
                if mapped.get(weight, None) not in (None, s.Sym("w", _pair(k, i), str(l))):
                    return False
                mapped[weight] = s.Sym("w", _pair(k, i), str(l))
            mapped[v] = s.Sym("z", str(k), str(layer[v]))
        mapped[by_layer[l]] = s.Sym("b", "1", str(l))
    return True


def _source_and_weight(p, q, unit_of_output, count, layer):
    """Which factor of a product is the weight: the other is an output (or an input used by every
    unit of the first layer, or a name not spelled w)."""
    if p in unit_of_output:
        return p, q
    if q in unit_of_output:
        return q, p
    if count.get(p, 0) != count.get(q, 0):
        return (p, q) if count[p] > count[q] else (q, p)
    if q.name in ("w", "theta") and p.name not in ("w", "theta"):
        return p, q
    return q, p


def _pair(j: int, i: int) -> str:
    return f"{j}{i}" if j < 10 and i < 10 else f"{j},{i}"


ALIASED = ("a", "z", "A", "Z")


def read_aliases(statements) -> dict:
    """Names a document gives a quantity of derive's outright: `\\hat{y} = a^{[2]} = \\sigma(z^{[2]})`,
    `\\hat{y}_1 = a_1^{(3)}` — a name of no quantity of derive's, defined once as a layer's a or z."""
    found: dict = {}
    defined: dict = {}
    for st in statements:
        head = st.head.parts[0].expr if len(st.head.parts) == 1 else None
        if not isinstance(head, s.Sym) or len(st.members) < 2 or head.layer is not None:
            continue
        key = _key(head)
        defined[key] = defined.get(key, 0) + 1
        value = st.members[1].parts[0].expr if len(st.members[1].parts) == 1 else None
        if head.name not in DERIVE_NAMES + ("delta",) and isinstance(value, s.Sym) and value.name in ALIASED \
                and value.layer is not None and value.layer.isdigit():
            found[key] = _key(value)
    return {k: v for k, v in found.items() if defined[k] == 1}
