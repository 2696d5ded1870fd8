"""The network a document defines, read from its forward pass.

A document defines its network by writing it: `a_j^{(2)} = \\tanh(z_j^{(2)})`,
`a_1^{(3)} = z_1^{(3)}`, `a = \\max(0, z)`, `a_j = e^{z_j} / \\sum_k e^{z_k}`, `E = -\\sum_i t_i \\log a_i`,
`E = \\frac{1}{2m} \\sum_n \\sum_i ...`.  Each such definition is read with the notation's meaning in a
probe network of the document's sizes, and its value is compared with every family's forward rule
(families.py) at random points: the family whose rule it equals is the layer's (or the loss's).
The comparison only chooses the model; the definition stays a claim and is decided like any other
under the model chosen, so a wrong choice could not prove it.

A definition that equals no family (softplus, z^2, |t - a|) is *unmodelled*: the Spec records it
with its line, and every claim that depends on the quantities downstream of it is undecided with
that reason.  Settings stated in a front matter or --model that contradict the document's forward
pass are errors at the definition's line; the document's forward pass is the network.
"""
from __future__ import annotations

import random
import re
from dataclasses import replace

import sympy as sp

from ..errors import DeriveError, ModelError
from ..meaning.meaning import Meaning
from ..model.families import ACTIVATIONS, LOSSES, forward, loss_term, step
from ..model.network import Network
from ..model.penalty import OBJECTIVE, PENALTY
from ..model.spec import Spec
from ..notation import syntax as s
from ..notation.indices import bind_layers, layer_letter, layer_number, layers_for
from ..notation.literals import has_decimal, is_numbers_only
from ..notation.syntax import walk
from .penalty import penalises_parameters, terms

PROBES = 3


def read_model(statements, inferred: Spec, stated: Spec | None,
               unreadable: list[tuple[str, int]] = ()) -> tuple[Spec, list[DeriveError]]:
    """The document's network: sizes and layout as `inferred` (or `stated`, which wins for those),
    activations, loss and batch from the forward pass where it defines them.  `unreadable` holds the
    text and line of spans that could not be parsed: one that looks like a definition of E or of a
    layer's outputs leaves that part of the network unmodelled (it might define another family)."""
    base = inferred
    if stated is not None:               # an explicit Spec (--model 2-3-1) sets what it states, or everything
        every = not stated.stated
        base = replace(stated, layers=stated.layers if every or "layers" in stated.stated else inferred.layers,
                       layout=stated.layout if every or "layout" in stated.stated else inferred.layout)
    batch = stated_in_document = _batch(statements)
    problems: list[DeriveError] = []
    if batch == 0:                       # the document averages over m examples without saying how many
        batch = stated.batch if stated is not None and "batch" in stated.stated else 2
    if batch is None:
        batch = 1
        if stated is not None and stated.batch > 1:
            problems.append(ModelError(f"the model setting says batch: {stated.batch}, but the document names "
                                       "no example (x_i^{[n]}, a_j^{(l)[n]}); it is checked as one example",
                                       expected="per-example names such as t_i^{[n]}, or no batch setting"))
    probe = Network(replace(base, activation="sigmoid", loss="half-sse", batch=batch, unmodelled=()))
    meaning = Meaning(probe)
    found = _chosen(_votes(statements, meaning, probe, base))
    for text, line in unreadable:
        what = _looks_like_definition(text, probe.L)
        if what is not None and what not in found:
            found[what] = (None, _Unread(line))
    activations = list(base.activations)
    unmodelled = []
    declared = stated.stated if stated else frozenset()
    for layer in range(2, probe.L + 1):
        if layer not in found:
            continue
        family, part = found[layer]
        line = _line(part)
        if family is None:
            unmodelled.append(("layer", layer, _unmodelled_reason(part, f"the activation of layer {layer}",
                                                                  ACTIVATIONS)))
            continue
        if "activation" in declared and stated.activations[layer - 2] != family:
            problems.append(_conflict(part, f"this defines layer {layer} as {family}, but the model "
                                      f"setting says {stated.activations[layer - 2]}", family))
        activations[layer - 2] = family
    loss = base.loss
    if "loss" in found:
        family, part = found["loss"]
        if family is None:
            unmodelled.append(("loss", None, _unmodelled_reason(part, "the loss", LOSSES)))
        else:
            if "loss" in declared and stated.loss != family and _same_loss(probe, stated.loss, family):
                family = stated.loss        # MSE over two outputs is half the SSE: the setting's name stands
            if "loss" in declared and stated.loss != family:
                problems.append(_conflict(part, f"this defines the loss as {family}, but the model setting "
                                          f"says {stated.loss}", family))
            loss = family
    if "batch" in declared and stated.batch != batch and stated_in_document:
        problems.append(ModelError(f"the document uses a mini-batch of {batch}, but the model setting "
                                   f"says batch: {stated.batch}"))
    spec = replace(base, activation=tuple(activations), loss=loss, batch=batch, unmodelled=tuple(unmodelled))
    return spec, problems


