"""The block structure of a Markdown document: which parts are prose, which fences hold math, and
which fences derive does not read.

Books (Jupyter Book, MyST, MkDocs, Docusaurus, GitHub) put math in more places than `$$`:

- a MyST ```` ```{math} ```` directive (its `:label:` / `:name:` options, or a `---` option block, are
  not math; blank lines separate equations, as in Sphinx) and GitHub's ```` ```math ```` fence hold
  display math;
- admonitions and other containers whose body (and title, on the opening line) is Markdown
  (```` ```{note} ````, ```` ```{admonition} ````, ```` ```{dropdown} ````, `:::{tip}` colon fences,
  `:::note`, `prf:` directives, Pandoc and Quarto divs such as `::: {.callout-note}` ...) hold prose
  with math in it, read like the rest of the document, nested fences included;
- any other directive (```` ```{code-cell} ````, ```` ```{raw} ````, one derive does not know) is not
  read: when it holds something that looks like math (`$`, `\\[`, `\\(`, `\\begin`, `\\frac`,
  `\\partial`, `\\sum`, `\\sigma`, `\\alpha`, reST's `.. math::` and `:math:`), it is reported
  as a skipped block, never dropped silently.  Plain code fences (```` ```python ````) are code.

MkDocs `!!! note` / `??? note` blocks are indented prose and need nothing special.  Fences may be
indented (inside an admonition or a list item).  Every block is given as offsets into the document's
text, so positions of the math inside stay exact.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

PROSE, MATH, CODE, UNREAD = "prose", "math", "code", "unread"

# Directives whose body is Markdown: admonitions (MyST, sphinx-design, sphinx-proof, sphinx-exercise,
# sphinx-togglebutton) and containers.
PROSE_DIRECTIVES = {
    "note", "warning", "tip", "important", "hint", "caution", "attention", "danger", "error",
    "seealso", "admonition", "dropdown", "margin", "sidebar", "topic", "epigraph", "pull-quote",
    "highlights", "card", "grid", "grid-item", "grid-item-card", "tab-set", "tab-item", "tab",
    "div", "container", "exercise", "solution", "figure", "table", "only", "versionadded",
    "versionchanged", "deprecated", "glossary", "rubric", "centered", "hlist", "toggle",
}
PROSE_PREFIXES = ("prf:", "exercise-", "solution-")
MATH_DIRECTIVES = {"math"}
MATH_LANGUAGES = {"math"}                      # GitHub and GitLab render ```math fences as math
LOOKS_LIKE_MATH = re.compile(r"\$|\\\[|\\\(|\\begin\s*\{|\\(?:frac|partial|sum|sigma|alpha)(?![A-Za-z])"
                             r"|^[ \t]*\.\. math::|:math:`", re.M)

_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,}|:{3,})[ \t]*(.*?)[ \t]*")
_OPTION = re.compile(r"[ \t]*:[A-Za-z][\w-]*:(?:[ \t].*)?")
_BLANK = re.compile(r"[ \t]*")


@dataclass(frozen=True)
class Block:
    """A part of the document: prose to scan for math, display math, or a fence not read."""

    kind: str                      # PROSE, MATH or UNREAD (code fences are not given)
    start: int                     # offsets into the document's text
    end: int
    name: str = ""                 # the fence's directive or language, e.g. "{code-cell}"
    line: int = 0                  # 1-based line of the fence's opening line
    label: str = ""                # a {math} directive's :label: (or :name:)


@dataclass
class _Fence:
    char: str
    length: int
    kind: str
    name: str
    line: int
    body: int                      # offset where the body starts
    label: str = ""


def _kind(marker: str, info: str) -> tuple[str, str, str]:
    """(kind, shown name, argument) of a fence opened by `marker` with info string `info`."""
    if re.match(r"\{\s*[.#]", info):              # Pandoc / Quarto attributes: ::: {.callout-note}, ```{.python}
        return (PROSE if marker[0] == ":" else CODE), info, ""
    m = re.match(r"\{([^{}\s]+)\}[ \t]*(.*)", info)
    if m:
        name, argument = m.group(1).lower(), m.group(2)
        if name in MATH_DIRECTIVES:
            return MATH, "{%s}" % name, argument
        if name in PROSE_DIRECTIVES or name.startswith(PROSE_PREFIXES):
            return PROSE, "{%s}" % name, argument
        return UNREAD, "{%s}" % name, ""
    word = info.split()[0].lower() if info.split() else ""
    if marker[0] == ":":                        # Docusaurus / MkDocs-style `:::note Title`
        return PROSE, word, info[len(word):].strip()
    if word in MATH_LANGUAGES:
        return MATH, word, ""
    return CODE, word, ""


def _closes(line: str, fence: _Fence) -> bool:
    return re.fullmatch(r"[ \t]*" + re.escape(fence.char) + "{%d,}[ \t]*" % fence.length, line) is not None


def _options_end(lines: list[str], first: int, fence: _Fence) -> int:
    """Line index where a directive's body begins, past `:key: value` options or a `---` block
    (one that closes before the fence does)."""
    stop = next((j for j in range(first, len(lines)) if _closes(lines[j], fence)), len(lines))
    k = first
    if k < stop and lines[k].strip() == "---":
        close = next((j for j in range(k + 1, stop) if lines[j].strip() == "---"), None)
        if close is not None:
            fence.label = _label(lines[k + 1:close], _YAML_LABEL)
            return close + 1
    while k < stop and _OPTION.fullmatch(lines[k]):
        k += 1
    fence.label = _label(lines[first:k], _OPTION_LABEL)
    return k


_OPTION_LABEL = re.compile(r"[ \t]*:(?:label|name):[ \t]+(\S.*?)[ \t]*")
_YAML_LABEL = re.compile(r"[ \t]*(?:label|name)[ \t]*:[ \t]*['\"]?(.*?)['\"]?[ \t]*")


def _label(option_lines: list[str], pattern: re.Pattern) -> str:
    found = (pattern.fullmatch(line) for line in option_lines)
    return next((m.group(1) for m in found if m and m.group(1)), "")


def markdown_blocks(text: str, lines: list[str], starts: list[int], start: int) -> list[Block]:
    """The document from offset `start` on, as prose blocks, math blocks and unread fences, in order.

    `lines` and `starts` are the text's lines and their offsets.  An unclosed fence runs to the end.
    """
    blocks: list[Block] = []
    stack: list[_Fence] = []
    prose_from = start
    end_of = lambda k: starts[k + 1] if k + 1 < len(starts) else len(text)

    def close(fence: _Fence, end: int) -> None:
        if fence.kind == MATH:
            blocks.extend(_equations(text, lines, starts, fence, end))
        elif fence.kind == UNREAD and LOOKS_LIKE_MATH.search(text, fence.body, end):
            blocks.append(Block(UNREAD, fence.body, end, fence.name, fence.line))

    for k, line in enumerate(lines):
        if starts[k] < start:
            continue
        top = stack[-1] if stack else None
        if top is not None and top.kind != PROSE:
            if _closes(line, top):
                stack.pop()
                close(top, starts[k])
                prose_from = end_of(k)
            continue
        if top is not None and _closes(line, top):
            blocks.append(Block(PROSE, prose_from, starts[k]))
            stack.pop()
            prose_from = end_of(k)
            continue
        m = _OPEN.fullmatch(line)
        if not m or (m.group(1)[0] == "`" and "`" in m.group(2)) or (m.group(1)[0] == ":" and not m.group(2)):
            continue
        kind, name, argument = _kind(m.group(1), m.group(2))
        blocks.append(Block(PROSE, prose_from, starts[k]))
        fence = _Fence(m.group(1)[0], len(m.group(1)), kind, name, k + 1, 0)
        body_line = k + 1
        if kind != CODE and m.group(2).startswith("{"):
            body_line = _options_end(lines, k + 1, fence)
        fence.body = body = starts[body_line] if body_line < len(starts) else len(text)
        if argument:
            where = starts[k] + m.start(2) + m.group(2).rindex(argument)
            blocks.append(Block(kind if kind == MATH else PROSE, where, where + len(argument), name, k + 1,
                                fence.label))
        stack.append(fence)
        prose_from = body
    if stack and stack[-1].kind != PROSE:           # an unclosed fence runs to the end
        close(stack[-1], len(text))
    else:
        blocks.append(Block(PROSE, prose_from, len(text)))
    return [b for b in blocks if b.start < b.end]


def _equations(text: str, lines, starts, fence: _Fence, end: int) -> list[Block]:
    """A math fence's body as blocks of display math: for {math}, one per blank-line-separated
    equation (as Sphinx reads it); for ```math, the whole body."""
    if fence.name != "{math}":
        return [Block(MATH, fence.body, end, fence.name, fence.line)] if text[fence.body:end].strip() else []
    label = fence.label
    out, piece = [], None
    for k in range(bisect.bisect_left(starts, fence.body), len(starts)):
        a = starts[k]
        if a >= end:
            break
        if _BLANK.fullmatch(lines[k]):
            if piece is not None:
                out.append(Block(MATH, piece, a, fence.name, fence.line, label))
            piece = None
        elif piece is None:
            piece = a
    if piece is not None:
        out.append(Block(MATH, piece, end, fence.name, fence.line, label))
    return out
