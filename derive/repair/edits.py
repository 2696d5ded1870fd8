"""The kinds of edit a lecturer's slip calls for, each a generator of candidate `Edit`s of a
written member, in the order they are tried:

- `names`: an index slip (`w_{12}^{(3)}` for `w_{11}^{(3)}`) or a wrong layer (`a^{(2)}` for `a^{(3)}`),
  first the names whose quantity is in the difference of the sides;
- `signs`: `+` for `-`, the operands of a difference swapped (`(t - a)` for `(a - t)`), a `-` dropped;
- `transposes`: a transpose added or removed;  `swaps`: the operands of a matrix product swapped;
- `extra_factors`: a factor dropped, or a pair side by side (`a (1 - a)`);
- `steps`: a chain-rule product missing its step `dB/dC` between `dA/dB` and `dC/dD`;
- `extra_terms`: a term of a sum dropped;
- `reroutes`: a chain rule through a unit the parameter does not reach, the unit renamed throughout.
(A factor missing or wrong, or a term missing, is found by division: `factors.missing`.)

An edit is only a candidate: the search (`search.Search`) decides each like any claim.
"""
from __future__ import annotations

import re

import sympy as sp

from ..errors import DeriveError
from ..meaning.values import is_matrix
from ..notation import syntax as s
from .written import Edit, Written

SUB = re.compile(r"_\s*(\{\s*([^{}]*?)\s*\}|([A-Za-z0-9]))")
LAYER = re.compile(r"\^\s*\{\s*\(\s*([^(){}]*?)\s*\)\s*(T|\\top)?\s*\}")
TRANSPOSE_END = re.compile(r"\^\s*(\{\s*(T|\\top|\\intercal)\s*\}|T|\\top|\\intercal)\s*$")
LAYER_T = re.compile(r"(\^\s*\{\s*\(\s*[^(){}]*?\s*\))\s*(T|\\top)(\s*\})")
MATRIX_NAMES = ("A", "W", "Z", "T", "loss", "b")
NG_LAYER = re.compile(r"(\^\s*\{\s*\[\s*\d+\s*\])\s*\}$")        # A^{[1]}: Ng's layer, no transpose
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


def ordinal(k: int) -> str:
    return ORDINALS[k] if k < len(ORDINALS) else f"{k + 1}th"


# -- index slips and wrong layers -------------------------------------------------------------------
def _hot(w: Written) -> set:
    """The quantities in the difference of the sides: a name slip is most likely among them."""
    try:
        mine = w.meaning.member_value(w.member)
        pairs = zip(w.reference, mine) if is_matrix(mine) and is_matrix(w.reference) else [(w.reference, mine)]
        return set().union(*(sp.expand(w.decider.normal(a) - w.decider.normal(b)).free_symbols
                             for a, b in pairs))
    except Exception:
        return set()


def names(w: Written):
    """An index or a layer changed (first the names whose quantity is in the difference)."""
    hot = _hot(w)

    def heat(node) -> int:
        try:
            v = w.meaning.value(node, {})
            return 1 if set(w.decider.normal(v).free_symbols) & hot else 0
        except (DeriveError, KeyError, TypeError, AttributeError):
            return 0
    edits = []
    for k, node in w.nodes():
        if not isinstance(node, s.Sym):
            continue
        a, b = node.start - w.bases[k], node.end - w.bases[k]
        text = w.texts[k][a:b]
        old_heat = heat(node)
        for new, kind in _renamed(w.net, node, text):
            score = old_heat
            edits.append((-score, len(edits), Edit(k, a, b, new, kind, f"`{text}` should be `{new}`")))
    for *_, edit in sorted(edits, key=lambda e: e[:2]):
        yield edit


