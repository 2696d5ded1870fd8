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

from ..notation import syntax as s
from ..runtime.clock import TimeLimit, deadline
from ..errors import DeriveError
from ..meaning.values import is_matrix
from ..notation.parse import parse
from .factors import MissingFactors
from ..results import PROVED
from ..model.lecture_form import lecture_terms as expected_terms

LIMIT = 400            # candidates per refuted claim
BUDGET = 1.0           # seconds of processor time per refuted claim (a loaded machine is not a reason
                       # to find less)
SHOWN = 3              # repairs kept per claim

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
    cell: int | None = None        # in a notebook: the cell, whose source line and column these are

    def to_json(self) -> dict:
        out = {"line": self.line, "col": self.col, "old": self.old, "new": self.new,
               "description": self.description, "kind": self.kind}
        if self.cell is not None:
            out["cell"] = self.cell
        return out

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


class Search(MissingFactors):
    """The repairs of one member `member` of a claim whose other side has the value `reference`."""

    Edit = Edit

    def __init__(self, checker, member: s.Member, reference, budget: float = BUDGET):
        self.meaning, self.decider, self.net = checker.meaning, checker.workspace.decider, checker.workspace.net
        self.member, self.reference = member, reference
        self.stop = time.process_time() + budget
        self.tried: set = set()
        self.found: list[Repair] = []
        self.texts = [p.text for p in member.parts]
        self.bases = [p.expr.start for p in member.parts]
        self.terms = [(k, node, sign) for k, p in enumerate(member.parts) for node, sign in s.terms(p.expr, 1)]

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
        repair = Repair(line, col, text[edit.start:edit.end], edit.new, edit.description, edit.kind,
                        getattr(old.source, "cell", None))
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
            for node in s.walk(part.expr):
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
                factors = s.factors(node, ("bullet",))
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
                for inner in s.walk(node):
                    if isinstance(inner, s.BinOp) and inner.op in ("times", "juxt"):
                        seen.add(id(inner))
                yield k, s.factors(node, ("times", "juxt"))

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
        pieces = parse(text)
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


