"""Markdown: the math spans of a Markdown document (or a notebook's markdown cell).

Fenced code blocks, code spans and HTML comments hold no math, and math never runs across a fenced
block.  ``$$`` and ``\\[`` may run over blank lines; ``$`` and ``\\(`` must close within their
paragraph, else they are text.  A ``$`` closing just before a digit is money ("$5 or $10"), not
math.  ``<!-- derive: skip -->`` marks the next math span skipped.
"""
from __future__ import annotations

import re

from .fences import MATH, PROSE, Block, markdown_blocks
from .spans import (BEGIN, LATEX_MATH_ENVS, Problem, Source, Span, block_env_ends, find_closer, find_env_end,
                    is_directive)

_BACKTICKS = re.compile("`+")
_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


_DOLLAR_LABEL = re.compile(r"[ \t]*\(([A-Za-z0-9_][\w:.-]*)\)[ \t]*(?=\n|$)")    # $$ ... $$ (eq-loss)


_QUOTE = re.compile(r"^(?:[ ]{0,3}>)+", re.M)          # > and > > at the start of a line


def _unquote(text: str) -> str:
    """The text with the markers of block quotes blanked (`> $$` is math in a quote): each `>` at the
    start of a line becomes a space, so that every position stays where it was."""
    return _QUOTE.sub(lambda m: m.group(0).replace(">", " "), text)


def _inline_dollars(t: str, opener: int, after: int, label) -> bool:
    """Whether `$$...$$` stands inside a line of prose (kramdown writes all math with `$$`): text
    before the opener, or after the closer other than a label or punctuation, on the same line."""
    line_start = t.rfind("\n", 0, opener) + 1
    line_end = t.find("\n", after)
    rest = t[label.end() if label else after:len(t) if line_end < 0 else line_end]
    return bool(t[line_start:opener].strip()) or bool(rest.strip(" \t.,;:"))


def atx_heading(line: str) -> tuple[int, str] | None:
    """(level, title) of a Markdown ATX heading line (`## Title ##`), or None.  Read in one pass
    over the line: a pattern would backtrack over a long run of spaces (cubic time)."""
    indent = len(line) - len(line.lstrip(" "))
    if indent > 3:
        return None
    rest = line[indent:]
    hashes = len(rest) - len(rest.lstrip("#"))
    if not 1 <= hashes <= 6 or not rest[hashes:hashes + 1].isspace():
        return None
    title = rest[hashes:].strip(" \t")
    closed = title.rstrip("#")
    if closed != title and (not closed or closed[-1] in " \t"):      # a closing run of #
        title = closed.rstrip(" \t")
    return (hashes, title) if title else None


def _markdown_blocks(src: Source) -> list[Block]:
    """The blocks of the text after any YAML front matter: prose, math fences, fences not read."""
    src.text = _unquote(src.text)
    front = _FRONT_MATTER.match(src.text)
    return markdown_blocks(src.text, src.lines, src.starts, front.end() if front else 0)


def _math_env(t: str, i: int):
    """The \\begin{..} of a math environment (align, equation, ...) at `i`, or None."""
    begin = BEGIN.match(t, i)
    return begin if begin and begin.group(1).strip() in LATEX_MATH_ENVS else None


def _escaped_math(src: Source, i: int, b: int, skip: bool) -> bool:
    """kramdown's `\\\\(`...`\\\\)` and `\\\\[`...`\\\\]` at `i` (the page shows `\\(`...`\\)`):
    a span, read with Markdown's escapes undone; False when it does not close (the inline form within
    its paragraph), and then the backslashes are text."""
    t = src.text
    display = t[i + 2] == "["
    closer = "\\\\]" if display else "\\\\)"
    limit = b if display else src.paragraph_end(i, b)
    end = t.find(closer, i + 3, limit)
    if end < 0:
        return False
    src.span(i + 3, end, display, skip, escaped=True)
    return True