def _votes(statements, meaning: Meaning, probe: Network, base: Spec) -> dict:
    """What each definition of a layer's outputs (and of E) says the family is: layer or "loss" ->
    [(family or None, part)], restated expressions read once."""
    votes: dict = {}
    seen: dict = {}
    losses = []                            # the definitions of E, read once the output layer is known
    general: dict = {}                     # layer -> votes of definitions for every layer (a_j^{(l)} = ...)
    for st in statements:
        if len(st.members) < 2 or len(st.head.parts) != 1 or len(st.members[1].parts) != 1:
            continue
        head, part = st.head.parts[0].expr, st.members[1].parts[0]
        if not isinstance(head, s.Sym) or (has_decimal(part.expr) and is_numbers_only(part.expr)):
            continue                    # a number (worked.py) defines no family
        if head.name in ("a", "A") and head.layer:
            for layer, bound, expr in _layers_defined(head, part.expr, probe.L):
                if (bound, expr) not in seen:
                    seen[bound, expr] = _activation(meaning, probe, layer, bound, expr)
                if seen[bound, expr] != "unknown":      # a definition for every layer counts where none of its own does
                    table = general if layer_letter(head.layer) else votes
                    table.setdefault(layer, []).append((seen[bound, expr], part))
        elif head.name == "E" and head.sub is None and head.layer is None and head.example is None:
            losses.append(part)
        elif head.name == OBJECTIVE and len(terms(part.expr)) > 1:        # J = E + R: E's own terms
            data = [t for t in terms(part.expr) if not penalises_parameters(t)
                    and not (isinstance(t, s.Sym) and t.name == PENALTY)]
            if data and not (len(data) == 1 and isinstance(data[0], s.Sym) and data[0].name == "E"):
                expr = data[0]
                for more in data[1:]:           # E_{total} = E_{o1} + E_{o2} + penalty: the terms' sum
                    expr = s.BinOp("+", expr, more, start=expr.start, end=more.end)
                losses.append(replace(part, expr=expr))
    for layer, said in general.items():
        votes.setdefault(layer, said)
    for layer, said in votes.items():      # a tie between the units' definitions: the local derivatives decide
        families = [f for f, _ in said if f is not None]
        counts = {f: families.count(f) for f in families}
        if len(counts) > 1 and list(counts.values()).count(max(counts.values())) > 1:
            said.extend(_local_votes(statements, meaning, probe, layer))
    layer_votes = _chosen({probe.L: votes.get(probe.L, [])})
    output = (layer_votes.get(probe.L) or (None,))[0] or base.activations[-1]
    for part in losses:
        if part.expr not in seen:
            seen[part.expr] = _loss(meaning, probe, _with_layer(part.expr, probe.L), statements, output)
        if seen[part.expr] != "unknown":
            votes.setdefault("loss", []).append((seen[part.expr], part))
    return votes


LOCAL = {"sigmoid": lambda a, z: a * (1 - a), "tanh": lambda a, z: 1 - a ** 2, "identity": lambda a, z: 1,
         "relu": lambda a, z: step(z)}