def _renamed(net, node: s.Sym, text: str):
    """(the name's text with another index or layer, the kind of slip), for each index and layer."""
    L = net.L
    sub = SUB.search(text)
    layer = LAYER.search(text)
    if node.sub and node.sub.isdigit() and sub:
        digits = node.sub
        ranges = [range(1, 1 + max(net.spec.layers))] * len(digits)
        for new in _index_variants(digits, ranges):
            inner = new if sub.group(2) is not None or len(new) == 1 else "{" + new + "}"
            start, end = (sub.start(2), sub.end(2)) if sub.group(2) is not None else (sub.start(3), sub.end(3))
            if sub.group(2) is None and len(new) > 1:
                start, end = sub.start(1), sub.end(1)
            elif sub.group(2) and sub.group(2) != digits and sub.group(2).endswith(digits):
                start = end - len(digits)           # a document's own unit name: out_{h1} -> out_{h2}
            yield text[:start] + inner + text[end:], "index slip"
    if node.layer and node.layer.isdigit() and layer:
        for l in range(1, L + 1):
            if str(l) != node.layer:
                yield text[:layer.start(1)] + str(l) + text[layer.end(1):], "wrong layer"
    m = re.fullmatch(r"([A-Za-z]+)([0-9]+)", node.name)
    if m and not node.layer:                                       # A1, W3
        for l in range(1, L + 1):
            if str(l) != m.group(2):
                yield text.replace(node.name, m.group(1) + str(l), 1), "wrong layer"


def _index_variants(digits: str, ranges):
    """Every index of the same length differing from `digits` (one digit, or the two swapped)."""
    out = []
    for k, r in enumerate(ranges):
        for d in r:
            if str(d) != digits[k]:
                out.append(digits[:k] + str(d) + digits[k + 1:])
    if len(digits) == 2 and digits[0] != digits[1]:
        out.insert(0, digits[::-1])
    for k in range(len(digits) - 1):                          # both digits changed (w_{12} for w_{21} ...)
        for d in ranges[k]:
            for e in ranges[k + 1]:
                new = digits[:k] + str(d) + str(e) + digits[k + 2:]
                if new != digits and new not in out:
                    out.append(new)
    return out


# -- signs ------------------------------------------------------------------------------------------
def signs(w: Written):
    """A sign flipped: + for -, a - dropped, the operands of a difference swapped."""
    ordinal_of = {id(node): n for n, (_, node, _) in enumerate(w.terms)}
    for k, node in w.nodes():
        if isinstance(node, s.BinOp) and node.op in "+-":
            text = w.texts[k]
            a, b = node.left.end - w.bases[k], node.right.start - w.bases[k]
            gap = text[a:b]
            m = re.search(r"[+\-\u2212]", gap)
            if m:
                flipped = "-" if node.op == "+" else "+"
                n = ordinal_of.get(id(node.right))
                what = (f"the {ordinal(n)} term has the wrong sign" if n is not None
                        else f"the sign before `{w.text(k, node.right)}` is wrong")
                yield Edit(k, a + m.start(), a + m.end(), flipped, "sign",
                           f"{what}: `{m.group(0)}` should be `{flipped}`")
            if node.op == "-" and not isinstance(node.left, s.Num):     # (1 - a) stays as it is
                l0, l1 = w.span(k, node.left)
                r0, r1 = w.span(k, node.right)
                left, right = text[l0:l1], text[r0:r1]
                swapped = f"{right}{text[l1:r0]}{left}"
                yield Edit(k, l0, r1, swapped, "sign", f"`{text[l0:r1]}` should be `{swapped}`")
        if isinstance(node, s.Neg):
            a, b = node.start - w.bases[k], node.operand.start - w.bases[k]
            yield Edit(k, a, b, "", "sign", f"the `{w.texts[k][a:b].strip()}` before "
                       f"`{w.text(k, node.operand)}` should not be there")


