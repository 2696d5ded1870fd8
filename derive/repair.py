"""Repairs: the small edits of a refuted member that make its claim proved, each decided exactly.

A lecturer who wrote a wrong formula wants to know what it should be.  For the member found
wrong, candidate edits of its source text are made from its syntax tree, cheapest first:

- a name's index or layer changed (`w_{12}^{(3)}` for `w_{11}^{(3)}`, `a^{(2)}` for `a^{(3)}`);
- a sign flipped (`+` for `-`, `(t - a)` for `(a - t)`, a `-` dropped);
- a transpose added or removed, the operands of a matrix product swapped;
- a factor dropped (also a pair side by side, `a (1 - a)`), a term of a sum dropped;
- a factor added, replaced, or a term added: what is missing is found by dividing what the term
  should be (the expected value less the other terms) by what it is, in node values, and is
  printed in the lecture's notation; in a chain-rule product, the missing step `dB/dC` between
  `dA/dB` and `dC/dD`.

Each candidate is the part's text with one stretch replaced; it is parsed again by the grammar,
evaluated in the model and decided by the Decider like any claim, and only a proved one is kept.
So a repair is reported only when putting `new` in place of `old` at line:col makes the claim
proved.  The search is bounded (`LIMIT` candidates, `BUDGET` seconds).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

import sympy as sp

from . import syntax as s
from .check import TimeLimit, deadline
from .errors import DeriveError
from .meaning import is_matrix
from .parse import _parse_cached
from .results import PROVED

LIMIT = 400            # candidates per refuted claim
BUDGET = 1.0           # seconds of processor time per refuted claim (a loaded machine is not a reason
                       # to find less)
SHOWN = 3              # repairs kept per claim
SIMPLE = 24            # a missing factor is printed only when it is this simple (count_ops)

SUB = re.compile(r"_\s*(\{\s*([^{}]*?)\s*\}|([A-Za-z0-9]))")
LAYER = re.compile(r"\^\s*\{\s*\(\s*([^(){}]*?)\s*\)\s*(T|\\top)?\s*\}")
TRANSPOSE_END = re.compile(r"\^\s*(\{\s*(T|\\top|\\intercal)\s*\}|T|\\top|\\intercal)\s*$")
LAYER_T = re.compile(r"(\^\s*\{\s*\(\s*[^(){}]*?\s*\))\s*(T|\\top)(\s*\})")
OPEN = re.compile(r"(\\left\s*\(|\\left\s*\[|\\left\s*\\\{|\\\{|\(|\[|\{)\s*$")
CLOSE = re.compile(r"^\s*(\\right\s*\)|\\right\s*\]|\\right\s*\\\}|\\\}|\)|\]|\})")
MATRIX_NAMES = ("A", "W", "Z", "T", "loss", "b")
CHEAP = ("index slip", "wrong layer", "sign")
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


@dataclass
class Repair:
    """Putting `new` in place of `old` (the source text at line:col) makes the claim proved."""

    line: int
    col: int
    old: str
    new: str
    description: str
    kind: str

    def to_json(self) -> dict:
        return {"line": self.line, "col": self.col, "old": self.old, "new": self.new,
                "description": self.description, "kind": self.kind}

    def __repr__(self) -> str:
        return f"Repair({self.line}:{self.col} {self.old!r} -> {self.new!r}: {self.kind})"


@dataclass
class Edit:
    part: int              # which part of the member
    start: int             # offsets into that part's text
    end: int
    new: str
    kind: str
    description: str


def ordinal(k: int) -> str:
    return ORDINALS[k] if k < len(ORDINALS) else f"{k + 1}th"


class Search:
    """The repairs of one member `member` of a claim whose other side has the value `reference`."""

    def __init__(self, checker, member: s.Member, reference, budget: float = BUDGET):
        self.meaning, self.decider, self.net = checker.meaning, checker.workspace.decider, checker.workspace.net
        self.member, self.reference = member, reference
        self.stop = time.process_time() + budget
        self.tried: set = set()
        self.found: list[Repair] = []
        self.texts = [p.text for p in member.parts]
        self.bases = [p.expr.start for p in member.parts]
        self.terms = [(k, node, sign) for k, p in enumerate(member.parts) for node, sign in _terms(p.expr, 1)]

    # -- the search ------------------------------------------------------------------------------
    def run(self, cheap_only: bool = False) -> list[Repair]:
        """Each kind of edit in turn, within its share of the budget; the first kind that repairs
        the member is the one reported."""
        generators = [(self._names, .35), (self._signs, .1)]
        if not cheap_only:
            generators += [(self._transposes, .05), (self._swaps, .05), (self._extra_factors, .1),
                           (self._steps, .05), (self._missing, .25), (self._extra_terms, .05)]
        budget = self.stop - time.process_time()
        try:
            with deadline(3 * max(0.05, budget) + 1.0):      # a safety net in wall time
                for generate, share in generators:
                    spent = 0.0                 # deciding this kind's candidates (not finding them)
                    try:
                        for edit in generate():
                            if self._exhausted():
                                return self.found
                            if spent > share * budget:
                                break
                            began = time.process_time()
                            self._try(edit)
                            spent += time.process_time() - began
                    except (DeriveError, ArithmeticError, TypeError, ValueError, sp.PolynomialError):
                        pass                # a kind of edit that does not apply here
                    if self.found:          # the cheapest kind that repairs it is the one reported
                        return self.found
        except TimeLimit:
            pass
        return self.found

    def _exhausted(self) -> bool:
        return (len(self.found) >= SHOWN or len(self.tried) >= LIMIT or time.process_time() > self.stop)

    def _try(self, edit: Edit) -> None:
        text = self.texts[edit.part]
        new_text = text[:edit.start] + edit.new + text[edit.end:]
        key = (edit.part, new_text)
        if key in self.tried or new_text == text:
            return
        self.tried.add(key)
        expr = _reparse(new_text)
        if expr is None:
            return
        parts = list(self.member.parts)
        old = parts[edit.part]
        parts[edit.part] = s.Part(expr, new_text, old.source)
        try:
            value = self.meaning.member_value(s.Member(parts))
        except DeriveError:
            return
        if not self._proves(value):
            return
        line, col = old.source.position(self.bases[edit.part] + edit.start) if old.source else (1, edit.start + 1)
        repair = Repair(line, col, text[edit.start:edit.end], edit.new, edit.description, edit.kind)
        if not any((r.line, r.col) == (line, col) for r in self.found):
            self.found.append(repair)

    def _proves(self, value) -> bool:
        ref = self.reference
        if is_matrix(ref) != is_matrix(value) or (is_matrix(ref) and ref.shape != value.shape):
            return False
        pairs = zip(ref, value) if is_matrix(ref) else [(ref, value)]
        if not all(self.decider.is_zero(self.decider.normal(a) - self.decider.normal(b)) for a, b in pairs):
            return False
        return self.decider.decide(ref, value).verdict == PROVED

    # -- where an edit goes ----------------------------------------------------------------------
    def _span(self, k: int, node: s.Node, groups: bool = True) -> tuple[int, int]:
        """The node's offsets in part k's text, widened over the brackets that enclose it."""
        text, start, end = self.texts[k], node.start - self.bases[k], node.end - self.bases[k]
        while groups:
            before, after = OPEN.search(text[:start]), CLOSE.match(text[end:])
            if not (before and after and _pairs(before.group(1), after.group(1))):
                break
            start, end = before.start(1), end + after.end(1)
        return start, end

    def _text(self, k, node, groups=True) -> str:
        a, b = self._span(k, node, groups)
        return self.texts[k][a:b]

    def _nodes(self):
        """Every node of the member; first those outside the terms that match an expected term."""
        right = self._right_terms()
        later = []
        for k, part in enumerate(self.member.parts):
            for node in _walk(part.expr):
                if any(j == k and a <= node.start and node.end <= b for j, a, b in right):
                    later.append((k, node))
                else:
                    yield k, node
        yield from later

    def _right_terms(self) -> list:
        """(part, start, end) of the written terms equal to a term of the expected member as the
        lecture writes it: a mistake is less likely there (an order, not a proof)."""
        if hasattr(self, "_right"):
            return self._right
        self._right = []
        if len(self.terms) < 2 or is_matrix(self.reference):
            return self._right
        try:
            from .explain import _terms as expected_terms
            want = {sp.expand(x) for x in expected_terms(self.net, self.decider.normal(self.reference))}
            for k, node, sign in self.terms:
                value = self._normal_node(node)
                if value is not None and sp.expand(sign * value) in want:
                    self._right.append((k, node.start, node.end))
        except (DeriveError, ArithmeticError, TypeError, ValueError, AttributeError):
            self._right = []
        return self._right

    # -- the kinds of edit -----------------------------------------------------------------------
    def _hot(self) -> set:
        """The quantities in the difference of the sides: a name slip is most likely among them."""
        try:
            mine = self.meaning.member_value(self.member)
            pairs = zip(self.reference, mine) if is_matrix(mine) and is_matrix(self.reference) else [(self.reference, mine)]
            return set().union(*(sp.expand(self.decider.normal(a) - self.decider.normal(b)).free_symbols
                                 for a, b in pairs))
        except Exception:
            return set()

    def _names(self):
        """An index or a layer changed (first the names whose quantity is in the difference)."""
        hot = self._hot()

        def heat(node) -> int:
            try:
                v = self.meaning.value(node, {})
                return 1 if set(self.decider.normal(v).free_symbols) & hot else 0
            except (DeriveError, KeyError, TypeError, AttributeError):
                return 0
        edits = []
        for k, node in self._nodes():
            if not isinstance(node, s.Sym):
                continue
            a, b = node.start - self.bases[k], node.end - self.bases[k]
            text = self.texts[k][a:b]
            old_heat = heat(node)
            for new, kind in self._renamed(node, text):
                score = old_heat
                edits.append((-score, len(edits), Edit(k, a, b, new, kind, f"`{text}` should be `{new}`")))
        for *_, edit in sorted(edits, key=lambda e: e[:2]):
            yield edit

    def _renamed(self, node: s.Sym, text: str):
        L = self.net.L
        sub = SUB.search(text)
        layer = LAYER.search(text)
        if node.sub and node.sub.isdigit() and sub:
            digits = node.sub
            ranges = [range(1, 1 + max(self.net.spec.layers))] * len(digits)
            for new in _index_variants(digits, ranges):
                inner = new if sub.group(2) is not None or len(new) == 1 else "{" + new + "}"
                start, end = (sub.start(2), sub.end(2)) if sub.group(2) is not None else (sub.start(3), sub.end(3))
                if sub.group(2) is None and len(new) > 1:
                    start, end = sub.start(1), sub.end(1)
                yield text[:start] + inner + text[end:], "index slip"
        if node.layer and node.layer.isdigit() and layer:
            for l in range(1, L + 1):
                if str(l) != node.layer:
                    yield text[:layer.start(1)] + str(l) + text[layer.end(1):], "wrong layer"
        m = re.fullmatch(r"([A-Za-z]+)([0-9]+)", node.name)
        if m and not node.layer:                                       # A1, W3
            for l in range(1, L + 1):
                if str(l) != m.group(2):
                    yield text.replace(node.name, m.group(1) + str(l), 1), "wrong layer"
        if node.name == "loss" and node.sub and node.sub.isdigit() and sub:    # loss\_3
            pass                                                       # its layer is its subscript

    def _signs(self):
        """A sign flipped: + for -, a - dropped, the operands of a difference swapped."""
        ordinal_of = {id(node): n for n, (_, node, _) in enumerate(self.terms)}
        for k, node in self._nodes():
            if isinstance(node, s.BinOp) and node.op in "+-":
                text = self.texts[k]
                a, b = node.left.end - self.bases[k], node.right.start - self.bases[k]
                gap = text[a:b]
                m = re.search(r"[+\-\u2212]", gap)
                if m:
                    flipped = "-" if node.op == "+" else "+"
                    n = ordinal_of.get(id(node.right))
                    what = (f"the {ordinal(n)} term has the wrong sign" if n is not None
                            else f"the sign before `{self._text(k, node.right)}` is wrong")
                    yield Edit(k, a + m.start(), a + m.end(), flipped, "sign",
                               f"{what}: `{m.group(0)}` should be `{flipped}`")
                if node.op == "-" and not isinstance(node.left, s.Num):     # (1 - a) stays as it is
                    l0, l1 = self._span(k, node.left)
                    r0, r1 = self._span(k, node.right)
                    left, right = text[l0:l1], text[r0:r1]
                    swapped = f"{right}{text[l1:r0]}{left}"
                    yield Edit(k, l0, r1, swapped, "sign", f"`{text[l0:r1]}` should be `{swapped}`")
            if isinstance(node, s.Neg):
                a, b = node.start - self.bases[k], node.operand.start - self.bases[k]
                yield Edit(k, a, b, "", "sign", f"the `{self.texts[k][a:b].strip()}` before "
                           f"`{self._text(k, node.operand)}` should not be there")

    def _transposes(self):
        """A transpose removed or added."""
        for k, node in self._nodes():
            text = self.texts[k]
            if isinstance(node, s.Transpose):
                a, b = node.start - self.bases[k], node.end - self.bases[k]
                old = text[a:b]
                new = LAYER_T.sub(r"\1\3", old) if LAYER_T.search(old) else TRANSPOSE_END.sub("", old).rstrip()
                yield Edit(k, a, b, new, "extra transpose", f"`{old}` should be `{new}` (no transpose)")
            elif isinstance(node, s.Sym) and not (node.sub and node.layer) and self._is_matrix(node):
                a, b = node.start - self.bases[k], node.end - self.bases[k]
                old = text[a:b]
                yield Edit(k, a, b, old + "^T", "missing transpose", f"`{old}` should be `{old}^T`")

    def _is_matrix(self, node: s.Sym) -> bool:
        if not (node.name in MATRIX_NAMES or re.fullmatch(r"[AWZ][0-9]+", node.name)):
            return False
        try:
            return is_matrix(self.meaning.value(node, {}))
        except DeriveError:
            return False

    def _swaps(self):
        """The operands of a matrix product swapped."""
        for k, node in self._nodes():
            if isinstance(node, s.BinOp) and node.op == "bullet":
                factors = _factors(node, ("bullet",))
                for f, g in zip(factors, factors[1:]):
                    f0, f1 = self._span(k, f)
                    g0, g1 = self._span(k, g)
                    text = self.texts[k]
                    new = text[g0:g1] + text[f1:g0] + text[f0:f1]
                    yield Edit(k, f0, g1, new, "swapped product order",
                               f"`{text[f0:g1]}` should be `{new}` (the order of a matrix product)")

    def _products(self):
        """Every maximal product of factors (\\times, \\cdot, juxtaposition) in the member."""
        seen = set()
        for k, node in self._nodes():
            if isinstance(node, s.BinOp) and node.op in ("times", "juxt") and id(node) not in seen:
                for inner in _walk(node):
                    if isinstance(inner, s.BinOp) and inner.op in ("times", "juxt"):
                        seen.add(id(inner))
                yield k, _factors(node, ("times", "juxt"))

    def _extra_factors(self):
        """A factor (or two side by side, `a (1 - a)`) that should not be there."""
        for k, factors in self._products():
            spans = [self._span(k, f) for f in factors]
            text = self.texts[k]
            for n in range(len(factors)):
                for width in (1, 2):
                    if n + width > len(factors):
                        continue
                    first, last = spans[n], spans[n + width - 1]
                    if n + width < len(factors):
                        a, b = first[0], spans[n + width][0]
                    else:
                        a = spans[n - 1][1] if n > 0 else first[0]
                        a += len(text[a:first[0]]) - len(text[a:first[0]].lstrip())
                        b = last[1]
                    shown = text[first[0]:last[1]]
                    yield Edit(k, a, b, "", "extra factor", f"the factor `{shown}` should not be there")

    def _steps(self):
        """A missing step of the chain rule: dB/dC between dA/dB and dC/dD."""
        for k, factors in self._products():
            for f, g in zip(factors, factors[1:]):
                if isinstance(f, s.Derivative) and isinstance(g, s.Derivative) and f.wrt != g.of:
                    step = (f"\\frac{{\\partial {self._text(k, f.wrt, False)}}}"
                            f"{{\\partial {self._text(k, g.of, False)}}}")
                    g0, g1 = self._span(k, g)
                    old = self.texts[k][g0:g1]
                    yield Edit(k, g0, g1, f"{step} \\times {old}", "missing step",
                               f"a step `{step}` is missing before `{old}`")

    def _sites(self):
        """(terms, expected, written): the whole member, or each entry of a member that is one matrix."""
        expected, written = self._normal(self.reference), self._normal_member()
        if expected is None or written is None:
            return
        yield self.terms, expected, written
        parts = self.member.parts
        if len(parts) == 1 and isinstance(parts[0].expr, s.Matrix) and is_matrix(expected):
            rows = parts[0].expr.rows
            if (len(rows), len(rows[0])) == expected.shape:
                for r, row in enumerate(rows):
                    for c, entry in enumerate(row):
                        value = self._normal_node(entry)
                        if value is not None and sp.expand(value - expected[r, c]) != 0:
                            yield [(0, node, sign) for node, sign in _terms(entry, 1)], expected[r, c], value

    def _missing(self):
        """A factor missing or wrong, or a term missing: what the term should be, divided by what it is."""
        from .explain import lecture_latex, rank
        for terms, expected, written in self._sites():
            for k, node, sign in terms:
                value = self._normal_node(node, matrices=True)
                if value is None:
                    continue
                should = _expand(sign * (expected - written) + value)
                if _zero(should):                   # the term is 0: its last factor, the local derivative
                    factors = _factors(node, ("times", "juxt"))
                    if len(factors) > 1:
                        a, b = self._span(k, factors[-1])
                        yield Edit(k, a, b, "0", "wrong factor", f"`{self.texts[k][a:b]}` should be `0`")
                    continue
                q = _ratio(should, value)
                if q is None or q == 1 or q == -1:
                    continue
                if _simple(q):
                    yield from self._insert(k, node, q, lecture_latex, rank)
                if is_matrix(value):
                    continue
                for f in _factors(node, ("times", "juxt")):
                    fv = self._normal_node(f)
                    if fv is None:
                        continue
                    better = sp.factor(sp.cancel(fv * q))
                    if _simple(better) and not better.is_Number:      # `x` should be 1: an extra factor
                        a, b = self._span(k, f)
                        old, new = self.texts[k][a:b], _factor_text(self.net, better, lecture_latex)
                        yield Edit(k, a, b, new, "wrong factor", f"`{old}` should be `{new}`")
            if is_matrix(expected):
                continue
            missing = sp.expand(expected - written)
            if missing != 0 and sp.count_ops(missing) <= 4 * SIMPLE and terms and _simple(sp.factor(missing), 4):
                k, node, _ = terms[-1]
                a, b = self._span(k, node)
                old = self.texts[k][a:b]
                printed = lecture_latex(self.net, sp.factor(missing))
                joined = f"{old} - {printed[1:].lstrip()}" if printed.startswith("-") else f"{old} + {printed}"
                yield Edit(k, a, b, joined, "missing term", f"a term `{printed}` is missing after `{old}`")

    def _insert(self, k, node, q, lecture_latex, rank):
        """Edits putting the factor q into the product `node`, where the chain rule has it."""
        glue = " \\times " if isinstance(node, s.BinOp) and node.op == "times" else " "
        factors = _factors(node, ("times", "juxt"))
        keyed = [rank(self.net, self._normal_node(f)) for f in factors]
        wanted = rank(self.net, q)
        at = next((j for j, key in enumerate(keyed) if key < wanted), len(factors))
        printed = _factor_text(self.net, q, lecture_latex)
        if at < len(factors):
            a, b = self._span(k, factors[at])
            old = self.texts[k][a:b]
            yield Edit(k, a, b, f"{printed}{glue}{old}", "missing factor",
                       f"a factor `{printed}` is missing before `{old}`")
        else:
            a, b = self._span(k, factors[-1])
            old = self.texts[k][a:b]
            yield Edit(k, a, b, f"{old}{glue}{printed}", "missing factor",
                       f"a factor `{printed}` is missing after `{old}`")

    def _extra_terms(self):
        """A term of a sum that should not be there."""
        for k, node in self._nodes():
            if isinstance(node, s.BinOp) and node.op in "+-":
                l0, l1 = self._span(k, node.left)
                r0, r1 = self._span(k, node.right)
                text = self.texts[k]
                yield Edit(k, l1, r1, "", "extra term", f"the term `{text[r0:r1]}` should not be there")
                if node.op == "+":
                    yield Edit(k, l0, r0, "", "extra term", f"the term `{text[l0:l1]}` should not be there")

    # -- values ----------------------------------------------------------------------------------
    def _normal(self, value):
        if value is None:
            return None
        if is_matrix(value):
            return sp.ImmutableMatrix(value.shape[0], value.shape[1],
                                      [sp.expand(self.decider.normal(e)) for e in value])
        return sp.expand(self.decider.normal(value))

    def _normal_member(self):
        try:
            return self._normal(self.meaning.member_value(self.member))
        except DeriveError:
            return None

    def _normal_node(self, node, matrices: bool = False):
        try:
            v = self.meaning.value(node, {})
        except (DeriveError, KeyError, TypeError):
            return None
        return None if is_matrix(v) and not matrices else self._normal(v)


# -- trees ------------------------------------------------------------------------------------------
def _walk(node):
    from .meaning import walk
    return walk(node)


def _terms(node: s.Node, sign: int):
    """The terms of a sum with their signs: a - (b + c) has terms a (+1) and b + c (-1)."""
    if isinstance(node, s.BinOp) and node.op in "+-":
        yield from _terms(node.left, sign)
        yield node.right, sign if node.op == "+" else -sign
    else:
        yield node, sign


def _factors(node: s.Node, ops) -> list[s.Node]:
    if isinstance(node, s.BinOp) and node.op in ops:
        return _factors(node.left, ops) + _factors(node.right, ops)
    return [node]


def _expand(v):
    return v.applyfunc(sp.expand) if is_matrix(v) else sp.expand(v)


def _zero(v) -> bool:
    return all(e == 0 for e in v) if is_matrix(v) else v == 0


def _ratio(should, value):
    """should / value when that is one scalar (for matrices: the same in every entry), else None."""
    if is_matrix(should) != is_matrix(value):
        return None
    pairs = list(zip(should, value)) if is_matrix(value) else [(should, value)]
    q = None
    for a, b in pairs:
        if b == 0:
            if a != 0:
                return None
            continue
        r = sp.cancel(a / b)
        if sp.count_ops(r) <= 2 * SIMPLE:
            r = sp.factor(r)
        if q is None:
            q = r
        elif sp.expand(r - q) != 0:
            return None
    return q


def _factor_text(net, q, lecture_latex) -> str:
    """A factor's LaTeX, bracketed when it is a sum or begins with a sign."""
    printed = lecture_latex(net, q)
    return f"({printed})" if sp.factor(q).is_Add or printed.startswith("-") else printed


