"""A penalty term added to the loss: weight decay (L2 regularisation) and its like, as documents write it.

    C = C_0 + \\frac{\\lambda}{2n} \\sum_w w^2                      (Nielsen, ch. 3)
    J = \\frac{1}{m} \\sum_i L^{(i)} + \\frac{\\lambda}{2m} \\sum_l \\|W^{[l]}\\|_F^2   (Ng)
    J = L + s,   s = \\frac{\\lambda}{2} (\\|W^{(1)}\\|_F^2 + \\|W^{(2)}\\|_F^2)         (d2l)

The network's loss E stays the *data* loss (C_0, L, E_{total}); with a penalty the network has two
more quantities: R, the penalty (s, \\Omega, or the terms as written), and J = E + R, the objective
(C, J, E_{reg}).  R is a polynomial in the parameters it names — the weights, and the biases only
where the document writes them — whose coefficients are free symbols the document introduces
(λ, and n where it is no size of the network): `Penalty.value`, read by understand/penalty.py and
kept in the Spec.  Nothing is assumed of λ: every claim is proved for every λ (and n), or refuted
at a point that gives them values.

dJ/dz = dE/dz (R does not depend on any unit), dJ/dw = dE/dw + dR/dw: the oracle (oracle.py) adds the
penalty's own derivative, an exact polynomial, to the data loss's reverse mode.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

OBJECTIVE = "J@"        # the objective's and the penalty's names once a document's are read (no
PENALTY = "R@"          # document can write these, so no name of its own is taken)
COEFFICIENT = "coef"    # the key kind of a penalty's coefficient: ("coef", "lambda")


@dataclass(frozen=True)
class Penalty:
    """R as the document defines it.  `value` is None when the document writes a penalty derive
    cannot model (then `reason` says why, and every claim about J or R is not checked)."""

    value: sp.Expr | None
    coefficients: tuple = ()        # ((name in the tree, as written: ("lambda", "\\lambda")), ...)
    objective: str = "J"            # the document's names, for printing
    name: str = "R"
    line: int = 0
    reason: str = ""

    def parameters(self, net) -> list[tuple]:
        """The keys of the parameters R penalises, in the network's order."""
        if self.value is None:
            return []
        free = self.value.free_symbols
        return [k for k, s in net.symbols.items() if k[0] in ("w", "b") and s in free and net.quantities[s] == k]

    def describe(self, net=None) -> str:
        if self.value is None:
            return f" (not modelled: {self.reason})"
        return f", objective {self.objective} = E + {self.name}, {self.name} = {_shown(self.value)}"


def _shown(value: sp.Expr) -> str:
    """R in words short enough for a model line: lambda/(2 n) * (sum of squares of N weights)."""
    squares = [t for t in sp.Add.make_args(sp.expand(value))]
    coefficient = None
    parameters = []
    for t in squares:
        c, rest = t.as_independent(*[s for s in t.free_symbols if not s.name.startswith(COEFFICIENT)])
        if rest.is_Pow and rest.exp == 2 and rest.base.is_Symbol:
            if coefficient is None:
                coefficient = c
            if c == coefficient:
                parameters.append(rest.base)
                continue
        text = sp.sstr(value)
        return text if len(text) <= 80 else text[:79] + "…"
    kinds = {"w": 0, "b": 0}
    for p in parameters:
        kinds[p.name[0]] = kinds.get(p.name[0], 0) + 1
    what = " and ".join(f"{n} {'weights' if k == 'w' else 'biases'}" for k, n in kinds.items() if n)
    coef = sp.sstr(coefficient).replace(COEFFICIENT + "_", "")
    return f"{coef} * (sum of the squares of {what})"


def coefficient_symbol(name: str) -> sp.Symbol:
    """The symbol of a coefficient the document names (the same in every network of a document)."""
    return sp.Symbol(f"{COEFFICIENT}_{name}")


def is_polynomial(value: sp.Expr, parameters) -> bool:
    """Is R a polynomial in the parameters (its coefficients in the other symbols)?  Term by term
    (a dense Poly in a thousand weights would not fit in memory)."""
    parameters = set(parameters)
    if not parameters:
        return False
    for term in sp.Add.make_args(sp.expand(value)):
        for base, exponent in term.as_powers_dict().items():
            if base in parameters:
                if not (exponent.is_Integer and exponent > 0):
                    return False
            elif base.free_symbols & parameters:
                return False                    # |w|, e^{w}: a parameter inside a function
    return True


def partial(value: sp.Expr | None, symbol: sp.Symbol) -> sp.Expr:
    """dR/d(parameter): exact."""
    if value is None:
        return sp.S.Zero
    return sp.diff(value, symbol)