def _local_votes(statements, meaning: Meaning, probe: Network, layer: int) -> list:
    """What the document's local derivatives da_j^{(l)}/dz_j^{(l)} = ... say the layer's family is
    (a(1 - a): sigmoid, 1 - a^2: tanh, ...): the tie-breaker between disagreeing unit definitions."""
    out = []
    for st in statements:
        head = st.head.parts[0].expr if len(st.head.parts) == 1 else None
        if not isinstance(head, s.Derivative) or len(st.members) < 2:
            continue
        of, wrt = head.of, head.wrt
        if not (isinstance(of, s.Sym) and isinstance(wrt, s.Sym) and of.name == "a" and wrt.name == "z"
                and of.layer == wrt.layer == str(layer) and of.sub == wrt.sub and of.sub and of.sub.isdigit()):
            continue
        unit = int(of.sub)
        a, z = probe["a", layer, unit, *probe.ex(1)], probe["z", layer, unit, *probe.ex(1)]
        for member in st.members[1:]:
            if len(member.parts) != 1:
                continue
            value = _value(meaning, member.parts[0].expr, {})
            if value is None or isinstance(value, sp.MatrixBase) or value.free_symbols - {a, z}:
                continue
            rng = random.Random(5)
            points = [{a: sp.Float(rng.uniform(0.1, 0.9)), z: sp.Float(rng.uniform(-2, 2))} for _ in range(PROBES)]
            for family, rule in LOCAL.items():
                if all(_same(value, sp.Integer(1) * rule(a, z), p) for p in points):
                    out.append((family, member.parts[0]))
                    break
    return out


def _chosen(votes: dict) -> dict:
    """The family most definitions agree on (the first on a tie), with the first definition saying
    it; a single edit in one unit's definition is then that definition's mistake, refuted where it
    stands.  None (unmodelled) only when no definition matches a family."""
    out = {}
    for what, said in votes.items():
        families = [f for f, _ in said if f is not None]
        if families:
            counts = {f: families.count(f) for f in families}
            best = max(counts, key=counts.get)
            part = next(part for f, part in said if f == best)
            tied = [f for f, n in counts.items() if n == counts[best]]
            out[what] = (best, part) if len(tied) == 1 else (None, _Mixed(part, tied))
        elif said:
            out[what] = said[0]
    return out


class _Mixed:
    """Definitions of one layer that disagree on the family, with nothing to tell which is meant."""

    def __init__(self, part, families):
        self.part, self.families = part, families
        self.source, self.start = part.source, part.start


class _Unread:
    """Where an unparsed definition stands (for the reason's line)."""

    def __init__(self, line: int):
        self.line, self.source, self.start = line, None, 0


LOSS_DEFINITION = re.compile(r"(?:^|[\s{&$])(?:E|E_\{?total\}?|L|J)\s*&?=")
OUTPUT_DEFINITION = re.compile(r"(?:^|[\s{&$])(?:a|A)(?:_\{?\w+\}?)?\s*\^\s*\{\s*\(\s*(\d+)\s*\)\s*\}\s*&?=")


def _looks_like_definition(text: str, depth: int):
    """'loss' or a layer number when an unparsed span seems to define E or a layer's outputs."""
    if LOSS_DEFINITION.search(text):
        return "loss"
    m = OUTPUT_DEFINITION.search(text)
    if m and 2 <= int(m.group(1)) <= depth:
        return int(m.group(1))
    return None


def _unmodelled_reason(part, what: str, families) -> str:
    if isinstance(part, _Mixed):
        return (f"{what} is defined as {' and as '.join(part.families)} for different units (line "
                f"{_line(part.part)}), and derive models one family per layer")
    if isinstance(part, _Unread):
        return f"{what} is defined at line {part.line}, which could not be read"
    return f"{what} defined at line {_line(part)} is none that derive models ({', '.join(families)})"


