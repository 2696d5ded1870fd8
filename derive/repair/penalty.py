"""The slips of weight decay, as edits: the decay term's coefficient written wrong (λ for λ/n, 2λ/n
for λ/n: the ½ of the penalty forgotten), and the decay term forgotten in a gradient.

The penalty R = c Σ p² (model/penalty.py) gives each penalised parameter p the decay term 2c p; `k`
is 2c printed in the document's names (`\\frac{\\lambda}{n}`, `\\lambda`).  Candidates only: the
search (`search.Search`) decides each like any claim, so only an edit that proves the claim is
reported (a decay term added to a bias's gradient never is, when the text penalises weights only).
"""
from __future__ import annotations

import sympy as sp

from ..model.penalty import COEFFICIENT
from ..notation import syntax as s
from .written import Edit, Written


def _decay(w: Written) -> list[str]:
    """2c, the decay term's coefficient, in the document's LaTeX (`\\frac{\\lambda}{m}` too where
    it is divided by the batch size m); [] without a penalty."""
    penalty = w.net.spec.penalty
    if penalty is None or penalty.value is None:
        return []
    value = sp.expand(penalty.value)
    for p in sorted(value.free_symbols, key=str):
        if not p.name.startswith(COEFFICIENT):
            c = sp.factor(sp.diff(value, p, 2))
            if c.free_symbols & {q for q in value.free_symbols if not q.name.startswith(COEFFICIENT)}:
                return []
            out = [_latex(w.net, c)]
            top, below = sp.fraction(c)
            if w.net.m > 1 and below.is_Integer and below % w.net.m == 0:       # λ/m with m the batch
                scale = below // w.net.m
                out.append(f"\\frac{{{_latex(w.net, top)}}}{{{'' if scale == 1 else scale}m}}")
            return out
    return []


def _latex(net, expr) -> str:
    """A coefficient (λ/n, λ) in the document's LaTeX: its names as the document writes them."""
    return sp.latex(expr, symbol_names={q: net.display.get(q, str(q)) for q in expr.free_symbols})


def _coefficient_factor(node, names) -> bool:
    """A factor written of the penalty's coefficients and numbers only, with its first (\\lambda,
    \\frac{2\\lambda}{n}; not \\frac{1}{m})."""
    syms = [n for n in s.walk(node) if isinstance(n, s.Sym)]
    return bool(syms) and all(n.name in names and not n.sub and not n.layer for n in syms) \
        and any(n.name == names[0] for n in syms) \
        and all(isinstance(n, (s.Sym, s.Num, s.Frac, s.BinOp, s.Neg)) for n in s.walk(node))


def decay_terms(w: Written):
    """The decay term's coefficient put right, or the decay term added after a derivative by a
    parameter (`\\frac{\\partial C_0}{\\partial w}` + \\frac{\\lambda}{n} w)."""
    decays = _decay(w)
    if not decays:
        return
    names = [name for name, _ in w.net.spec.penalty.coefficients] + (["m"] if w.net.m > 1 else [])
    if not names:
        return
    seen = set()
    for j, node in w.nodes():
        if _coefficient_factor(node, names):
            a, b = w.span(j, node, groups=False)
            for k in decays[::-1]:
                if (j, a, k) in seen or w.texts[j][a:b] == k:
                    continue
                seen.add((j, a, k))
                yield Edit(j, a, b, k, "wrong factor", f"`{w.texts[j][a:b]}` should be `{k}`")
    k = decays[0]
    yield from _missing_decay(w, decays)
    for j, node, _ in reversed(w.terms):
        for n in s.walk(node):
            if isinstance(n, s.Derivative) and isinstance(n.wrt, s.Sym) and n.wrt.name in ("w", "W", "b"):
                a, b = w.span(j, node)
                old = w.texts[j][a:b]
                p = w.text(j, n.wrt, False)
                yield Edit(j, a, b, f"{old} + {k} {p}", "missing term", f"a term `{k} {p}` is missing after `{old}`")
                break


def _missing_decay(w: Written, decays: list[str]):
    """The decay term of a parameter (a layer's weights) missing from the member: what it lacks is
    2c times the parameter, written after its last term in each spelling the document may use for it
    (Ng's W^{[l-1]}, W^{(l)}, w^l, a worked example's w_5, ...); only a spelling the document's own
    reading makes the parameter is ever proved."""
    penalty = w.net.spec.penalty
    try:
        lacking = w.normal(w.reference) - w.normal_member()
    except (TypeError, AttributeError, ValueError):
        return
    c2 = None
    value = sp.expand(penalty.value)
    for p in value.free_symbols:
        if not p.name.startswith(COEFFICIENT):
            c2 = sp.diff(value, p, 2)
            break
    if c2 is None or c2 == 0:
        return
    entries = list(lacking) if hasattr(lacking, "shape") else [lacking]
    keys = [w.net.quantities.get(sp.cancel(e / c2)) for e in entries]
    if not keys or any(k is None or k[0] != "w" for k in keys) or len({k[1] for k in keys}) != 1:
        return
    layer = keys[0][1]
    if hasattr(lacking, "shape"):
        spellings = [f"W^{{[{layer - 1}]}}", f"W^{{({layer})}}", f"W^{{({layer - 1})}}", f"w^{layer}", f"W^{layer}",
                     f"\\mathbf{{W}}^{{({layer - 1})}}", f"\\mathbf{{W}}^{{({layer})}}"]
    else:
        _, l, j, i = keys[0]
        count = sum(1 for q in w.net.symbols if q[0] == "w")
        spellings = [f"w_{n}" for n in range(1, min(count, 16) + 1)] + [f"w_{{{j}{i}}}^{{({l})}}", f"w^{l}_{{{j}{i}}}"]
    j, node, _ = w.terms[-1]
    a, b = w.span(j, node)
    old = w.texts[j][a:b]
    for k in decays[::-1]:
        for p in spellings:
            yield Edit(j, a, b, f"{old} + {k} {p}", "missing term", f"a term `{k} {p}` is missing after `{old}`")
