"""The lecture's form of an expression: how a lecturer writes a gradient or a factor.

A sum over paths of products (a - t) a (1 - a) w ... from the output back; (1 - a), not (a - 1);
(a - t), not (t - a); inputs as a_i^{(1)}.  `derive export --derived` prints the oracle's gradients
this way, and a repair prints what a member should be the same way.
"""
from __future__ import annotations

import sympy as sp

from . import printing
from .network import Network, quantity_name


def lecture_names(net: Network) -> dict:
    """Inputs as a_i^{(1)}, and targets with this network's layer (t_1 is t_1^{(3)} in one network,
    t_1^{(4)} in a deeper one)."""
    names = {net["x", i]: quantity_name("a", i, layer=1) for i in net.units(1)}
    return names | {net["t", k]: quantity_name("t", k, layer=net.L) for k in net.units(net.L)}


def join_terms(terms: list[str]) -> str:
    """Printed terms as one sum: `x + y`, `x - y` for a term printed `- y`."""
    out = terms[0]
    for t in terms[1:]:
        out += f" - {t[2:]}" if t.startswith("- ") else f" + {t}"
    return out


def lecture_form(net: Network, normal: sp.Expr) -> sp.Expr:
    """`normal` (a polynomial in node values) as the lecture writes a gradient: a sum over paths of
    products (a_k - t_k) a_k (1 - a_k) w ... a_j (1 - a_j) a_i, factors from the output back, terms by
    path.  Unevaluated (print with order="none") and exactly equal to `normal`: that is checked
    here, and SymPy's factor_terms(normal) is returned if the rearrangement ever fails it."""
    L = net.L
    delta = {sp.Symbol(f"__delta{k}"): (net["a", L, k], net["t", k]) for k in net.units(L)}
    one_minus = {sp.Symbol(f"__one_minus{l}_{j}"): (net["a", l, j], l, j)
                 for l in range(2, L + 1) for j in net.units(l)}
    hold = {**{t - a: d for d, (a, t) in delta.items()}, **{a - t: -d for d, (a, t) in delta.items()},
            **{1 - a: u for u, (a, _, _) in one_minus.items()}}
    rank = {d: (-L - 1, k) for k, d in enumerate(delta)}               # where a factor stands on a path
    rank.update({u: (-l, j, 1) for u, (_, l, j) in one_minus.items()})
    for key, symbol in net.symbols.items():
        if key[0] in ("a", "x"):
            rank[symbol] = (-key[1], key[2], 0) if key[0] == "a" else (-1, key[1], 0)
        elif key[0] == "w":
            rank[symbol] = (0.5 - key[1], key[2], key[3])
    terms = []
    for term in sp.Add.make_args(sp.expand(normal.xreplace(hold))):
        coeff, factors = term.as_coeff_mul()
        flat = sorted((b for f in factors for b in ([f.base] * int(f.exp) if f.is_Pow and f.exp.is_Integer
                                                     and f.exp > 0 else [f])),
                      key=lambda f: rank.get(f, (1, 0, str(f))))
        out = []
        for f in flat:
            if f in delta:                                              # -(t - a) ... = (a - t) ...
                coeff, f = -coeff, sp.Add(delta[f][0], -delta[f][1], evaluate=False)
            elif f in one_minus:
                f = sp.Add(sp.S.One, -one_minus[f][0], evaluate=False)
            out.append(f)
        key = tuple(rank.get(f, (1, 0, str(f))) for f in flat)
        terms.append((key, sp.Mul(*([coeff] if coeff != 1 else []), *out, evaluate=False)))
    terms.sort(key=lambda kt: kt[0])
    form = sp.Add(*[t for _, t in terms], evaluate=False) if len(terms) > 1 else terms[0][1]
    return form if sp.expand(form - normal) == 0 else sp.factor_terms(normal)


INFINITY = float("inf")


def rank(net, value) -> float:
    """Where a factor stands on a path of the chain rule, from the output (high) back to the input:
    (a - t) above a^{(L)} (1 - a^{(L)}) above w^{(L)} above a^{(L-1)} ... above x; numbers first."""
    if value is None:
        return -INFINITY
    best = -INFINITY
    for symbol in getattr(value, "free_symbols", ()):
        key = net.quantities.get(symbol)
        if key is None:
            continue
        kind = key[0]
        where = {"a": lambda: key[1], "z": lambda: key[1], "x": lambda: 1, "t": lambda: net.L + 0.5,
                 "w": lambda: key[1] - 0.5, "b": lambda: key[1] - 0.5}.get(kind)
        if where is not None:
            best = max(best, where())
    return INFINITY if best == -INFINITY else best


def target_outputs(net) -> dict:
    return {net.symbols[k]: net["a", net.L, k[1]] for k in net.symbols if k[0] == "t"}


def lecture_factors(net, expr):
    """A product as the lecture writes it: (1 - a) for (a - 1), (a - t) for (t - a), factors from
    the output back.  Unevaluated: print it with order="none"."""
    expr = sp.factor(expr)
    if expr.is_Add:
        return expr
    numerator, denominator = sp.fraction(expr)
    coeff, factors = sp.factor_list(numerator)
    if denominator != 1:
        den_coeff, den_factors = sp.factor_list(denominator)
        coeff, factors = coeff / den_coeff, factors + [(b, -m) for b, m in den_factors]
    nodes = set(getattr(net, "node_values", ()))
    targets = target_outputs(net)
    out = []
    for base, m in factors:
        flipped = None
        if base.is_Add and len(base.args) == 2:
            for a in base.free_symbols:
                if a in nodes and sp.expand(base - (a - 1)) == 0:
                    flipped = sp.Add(sp.S.One, -a, evaluate=False)
                for t, out_a in targets.items():
                    if a == t and sp.expand(base - (t - out_a)) == 0:
                        flipped = sp.Add(out_a, -t, evaluate=False)
        if flipped is not None:
            coeff *= (-1) ** m
            base = flipped
        out.append((base, m))
    out.sort(key=lambda bm: (-rank(net, bm[0]), bm[0].is_Add))
    args = [sp.Pow(b, m, evaluate=False) if m != 1 else b for b, m in out]
    if coeff == -1:
        return sp.Mul(sp.S.NegativeOne, *args, evaluate=False)
    if coeff != 1 or not args:
        return sp.Mul(coeff, *args, evaluate=False)
    return args[0] if len(args) == 1 else sp.Mul(*args, evaluate=False)


def lecture_latex(net, expr) -> str:
    """A small expression (a factor, a term) in the lecture's LaTeX, readable back by derive."""
    form = lecture_factors(net, expr)
    return printing.latex(form, net.display, order="none", symbol_names=lecture_names(net))


def lecture_terms(net, normal) -> list:
    """The terms of `normal` as the lecture writes them (see `lecture_form`)."""
    form = lecture_form(net, normal)
    return list(sp.Add.make_args(form)) if form.is_Add else [form]


def print_terms(net, terms) -> str:
    """Terms printed in the lecture's LaTeX and joined as one sum."""
    printed = [printing.latex(t, net.display, mul_symbol="times", order="none", symbol_names=lecture_names(net))
               for t in terms]
    return join_terms(printed) if printed else "0"
