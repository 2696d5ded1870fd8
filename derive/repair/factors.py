"""What a term lacks: the missing or wrong factor of a refuted member, and a missing term.

A kind of edit of the repair search, found by division rather than by trying each name: what a
term of the member should be is the expected value less the other terms, in node values; divided
by what the term is, it gives the factor missing from it (`a (1 - a)`, `\\frac{1}{2}`, a weight),
when that is a factor a lecturer writes, printed in the lecture's notation and put where the chain
rule has it; multiplied into one of the term's factors, the factor it should have been (`a (1 - a)`
for `1 - a^2`).  The edits are only candidates: `search.Search` decides each like any claim.
"""
from __future__ import annotations

import sympy as sp

from ..meaning.values import is_matrix
from ..model.lecture_form import lecture_latex, rank
from ..model.penalty import COEFFICIENT
from ..notation import syntax as s
from . import every_index
from .written import Edit, Written

SIMPLE = 24            # a missing factor is printed only when it is this simple (count_ops)
CANCEL_OPS = 400       # sp.cancel of larger quotients can take minutes: no factor a lecturer writes is there


def missing(w: Written):
    """A factor missing or wrong, or a term missing: what the term should be, divided by what it is."""
    for terms, expected, written in _sites(w):
        for k, node, sign in terms:
            value = w.normal_node(node, matrices=True)
            if value is None:
                continue
            should = _expand(sign * (expected - written) + value)
            if _zero(should):                   # the term is 0: its last factor, the local derivative
                factors = s.factors(node, ("times", "juxt"))
                if len(factors) > 1:
                    a, b = w.span(k, factors[-1])
                    yield Edit(k, a, b, "0", "wrong factor", f"`{w.texts[k][a:b]}` should be `0`")
                continue
            q = _ratio(should, value)
            if q is None and is_matrix(value):
                yield from _for_every_index(w, k, node, should, value)
            if q is None or q == 1 or q == -1:
                continue
            if _simple(q):
                yield from _insert(w, k, node, q)
            if is_matrix(value):
                continue
            for f in s.factors(node, ("times", "juxt")):
                fv = w.normal_node(f)
                if fv is None:
                    continue
                if sp.count_ops(fv) + sp.count_ops(q) > CANCEL_OPS:
                    continue
                better = sp.factor(sp.cancel(fv * q))
                if _simple(better) and not better.is_Number:      # `x` should be 1: an extra factor
                    a, b = w.span(k, f)
                    old, new = w.texts[k][a:b], _factor_text(w.net, better)
                    yield Edit(k, a, b, new, "wrong factor", f"`{old}` should be `{new}`")
        yield from _whole(w, expected, written)
        if is_matrix(expected):
            continue
        lacking = sp.expand(expected - written)
        if lacking != 0 and sp.count_ops(lacking) <= 4 * SIMPLE and terms and _simple(sp.factor(lacking), 4):
            k, node, _ = terms[-1]
            a, b = w.span(k, node)
            old = w.texts[k][a:b]
            printed = lecture_latex(w.net, sp.factor(lacking))
            joined = f"{old} - {printed[1:].lstrip()}" if printed.startswith("-") else f"{old} + {printed}"
            yield Edit(k, a, b, joined, "missing term", f"a term `{printed}` is missing after `{old}`")


def _sites(w: Written):
    """(terms, expected, written): the whole member, or each entry of a member that is one matrix."""
    expected, written = w.normal(w.reference), w.normal_member()
    if expected is None or written is None:
        return
    yield w.terms, expected, written
    parts = w.member.parts
    if len(parts) == 1 and isinstance(parts[0].expr, s.Matrix) and is_matrix(expected):
        rows = parts[0].expr.rows
        if (len(rows), len(rows[0])) == expected.shape:
            for r, row in enumerate(rows):
                for c, entry in enumerate(row):
                    value = w.normal_node(entry)
                    if value is not None and sp.expand(value - expected[r, c]) != 0:
                        yield [(0, node, sign) for node, sign in s.terms(entry, 1)], expected[r, c], value


def _for_every_index(w: Written, k, node, should, value):
    """A factor missing from a term of a statement for every index, or one of its factors wrong: a
    different factor in each instance, written once with the statement's letter (every_index)."""
    found = every_index.ratios(w, should, value)
    if found is None:
        return
    letter, units, qs = found
    if all(_simple(q) and not q.is_Number for q in qs):
        for text in every_index.texts(w, [_factor_text(w.net, q) for q in qs], units, letter):
            yield from _insert(w, k, node, qs[0], text)
    for f in s.factors(node, ("times", "juxt")):
        fv = w.normal_node(f, matrices=True)
        if not is_matrix(fv) or fv.shape != value.shape:
            continue
        if any(sp.count_ops(a) + sp.count_ops(q) > CANCEL_OPS for a, q in zip(fv, qs)):
            continue
        better = [sp.factor(sp.cancel(a * q)) for a, q in zip(fv, qs)]
        if not all(_simple(b) and not b.is_Number for b in better):
            continue
        a, b = w.span(k, f)
        old = w.texts[k][a:b]
        for text in every_index.texts(w, [_factor_text(w.net, x) for x in better], units, letter):
            yield Edit(k, a, b, text, "wrong factor", f"`{old}` should be `{text}`")


