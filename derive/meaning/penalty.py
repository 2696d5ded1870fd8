"""The sums a penalty term writes, which run over parameters or over layers rather than over units:

    \\sum_w w^2                 every weight of the network (Nielsen's L2 term), `\\sum_b b^2` every bias
    \\sum_l \\|W^{[l]}\\|_F^2     every layer with weights (Ng's; `\\sum_{l=1}^{L}` in a numbering of
                                its own means the same: all of them)

and the norm of every weight at once, `\\|w\\|^2` (`\\|w\\|_2^2`: w the vector of all of them).
`Evaluate._Sum` asks `parameter_sum` first (`_Norm`, `parameter_norm`); None means the sum is an ordinary one (over units or
examples).  What the bound name stands for is put in the environment as the parameter's own symbol
(`w` -> w_{11}^{(2)}), or the layer's number, and the summand is evaluated once for each.
"""
from __future__ import annotations

from typing import Callable

import sympy as sp

from ..model.network import Network
from ..notation import syntax as s
from ..notation.indices import bind_layers
from ..notation.syntax import walk

def parameter_sum(net: Network, node: s.Sum, env: dict, value: Callable) -> sp.Expr | None:
    """The value of a sum over every weight (bias), or over every layer with weights, else None."""
    var = node.var
    if var in ("w", "b") and node.upper is None and _uses_bare(node.body, var):
        symbols = [q for k, q in net.symbols.items() if k[0] == var and net.quantities[q] == k]
        return sp.Add(*[value(node.body, {**env, var: q}) for q in symbols])
    if node.upper is None or (isinstance(node.upper, s.Sym) and node.upper.name == "L" and not node.upper.sub):
        if _layers_of(node.body, var) and not _indexes_units(node.body, var):
            terms = [value(bind_layers(node.body, {var: layer}, net.L), {**env, var: layer})
                     for layer in range(2, net.L + 1)]
            return sp.Add(*terms)
    return None


def _uses_bare(body, var: str) -> bool:
    return any(isinstance(n, s.Sym) and n.name == var and not n.sub and not n.layer and not n.example
               for n in walk(body))


def _layers_of(body, var: str) -> bool:
    """Does the summand name a layer's weights (W^{(l)}, w^{(l)}) by the sum's letter?"""
    return any(isinstance(n, s.Sym) and n.name in ("W", "w") and n.layer == var for n in walk(body))


def _indexes_units(body, var: str) -> bool:
    return any(isinstance(n, s.Sym) and n.sub and var in n.sub for n in walk(body))


def parameter_norm(net: Network, node: s.Norm, env: dict) -> sp.Expr | None:
    """\\|w\\| (\\|b\\|): the norm of the vector of every weight (bias), a name no sum binds; else None."""
    w = node.operand
    if isinstance(w, s.Sym) and w.name in ("w", "b") and not w.sub and not w.layer and not w.example \
            and w.name not in env:
        symbols = [q for k, q in net.symbols.items() if k[0] == w.name and net.quantities[q] == k]
        return sp.sqrt(sp.Add(*[q ** 2 for q in symbols])) if symbols else None
    return None
