"""Walks over an expression that visit each shared subexpression once.

A written sum evaluated sum by sum (meaning/sums.py) and an error term unfolded layer by layer are
small graphs: the sub-sum `sum_m w_{mk} delta_m` is one object used by every gradient below it.
SymPy's own `free_symbols`, `xreplace` and `has` walk the expression as a tree, so such a value
costs as much as its expansion into every path; these walk it as the graph it is, with the same
results: each is the SymPy operation, with the answer for a subexpression kept in `memo` (a dict
the caller owns: per walk, or per network for a rule that does not change, so that claims sharing
a sub-sum share its walk too).

The memo is keyed by the object's identity, not its value: looking a value up would compare two
equal but distinct graphs as trees, node by node, which is the cost this avoids.  Each entry keeps
its object, so an identity is never reused while the memo lives.
"""
from __future__ import annotations

import sympy as sp

ARITHMETIC = (sp.Add, sp.Mul, sp.Pow)


def free_symbols(e: sp.Basic, memo: dict) -> frozenset:
    """e.free_symbols."""
    kept = memo.get(id(e))
    if kept is not None:
        return kept[0]
    if e.is_Symbol:
        found = frozenset((e,))
    elif isinstance(e, ARITHMETIC):
        found = frozenset().union(*[free_symbols(a, memo) for a in e.args])
    else:
        found = frozenset(e.free_symbols)
    memo[id(e)] = (found, e)
    return found


def xreplace(e: sp.Basic, rule: dict, memo: dict) -> sp.Basic:
    """e.xreplace(rule); `memo` belongs to this rule."""
    if not rule:
        return e
    kept = memo.get(id(e))
    if kept is not None:
        return kept[0]
    if e in rule:
        out = rule[e]
    elif isinstance(e, ARITHMETIC):
        args = [xreplace(a, rule, memo) for a in e.args]
        out = e.func(*args) if any(x is not y for x, y in zip(args, e.args)) else e
    else:
        out = e.xreplace(rule)
    memo[id(e)] = (out, e)
    return out


def has(e: sp.Basic, types: tuple, memo: dict) -> bool:
    """e.has(*types) for classes; `memo` belongs to these types."""
    kept = memo.get(id(e))
    if kept is not None:
        return kept[0]
    if isinstance(e, types):
        found = True
    elif isinstance(e, ARITHMETIC):
        found = any(has(a, types, memo) for a in e.args)
    else:
        found = e.has(*types)
    memo[id(e)] = (found, e)
    return found