# -- matrices: transposes and the order of a product ------------------------------------------------
def transposes(w: Written):
    """A transpose removed or added."""
    for k, node in w.nodes():
        text = w.texts[k]
        if isinstance(node, s.Transpose):
            a, b = node.start - w.bases[k], node.end - w.bases[k]
            old = text[a:b]
            new = LAYER_T.sub(r"\1\3", old) if LAYER_T.search(old) else TRANSPOSE_END.sub("", old).rstrip()
            yield Edit(k, a, b, new, "extra transpose", f"`{old}` should be `{new}` (no transpose)")
        elif isinstance(node, s.Sym) and not (node.sub and node.layer) and _is_matrix(w, node):
            a, b = node.start - w.bases[k], node.end - w.bases[k]
            old = text[a:b]
            yield Edit(k, a, b, old + "^T", "missing transpose", f"`{old}` should be `{old}^T`")
        elif isinstance(node, s.Sym) and NG_LAYER.search(w.texts[k][node.start - w.bases[k]:node.end - w.bases[k]]) \
                and not node.sub and _is_matrix(w, node, any_name=True):
            a, b = node.start - w.bases[k], node.end - w.bases[k]
            old = text[a:b]
            new = NG_LAYER.sub(r"\1T}", old)          # Ng's A^{[1]} -> A^{[1]T}
            yield Edit(k, a, b, new, "missing transpose", f"`{old}` should be `{new}`")


def _is_matrix(w: Written, node: s.Sym, any_name: bool = False) -> bool:
    if not (any_name or node.name in MATRIX_NAMES or re.fullmatch(r"[AWZ][0-9]+", node.name)):
        return False
    try:
        return is_matrix(w.meaning.value(node, {}))
    except DeriveError:
        return False


def swaps(w: Written):
    """The operands of a matrix product swapped."""
    for k, node in w.nodes():
        if isinstance(node, s.BinOp) and node.op == "bullet":
            factors = s.factors(node, ("bullet",))
            for f, g in zip(factors, factors[1:]):
                f0, f1 = w.span(k, f)
                g0, g1 = w.span(k, g)
                text = w.texts[k]
                new = text[g0:g1] + text[f1:g0] + text[f0:f1]
                yield Edit(k, f0, g1, new, "swapped product order",
                           f"`{text[f0:g1]}` should be `{new}` (the order of a matrix product)")


# -- products: extra factors and chain-rule steps; sums: extra terms --------------------------------
def _products(w: Written):
    """Every maximal product of factors (\\times, \\cdot, juxtaposition) in the member."""
    seen = set()
    for k, node in w.nodes():
        if isinstance(node, s.BinOp) and node.op in ("times", "juxt") and id(node) not in seen:
            for inner in s.walk(node):
                if isinstance(inner, s.BinOp) and inner.op in ("times", "juxt"):
                    seen.add(id(inner))
            yield k, s.factors(node, ("times", "juxt"))


def extra_factors(w: Written):
    """A factor (or two side by side, `a (1 - a)`) that should not be there."""
    for k, factors in _products(w):
        spans = [w.span(k, f) for f in factors]
        text = w.texts[k]
        for n in range(len(factors)):
            for width in (1, 2):
                if n + width > len(factors):
                    continue
                first, last = spans[n], spans[n + width - 1]
                if n + width < len(factors):
                    a, b = first[0], spans[n + width][0]
                else:
                    a = spans[n - 1][1] if n > 0 else first[0]
                    a += len(text[a:first[0]]) - len(text[a:first[0]].lstrip())
                    b = last[1]
                shown = text[first[0]:last[1]]
                yield Edit(k, a, b, "", "extra factor", f"the factor `{shown}` should not be there")


def steps(w: Written):
    """A missing step of the chain rule: dB/dC between dA/dB and dC/dD."""
    for k, factors in _products(w):
        for f, g in zip(factors, factors[1:]):
            if isinstance(f, s.Derivative) and isinstance(g, s.Derivative) and f.wrt != g.of:
                step = (f"\\frac{{\\partial {w.text(k, f.wrt, False)}}}"
                        f"{{\\partial {w.text(k, g.of, False)}}}")
                g0, g1 = w.span(k, g)
                old = w.texts[k][g0:g1]
                yield Edit(k, g0, g1, f"{step} \\times {old}", "missing step",
                           f"a step `{step}` is missing before `{old}`")