def _layers_defined(head: s.Sym, expr, last: int):
    """(layer, head, definition) for each layer 2..L a definition of a^{(l)} is about: its own layer,
    the output layer for ^{(L)}, every layer where it can apply for a layer letter (a_j^{(l)} = ...)."""
    letter = layer_letter(head.layer)
    if letter is None:
        layer = layer_number(head.layer, {}, last)
        if layer is not None and 2 <= layer <= last:
            yield layer, replace(head, layer=str(layer)), bind_layers(expr, {}, last)
        return
    for layer in layers_for(expr, letter, last):
        if 2 <= layer <= last:
            yield layer, replace(head, layer=str(layer)), bind_layers(expr, {letter: layer}, last)


def _line(part) -> int:
    if isinstance(part, _Unread):
        return part.line
    return part.source.position(part.start)[0] if part.source else 1


def _conflict(part, message: str, family: str) -> DeriveError:
    err = ModelError(message, expected=f"the model setting {family!r}, or no setting (the document's "
                     "forward pass is the network)")
    if part.source is not None:
        line, col = part.source.position(part.start)
        err.located(part.source.file, line, col, part.source.line_text(line))
    return err


def _batch(statements) -> int | None:
    """The mini-batch size: `m = 3` if the document says it, else the largest example index it names
    (at least 2); 0 when it names examples only by letter (x_i^{[n]}) or uses m or \\mathbf{1}_m: the
    size is then the model setting's, else 2; None when it is about one example."""
    largest, any_example, uses_m = 0, False, False
    for st in statements:
        if len(st.members) == 2 and len(st.head.parts) == 1 and len(st.members[1].parts) == 1:
            head, value = st.head.parts[0].expr, st.members[1].parts[0].expr
            if isinstance(head, s.Sym) and head.name == "m" and not head.sub and isinstance(value, s.Num) \
                    and value.text.isdigit() and int(value.text) >= 1:
                return int(value.text)
        for member in st.members:
            for part in member.parts:
                for n in walk(part.expr):
                    if isinstance(n, s.Sym) and n.name == "x" and n.layer and n.layer != "1":
                        any_example = True              # x^{(n)}: the n-th example's input
                        if n.layer.isdigit():
                            largest = max(largest, int(n.layer))
                    if isinstance(n, s.Sym) and n.example is not None:
                        any_example = True
                        if n.example.isdigit():
                            largest = max(largest, int(n.example))
                    uses_m = uses_m or isinstance(n, s.Ones) or (isinstance(n, s.Sym) and n.name == "m"
                                                                 and not n.sub and not n.layer
                                                                 and len(st.members) > 1)   # mentioned: no batch
    if not any_example:
        return 0 if uses_m else None
    return max(largest, 2) if largest else 0


def _value(meaning: Meaning, expr, env: dict):
    try:
        return meaning.value(expr, meaning.bind_sum_bounds(expr, env))
    except DeriveError:
        return None


def _free_letters(head: s.Sym) -> dict:
    env = {}
    for text in (head.sub, head.example):
        if text and text.isalpha() and len(text) == 1:
            env[text] = 1
    return env


def _activation(meaning: Meaning, net: Network, layer: int, head: s.Sym, expr) -> str | None:
    """The family whose forward rule this definition of a_j^{(l)} (or A^{(l)}) is: a rule of the
    layer's z (or of the sums that define them); None when it is none; "unknown" when it is no
    forward rule at all (a derivative, say)."""
    env = _free_letters(head)
    value = _value(meaning, expr, env)
    if value is None:                    # unreadable: unmodelled if it is a rule of z at all
        return None if _mentions(expr, ("z", "Z")) else "unknown"
    unit = int(head.sub) if head.sub and head.sub.isdigit() else 1
    if isinstance(value, sp.MatrixBase):
        if value.shape[1] < unit:
            return "unknown"
        value = value[0, unit - 1]
    if value.free_symbols & set(meaning.derivatives):
        return "unknown"
    e = net.ex(int(head.example) if head.example and head.example.isdigit() else 1)
    if net["a", layer, unit, *e] in value.free_symbols:     # defined in terms of itself: a claim to refute,
        return _outer_family(expr)                          # the function applied says the family
    zs = [net["z", layer, k, *e] for k in net.units(layer)]
    sums = [net.definition(("z", layer, k) + e) for k in net.units(layer)]
    for forms in (zs, sums):             # a = f(z) or a = f(w x + b)
        symbols = sorted(set().union(*[f.free_symbols for f in forms]) | value.free_symbols, key=str)
        points = _points(symbols, forms)
        for family in ACTIVATIONS:
            for k in [unit - 1] + [k for k in range(len(zs)) if k != unit - 1]:   # a_1 = f(z_2): a typo in f's layer
                if family == "softmax":
                    rule = sp.exp(forms[k]) / sp.Add(*[sp.exp(z) for z in forms])
                else:
                    rule = forward(family, forms[k])
                if all(_same(value, rule, p) for p in points):
                    return family
    return None