def _simple(q, scale: int = 1) -> bool:
    """Is q a factor a lecturer writes: numbers, names, and two-term sums such as (1 - a), multiplied?"""
    if sp.count_ops(q) > SIMPLE * scale:
        return False
    _, denominator = sp.fraction(q)
    if denominator.free_symbols:
        return False
    factors = sp.Mul.make_args(q)
    for f in factors:
        base = f.base if f.is_Pow else f
        if base.is_Add and len(base.args) > 2:
            return False
    return True


def _pairs(opening: str, closing: str) -> bool:
    o, c = opening.replace("\\left", "").strip(), closing.replace("\\right", "").strip()
    return {"(": ")", "[": "]", "\\{": "\\}", "{": "}"}.get(o) == c


def _index_variants(digits: str, ranges):
    """Every index of the same length differing from `digits` (one digit, or the two swapped)."""
    out = []
    for k, r in enumerate(ranges):
        for d in r:
            if str(d) != digits[k]:
                out.append(digits[:k] + str(d) + digits[k + 1:])
    if len(digits) == 2 and digits[0] != digits[1]:
        out.insert(0, digits[::-1])
    for k in range(len(digits) - 1):                          # both digits changed (w_{12} for w_{21} ...)
        for d in ranges[k]:
            for e in ranges[k + 1]:
                new = digits[:k] + str(d) + str(e) + digits[k + 2:]
                if new != digits and new not in out:
                    out.append(new)
    return out


