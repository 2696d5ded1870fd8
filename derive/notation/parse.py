"""LaTeX in the lecture's notation -> syntax trees, through the lark grammar `notation.lark`.

Nothing here evaluates text: the grammar decides what is read, the transformer builds `syntax`
nodes, and anything the grammar does not know is a `NotationError` naming the line, the column
(with a caret under it) and what was expected there.
"""
from __future__ import annotations

import copy
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import lark
from lark import Lark, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from ..errors import DeriveError, NotationError, locate
from ..runtime.bounds import current
from ..runtime.user_cache import cache_file
from . import syntax as s
from .build import Build, error_at
from .limits import check_numbers

# What each terminal looks like, for "expected ..." in error messages.
EXPECTED = {
    "AMP": "&", "EQ": "=", "PLUS": "+", "MINUS": "-", "TIMES": r"\times", "BULLET": r"\bullet",
    "SLASH": "/", "COMMA": ",", "AND": r"\text{and}", "PERIOD": ".", "LPAR": "(", "RPAR": ")", "LBRACK": "[",
    "RBRACK": "]", "LCURLY": r"\{", "RCURLY": r"\}", "LBRACE": "{", "RBRACE": "}",
    "QUAD": r"\quad", "TAG": r"\tag{...}", "TEXT_FUNC": r"\text{sigmoid}", "TEXT_NAME": r"\text{name}",
    "TEXT_OTHER": r"\text{...}", "FUNC": r"\sigma, \exp, \tanh or \log", "MAX": r"\max",
    "INDICATOR": r"\mathbb{1}[...]", "INDICATOR_SUB": r"\mathbb{1}_{...}", "ONES": r"\mathbf{1}_m", "REL": ">",
    "LAYER_EX": "^{(l)[n]}", "EXAMPLE": "^{[n]}", "PRIME": "'", "FRAC": r"\frac",
    "FRAC_DIGITS": r"\frac12", "PARTIAL": r"\partial", "SUM": r"\sum", "GREEK": r"a Greek letter (\alpha)",
    "NAME": "a name (a, z, w, b, x, t, E, A1, W3, loss\\_3)", "NUMBER": "a number",
    "SUB": "a subscript _1 or _{11}", "LAYER": "a layer superscript ^{(2)}", "TRANSPOSE": "^T",
    "SUP1": "a superscript", "LAYER_T": "^{(l)T}", "CARET": "^", "ROWSEP": r"\\", "BEGIN_ENV": r"\begin{aligned}",
    "END_ENV": r"\end{...}", "BEGIN_MATRIX": r"\begin{pmatrix}", "END_MATRIX": r"\end{pmatrix}",
    "$END": "the end of the formula", "NORM_OPEN": "\\|", "NORM_CLOSE": "\\|", "NABLA": "\\nabla", "DOTS": "\\dots", "UPDATED": "^{+}",
    "DIFF_FUNC": r"{d\sigma}",
}
OPERAND_START = {"NAME", "NUMBER", "LPAR", "FRAC", "PARTIAL", "BEGIN_MATRIX", "GREEK", "TEXT_NAME",
                 "FUNC", "TEXT_FUNC", "SUM", "MINUS", "LBRACE", "LCURLY", "LBRACK", "FRAC_DIGITS",
                 "MAX", "INDICATOR", "INDICATOR_SUB"}