def _outer_family(expr) -> str:
    """The family of the function a definition applies (`\\sigma(...)`, `\\tanh(...)`), "unknown" if none."""
    if isinstance(expr, s.Call) and expr.func in ("sigmoid", "tanh", "relu"):
        return expr.func
    return "unknown"


def _points(symbols, forms) -> list[dict]:
    """Probe points at which every unit's z takes both signs (twice each, when it can), so that
    ReLU, leaky ReLU and the identity are told apart."""
    rng = random.Random(31)
    positive, negative, points = [0] * len(forms), [0] * len(forms), []
    while len(points) < 60:
        point = {x: sp.Float(round(rng.uniform(-2, 2), 3)) for x in symbols}
        points.append(point)
        for k, form in enumerate(forms):
            if float(form.xreplace(point)) > 0:
                positive[k] += 1
            else:
                negative[k] += 1
        if len(points) >= PROBES and min(positive + negative) >= 2:
            break
    return points


def _loss(meaning: Meaning, net: Network, expr, statements, output: str) -> str | None:
    """The loss family this definition of E is (written in the outputs a, or in the output layer's
    z through its activation `output`); None when it is none; "unknown" when it says nothing
    about the loss (E = E_1 + E_2 with E_i defined nowhere)."""
    value = _value(meaning, expr, {})
    if isinstance(value, sp.MatrixBase) and value.shape == (1, 1):
        value = value[0, 0]                     # -[y log a^{[2]} + ...] of one output: a number
    if value is None or isinstance(value, sp.MatrixBase):
        return None if _mentions(expr, ("a", "A", "t", "T", "y", "z", "Z")) else "unknown"
    value = value.xreplace(_loss_parts(meaning, net, statements))
    if value.free_symbols & set(meaning.derivatives):
        return "unknown"
    examples = [net.ex(n) for n in net.examples]
    outputs = [net["a", net.L, i, *e] for e in examples for i in net.units(net.L)]
    targets = [net["t", i, *e] for e in examples for i in net.units(net.L)]
    zs = {net["z", net.L, i, *e]: (i, e) for e in examples for i in net.units(net.L)}
    parts = {s for s in value.free_symbols if net.quantities.get(s, ("",))[0] in ("E", "En")}
    if parts:
        return "unknown"
    if value.free_symbols - set(outputs) - set(targets) - set(zs):
        return None
    if value.free_symbols & set(zs):               # E written with sigma(z): the outputs in terms of z
        if output == "softmax":
            rule_a = {net["a", net.L, i, *e]: sp.exp(net["z", net.L, i, *e])
                      / sp.Add(*[sp.exp(net["z", net.L, k, *e]) for k in net.units(net.L)])
                      for e in examples for i in net.units(net.L)}
        else:
            rule_a = {net["a", net.L, i, *e]: forward(output, net["z", net.L, i, *e])
                      for e in examples for i in net.units(net.L)}
        value = value.xreplace(rule_a)
        symbols = sorted(set(zs) | set(targets), key=str)
    else:
        symbols = sorted(set(outputs) | set(targets), key=str)
    rng = random.Random(23)
    points = [{x: sp.Float(rng.uniform(0.05, 0.95)) for x in symbols} for _ in range(PROBES)]
    for family in LOSSES:
        rule = sp.Add(*[loss_term(family, net["t", i, *e], net["a", net.L, i, *e], net.size(net.L))
                        for e in examples for i in net.units(net.L)]) / net.m
        if symbols and symbols[0] in zs or any(z in symbols for z in zs):
            rule = rule.xreplace(rule_a)
        if all(_same(value, rule, p) for p in points):
            return family
    return None


