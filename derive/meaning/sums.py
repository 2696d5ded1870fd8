"""Written sums evaluated sum by sum, each sub-sum once.

A lecturer who follows the chain rule on a bigger network writes a gradient as nested sums of one
product, `\\sum_m \\sum_k (a_m - t_m) a_m (1 - a_m) w_{mk} a_k (1 - a_k) w_{k1} a_1 (1 - a_1) x_1`.
Evaluated term by term, that is one SymPy product per path (10 x 16 of them here), built again for
every claim.  Here the product's factors are grouped by the summation letters they use and the
letters are summed out one at a time, innermost first (the distributive law, nothing else):

    sum_m sum_k f(m) g(m, k) h(k) c  =  c * sum_k h(k) * [sum_m f(m) g(m, k)]

so the value is the same number, written with its sub-sums nested instead of multiplied out, and
each sub-sum (`sum_m f(m) g(m, k)` for one k) is built once: a claim about w_{11} and one about
w_{12} share it.  A sub-sum made only of the network's own quantities (a, z, w, b, x, t: their
meaning is fixed by the network and the letters' values, never by a document's definitions) is kept
for the rest of the run; any other is kept for the one sum being evaluated.

Anything this does not cover (a factor whose value is a matrix, a range that depends on another
letter of the same sums, a letter bound twice) gives None, and the caller evaluates the sum term by
term as written.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import sympy as sp

from ..model.network import Network
from ..notation import syntax as s
from .ranges import index_range
from .values import is_matrix

PLAIN_NAMES = frozenset("azwbxt")      # the network's quantities: a name whose meaning is the letters'
PRODUCTS = ("juxt", "times")           # scalar products (a matrix factor gives up, see module doc)


class NotScalar(Exception):
    """A factor's value is a matrix: the sum is evaluated as written instead."""


@dataclass(frozen=True)
class Factor:
    """A factor of the product under the sums: the letters of the sums it uses, a structural key
    (equal for equal text), whether its value is fixed by the network alone (`plain`), and how to
    compute it for a binding of its letters."""

    letters: frozenset
    key: tuple
    plain: bool
    compute: Callable


class Sums:
    """Sum-by-sum evaluation in one network; `value(node, env)` evaluates a syntax node."""

    def __init__(self, network: Network, value: Callable):
        self.net = network
        self._value = value
        self._kept: dict = {}          # plain sub-sums and factors, for the rest of the run

    def evaluate(self, node: s.Sum, env: dict):
        """The value of the sum, nested by letters, or None when it must be evaluated as written."""
        letters, ranges, body = [], {}, node
        while isinstance(body, s.Sum):
            if body.var in letters or body.var in env or not body.lower.text.isdigit():
                return None
            bounds = self._range(body, env, letters)
            if bounds is None:
                return None
            letters.append(body.var)
            ranges[body.var] = bounds
            body = body.body
        local: dict = {}
        env_key = _env_key(env)
        if env_key is None:
            return None
        factors = [self._leaf(f, letters, env, env_key, local) for f in s.factors(body, PRODUCTS)]
        try:
            for letter in order(letters, body):
                group = [f for f in factors if letter in f.letters]
                rest = [f for f in factors if letter not in f.letters]
                factors = rest + [self._summed(letter, ranges[letter], group, env_key, local)]
            return sp.Mul(*[f.compute({}) for f in factors])
        except NotScalar:
            return None

    def _range(self, node: s.Sum, env: dict, outer_letters: list):
        """range(lower, upper + 1) of one sum, or None where it is not a fixed whole number."""
        if node.upper is None:
            upper = index_range(self.net, node.body, node.var, node)
        else:
            if outer_letters and letters_of(node.upper) & set(outer_letters):
                return None
            value = self._value(node.upper, env)
            if is_matrix(value) or not value.is_Integer:
                return None
            upper = int(value)
        return range(int(node.lower.text), upper + 1)

    def _leaf(self, node: s.Node, letters: list, env: dict, env_key, local: dict) -> Factor:
        used = frozenset(letters) & letters_of(node)
        plain = is_plain(node)
        key = ("leaf", node)

        def compute(binding: dict):
            memo = (key, _binding_key(binding, used), env_key)
            store = self._kept if plain else local
            if memo not in store:
                v = self._value(node, {**env, **{k: binding[k] for k in used}})
                if is_matrix(v):
                    raise NotScalar
                store[memo] = v
            return store[memo]
        return Factor(used, key, plain, compute)

    def _summed(self, letter: str, bounds: range, group: list, env_key, local: dict) -> Factor:
        """The factor sum over `letter` of the product of `group`, in the group's other letters."""
        used = frozenset().union(*[f.letters for f in group]) - {letter} if group else frozenset()
        plain = all(f.plain for f in group)
        key = ("sum", letter, bounds.start, bounds.stop, tuple(sorted((f.key for f in group), key=repr)))

        def compute(binding: dict):
            memo = (key, _binding_key(binding, used), env_key)
            store = self._kept if plain else local
            if memo not in store:
                terms = []
                for k in bounds:
                    inner = {**binding, letter: k}
                    terms.append(sp.Mul(*[f.compute(inner) for f in group]))
                store[memo] = sp.Add(*terms)
            return store[memo]
        return Factor(used, key, plain, compute)


def order(letters: list, body: s.Node) -> list:
    """The order the letters are summed out: the one over the highest layer first (the order of
    reverse mode, from the output down, so a written sum nests as the error terms do), then the
    innermost written first.  Any order gives the same value; this one gives the oracle's shape."""
    def layer(letter):
        found = [int(n.layer) for n in s.walk(body) if isinstance(n, s.Sym) and n.layer and n.layer.isdigit()
                 and n.sub == letter]          # a unit of that layer: a_k^{(3)}, delta_k^{(3)}
        return max(found, default=0)
    written = list(reversed(letters))
    return sorted(written, key=lambda letter: (-layer(letter), written.index(letter)))


def _binding_key(binding: dict, used: frozenset) -> tuple:
    return tuple(sorted((k, binding[k]) for k in used))


def _env_key(env: dict):
    """The outer letters' values as a key, or None when one is not a plain value."""
    try:
        key = tuple(sorted(env.items()))
        hash(key)
        return key
    except TypeError:
        return None


@lru_cache(maxsize=8192)
def letters_of(node: s.Node) -> frozenset:
    """Every character of every name, index and layer written in the tree: a letter of a sum that is
    not among them is not used by it (the test errs towards 'used', which only nests less)."""
    found: set = set()
    for n in s.walk(node):
        for value in vars(n).values():
            if isinstance(value, str):
                found.update(value)
    return frozenset(found)


@lru_cache(maxsize=8192)
def is_plain(node: s.Node) -> bool:
    """Is the tree made only of numbers, the network's own quantities (a, z, w, b, x, t with an index
    written) and the arithmetic between them, so its value depends on the letters' values alone?"""
    for n in s.walk(node):
        if isinstance(n, s.Sym):
            if n.name not in PLAIN_NAMES or n.sub is None or n.mark is not None:
                return False
        elif not isinstance(n, (s.Num, s.BinOp, s.Neg, s.Power, s.Sum)):
            return False
        elif isinstance(n, s.BinOp) and n.op not in ("+", "-") + PRODUCTS:
            return False
    return True
