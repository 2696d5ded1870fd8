"""Exact polynomial arithmetic for the zero test, with python-flint's sparse multivariate
polynomials over QQ (fmpq_mpoly).

Where a difference is a polynomial in its symbols (no division, no function left) and its two
sides are not the same graph (a sum written in another order or with another sign than the error
terms it expands), it has to be multiplied out.  SymPy's `ring.from_expr` does that in Python, term
by term; FLINT does it in C, and this conversion walks each shared sub-sum once (by identity, as in
dag.py), so the sub-sum `sum_m (a_m - t_m) ... w_{mk}` is multiplied out once per claim, not once per
path.  The answer is the same exact one: the polynomial is 0 or it is not.
"""
from __future__ import annotations

import math

import flint
import sympy as sp


class NotPolynomial(Exception):
    """Something in the expression is not a polynomial over QQ in its symbols."""


def polynomial(e: sp.Expr, gens: tuple):
    """e as an fmpq_mpoly in `gens` (every symbol of e among them), or None when e is not a
    polynomial over QQ in them (a negative or fractional power, a function, a float)."""
    ctx = flint.fmpq_mpoly_ctx.get(tuple(f"v{k}" for k in range(len(gens))), "lex") if gens else None
    if ctx is None:
        return None
    index = dict(zip(gens, ctx.gens()))
    try:
        return _convert(e, ctx, index, {})
    except NotPolynomial:
        return None


def _convert(e, ctx, index, memo):
    kept = memo.get(id(e))
    if kept is not None:
        return kept[0]
    if e.is_Symbol:
        if e not in index:
            raise NotPolynomial
        out = index[e]
    elif e.is_Rational:
        out = ctx.from_dict({}) + flint.fmpq(int(e.p), int(e.q))
    elif isinstance(e, sp.Add):
        out = ctx.from_dict({})
        for a in e.args:
            out += _convert(a, ctx, index, memo)
    elif isinstance(e, sp.Mul):
        out = ctx.from_dict({}) + 1
        for a in e.args:
            out *= _convert(a, ctx, index, memo)
    elif isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp >= 0:
        out = _convert(e.base, ctx, index, memo) ** int(e.exp)
    else:
        raise NotPolynomial
    memo[id(e)] = (out, e)
    return out


def factored(e: sp.Expr) -> sp.Expr | None:
    """e factored over the integers by FLINT (e a polynomial over QQ in its symbols), else None:
    a rational constant times primitive integer factors, as SymPy's `factor` writes it.  SymPy's own
    takes seconds on the difference of two sides in a dozen symbols; FLINT, milliseconds."""
    if e == 0 or not e.free_symbols:
        return e
    gens = tuple(sorted(e.free_symbols, key=str))
    p = polynomial(e, gens)
    if p is None:
        return None
    terms = p.to_dict()
    denominator = 1
    for c in terms.values():
        denominator = denominator * int(c.q) // math.gcd(denominator, int(c.q))
    ctx = flint.fmpz_mpoly_ctx.get(tuple(f"v{k}" for k in range(len(gens))), "lex")
    integral = ctx.from_dict({k: int(c.p) * (denominator // int(c.q)) for k, c in terms.items()})
    constant, factors = integral.factor()
    args = [sp.Rational(int(constant), denominator)]
    args += [_expr(f.to_dict(), gens) ** int(power) for f, power in factors]
    return sp.Mul(*args)          # in one call: a number and a sum side by side stay apart


def _expr(terms: dict, gens: tuple) -> sp.Expr:
    out = []
    for exponents, c in terms.items():
        term = sp.Integer(int(c))
        for g, k in zip(gens, exponents):
            if k:
                term *= g ** int(k)
        out.append(term)
    return sp.Add(*out)
