"""What is wrong with a refuted claim, in the lecture's terms.

`annotate` gives a refuted result what a lecturer reads under it: its repairs (`search`), or else
the member it should be, printed as `derive export --derived` prints the oracle's gradients (a sum
over paths of products (a - t) a (1 - a) w ..., factors from the output back), and which of its
terms differ from the written member's; the difference of the sides with the lecture's factors
((1 - a), not (a - 1)); the names whose values at the counterexample matter (those in the
difference).  An update rule is compared with one gradient step X - alpha dE/dX (`_step`).
"""
from __future__ import annotations

import re

import sympy as sp

from ..errors import DeriveError
from ..meaning.values import is_matrix
from ..model import printing
from ..model.lecture_form import lecture_latex, lecture_names, lecture_terms, print_terms
from ..notation import syntax as s
from ..decide.blame import named_error_term
from ..decide.claim_result import compact
from ..notation.statements import CHAIN, DEFINITION, UPDATE
from ..notation.syntax import walk
from ..runtime.clock import TimeLimit
from .every_index import instances, lettered
from .search import BUDGET, SHOWN, repairs
from .written import Written

MATRIX_SHOWN = 16                        # entries of a matrix difference written out, at most
UNNATURAL = re.compile(r"\d{7,}")        # a repair whose text holds a long rational is never shown
MAX_EXPECTED = 2000                      # characters: a longer expected member is not shown


def expected_member(net, decider, reference) -> str:
    """The value the member should have, in the lecture's notation."""
    if is_matrix(reference):
        rows = [" & ".join(print_terms(net, lecture_terms(net, decider.normal(reference[r, c])))
                           for c in range(reference.cols)) for r in range(reference.rows)]
        return r"\begin{pmatrix} " + r" \\ ".join(rows) + r" \end{pmatrix}"
    return print_terms(net, lecture_terms(net, decider.normal(reference)))


def _for_every_index(net, decider, reference, labels) -> str | None:
    """The member a statement for every index should be, written once with its letter
    (`(a_k^{(3)} - t_k) × a_k^{(3)} (1 - a_k^{(3)})`), when every instance's is that text."""
    found = instances(labels)
    if found is None or not is_matrix(reference) or reference.cols != 1 or reference.rows != len(labels):
        return None
    return lettered([expected_member(net, decider, entry) for entry in reference], found[1], found[0])


def differing_terms(net, decider, reference, written: list) -> tuple[list[str], list[str]]:
    """(terms of the expected member that no written term matches, written terms that match no
    expected term): `written` holds (source text, sign, value) for each term as written."""
    if is_matrix(reference) or any(is_matrix(v) for _, _, v in written):
        return [], []
    want = lecture_terms(net, decider.normal(reference))
    want_x = [sp.expand(t) for t in want]
    have_x = [sp.expand(sign * decider.normal(v)) for _, sign, v in written]
    missing = [t for t, x in zip(want, want_x) if x not in have_x]
    extra = [("-" if sign < 0 else "") + text for (text, sign, _), x in zip(written, have_x) if x not in want_x]
    show = [printing.latex(t, net.display, mul_symbol="times", order="none", symbol_names=lecture_names(net))
            for t in missing]
    return show, extra


def difference(net, decider, lhs, rhs) -> str | None:
    """left - right as LaTeX in the lecture's factors; for two matrices of one shape (a statement
    for every index: a column, an entry per instance), entry by entry, `[d_1; d_2]`."""
    if is_matrix(lhs) or is_matrix(rhs):
        if not (is_matrix(lhs) and is_matrix(rhs)) or lhs.shape != rhs.shape or len(lhs) > MATRIX_SHOWN:
            return None
        entries = [difference(net, decider, a, b) or "0" for a, b in zip(lhs, rhs)]
        cols = lhs.shape[1]
        return "[" + "; ".join(", ".join(entries[r * cols:(r + 1) * cols]) for r in range(lhs.shape[0])) + "]"
    d = sp.expand(decider.normal(lhs) - decider.normal(rhs))
    if d == 0 or sp.count_ops(d) > 400:
        return None
    return lecture_latex(net, d)


def relevant_names(net, decider, lhs, rhs) -> list[str]:
    """The inputs, weights, biases, targets the difference of the sides depends on (display names):
    those written in it; when it names none, those its units' outputs are computed from
    (`1 - a_1^{(2)}` depends on x_1, x_2, w_{11}^{(2)}, w_{12}^{(2)} and b_1^{(2)}, on no weight of
    layer 3 nor any target)."""
    pairs = zip(lhs, rhs) if is_matrix(lhs) and is_matrix(rhs) and lhs.shape == rhs.shape else [(lhs, rhs)]
    if is_matrix(lhs) != is_matrix(rhs):
        return []
    symbols = set()
    for l, r in pairs:
        symbols |= sp.expand(decider.normal(l) - decider.normal(r)).free_symbols
    for symbol in [x for x in symbols if x in net.node_values and not symbols & set(net.leaves)]:
        key = net.quantities.get(symbol)
        if key and key[0] == "a":
            symbols |= _inputs_of(net, key)
    leaves = [s for s in net.leaves if s in symbols]
    return [printing.display_name(s, net.display) for s in leaves]