def read_markdown(text: str, file: str, *,
                  cell: int | None = None) -> tuple[list[Span], list[Problem]]:
    """Every $$..$$, \\[..\\], $..$, \\(..\\), {math}`..` and \\begin{align}.. outside code and HTML
    comments, and the body of every math fence ({math}, ```math), in order; a fence derive does not read
    that holds math-like text is a skipped span with a note saying so."""
    src = Source(text, file, cell)
    blocks = _markdown_blocks(src)
    t, skip, env_ends = src.text, False, {}
    for block in blocks:
        a, b = block.start, block.end
        if block.kind != PROSE:
            if block.kind == MATH:
                src.span(a, b, True, skip, label=block.label)
            else:
                src.span(a, b, True, True, f"{block.name} block not read")
            skip = False
            continue
        i = a
        while i < b:
            c = t[i]
            if c == "`":
                n = _BACKTICKS.match(t, i).end() - i
                limit = src.paragraph_end(i, b)
                key = ("`", n, limit)
                m = None if src.search_fails(key, i + n) else \
                    re.compile(r"(?<!`)`{%d}(?!`)" % n).search(t, i + n, limit)
                if m is None:
                    src.failed_from(key, i + n)
                if m and i - 6 >= a and t.startswith("{math}", i - 6):     # MyST's {math}`...` role
                    src.span(i + n, m.start(), False, skip)
                    skip = False
                i = m.end() if m else i + n
            elif t.startswith("<!--", i):
                end = -1 if src.search_fails(("-->", b), i + 4) else t.find("-->", i + 4, b)
                if end < 0:
                    src.failed_from(("-->", b), i + 4)
                    i += 4
                    continue
                skip = skip or is_directive(t[i + 4:end])
                i = end + 3
            elif t.startswith("$$", i) or t.startswith("\\[", i):
                opener, closer = ("$$", "$$") if c == "$" else ("\\[", "\\]")
                end = find_closer(t, i + 2, b, closer, None if c == "$" else "\\[", src.failed)
                if end < 0:
                    src.problem(i, f"unclosed {opener} display math", f"a closing {closer}")
                    skip, i = False, i + 2
                    continue
                label = _DOLLAR_LABEL.match(t, end + 2, b) if c == "$" else None
                display = c != "$" or not _inline_dollars(t, i, end + 2, label)
                src.span(i + 2, end, display, skip, label=label.group(1) if label else "")
                skip, i = False, end + 2
            elif t.startswith(("\\\\(", "\\\\["), i) and _escaped_math(src, i, b, skip):
                opener = t[i:i + 3]
                closer = "\\\\)" if opener.endswith("(") else "\\\\]"
                i = t.find(closer, i + 3, b) + 3
                skip = False
            elif c == "$" or t.startswith("\\(", i):
                width, closer = (1, "$") if c == "$" else (2, "\\)")
                end = find_closer(t, i + width, src.paragraph_end(i, b), closer, None, src.failed)
                if end < 0:
                    i += width
                    continue
                # "$5 or $10" is money, not math: a closing $ may not be followed by a digit,
                # and such a $ (a price sign itself) cannot open math either.
                if c == "$" and end + 1 < len(t) and t[end + 1].isdigit():
                    i = end + 1
                    continue
                src.span(i + width, end, False, skip)
                skip, i = False, end + len(closer)
            elif c == "\\" and _math_env(t, i):
                begin = _math_env(t, i)
                name = begin.group(1).strip()
                if (a, b) not in env_ends:          # one pass for all, not a scan per \begin
                    env_ends[a, b] = block_env_ends(t, a, b)
                end = env_ends[a, b].get(begin.end())
                end = find_env_end(t, begin.end(), b, name) if end is None else end
                if end < 0:
                    src.problem(i, f"unclosed \\begin{{{name}}} environment", f"\\end{{{name}}}")
                    skip, i = False, begin.end()
                    continue
                src.span(i, end, True, skip)
                skip, i = False, end
            elif c == "\\" and i + 1 < b and t[i + 1] in _ASCII_PUNCT:
                i += 2
            else:
                i += 1
    return src.spans, src.problems
