"""What a parsed formula means in a given network: syntax trees -> SymPy values.

A value is a SymPy scalar or an ImmutableMatrix, written in the network's quantity symbols
(x, w, b, t, alpha, a, z, E, E_i, per example in a mini-batch), the families' functions of such
(sigmoid, tanh, exp, log, ReLU and its step), and one symbol per derivative dX/dY, whose two forms
(normal and raw) the oracle supplies and `Meaning.derivatives` keeps.  A part with an index no sum
binds is a statement for every index: the column of its values (`part_value`).

`Meaning` is the front door of the stage and composes its parts:
  names.Names            a_i^{(l)} (a_i^{(1)} = x_i), z_j^{(l)}, w_{ji}^{(l)}, b_j^{(l)}, x_i, t_i, E,
                         E_i, \\alpha; matrices A^{(l)}/A1, Z^{(l)}/Z2, W^{(l)}/W3, b^{(l)}, T;
                         loss\\_l = dE/dZ^{(l)}; and whatever a document defines itself,
  evaluate.Evaluate      the operators, functions, sums and matrices of a tree,
  derivatives.Partials   \\frac{\\partial X}{\\partial Y}, \\nabla, the gradient step,
  instances.Instances    statements for every index.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import sympy as sp

from ..errors import DeriveError, locate
from ..model.network import Network
from ..model.oracle import Oracle
from ..notation import syntax as s
from ..notation.indices import bind_layers, free_indices, layer_letters
from .derivatives import DefinedTerm, Partials
from .evaluate import Evaluate
from .instances import Instances, domain_key
from .names import Names
from .quantities import spelled
from .ranges import bind_sum_bounds
from .values import Value, is_matrix


@dataclass
class Definition:
    """A name a document introduces (`delta = ...`): its member, and where it first stood."""

    name: str
    member: s.Member
    head: s.Sym | None = None


class Meaning:
    """Evaluates members in one network; keeps the derivatives it met for the decision."""

    def __init__(self, network: Network, oracle: Oracle | None = None,
                 definitions: dict[str, Definition] | None = None, derivatives: dict | None = None,
                 stacks: dict | None = None):
        """`derivatives` and `stacks`, when given, are shared with others (a workspace's files)."""
        self.net = network
        self.oracle = oracle or Oracle(network)
        self.definitions = definitions if definitions is not None else {}
        self.representative = False     # a statement for every index: its first and last instance only
        self._values: dict = {}
        self._terms: dict = {}
        self.names = Names(network, self.definitions, self.member_value, self._term, self.partial)
        self.partials = Partials(network, self.oracle, self.value, self.names.column, derivatives)
        self.evaluate = Evaluate(network, self.names, self.partials)
        self.instances = Instances(network, self.evaluate.value, self.names, stacks)

    @property
    def derivatives(self) -> dict:
        """Symbol -> the oracle's Derivative (or a DefinedTerm): every derivative met so far."""
        return self.partials.found

    @property
    def stacks(self) -> dict:
        """Value of a statement for every index -> the instance of each entry ("j = 1, i = 2")."""
        return self.instances.stacks

    # -- entry points ------------------------------------------------------------------------------
    def member_value(self, member: s.Member, outer: dict | None = None, domain: dict | None = None) -> Value:
        """The value of a member: the sum of its parts, each evaluated where it was written.
        `outer` binds indices from outside (a template definition delta_j used as delta_1)."""
        total = None
        for part in member.parts:
            v = self.part_value(part, outer, domain)
            total = v if total is None else self.evaluate.add(total, v, part.expr, "+")
        return total

    def part_value(self, part: s.Part, outer: dict | None = None, domain: dict | None = None) -> Value:
        """The value of one part; the same expression (a restated definition) is evaluated once.

        An index no sum binds (j in a_j^{(2)} = tanh(z_j^{(2)}), i and j in w_{ji}) makes the part a
        statement for every index: its value is the column of the values for each index in range
        (indices in alphabetical order), so that two members with the same free indices compare
        entry by entry.  `domain` limits a layer letter to the layers every member of the statement
        exists in (statement_layers)."""
        outer = outer or {}
        domain = {k: v for k, v in (domain or {}).items() if k not in outer}
        key = (part.expr, tuple(sorted(outer.items())), domain_key(domain), self.representative)
        if key in self._values:
            return self._values[key]
        try:
            expr = bind_layers(part.expr, outer, self.net.L)
            env = bind_sum_bounds(self.net, expr, dict(outer)) if not layer_letters(expr) else dict(outer)
            free = sorted(free_indices(expr, set(env)))
            layers = sorted(layer_letters(expr) - set(env))
            value = (self.instances.stacked(part.expr, expr, env, layers, domain, self.representative)
                     if free or layers else self.value(expr, env))
        except DeriveError as err:
            raise locate(err, part.source, getattr(err, "offset", part.start)) from None
        self._values[key] = value
        return value

    def value(self, node: s.Node, env: dict) -> Value:
        """The value of an expression with its letters bound by env (evaluate.Evaluate)."""
        return self.evaluate.value(node, env)

    def bind_sum_bounds(self, expr: s.Node, env: dict) -> dict:
        """env with `n` in \\sum_{i=1}^{n} (and 1/n beside it) bound to the size the sum runs over."""
        return bind_sum_bounds(self.net, expr, env)

    def name_value(self, node: s.Sym, env: dict) -> Value:
        return self.names.name_value(node, env)

    def knows(self, node: s.Sym) -> bool:
        """Does the model or the notation give this name a meaning (whether or not it is valid here)?"""
        return self.names.knows(node)

    # -- derivatives -------------------------------------------------------------------------------
    def partial(self, of: sp.Expr, wrt: sp.Expr, node) -> sp.Expr:
        """The symbol of d(of)/d(wrt), kept in `derivatives` with the oracle's forms."""
        return self.partials.partial(of, wrt, node)

    def gradient_step(self, target: Value, node) -> Value:
        """X - alpha dE/dX for the weights or biases X an update rule (written at `node`) assigns."""
        return self.partials.gradient_step(target, node)

    # -- statements for every index ------------------------------------------------------------------
    def instances_for(self, written, domain: dict | None):
        """(letters, [binding], layer letter) of an expression evaluated within a statement's
        layers (`domain`), else the last ones recorded for it, else None."""
        return self.instances.instances_for(written, domain)

    def statement_layers(self, members) -> dict:
        """The layers a statement over a layer letter is about (instances.Instances.statement_layers)."""
        return self.instances.statement_layers(members)

    def symmetric(self, exprs) -> tuple[list[str], int] | None:
        """The free letters and the number of instances of a statement for every index that
        relabelling units proves at once, else None (instances.Instances.symmetric)."""
        return self.instances.symmetric(exprs)

    # -- a document's error terms ----------------------------------------------------------------
    def _term(self, node: s.Sym, key: str, value: Value, definition, outer) -> Value:
        """What a defined name stands for in values (the `term` callback of names.Names): its value,
        or for a definition of delta_j^{(l)} for one unit, a symbol standing for it (DefinedTerm)."""
        if node.name not in ("delta", "Delta") or is_matrix(value) or not node.sub or not node.sub.isdigit() \
                or not node.layer or not node.layer.isdigit():
            return value
        n = int(node.example) if node.example and node.example.isdigit() else None
        if (n is None) != (self.net.m == 1):
            return value
        z_key = ("z", int(node.layer), int(node.sub)) + self.net.ex(n)
        if not self.net.has(z_key):
            return value
        memo = (key, id(definition), tuple(sorted(outer.items())))
        if memo in self._terms:
            return self._terms[memo]
        # the value is fixed by the definition's text, the binding and the names it uses (the
        # names of other terms are such digests themselves)
        text = f"{definition.member.text}|{memo[2]}|{sorted(map(str, value.free_symbols))}"
        digest = hashlib.sha1(text.encode()).hexdigest()[:10]
        symbol = sp.Symbol("T_" + re.sub(r"\W", "_", key) + "_" + digest)
        self._terms[memo] = symbol
        if symbol not in self.derivatives:
            about = set(value.free_symbols)
            for q in value.free_symbols:
                if q in self.derivatives:
                    about |= self.derivatives[q].about
            self.net.display[symbol] = spelled(node)
            self.derivatives[symbol] = DefinedTerm(value, self.net[z_key], frozenset(about), key)
        return symbol