def _whole(w: Written, expected, written):
    """A factor missing from the whole member (`\\delta_k = a_k - t_k` without `a_k (1 - a_k)`)."""
    if len(w.member.parts) != 1 or not w.terms or len(w.terms) < 2:
        return
    if is_matrix(written):
        found = every_index.ratios(w, expected, written)
        if found is None or not all(_simple(q) and not q.is_Number for q in found[2]):
            return
        letter, units, qs = found
        texts = every_index.texts(w, [_factor_text(w.net, q) for q in qs], units, letter)
    else:
        q = _ratio(expected, written)
        if q is None or q == 1 or q == -1 or not _simple(q):
            return
        texts = [_factor_text(w.net, q)]
    a, b = w.span(0, w.member.parts[0].expr)     # over the brackets around it: `(a_1 - t_1)`
    body = w.texts[0][a:b]
    if not _bracketed(body):
        body = f"({body})"
    for printed in texts:
        yield Edit(0, a, b, f"{body} {printed}", "missing factor", f"a factor `{printed}` is missing after `{body}`")


def _bracketed(text: str) -> bool:
    """Is the text one group in brackets, `(a - t)` (not `(a) - (t)`)?"""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for k, c in enumerate(text):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0 and k < len(text) - 1:
            return False
    return True


def _insert(w: Written, k, node, q, printed: str | None = None):
    """Edits putting the factor q (written `printed`) into the product `node`, where the chain rule has it."""
    glue = " \\times " if isinstance(node, s.BinOp) and node.op == "times" else " "
    factors = s.factors(node, ("times", "juxt"))
    keyed = [rank(w.net, w.normal_node(f)) for f in factors]
    wanted = rank(w.net, q)
    at = next((j for j, key in enumerate(keyed) if key < wanted), len(factors))
    printed = printed or _factor_text(w.net, q)
    if at < len(factors):
        a, b = w.span(k, factors[at])
        old = w.texts[k][a:b]
        yield Edit(k, a, b, f"{printed}{glue}{old}", "missing factor",
                   f"a factor `{printed}` is missing before `{old}`")
    else:
        a, b = w.span(k, factors[-1])
        old = w.texts[k][a:b]
        yield Edit(k, a, b, f"{old}{glue}{printed}", "missing factor",
                   f"a factor `{printed}` is missing after `{old}`")


def _expand(v):
    return v.applyfunc(sp.expand) if is_matrix(v) else sp.expand(v)


def _zero(v) -> bool:
    return all(e == 0 for e in v) if is_matrix(v) else v == 0


def _ratio(should, value):
    """should / value when that is one scalar (for matrices: the same in every entry), else None."""
    if is_matrix(should) != is_matrix(value):
        return None
    pairs = list(zip(should, value)) if is_matrix(value) else [(should, value)]
    q = None
    for a, b in pairs:
        if b == 0:
            if a != 0:
                return None
            continue
        if sp.count_ops(a) + sp.count_ops(b) > CANCEL_OPS:      # bounded: the search must stay within its second
            return None
        r = sp.cancel(a / b)
        if sp.count_ops(r) <= 2 * SIMPLE:
            r = sp.factor(r)
        if q is None:
            q = r
        elif sp.expand(r - q) != 0:
            return None
    return q


def _factor_text(net, q) -> str:
    """A factor's LaTeX, bracketed when it is a sum or begins with a sign."""
    printed = lecture_latex(net, q)
    return f"({printed})" if sp.factor(q).is_Add or printed.startswith("-") else printed


def _simple(q, scale: int = 1) -> bool:
    """Is q a factor a lecturer writes: numbers, names, and two-term sums such as (1 - a), multiplied?"""
    if sp.count_ops(q) > SIMPLE * scale:
        return False
    _, denominator = sp.fraction(q)
    if any(not d.name.startswith(COEFFICIENT + "_") for d in denominator.free_symbols):
        return False                            # \frac{\lambda}{n}: a penalty's coefficient may divide
    factors = sp.Mul.make_args(q)
    for f in factors:
        base = f.base if f.is_Pow else f
        if base.is_Add and len(base.args) > 2:
            return False
    return True


