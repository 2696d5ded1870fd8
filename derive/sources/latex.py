"""LaTeX: the math spans of a LaTeX document.

Only the body (between ``\\begin{document}`` and ``\\end{document}``, when there is one) is read;
unclosed ``$`` and ``\\(`` are Problems.  Each ``%`` comment inside math is replaced by spaces of
the same length (the newline stays), which keeps every position; ``% derive: skip`` marks the next
math span skipped.
"""
from __future__ import annotations

import re

from .spans import (
    BEGIN,
    END,
    LATEX_MATH_ENVS,
    LATEX_VERBATIM_ENVS,
    Problem,
    Source,
    Span,
    find_closer,
    block_env_ends,
    find_env_end,
    is_directive,
)

_VERB = re.compile(r"\\verb\*?([^A-Za-z*\s])")
_LATEX_DELIMITERS = {"$$": ("$$", True), "\\[": ("\\]", True),   # opener: (closer, display)
                     "\\(": ("\\)", False), "$": ("$", False)}


def _blank(chars: list[str], start: int, end: int) -> None:
    for k in range(start, end):
        if chars[k] != "\n":
            chars[k] = " "


def _strip_latex_comments(src: Source) -> list[int]:
    """Blank comments, verbatim environments and \\verb in `src.text`; return directive offsets."""
    t, chars, directives = src.original, list(src.original), []
    i, n = 0, len(t)
    while i < n:
        c = t[i]
        if c == "%":
            end = t.find("\n", i)
            end = n if end < 0 else end
            if is_directive(t[i:end].lstrip("%")):
                directives.append(i)
            _blank(chars, i, end)
            i = end
        elif c == "\\":
            verb, begin = _VERB.match(t, i), BEGIN.match(t, i)
            if verb:
                line_end = t.find("\n", verb.end())
                close = t.find(verb.group(1), verb.end(), n if line_end < 0 else line_end)
                if close >= 0:
                    _blank(chars, i, close + 1)
                    i = close + 1
                else:
                    i = verb.end()
            elif begin and begin.group(1).strip() in LATEX_VERBATIM_ENVS:
                closing = re.compile(r"\\end[ \t]*\{%s\}" % re.escape(begin.group(1)))
                m = closing.search(t, begin.end())
                end = m.end() if m else n
                _blank(chars, i, end)
                i = end
            else:
                i += 2
        else:
            i += 1
    src.text = "".join(chars)
    return directives


def read_latex(text: str, file: str) -> tuple[list[Span], list[Problem]]:
    """Every \\[..\\], $$..$$, math environment, $..$ and \\(..\\) of the body, in order."""
    src = Source(text, file, None)
    directives = _strip_latex_comments(src)
    t = src.text
    begin = re.search(r"\\begin[ \t]*\{document\}", t)
    start = begin.end() if begin else 0
    end_doc = re.compile(r"\\end[ \t]*\{document\}").search(t, start)
    limit = end_doc.start() if end_doc else len(t)
    directives = [d for d in directives if start <= d < limit]

    def skipped(opening: int, closing: int) -> bool:
        """Whether a directive came before `opening`; consume those and any inside the span."""
        nonlocal directives
        before = bool(directives) and directives[0] < opening
        directives = [d for d in directives if d >= closing]
        return before

    i, env_ends = start, None
    while i < limit:
        c = t[i]
        begin = BEGIN.match(t, i) if c == "\\" else None
        if begin and begin.group(1).strip() in LATEX_MATH_ENVS:
            name = begin.group(1).strip()
            if env_ends is None:            # one pass for all, not a scan per \\begin
                env_ends = block_env_ends(t, start, limit)
            end = env_ends.get(begin.end())
            if end is None:
                end = find_env_end(t, begin.end(), limit, name)
            if end < 0:
                src.problem(i, f"unclosed \\begin{{{name}}} environment", f"\\end{{{name}}}")
                skipped(i, begin.end())
                i = begin.end()
                continue
            src.span(i, end, name != "math", skipped(i, end))
            i = end
        elif c == "$" or t.startswith(("\\[", "\\("), i):
            opener = t[i:i + 2] if t[i:i + 2] in _LATEX_DELIMITERS else "$"
            closer, display = _LATEX_DELIMITERS[opener]
            bound = limit if display else src.paragraph_end(i, limit)
            end = find_closer(t, i + len(opener), bound, closer, opener if c == "\\" else None, src.failed)
            if end < 0:
                kind, where = ("display", "") if display else ("inline", " in the paragraph")
                src.problem(i, f"unclosed {opener} {kind} math", f"a closing {closer}{where}")
                skipped(i, i + len(opener))
                i += len(opener)
                continue
            src.span(i + len(opener), end, display, skipped(i, end + len(closer)))
            i = end + len(closer)
        else:
            i += 2 if c == "\\" else 1
    return src.spans, src.problems
