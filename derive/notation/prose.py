"""Which math claims nothing, and which is malformed: decided on a span's text, before any parsing.

A sentence of a lecture names things in math: `$l^{\\rm th}$`, `$\\mathbf{x}\\in\\mathbb{R}^d$`,
`$\\ell_2$`, a lone `$\\sigma$`, `$\\vdots$`, `$i = 1, \\ldots, n$`, `$\\epsilon > 0$`, the `\\(+\\)` of a
figure.  None of it claims an equality, so none of it is checked, none of it is an error, and none of
it changes the network (`prose_reason` says why a span is prose; the reader then leaves it out of
the statements altogether).  A span is a claim only when it relates two written members by `=` (or
`:=`, `\\equiv`, `\\approx`, ...).

Malformed LaTeX is another matter: a brace left open, a `\\left` without its `\\right`, an
environment never ended — the formula no longer renders, so a lecturer must hear of it whatever it
says (`malformed`: an error at the place, exit 2).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# An equality, the only relation derive checks (\approx: a rounded number, or a remark).
EQUALITY = re.compile(r"(?<![<>!\\])=|\\(?:equiv|coloneqq|triangleq|doteq|approx)(?![A-Za-z])")
# Relations that name, type, size, order or bound things: never an equality derive could check.
NAMING = re.compile(r"\\(?:in|notin|subset|subseteq|supset|to|mapsto|rightarrow|longrightarrow|"
                    r"leftarrow|gets|le|leq|ge|geq|lt|gt|leqslant|geqslant|neq|ne|ll|gg|sim|propto|"
                    r"perp|parallel|mid)(?![A-Za-z])|[<>]|\u2264|\u2265|\u2208")
# `= \frac{\partial L}{\partial \mathbf{o}} \in \mathbb{R}^q.`: a claim that says in passing where its value
# lives (the parser blanks the tail); the `\in` of a tail after an equality names nothing by itself
_SPACE_TAIL = re.compile(r"(?<==)(?:[^=]*?)\\in\s*\\mathbb\s*\{\s*R\s*\}\s*(?:\^\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?"
                         r"(?=\s*[.,]?\s*$)")
DOTS = re.compile(r"\\(?:l|c|v|d)?dots[bcimo]?(?![A-Za-z])|\.\.\.|\u2026")
_TEXT = re.compile(r"\\(?:text|textrm|mathrm|operatorname|mbox)\s*\{[^{}]*\}")       # a name: kept as one
_SKIPPED = re.compile(r"\\(?:label|tag)\s*\*?\s*\{[^{}]*\}")
_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_SCRIPT = re.compile(r"[_^](?:\{[^{}]*\}|\\?[A-Za-z0-9])")
_WORD = re.compile(r"\\[A-Za-z]+")
# "max 1/4 at $z = 0$", "for $k = 2$": a variable or an index at a point; leaves (x, w, b, t), the
# learning rate and the batch size m given a value are bindings, and stay claims.
FUNCTION_NAME = re.compile(r"\s*\\(?:sigma|tanh|exp|log|ln)\s*[.,;]?\s*")     # g = \tanh: a function named
POINT = re.compile(r"\s*[zuvsijkl]\s*=\s*-?[0-9]+(?:\.[0-9]+)?\s*[.,;]?\s*")
INDEX_CASE = re.compile(r"\s*[ijkmn]\s*(?:=|\\neq|\\ne)\s*[ijkmn]\s*[.,;]?\s*")    # "when $k = j$"


def _bare(text: str) -> str:
    """The text without comments, \\text{...}, \\label and \\tag: what its relations are read from."""
    return _TEXT.sub("T", _SKIPPED.sub(" ", _COMMENT.sub("", text)))


def prose_reason(text: str, display: bool) -> str | None:
    """Why a span claims nothing (it is then prose: counted, never checked, never a model change),
    or None when it may claim something and is to be read.

    A display span with no relation is left to the reader (a lone expression or list, accounted for
    as "no claim", whose names must exist); inline, it is prose.  A display span that begins with
    `=` or `+` continues a chain and is never prose."""
    bare = _bare(text).strip()
    if not bare:
        return "no math"
    equalities = list(EQUALITY.finditer(bare))
    if display and re.match(r"(?:\\begin\s*\{[^{}]*\}\s*)?(?:&\s*)?(?:\\q?quad\s*)*[=+]", bare):
        return None
    if NAMING.search(bare):
        membership = re.search(r"\\(?:in|notin|subseteq|subset)(?![A-Za-z])|\u2208", _SPACE_TAIL.sub(" ", bare))
        if not equalities or membership:
            return "names, types or bounds something (no equality)"
    if not equalities:
        return None if display else "no relation"
    if not display and equalities[0].start() == 0:
        return "a relation with nothing on its left"
    if len(equalities) == 1 and DOTS.search(bare[equalities[0].end():]) and "," in bare \
            and re.fullmatch(r"\s*[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?\s*", bare[:equalities[0].start()]):
        return "an index range"
    if not display and any(FUNCTION_NAME.fullmatch(side) for side in EQUALITY.split(bare)):
        return "names a function (g = \\tanh), not an equality of values"
    if not display and POINT.fullmatch(bare):
        return "a point named in a sentence (a variable, not a quantity of the network)"
    if not display and INDEX_CASE.fullmatch(bare):
        return "a case of the indices said in a sentence (k = j)"
    if not display and all(m.group(0) == "\\approx" for m in equalities):
        right = bare[equalities[-1].end():].strip().rstrip(".,;")
        if right in ("0", "0.0", "\\infty") or not re.search(r"[0-9]", _SCRIPT.sub("", right)):
            return "an approximation said in a sentence (not an equality)"
    return None


def relation_free(text: str) -> bool:
    """No relation at all: a span that cannot be read and claims nothing is prose, not an error."""
    bare = _bare(text)
    return not EQUALITY.search(bare) and not NAMING.search(bare)


def has_equality(text: str) -> bool:
    return bool(EQUALITY.search(_bare(text)))


@dataclass(frozen=True)
class Malformed:
    """LaTeX that does not render: where (an offset into the span) and what is wrong."""

    offset: int
    message: str
    expected: str


def malformed(text: str, claim: bool = True) -> Malformed | None:
    """A brace left open or closed twice, \\left without \\right, \\begin{X} without \\end{X}; in a
    claim, a parenthesis or a single bar `|` without its partner (an absolute value half written)."""
    opened: list[int] = []
    lefts: list[int] = []
    envs: list[tuple[str, int]] = []
    bars: list[int] = []
    parens: list[int] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "%" and (i == 0 or text[i - 1] != "\\"):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if c < " " and c not in "\t\n\r":
            return Malformed(i, f"a control character U+{ord(c):04X} in the formula", "printable text")
        if c == "\\":
            word = _WORD.match(text, i)
            if word is None:
                i += 2                          # \{ \} \| \\ \, : escapes, not braces
                continue
            name = word.group(0)[1:]
            if name == "left":
                lefts.append(i)
            elif name == "right":
                if not lefts:
                    return Malformed(i, "a \\right without its \\left", "\\left ... \\right in pairs")
                lefts.pop()
            elif name in ("begin", "end"):
                env = re.match(r"\s*\{([^{}]*)\}", text[word.end():])
                if env:
                    if name == "begin":
                        envs.append((env.group(1).strip(), i))
                    elif not envs or envs[-1][0] != env.group(1).strip():
                        return Malformed(i, f"\\end{{{env.group(1).strip()}}} without its \\begin",
                                         "\\begin{...} and \\end{...} in pairs")
                    else:
                        envs.pop()
            i = word.end()
            continue
        if c == "{":
            opened.append(i)
        elif c == "}":
            if not opened:
                return Malformed(i, "a brace } closes nothing", "a { before it, or no }")
            opened.pop()
        elif c == "|" and claim:
            bars.append(i)
        elif c == "(" and claim:
            parens.append(i)
        elif c == ")" and claim:
            if not parens:
                return Malformed(i, "a parenthesis ) closes nothing", "a ( before it, or no )")
            parens.pop()
        i += 1
    if opened:
        return Malformed(opened[-1], "a brace { is never closed", "a closing }")
    if lefts:
        return Malformed(lefts[-1], "a \\left without its \\right", "a \\right after it")
    if envs:
        name, at = envs[-1]
        return Malformed(at, f"\\begin{{{name}}} is never ended", f"\\end{{{name}}}")
    if parens:
        return Malformed(parens[-1], "a parenthesis ( is never closed", "a closing )")
    if len(bars) % 2:
        return Malformed(bars[-1], "a bar | without its partner", "|...| around an absolute value")
    return None
