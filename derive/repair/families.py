"""The local derivative of the wrong activation: the most common slip of a lecture with two
families (a tanh hidden layer under a sigmoid output), the sigmoid's `a (1 - a)` written for a tanh
unit or tanh's `1 - a^2` for a sigmoid unit, in scalar form or in a statement for every index.

`wrong_family` finds, among the member's nodes and the runs of one to three side-by-side factors of
its products, a stretch whose value is another family's derivative of a unit's output that the
stretch itself names (`a_j^{(2)} (1 - a_j^{(2)})`, at every instance of the statement), and offers
that unit's own family's derivative written with the same name.  As every edit, it is only a
candidate: the search decides it like any claim, so the repair is reported only when proved.
"""
from __future__ import annotations

import itertools

import sympy as sp

from ..errors import DeriveError
from ..meaning.values import is_matrix
from ..model.families import ACTIVATION_FAMILIES
from ..notation import syntax as s
from ..notation.indices import free_indices
from .written import Edit, Written

# A family's local derivative in its unit's output a, and how a lecture writes it ({a}: the name).
IN_OUTPUT = {"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a ** 2}
WRITTEN = {"sigmoid": "{a} (1 - {a})", "tanh": "1 - ({a})^2"}
OWNER = {"sigmoid": "the sigmoid's", "tanh": "tanh's"}
LAYER_NAME = {"sigmoid": "sigmoid", "tanh": "tanh"}
RUN = 3                 # side-by-side factors taken together, at most
INSTANCES = 4           # instances of a statement for every index the stretch is compared at


def wrong_family(w: Written):
    """A stretch equal to another family's derivative of a unit it names: that unit's own."""
    envs = _envs(w)
    if envs is None:
        return
    for k, start, end, nodes, values in _stretches(w, envs):
        text = w.texts[k][start:end]
        for unit in nodes:
            found = _unit(w, unit, envs)
            if found is None:
                continue
            family, atoms = found
            for other, derivative in IN_OUTPUT.items():
                if other == family or family not in WRITTEN:
                    continue
                if all(_zero(w, v - derivative(a)) for v, a in zip(values, atoms)):
                    name = w.text(k, unit, False)
                    new = WRITTEN[family].format(a=name)
                    whole = w.texts[k].strip() == text.strip()
                    written = new if whole or family == "sigmoid" else f"({new})"
                    yield Edit(k, start, end, written, "wrong activation",
                               f"`{text}` is {OWNER[other]} derivative; the {LAYER_NAME[family]} layer's "
                               f"is `{new}`")
                    return


def _envs(w: Written) -> list[dict] | None:
    """The bindings of the member's free index letters to compare at (a few instances)."""
    try:
        letters = sorted(set().union(*(free_indices(p.expr, set()) for p in w.member.parts)))
    except (DeriveError, TypeError, AttributeError):
        return None
    if not letters:
        return [{}]
    units = range(1, 1 + min(w.net.spec.layers))
    return [dict(zip(letters, combo)) for combo in itertools.product(units, repeat=len(letters))][:INSTANCES]


def _values(w: Written, nodes, envs) -> list | None:
    """The product of the nodes' values at each binding, or None where one cannot be had."""
    out = []
    for env in envs:
        value = sp.S.One
        for node in nodes:
            try:
                v = w.meaning.value(node, env)
            except (DeriveError, KeyError, TypeError, ValueError, AttributeError):
                return None
            if is_matrix(v):
                return None
            value = value * v
        out.append(value)
    return out


def _stretches(w: Written, envs):
    """(part, start, end, the names in it, its values): every node, and every run of side-by-side
    factors of a product."""
    seen = set()
    for k, node in w.nodes():
        if isinstance(node, s.BinOp) and node.op in ("times", "juxt") and id(node) not in seen:
            for inner in s.walk(node):
                if isinstance(inner, s.BinOp) and inner.op in ("times", "juxt"):
                    seen.add(id(inner))
            factors = s.factors(node, ("times", "juxt"))
            for width in range(2, RUN + 1):
                for n in range(len(factors) - width + 1):
                    run = factors[n:n + width]
                    values = _values(w, run, envs)
                    if values is not None:
                        start, end = w.span(k, run[0])[0], w.span(k, run[-1])[1]
                        yield k, start, end, _names(run), values
        if isinstance(node, s.Sym):
            continue
        values = _values(w, [node], envs)
        if values is not None:
            start, end = w.span(k, node)
            yield k, start, end, _names([node]), values


def _names(nodes) -> list:
    return [n for node in nodes for n in s.walk(node) if isinstance(n, s.Sym)]


def _unit(w: Written, node: s.Sym, envs):
    """(the family, the unit's output at each binding) when the name is the output of a sigmoid or
    tanh unit at every binding, else None."""
    atoms, family = [], None
    for env in envs:
        try:
            v = w.meaning.value(node, env)
        except (DeriveError, KeyError, TypeError, ValueError, AttributeError):
            return None
        key = w.net.quantities.get(v) if isinstance(v, sp.Symbol) else None
        if not key or key[0] != "a":
            return None
        act = w.net.activation(key[1])
        if not ACTIVATION_FAMILIES[act].independent or family not in (None, act):
            return None
        family = act
        atoms.append(v)
    return (family, atoms) if family else None


def _zero(w: Written, expr) -> bool:
    try:
        return sp.expand(w.decider.normal(expr)) == 0
    except (DeriveError, TypeError, ValueError):
        return False