def _reparse(text: str) -> s.Node | None:
    """The expression a part's text reads as on its own, or None if it is not one expression."""
    try:
        pieces = _parse_cached(text)
    except DeriveError:
        return None
    except Exception:
        return None
    if len(pieces) != 1 or pieces[0].lead is not None or pieces[0].label or len(pieces[0].chains) != 1:
        return None
    chain = pieces[0].chains[0]
    if len(chain) != 1 or len(chain[0].parts) != 1:
        return None
    return chain[0].parts[0].expr


def repairs(checker, member: s.Member, reference, budget: float = BUDGET, cheap_only: bool = False) -> list[Repair]:
    """The proved repairs of `member` against the value `reference` (best first; [] when none)."""
    return Search(checker, member, reference, budget).run(cheap_only)


# -- a refuted result, explained -------------------------------------------------------------------
def annotate(checker, st, result, member: s.Member) -> None:
    """Give a refuted result its repairs (and move it to the first one), or else the member it
    should be and the terms that differ; and the difference and the names that matter, in the
    lecture's notation.  A refinement: whatever goes wrong here leaves the verdict as it is."""
    from . import explain
    try:
        reference, ref_value = _reference(checker, st, result, member)
        if ref_value is None:
            return
        try:
            mine = checker.meaning.member_value(member)
        except DeriveError:                     # a shape error, say: repairs may still be found
            mine = None
        found = repairs(checker, member, ref_value)
        if reference is not None and len(st.members) == 2 and mine is not None:   # the other side may be wrong
            found += repairs(checker, reference, mine, BUDGET / 3, cheap_only=True)[:max(1, SHOWN - len(found))]
        net, decider = checker.workspace.net, checker.workspace.decider
        result.repairs = found
        if found:
            result.line, result.col, result.mistake = found[0].line, found[0].col, found[0].kind
        elif mine is None:
            return
        else:
            result.expected = explain.expected_member(net, decider, ref_value)
            _compare_terms(checker, member, ref_value, result)
        result.difference_latex = explain.difference(net, decider, ref_value, mine)
        result.relevant = explain.relevant_names(net, decider, ref_value, mine)
    except (Exception, TimeLimit):
        return