def _same_loss(net: Network, first: str, second: str) -> bool:
    """Are two loss families the same function for this network (MSE over 2 outputs, half-SSE)?"""
    e = net.ex(1)
    a = [net["a", net.L, i, *e] for i in net.units(net.L)]
    t = [net["t", i, *e] for i in net.units(net.L)]
    rules = [sp.Add(*[loss_term(f, ti, ai, net.size(net.L)) for ti, ai in zip(t, a)]) for f in (first, second)]
    rng = random.Random(29)
    points = [{x: sp.Float(rng.uniform(0.05, 0.95)) for x in a + t} for _ in range(PROBES)]
    return all(_same(rules[0], rules[1], p) for p in points)


def _loss_parts(meaning, net, statements) -> dict:
    """E_i and E^{[n]} as the document defines them (E = E_1 + E_2 written with them)."""
    out = {}
    for st in statements:
        if len(st.members) < 2 or len(st.head.parts) != 1 or len(st.members[1].parts) != 1:
            continue
        head = st.head.parts[0].expr
        if not (isinstance(head, s.Sym) and head.name == "E" and (head.sub or head.example) and not head.layer):
            continue
        letter = head.example if head.example and head.example.isalpha() and len(head.example) == 1 else None
        for env in ([{letter: n} for n in net.examples] if letter else [{}]):     # L^{(i)} = ...: each example
            try:
                symbol = meaning.name_value(head, env)
            except DeriveError:
                continue
            value = _value(meaning, st.members[1].parts[0].expr, env)
            if value is not None and not isinstance(value, sp.MatrixBase) and symbol not in out \
                    and value.free_symbols:         # a number (E_{o2} = 0.023560026) defines no term
                out[symbol] = value
    return out | _alike_terms(net, out)


def _alike_terms(net, defined: dict) -> dict:
    """The loss terms of output units a worked example says are alike ("repeating this process for
    o2"): when E_j is defined, for one example, in unit j's own output and target only, E_k of every
    output unit not defined is the same expression in unit k's."""
    if net.m != 1:
        return {}
    L, units = net.L, list(net.units(net.L))
    own = lambda j: {net["a", L, j], net["t", j], net["z", L, j]}        # noqa: E731
    for symbol, value in defined.items():
        kind = net.quantities.get(symbol, ("",))
        if kind[0] == "E" and len(kind) == 2 and value.free_symbols and value.free_symbols <= own(kind[1]):
            j = kind[1]
            return {net["E", k]: value.xreplace({net["a", L, j]: net["a", L, k], net["t", j]: net["t", k],
                                                 net["z", L, j]: net["z", L, k]})
                    for k in units if net["E", k] not in defined}
    return {}


def _mentions(expr, names) -> bool:
    return any(isinstance(n, s.Sym) and n.name in names for n in walk(expr))


def _with_layer(node, layer: int):
    """The tree with the output layer given to a, z and t written without one (E = -sum_i t_i log a_i)."""
    if isinstance(node, s.Sym):
        if node.name in ("a", "z", "t") and node.layer is None and node.sub:
            return replace(node, layer=str(layer))
        return node
    return s.map_children(node, lambda child: _with_layer(child, layer))


def _same(value, rule, point) -> bool:
    try:
        left = complex(value.xreplace(point).evalf())
        right = complex(rule.xreplace(point).evalf())
    except (TypeError, ValueError):
        return False
    return abs(left - right) <= 1e-12 * max(1.0, abs(left), abs(right))