TREE_BASE = 6          # the levels of a lark tree above a formula's first operand (start, rows, row, ...)


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser of `notation.lark`.  Its tables are cached only in this user's own cache
    folder (`runtime.user_cache`), never in the shared temporary folder, where lark's `cache=True`
    would pickle-load a file anyone could plant."""
    grammar = resources.files("derive.notation").joinpath("notation.lark").read_text(encoding="utf-8")
    key = hashlib.sha256(f"{grammar}{lark.__version__}{sys.version_info[:2]}".encode()).hexdigest()[:24]
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=False,
                cache=cache_file(f"notation-{key}.lark") or False)


@dataclass(frozen=True)
class TextSource:
    """Positions inside a plain string (used for formula strings given directly, as in tests)."""

    text: str
    file: str = "<formula>"
    line: int = 1
    col: int = 1
    cell: int | None = None

    def position(self, offset: int) -> tuple[int, int]:
        before = self.text[:offset]
        newlines = before.count("\n")
        if newlines == 0:
            return self.line, self.col + offset
        return self.line + newlines, offset - before.rfind("\n")

    def line_text(self, line: int) -> str:
        lines = self.text.split("\n")
        k = line - self.line
        if 0 <= k < len(lines):
            return (" " * (self.col - 1) if k == 0 else "") + lines[k]
        return ""


def describe_expected(names) -> str:
    names = set(names)
    if len(names & OPERAND_START) >= 5:
        names = (names - OPERAND_START) | {"__OPERAND__"}
    words = sorted("an operand (a name, number, ( ... ), \\frac, ...)" if n == "__OPERAND__"
                   else EXPECTED.get(n, n) for n in names)
    return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1] if words else ""


def parse(text: str, source=None) -> list[s.Piece]:
    """Parse one math span into pieces; raise NotationError located in `source`.  Nesting and
    numbers are bounded (`bounds.current()`): past a bound is a NotationError that names it."""
    source = source or TextSource(text)
    limits = current()
    if len(text) > limits.formula:             # lark would build the whole tree before any other bound
        err = NotationError(f"a formula of {len(text):,} characters: past the bound of {limits.formula:,}",
                            expected=f"a formula of at most {limits.formula:,} characters (--limit formula=N)")
        raise locate(err, source, 0) from None
    outcome = _parse_cached(text, limits.depth, limits.digits, limits.exponent)
    if isinstance(outcome, DeriveError):        # a copy: locating it must not change the cached one
        err = copy.copy(outcome)
        raise (locate(err, source, getattr(err, "offset", 0)) if isinstance(err, NotationError) else err) from None
    return _with_source(outcome, source)


def _nesting(tree: Tree) -> tuple[int, int]:
    """(depth, offset of the deepest node) of a lark tree, found without recursion."""
    deepest, where = 0, 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest, where = depth, getattr(node.meta, "start_pos", where) if not node.meta.empty else where
        stack.extend((c, depth + 1) for c in node.children if isinstance(c, Tree))
    return deepest, where


@lru_cache(maxsize=4096)
def _parse_cached(text: str, depth: int, digits: int, exponent: int):
    """Pieces of a text, without a source (lectures restate the same formulas many times), or the
    DeriveError that says why it cannot be read (so a text repeated 40,000 times is read once)."""
    try:
        return _parse_uncached(text, depth, digits, exponent)
    except DeriveError as e:                    # kept without its traceback: its frames (and through
        e.__traceback__ = None                  # them a whole earlier run) would live as long as the
        e.__context__ = e.__cause__ = None      # cache does, in a notebook kernel for hours
        return e


def _parse_uncached(text: str, depth: int, digits: int, exponent: int) -> tuple:
    try:
        tree = parser().parse(pair_norms(typeset_only(text)))
        nesting, where = _nesting(tree)
        if nesting > depth + TREE_BASE:
            raise error_at(f"the formula is nested {nesting - TREE_BASE} levels deep: past the bound of {depth} "
                         "levels (each bracket, fraction, power, operator or term of a sum is a level)",
                         where, f"a formula nested at most {depth} levels deep (--limit depth=N)")
        pieces = tuple(Build(text, None).transform(tree))
        check_numbers(pieces, digits, exponent)
        return pieces
    except UnexpectedInput as e:
        err = _syntaxerror_at(e, text)
        err.offset = _offset(e, text)
        raise err from None
    except VisitError as e:
        if isinstance(e.orig_exc, DeriveError):
            raise e.orig_exc from None
        raise


_BRACED = r"\{(?:[^{}]|\{[^{}]*\})*\}"                     # a brace group, one level nested
_DECORATION = re.compile(
    r"(?P<over>\\(?:underbrace|overbrace)\s*)(?P<what>" + _BRACED + r")(?P<note>\s*[_^]\s*" + _BRACED + r")?"
    r"|(?P<rel>\\(?:stackrel|overset)\s*" + _BRACED + r"\s*)\{\s*(?:=|\\equiv)\s*\}"
    r"|(?P<color>\\textcolor\s*\{[^{}]*\}\s*)\{"
    r"|(?P<font>\\(?:boldsymbol|bm|mathbf|pmb)\s*)\{(?P<greek>\s*\\[A-Za-z]+\s*)\}")


# `\in \mathbb{R}^q` after a member (the book's `= \frac{\partial L}{\partial \mathbf{o}} \in \mathbb{R}^q`): where
# the value lives, said in passing; the shape itself is checked by the value, so the tail is blanked
_IN_SPACE = re.compile(r"\\in(?![A-Za-z])\s*\\mathbb\s*\{\s*R\s*\}\s*(?:\^\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?")


def typeset_only(text: str) -> str:
    """What only changes how a formula looks, blanked (the text keeps its length, so every position
    stays, and what is read starts where the command starts, so a claim shows the command as
    written): `\\underbrace{X}_{\\text{note}}` is {X}, `\\in \\mathbb{R}^{q}` after a member is blank, `\\stackrel{\\text{def}}{=}` is =,
    `\\textcolor{red}{X}` is {X}, `\\boldsymbol{\\delta}` and `\\bm{\\sigma}` are the letter."""
    if "\\" not in text:
        return text
    text = _IN_SPACE.sub(lambda m: " " * len(m.group(0)), text)

    def blank(m) -> str:
        if m.group("over"):
            note = m.group("note") or ""
            return "{" + " " * len(m.group("over")) + m.group("what")[1:] + " " * len(note)
        if m.group("rel"):
            kept = m.group(0)[len(m.group("rel")):].replace("{", "").replace("}", "").strip()
        elif m.group("color"):
            kept = "{"
        else:
            kept = m.group("greek").strip()
        return kept + " " * (len(m.group(0)) - len(kept))
    return _DECORATION.sub(blank, text)


NORM_BAR = re.compile(r"(\\left|\\right|\\[bB]igg?[lr]?)?\s*"
                      r"(?P<double>\\\||\\[lr]?Vert(?![A-Za-z])|\u2016)|"
                      r"(\\left|\\right|\\[bB]igg?[lr]?)?\s*(?P<single>\\[lr]vert(?![A-Za-z])|(?<!\\)\|)")


def pair_norms(text: str) -> str:
    """\\|v\\| and |x|: the same bar opens and closes a norm (an absolute value on a number), which
    an LALR grammar cannot tell apart; the bars of each kind are paired left to right and written as
    an opening and a closing mark of the same length (an opening mark where the bar starts, a closing
    one where it ends, so a norm's span is its text).  A bar left without a partner stays as it was."""
    if not any(bar in text for bar in ("|", "\\Vert", "\\lvert", "\\rvert", "\u2016")):
        return text
    out, last, opening = [], 0, {"double": True, "single": True}
    bars = list(NORM_BAR.finditer(text))
    counts = {kind: sum(1 for m in bars if m.group(kind)) for kind in opening}
    for m in bars:
        kind = "double" if m.group("double") else "single"
        if counts[kind] % 2:                     # an odd number of bars: none of this kind is paired
            continue
        lead = m.group(1) if kind == "double" else m.group(3)
        begin = m.start() if lead else m.start(kind)     # a bare bar: the space before it is no part
        out.append(text[last:begin])
        pad = " " * (m.end() - begin - 1)          # a closing mark ends where the bar ends
        out.append("\u27e6" + pad if opening[kind] else pad + "\u27e7")
        opening[kind], last = not opening[kind], m.end()
    return "".join(out) + text[last:]


def _with_source(pieces: tuple, source) -> list[s.Piece]:
    return [s.Piece(lead=p.lead, label=p.label, start=p.start,
                    chains=[[s.Member([s.Part(part.expr, part.text, source) for part in m.parts], m.approx) for m in chain]
                            for chain in p.chains])
            for p in pieces]


def _offset(e: UnexpectedInput, text: str) -> int:
    if isinstance(e, UnexpectedEOF):
        return len(text)
    pos = getattr(e, "pos_in_stream", None)
    if isinstance(e, UnexpectedToken) and e.token.type == "$END":
        return len(text.rstrip())
    return pos if pos is not None else 0


def _unicode_name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')}"


def _syntaxerror_at(e: UnexpectedInput, text: str) -> NotationError:
    if isinstance(e, UnexpectedCharacters):
        rest = text[e.pos_in_stream:]
        command = re.match(r"\\[A-Za-z]+|\\.", rest)
        if command:
            what = f"unknown command {command.group(0)}"
        elif rest[:1] and not rest[:1].isascii():     # a Cyrillic а is not the Latin a it looks like
            what = f"unexpected character {rest[:1]!r} ({_unicode_name(rest[:1])})"
        else:
            what = f"unexpected character {rest[:1]!r}"
        return NotationError(what, expected=describe_expected(e.allowed or ()))
    if isinstance(e, UnexpectedToken):
        tok = e.token
        what = "unexpected end of formula" if tok.type == "$END" else f"unexpected {tok.value!r}"
        return NotationError(what, expected=describe_expected(e.expected))
    return NotationError("unexpected end of formula", expected=describe_expected(getattr(e, "expected", ())))