def _reference(checker, st, result, member):
    """The member the wrong one was compared with, and its value (for an update rule, the step
    X - alpha dE/dX, with no member to repair)."""
    from .chains import UPDATE
    if st.kind == UPDATE:
        target = checker.meaning.member_value(st.head)
        net, node = checker.workspace.net, st.head.parts[0].expr
        E = net["E",]
        gradient = (target.applyfunc(lambda p: checker.meaning._partial(E, p, node)) if is_matrix(target)
                    else checker.meaning._partial(E, target, node))
        return None, target - net.alpha * gradient
    for m in st.members:
        if m is not member and " ".join(m.text.split()) == result.lhs:
            return m, checker.meaning.member_value(m)
    if result.lhs is None:                     # an error in the member: compare with another one
        for m in st.members:
            if m is not member:
                try:
                    return m, checker.meaning.member_value(m)
                except DeriveError:
                    continue
    first = st.extra.get("first")              # a restatement, compared with the first definition
    if first is not None and " ".join(first.member.text.split()) == result.lhs:
        return None, checker.meaning.member_value(first.member)
    return None, None


def _compare_terms(checker, member, ref_value, result) -> None:
    """The terms expected and not written, and written and not expected; the result is moved to
    the first term written that is not expected (the wrong part of a member continued over rows)."""
    from . import explain
    try:
        search = Search(checker, member, ref_value)
        written = [(search._text(k, node), sign, checker.meaning.value(node, {})) for k, node, sign in search.terms]
        missing, extra = explain.differing_terms(checker.workspace.net, checker.workspace.decider, ref_value, written)
    except (DeriveError, ArithmeticError, TypeError, ValueError):
        return
    result.missing_terms, result.extra_terms = missing, extra
    wrong = [(k, node) for (k, node, _), (text, sign, _) in zip(search.terms, written)
             if ("-" if sign < 0 else "") + text in extra]
    if wrong and len(member.parts) > 1:
        k, node = wrong[0]
        source = member.parts[k].source
        if source is not None:
            result.line, result.col = source.position(search.bases[k] + search._span(k, node)[0])