def _inputs_of(net, key: tuple) -> set:
    """The leaves a unit's output is computed from: its layer's weights and biases, and those of
    every unit below it, down to the inputs."""
    l = key[1]
    found, below = set(), {key[2]}
    for layer in range(l, 1, -1):
        units = set()
        for j in below:
            found |= {net["w", layer, j, i] for i in net.units(layer - 1)} | {net["b", layer, j]}
            units |= set(net.units(layer - 1))
        below = units
    found |= {net["x", i, *key[3:]] for i in net.units(1) if net.has(("x", i, *key[3:]))}
    return found


# -- a refuted result, explained (the repair search, the expected member, the terms that differ) ----
def annotate(checker, st, result, member) -> None:
    """Give a refuted result its repairs (and move it to the first one), or else the member it
    should be and the terms that differ; and the difference and the names that matter, in the
    lecture's notation.  A refinement: whatever goes wrong here leaves the verdict as it is."""
    try:
        reference, ref_value = _reference(checker, st, result, member)
        if ref_value is None:
            return
        try:
            mine = checker.meaning.member_value(member)
        except DeriveError:                     # a shape error, say: repairs may still be found
            mine = None
        found = repairs(checker, member, ref_value)
        if not found and mine is not None and member is not st.head and _assigns(st):
            found = repairs(checker, member, _step(checker, st), BUDGET / 2)   # it was meant as an update
        if reference is not None and len(st.members) == 2 and mine is not None:   # the other side may be wrong
            found += repairs(checker, reference, mine, BUDGET / 3, cheap_only=True)[:max(1, SHOWN - len(found))]
        net, decider = checker.workspace.net, checker.workspace.decider
        found = [r for r in found if not UNNATURAL.search(r.new)]     # a factor nobody would write
        result.repairs = found
        if found:
            result.line, result.col, result.mistake = found[0].line, found[0].col, found[0].kind
        if mine is None:
            return
        result.relevant = relevant_names(net, decider, ref_value, mine)
        result.difference_latex = difference(net, decider, ref_value, mine)
        if ref_value in checker.meaning.stacks:     # a statement for every index: the column of all its
            return                                  # instances is no member to write; the detail names
        expected = (_for_every_index(net, decider, ref_value, checker.meaning.stacks.get(mine))
                    or expected_member(net, decider, ref_value))          # the first failing instance
        if len(expected) > MAX_EXPECTED:         # an explicit sum multiplied out (160 paths) helps nobody
            return
        result.expected = expected
        if not found:
            _compare_terms(checker, member, ref_value, result)
    except (Exception, TimeLimit):
        return


def _reference(checker, st, result, member):
    """The member the wrong one was compared with, and its value (for an update rule, the step
    X - alpha dE/dX, with no member to repair)."""
    if st.kind == UPDATE:
        return None, _step(checker, st)
    for m in st.members:
        if m is not member and compact(m.text) == result.lhs:
            return m, checker.meaning.member_value(m)
    if result.lhs is None:                     # an error in the member: compare with another one
        for m in st.members:
            if m is not member:
                try:
                    return m, checker.meaning.member_value(m)
                except DeriveError:
                    continue
    first = st.extra.get("first")              # a restatement, compared with the first definition
    if first is not None and compact(first.member.text) == result.lhs:
        return None, checker.meaning.member_value(first.member)
    if st.kind == DEFINITION and member is not st.head:    # delta_j^{(l)} = ...: the error term it names
        named = named_error_term(checker, st, checker.meaning.member_value(member))
        if named is not None:
            return None, named[0]
    return None, None


def _compare_terms(checker, member, ref_value, result) -> None:
    """The terms expected and not written, and written and not expected; the result is moved to
    the first term written that is not expected (the wrong part of a member continued over rows)."""
    try:
        net, decider = checker.workspace.net, checker.workspace.decider
        as_written = Written(checker.meaning, decider, net, member, ref_value)
        written = [(as_written.text(k, node), sign, checker.meaning.value(node, {}))
                   for k, node, sign in as_written.terms]
        missing, extra = differing_terms(net, decider, ref_value, written)
    except (DeriveError, ArithmeticError, TypeError, ValueError):
        return
    result.missing_terms, result.extra_terms = missing, extra
    wrong = [(k, node) for (k, node, _), (text, sign, _) in zip(as_written.terms, written)
             if ("-" if sign < 0 else "") + text in extra]
    if wrong and len(member.parts) > 1:
        k, node = wrong[0]
        source = member.parts[k].source
        if source is not None:
            result.line, result.col = source.position(as_written.bases[k] + as_written.span(k, node)[0])


def _step(checker, st):
    """X - alpha dE/dX for the head X of an update rule."""
    target = checker.meaning.member_value(st.head)
    return checker.meaning.gradient_step(target, st.head.parts[0].expr)


def _assigns(st) -> bool:
    """A chain `X = ...` whose head is a weight or bias and whose member uses alpha: perhaps an
    update rule with a slip that made it read as a chain."""
    if st.kind != CHAIN or len(st.members) != 2 or len(st.head.parts) != 1:
        return False
    head = st.head.parts[0].expr
    if not (isinstance(head, s.Sym) and (head.name in ("w", "b", "W") or head.name[:1] == "W")):
        return False
    return any(isinstance(n, s.Sym) and n.name in ("alpha", "eta")
               for p in st.members[1].parts for n in walk(p.expr))
