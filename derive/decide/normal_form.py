"""The normal form of a side of a claim, and the zero test on the difference of two sides.

- *Node values* (`NormalForm.normal`): derivative symbols become the oracle's normal form, z, the
  outputs of identity and ReLU units, E_i, E their definitions, and each unit's function of its z
  the family's atom (sigmoid(z) -> a, sigmoid(-z) -> 1 - a, e^{-z} -> (1 - a)/a; tanh(z) -> a;
  max(0, z) -> h z and 1[z > 0] -> h; e^{z_j} -> a_j S for a softmax), then the relations are
  applied (softmax outputs, and the targets of a cross-entropy over a softmax, sum to 1).  What is
  left is a rational function of the leaves and the atoms; any function that could not be brought
  there is *opaque* (one more free atom).
- *The level a claim is written at* (`NormalForm.level`): the oracle's error terms stay atoms, and
  a document's error term proved equal to the oracle's (or its negative) becomes the oracle's atom;
  `level_proof` unfolds the lowest layer's atoms one level at a time until the difference is 0 or
  no atom is left.
- *The zero test* (`NormalForm.is_zero`): the difference as a rational function (sparse
  polynomials over QQ), every ReLU step reduced h^2 = h.
- *The exp form* (`simplifies_to_zero`): node values written back as exponentials of the leaves,
  for SymPy's simplify when the difference is opaque.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ..meaning.derivatives import DefinedTerm
from ..model.families import LEAKY_SLOPE, leaky, relu, sigmoid, softmax, step
from ..model.network import Network
from ..model.oracle import Oracle
from . import dag
from .polynomials import polynomial

REWRITTEN = (sigmoid, sp.exp, sp.tanh, relu, leaky, step, softmax)


class NormalForm:
    """Node values and level forms of expressions in one network, cached per expression."""

    def __init__(self, net: Network, derivatives: dict, oracle: Oracle):
        self.net = net
        self.derivatives = derivatives
        self.oracle = oracle
        self._normal: dict = {}
        self._level: dict = {}
        self._terms: dict = {}
        self._expansions = net.expansions
        # walks of shared subexpressions, kept for the network (dag.py): symbols, the expansions and
        # relations substituted, whether a unit's function is left, each unit's function as its atom
        self._symbols: dict = {}
        self._expanded: dict = {}
        self._related: dict = {}
        self._rewritten: dict = {}
        self._unit_atoms: dict = {}
        self._layer_rules: dict = {}
        self._functions: dict = {}

    # -- node values ----------------------------------------------------------------------------------
    def normal(self, expr: sp.Expr) -> sp.Expr:
        """The expression in leaves and free atoms (opaque functions left where unavoidable), with the
        relations between atoms applied (softmax outputs, cross-entropy targets sum to 1)."""
        if expr not in self._normal:
            known = {}
            for q in dag.free_symbols(expr, self._symbols):
                d = self.derivatives.get(q)
                if d is not None:
                    known[q] = self.normal(d.value) if isinstance(d, DefinedTerm) else d.normal
            self._normal[expr] = self._finish(dag.xreplace(expr, known, {}))
        return self._normal[expr]

    def _finish(self, e: sp.Expr) -> sp.Expr:
        e = dag.xreplace(e, self._expansions, self._expanded)
        if dag.has(e, REWRITTEN, self._rewritten):
            e = self._rewrite(e, self._unit_atoms)
        return dag.xreplace(e, self.net.relations, self._related)

    # -- the level a claim is written at ------------------------------------------------------------
    def level(self, expr: sp.Expr) -> sp.Expr:
        """The expression with the oracle's error terms as atoms: derivative symbols in their level
        form, a document's proved error terms as the oracle's atoms (others by their definitions)."""
        if expr not in self._level:
            known = {}
            for q in dag.free_symbols(expr, self._symbols):
                d = self.derivatives.get(q)
                if isinstance(d, DefinedTerm):
                    atom = self.proved_term(q)
                    known[q] = atom if atom is not None else self.level(d.value)
                elif d is not None:
                    known[q] = d.level
            self._level[expr] = self._finish(dag.xreplace(expr, known, {}))
        return self._level[expr]

    def proved_term(self, symbol: sp.Symbol):
        """The oracle's atom (or its negative) that a document's error term was proved equal to, else
        None.  Proved at its own level, once: its definition uses the next layer's terms."""
        if symbol not in self._terms:
            self._terms[symbol] = None              # a definition never leans on itself
            d = self.derivatives[symbol]
            key = self.net.quantities[d.z]
            atom = self.oracle.error_term(("E",), key[1], key[2], tuple(key[3:]))
            value = self.level(d.value)
            for sign in (1, -1):
                if self._unfolds_to_zero(value, sign * self._finish(atom)) is not None:
                    self._terms[symbol] = sign * atom
                    break
        return self._terms[symbol]

    def _unfolds_to_zero(self, a: sp.Expr, b: sp.Expr):
        """Is a - b 0 with the error-term atoms free, unfolding the lowest layer's atoms one level at
        a time until it is or no atom is left?  The layers of the atoms the sides still had at the
        zero (a set, empty in node values), or None when a - b is not 0."""
        levels, layer_of = self.oracle.levels, self.oracle.layer_of
        while True:
            in_a = [q for q in dag.free_symbols(a, self._symbols) if q in levels]
            in_b = [q for q in dag.free_symbols(b, self._symbols) if q in levels]
            atoms = list(set(in_a) | set(in_b))
            # one side in error-term atoms, the other in node values (an explicit sum): the atoms
            # alone cannot cancel, so unfold without a zero test that expands both sides for nothing
            lopsided = bool(in_a) != bool(in_b)
            if not lopsided and self.is_zero(cancel_shared(a, b)):
                return frozenset(layer_of[q] for q in atoms)
            if not atoms:
                return None
            low = min(layer_of[q] for q in atoms)
            unfold, memo = self._layer_rule(low)
            if any(q in unfold for q in in_a):          # a side without those atoms stays as it is
                a = self._finish(dag.xreplace(a, unfold, memo))
            if any(q in unfold for q in in_b):
                b = self._finish(dag.xreplace(b, unfold, memo))

    def _layer_rule(self, layer: int):
        """Every error-term atom of one layer -> its level form, with the walk's memo for the network
        (claims unfolding the same terms share the unfolded sub-sums, as objects)."""
        if layer not in self._layer_rules:
            levels, layer_of = self.oracle.levels, self.oracle.layer_of
            self._layer_rules[layer] = ({q: levels[q] for q in levels if layer_of[q] == layer}, {})
        return self._layer_rules[layer]

    def level_proof(self, left, right):
        """The layers of the error terms the claim was proved with as atoms, or None (not proved so)."""
        layers = set()
        for l, r in zip(left, right):
            found = self._unfolds_to_zero(self.level(l), self.level(r))
            if found is None:
                return None
            layers |= found
        return layers

    # -- each unit's function of its z as the family's atom ---------------------------------------------
    def _rewrite(self, e: sp.Expr, memo: dict) -> sp.Expr:
        if not e.args:
            return e
        if id(e) in memo:                   # a shared subexpression, rewritten once (dag.py)
            return memo[id(e)][0]
        args = [self._rewrite(a, memo) for a in e.args]
        if isinstance(e, REWRITTEN):
            out = self._unit_function(e.func, args)
        else:
            out = e.func(*args) if any(a is not b for a, b in zip(args, e.args)) else e
        memo[id(e)] = (out, e)
        return out

    def _unit_multiple(self, arg: sp.Expr):
        """(layer, unit, example, c) when arg == c * z_j^{(l)} for a whole number c, else None."""
        arg = sp.expand(arg)
        for bias in arg.free_symbols & self.net.unit_of_bias.keys():
            c = arg.coeff(bias)
            if not (c.is_Integer and c != 0):
                continue
            for l, j, n, z in self.net.unit_of_bias[bias]:
                if sp.expand(arg - c * z) == 0:
                    return l, j, n, int(c)
        return None

    def _unit_function(self, func, args):
        """A function of a unit's z in node values where the unit's family allows it."""
        found = self._unit_multiple(args[0]) if func is not softmax else None
        if not found:
            return func(*args)
        l, j, n, c = found
        net = self.net
        act = net.activation(l)
        key = ("a", l, j) + net.ex(n)
        a = net[key]
        if func is sigmoid and act == "sigmoid" and c in (1, -1):
            return a if c == 1 else 1 - a
        if func is sp.tanh and act == "tanh" and c in (1, -1):
            return c * a
        if func is sp.exp:
            if act == "sigmoid":
                return (a / (1 - a)) ** c
            if act == "tanh" and c % 2 == 0:
                return ((1 + a) / (1 - a)) ** (c // 2)
            if act == "softmax":
                return (a * net["S", l, *net.ex(n)]) ** c
        if func is relu and act == "relu" and c == 1:
            return self._expansions[a]
        if func is leaky and act == "leaky-relu" and c == 1 and args[1] == LEAKY_SLOPE:
            return self._expansions[a]
        if func is step and act in ("relu", "leaky-relu") and c == 1:
            return net["h", l, j, *net.ex(n)]
        return func(*args)

    # -- the zero test --------------------------------------------------------------------------------
    def is_zero(self, d: sp.Expr) -> bool:
        """Is the difference 0 as a rational function of the symbols in it (leaves, node values,
        error-term atoms), with each ReLU step h reduced by h^2 = h?  Any function left (log a, exp
        of something not a unit's z) is one more free atom: a zero is then a zero whatever its
        value.  Sparse polynomial arithmetic over just the symbols the difference has (exact,
        several times faster than expand)."""
        if d == 0:
            return True
        atoms = [f for f in d.atoms(sp.Function) if f.free_symbols] if dag.has(d, (sp.Function,), self._functions) else []
        if atoms:
            d = d.xreplace({f: sp.Dummy(f"atom{k}") for k, f in enumerate(atoms)})
        gens = tuple(sorted(dag.free_symbols(d, self._symbols), key=str))
        if not gens:
            return sp.expand(d) == 0
        value = polynomial(d, gens)             # FLINT, each shared sub-sum once (polynomials.py)
        if value is not None:
            if value == 0:
                return True
            if not set(self.net.steps) & set(gens):
                return False
        for domain in domains(gens):
            try:
                value = domain.from_expr(d)
            except (ValueError, TypeError, ZeroDivisionError, sp.PolynomialError):
                continue
            if value == 0:
                return True
            steps = set(self.net.steps)
            if not steps & set(gens):
                return False
            numerator = value.numer if type(value).__name__ == "FracElement" else value
            return _reduce_steps(numerator, [k for k, g in enumerate(gens) if g in steps]) == 0
        numerator, _ = sp.fraction(sp.together(d))
        return sp.expand(numerator) == 0


def cancel_shared(a: sp.Expr, b: sp.Expr) -> sp.Expr:
    """a - b with the factors the two products share left out: (c a') - (c b') is 0 when a' - b' is
    (the converse is not needed: only a zero proves), and the shared factor is not expanded into
    every term of both sides.  Plain a - b when they share nothing."""
    if isinstance(a, sp.Mul) and isinstance(b, sp.Mul):
        left, right = list(a.args), list(b.args)
        shared = [f for f in left if f in right]
        if shared:
            for f in shared:
                right.remove(f)
            rest = list(left)
            for f in shared:
                rest.remove(f)
            return sp.Mul(*rest) - sp.Mul(*right)
    return a - b


def opaque(e: sp.Expr) -> bool:
    """Is a function of something not a unit's z left in the expression (one more free atom)?"""
    return any(f.free_symbols for f in e.atoms(*REWRITTEN))


def simplifies_to_zero(net: Network, diffs) -> bool:
    """Does every difference, with the node values written back in exp form, simplify to 0?"""
    back = {}
    for key, symbol in net.symbols.items():
        if key[0] == "a":
            back[symbol] = net.compose(key).rewrite(sp.exp)
        elif key[0] == "h":
            back[symbol] = step(net.compose(("z",) + key[1:]))
        elif key[0] == "S":
            back[symbol] = sp.Add(*[sp.exp(net.compose(("z", key[1], k) + key[2:])) for k in net.units(key[1])])
    for d in diffs:
        full = d.xreplace(back).rewrite(sp.exp)
        if sp.simplify(full) != 0:
            return False
    return True


@lru_cache(maxsize=4096)
def domains(gens):
    """The polynomial ring and the field of fractions over QQ in these symbols."""
    from sympy.polys.domains import QQ
    from sympy.polys.fields import field
    from sympy.polys.rings import ring
    return ring(gens, QQ)[0], field(gens, QQ)[0]


def _reduce_steps(numerator, indices) -> int:
    """The number of non-zero terms left when every step h in the polynomial is reduced h^k -> h."""
    terms: dict = {}
    for monomial, coefficient in numerator.terms():
        reduced = tuple(min(e, 1) if k in indices else e for k, e in enumerate(monomial))
        terms[reduced] = terms.get(reduced, 0) + coefficient
    return sum(1 for c in terms.values() if c != 0)