def extra_terms(w: Written):
    """A term of a sum that should not be there."""
    for k, node in w.nodes():
        if isinstance(node, s.BinOp) and node.op in "+-":
            l0, l1 = w.span(k, node.left)
            r0, r1 = w.span(k, node.right)
            text = w.texts[k]
            yield Edit(k, l1, r1, "", "extra term", f"the term `{text[r0:r1]}` should not be there")
            if node.op == "+":
                yield Edit(k, l0, r0, "", "extra term", f"the term `{text[l0:l1]}` should not be there")


# -- a chain rule through the wrong unit --------------------------------------------------------------
ROUTED = ("a", "z", "delta")


def reroutes(w: Written):
    """A chain rule through a unit the parameter does not reach (`\\frac{\\partial E}{\\partial
    a_2^{(2)}} \\frac{\\partial a_2^{(2)}}{\\partial z_2^{(2)}} \\frac{\\partial z_2^{(2)}}{\\partial
    w_{11}^{(2)}}`): every name of that unit in the member's derivatives renamed to another unit of
    its layer at once, as one edit from the first of them to the last."""
    for k, part in enumerate(w.member.parts):
        found: dict = {}
        for node in s.walk(part.expr):
            if not isinstance(node, s.Derivative):
                continue
            for name in (node.of, node.wrt):
                if isinstance(name, s.Sym) and name.name in ROUTED and name.sub and name.sub.isdigit() \
                        and name.layer and name.layer.isdigit() and 1 <= int(name.layer) <= w.net.L:
                    found.setdefault((name.layer, name.sub), []).append(name)
        for (layer, unit), names_ in found.items():
            if len(names_) < 2:
                continue
            spans = sorted({w.span(k, n, groups=False) for n in names_})
            first, last = spans[0][0], spans[-1][1]
            for other in w.net.units(int(layer)):
                if str(other) == unit:
                    continue
                text, new, at = w.texts[k], "", first
                for a, b in spans:
                    renamed = _with_unit(text[a:b], unit, str(other))
                    if renamed is None:
                        break
                    new += text[at:a] + renamed
                    at = b
                else:
                    new += text[at:last]
                    yield Edit(k, first, last, new, "wrong unit in the chain",
                               f"the chain runs through unit {unit} of layer {layer}, which the "
                               f"parameter does not reach: unit {other} (every `_{unit}` of layer "
                               f"{layer} in it should be `_{other}`)")
            yield from _other_layer(w, k, layer, unit, names_, spans)


def _other_layer(w: Written, k: int, layer: str, unit: str, names_, spans):
    """The same name of a unit of another layer for every one of them (a chain for ∂E/∂w_5 through
    h_1 where o_1 is meant): derive's spelling, read back in the document's names by the search."""
    kinds = {n.name for n in names_}
    if len(kinds) != 1 or any(n.example for n in names_):
        return
    (kind,) = kinds
    text = w.texts[k]
    first, last = spans[0][0], spans[-1][1]
    for other_layer in (int(layer) - 1, int(layer) + 1):      # the layer before or after it
        if not 2 <= other_layer <= w.net.L:
            continue
        for other in w.net.units(other_layer):
            name = f"{kind}_{other if other < 10 else '{%d}' % other}^{{({other_layer})}}"
            new, at = "", first
            for a, b in spans:
                new += text[at:a] + name
                at = b
            new += text[at:last]
            old = text[spans[0][0]:spans[0][1]]
            yield Edit(k, first, last, new, "wrong unit in the chain",
                       f"the chain runs through `{old}`, which the parameter does not reach: "
                       f"every `{old}` in it should be `{name}`")


def _with_unit(text: str, old: str, new: str) -> str | None:
    """`a_2^{(2)}` with unit `new` for `old` (None if its subscript is not `old`)."""
    m = SUB.search(text)
    if not m or (m.group(2) or m.group(3) or "").strip() != old:
        return None
    return text[:m.start()] + "_" + (new if len(new) == 1 else "{" + new + "}") + text[m.end():]
