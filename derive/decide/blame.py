"""Blame where the mistake was made: the checks that point at a definition or a chain member.

- `error_term`: a definition of delta_j^{(l)} (or delta^{(l)}) names the error term dE/dz_j^{(l)};
  one that is neither it nor its negative is refuted where it is written.
- `depends_on`: a refuted claim says which of the document's definitions it uses.
- `outvoted`: whether a chain's head may be reported wrong because the other members agree.
"""
from __future__ import annotations

import re

import sympy as sp

from ..errors import DeriveError
from ..meaning.values import is_matrix
from ..notation import syntax as s
from ..notation.indices import definition_key, layer_letter
from ..notation.statements import Statement
from ..notation.syntax import walk
from ..results import PROVED, REFUTED, Result


def error_term(checker, st: Statement, value) -> list[Result]:
    """A definition of delta_j^{(l)} (or delta^{(l)}) names the error term dE/dz_j^{(l)}
    (dE/dZ^{(l)}); one that is neither it nor its negative is wrong where it is written."""
    named = named_error_term(checker, st, value)
    if named is None:
        return []
    oracle, layer = named
    head = st.head.parts[0].expr
    decision, seconds = checker.decide(oracle, value)
    if decision.verdict != REFUTED:      # proved, or undecided: a definition claims nothing, so no noise
        return []
    negative, _ = checker.decide(-oracle, value)
    if negative.verdict != REFUTED:
        return []
    decision.detail = (f"{_compact(st.head.text)} names the error term \u2202E/\u2202z of layer {layer}, "
                       "but this definition is not it (nor its negative): " + decision.detail)
    z_text = (f"z_{{{head.sub}}}" if head.sub else "Z") + f"^{{({layer})}}"
    reference = s.Member([s.Part(s.Sym("dE/dz"), f"\\frac{{\\partial E}}{{\\partial {z_text}}}", None)])
    return [checker.result(st, reference, st.members[1], decision.verdict, seconds, decision)]


def named_error_term(checker, st: Statement, value):
    """(the oracle's dE/dz the definition's head delta names, its layer), or None when the head
    is no error term or its shape is not the definition's."""
    head = st.head.parts[0].expr
    net = checker.workspace.net
    if not isinstance(head, s.Sym) or head.name not in ("delta", "Delta") or not head.layer:
        return None
    recursion = _recursion(checker, st, head, value)      # delta_j^{(l)} = ...: for the layers it applies to
    if recursion is not None:
        z, layer = recursion, head.layer
    elif not head.layer.isdigit() or not 2 <= int(head.layer) <= net.L:
        return None
    else:
        layer = int(head.layer)
    if recursion is not None:
        pass
    elif head.sub is None:
        z = net.matrix("Z", layer)
    elif len(head.sub) == 1 and head.sub.isalpha() and net.m == 1:
        z = sp.ImmutableMatrix([[net["z", layer, j]] for j in net.units(layer)])
    elif head.sub.isdigit() and net.has(("z", layer, int(head.sub)) + net.ex(1)) and net.m == 1:
        z = net["z", layer, int(head.sub)]
    else:
        return None
    if is_matrix(value) != is_matrix(z) or (is_matrix(z) and value.shape != z.shape):
        return None
    node = head
    E = net["E",]
    oracle = (z.applyfunc(lambda q: checker.meaning.partial(E, q, node)) if is_matrix(z)
              else checker.meaning.partial(E, z, node))
    return oracle, layer


def _recursion(checker, st: Statement, head: s.Sym, value):
    """The column of z_j^{(l)} that a definition over the layers (delta_j^{(l)} = ... for the layers it
    applies to) is about, instance by instance; None when the head's layer is a number."""
    letter = layer_letter(head.layer)
    found = checker.meaning.instances_for(st.members[1].parts[0].expr, checker.layers(st)) if len(st.members[1].parts) == 1 else None
    if letter is None or found is None or not is_matrix(value) or checker.workspace.net.m != 1:
        return None
    letters, instances, _ = found
    net = checker.workspace.net
    unit = head.sub if head.sub and (head.sub.isdigit() or head.sub in letters) else None
    if unit is None or letter not in letters:
        return None
    zs = [("z", b[letter], int(unit) if unit.isdigit() else b[unit]) for b in instances]
    if not all(net.has(k) for k in zs):
        return None
    return sp.ImmutableMatrix([[net[k]] for k in zs])


def outvoted(checker, st: Statement, majority) -> bool:
    """May the head be reported wrong because the other members agree on another value?  Not
    when the head is a derivative dX/dY and the majority's value is no derivative of X (by some
    other quantity of the network): then the head is the oracle's own and the majority is wrong
    together (a(1 - a) carried into every member); when it is one (dE/db_2 written for dE/db_1),
    the head has the typo."""
    if not is_derivative(st.members[0]) or is_matrix(majority):
        return True
    node = st.members[0].parts[0].expr
    try:
        of = checker.meaning.value(node.of, {})
        wrt = checker.meaning.value(node.wrt, {})
    except DeriveError:
        return True
    if is_matrix(of) or is_matrix(wrt):
        return True
    net, decider = checker.workspace.net, checker.workspace.decider
    for key, symbol in net.symbols.items():
        if symbol == wrt or key[0] not in ("w", "b", "a", "z", "x"):
            continue
        candidate = checker.meaning.partial(of, symbol, node)
        decider.prepare([candidate, majority])
        if decider.numeric_agree([candidate], [majority]).all() and \
                checker.decide(candidate, majority)[0].verdict == PROVED:
            return True
    return False


def depends_on(checker, st, *members) -> str:
    """'; it uses delta_1^{(2)} as defined at line 34': the definitions a refuted claim relies on."""
    own = definition_key(st.head.parts[0].expr) if isinstance(st.head.parts[0].expr, s.Sym) else None
    used = {}
    for member in members:
        for part in member.parts:
            for n in walk(part.expr):
                key = definition_key(n) if isinstance(n, s.Sym) else None
                definition = checker.definitions.get(key) if key else None
                if key and definition is None:
                    definition = checker.meaning.names.template(n)[0]
                    key = definition.name if definition else None
                if definition is not None and key != own and key not in used:
                    first = definition.member.parts[0]
                    if first.source is not None:
                        used[key] = (definition, first.source.position(first.start)[0])
    if not used:
        return ""
    return "; it uses " + ", ".join(f"{latex_name(key)} as defined at line {line}"
                                    for key, (_, line) in used.items())


def is_derivative(member: s.Member) -> bool:
    """Is the member the oracle's own derivative, dX/dY as written (never outvoted in its chain)?"""
    return len(member.parts) == 1 and isinstance(member.parts[0].expr, s.Derivative)


def latex_name(key: str) -> str:
    """delta_1^(2) -> \\delta_1^{(2)}: a definition's key as the lecture writes the name."""
    m = re.fullmatch(r"([A-Za-z]+)(?:_([^^]+))?(?:\^\((.+)\))?", key)
    if not m:
        return key
    name, sub, layer = m.groups()
    name = "\\" + name if name in ("delta", "Delta", "epsilon", "eta") else name
    sub = "" if sub is None else (f"_{sub}" if len(sub) == 1 else f"_{{{sub}}}")
    return name + sub + (f"^{{({layer})}}" if layer else "")


def _compact(text: str) -> str:
    return " ".join(text.split())
