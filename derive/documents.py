"""Find the math in lecture documents and say exactly where each piece is.

A document is Markdown (``.md``/``.markdown``), LaTeX (``.tex``) or a Jupyter
notebook (``.ipynb``, whose markdown cells are read as Markdown).  Reading one
gives a list of :class:`Span` -- each math span with its delimiters removed
(LaTeX environments keep their ``\\begin``/``\\end``) -- and a list of
:class:`Problem` -- structural faults such as an unclosed ``$$`` that stop one
span being read.  The math itself is not parsed here.

Positions are 1-based lines and columns counted in characters (a tab is one
column).  Line endings (``\\r\\n``, ``\\r``) are read as ``\\n`` and a leading
byte-order mark is dropped; neither changes any line or column.

``Span.text`` is a verbatim slice of the document, so character ``k`` of it
maps to exactly one document position (:meth:`Span.position`).  In LaTeX each
``%`` comment inside math is replaced by spaces of the same length (the
newline stays), which keeps that mapping.

A directive marks the next math span (only that one) ``skipped``:
``<!-- derive: skip -->`` in Markdown, ``% derive: skip`` in LaTeX.  A
Problem in its place uses the directive up.

Markdown: fenced code blocks, code spans and HTML comments hold no math, and
math never runs across a fenced block.  ``$$`` and ``\\[`` may run over blank
lines; ``$`` and ``\\(`` must close within their paragraph, else they are text.
A ``$`` closing just before a digit is money ("$5 or $10"), not math.
LaTeX: only the body (between ``\\begin{document}`` and ``\\end{document}``,
when there is one) is read; unclosed ``$`` and ``\\(`` are Problems there too.
"""
from __future__ import annotations

import bisect
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from derive.errors import DeriveError, DocumentError
from derive.fences import MATH, PROSE, Block, markdown_blocks

DOCUMENT_SUFFIXES = (".md", ".markdown", ".tex", ".ipynb")
SKIPPED_DIRS = {".git", "node_modules", "__pycache__", ".venv"}

LATEX_MATH_ENVS = {
    "equation", "equation*", "align", "align*", "aligned", "gather", "gather*",
    "multline", "multline*", "eqnarray", "eqnarray*", "displaymath", "math",
    "flalign", "flalign*", "alignat", "alignat*",
}
LATEX_VERBATIM_ENVS = {"verbatim", "verbatim*", "Verbatim", "lstlisting", "minted", "comment"}


@dataclass(frozen=True)
class Span:
    """One piece of math in a document and where its text starts."""

    file: str
    line: int
    col: int
    text: str
    display: bool
    skipped: bool
    cell: int | None = None
    source_line: str = ""
    # The original lines the span touches, lines[0] being source_line.
    lines: tuple[str, ...] = field(default=(), repr=False, compare=False)
    # Why a span is skipped when no directive asked for it: e.g. "{code-cell} block not read".
    note: str = field(default="", compare=False)
    # The equation's label in a book: {math} :label: eq-loss, or $$ ... $$ (eq-loss).
    label: str = field(default="", compare=False)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, col) in the document of character `offset` of `text` (clamped to the text)."""
        offset = max(0, min(offset, len(self.text)))
        newlines = self.text.count("\n", 0, offset)
        if newlines == 0:
            return self.line, self.col + offset
        return self.line + newlines, offset - self.text.rindex("\n", 0, offset)

    def line_text(self, line: int) -> str:
        """The original text of document line `line`; "" for a line the span does not touch."""
        if line == self.line and not self.lines:
            return self.source_line
        index = line - self.line
        return self.lines[index] if 0 <= index < len(self.lines) else ""


@dataclass(frozen=True)
class Problem:
    """A structural fault (an unclosed $$, say) that stops one span being read."""

    file: str
    line: int
    col: int
    message: str
    expected: str
    source_line: str
    cell: int | None = None

    def error(self) -> DocumentError:
        """The problem as a DocumentError, ready to be described or raised."""
        error = DocumentError(self.message, file=self.file, line=self.line, col=self.col,
                              source_line=self.source_line, expected=self.expected)
        error.cell = self.cell                  # described as file:cell N:line:col
        return error


class _Source:
    """A document's text with line/column lookup.  `text` may be a blanked copy of `original`."""

    def __init__(self, original: str, file: str, cell: int | None):
        self.original = _normalize(original)
        self.text = self.original
        self.file, self.cell = file, cell
        self.starts = [0] + [m.end() for m in re.finditer("\n", self.original)]
        self.lines = self.original.split("\n")
        self.spans: list[Span] = []
        self.problems: list[Problem] = []
        self.blank_lines: list[tuple[int, int]] | None = None
        self.failed: dict = {}          # searches known to fail: reading stays linear in the text

    def pos(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def span(self, start: int, end: int, display: bool, skipped: bool, note: str = "", label: str = "") -> None:
        line, col = self.pos(start)
        last = line + self.text.count("\n", start, end)
        self.spans.append(Span(self.file, line, col, self.text[start:end], display, skipped,
                               self.cell, self.lines[line - 1], tuple(self.lines[line - 1:last]), note, label))

    def problem(self, offset: int, message: str, expected: str) -> None:
        line, col = self.pos(offset)
        self.problems.append(Problem(self.file, line, col, message, expected,
                                     self.lines[line - 1], self.cell))

    def paragraph_end(self, start: int, limit: int) -> int:
        """Where the paragraph containing `start` ends: at the next blank line, or `limit`."""
        if self.blank_lines is None:        # found once: a search per delimiter would be quadratic
            self.blank_lines = [(m.start(), m.end()) for m in _BLANK_LINE.finditer(self.original)]
        k = bisect.bisect_left(self.blank_lines, (start, -1))
        if k < len(self.blank_lines):
            begin, end = self.blank_lines[k]
            if end < limit:                 # the newline that ends the blank line is inside
                return begin
        return limit

    def search_fails(self, key, start: int) -> bool:
        """Whether a position-independent search `key` from `start` is known to find nothing
        (it failed from an earlier start); `failed_from` records a failure."""
        return key in self.failed and self.failed[key] <= start

    def failed_from(self, key, start: int) -> None:
        self.failed[key] = min(start, self.failed.get(key, start))


_BLANK_LINE = re.compile(r"\n[ \t]*(?=\n)")


def _normalize(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_directive(comment_body: str) -> bool:
    return "".join(comment_body.split()).lower() == "derive:skip"


def _find_closer(text: str, i: int, limit: int, closer: str, reopen: str | None = None,
                 failed: dict | None = None) -> int:
    """Offset of `closer` at or after `i` (before `limit`), skipping backslash escapes; -1 if none.

    Meeting `reopen` (a second opening delimiter, e.g. another \\[) first also gives -1.
    `failed` remembers the positions of scans that found nothing: a later scan that reaches one
    gives up there, so that many unclosed openers cost one pass, not one pass each.
    """
    seen = failed.setdefault((closer, limit, reopen), set()) if failed is not None else None
    visited = []
    found = -1
    while i < limit:
        if seen is not None and i in seen:
            break
        visited.append(i)
        if text.startswith(closer, i):
            found = i
            break
        if text[i] == "\\":
            if reopen and text.startswith(reopen, i):
                break
            i += 2
        else:
            i += 1
    if found < 0 and seen is not None:
        seen.update(visited)
    return found


# --------------------------------------------------------------------------- Markdown

_BACKTICKS = re.compile("`+")
_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


_DOLLAR_LABEL = re.compile(r"[ \t]*\(([A-Za-z0-9_][\w:.-]*)\)[ \t]*(?=\n|$)")    # $$ ... $$ (eq-loss)


def _markdown_blocks(src: _Source) -> list[Block]:
    """The blocks of the text after any YAML front matter: prose, math fences, fences not read."""
    front = _FRONT_MATTER.match(src.text)
    return markdown_blocks(src.text, src.lines, src.starts, front.end() if front else 0)


def _math_env(t: str, i: int):
    """The \\begin{..} of a math environment (align, equation, ...) at `i`, or None."""
    begin = _BEGIN.match(t, i)
    return begin if begin and begin.group(1).strip() in LATEX_MATH_ENVS else None


def read_markdown(text: str, file: str, *,
                  cell: int | None = None) -> tuple[list[Span], list[Problem]]:
    """Every $$..$$, \\[..\\], $..$, \\(..\\), {math}`..` and \\begin{align}.. outside code and HTML
    comments, and the body of every math fence ({math}, ```math), in order; a fence derive does not read
    that holds math-like text is a skipped span with a note saying so."""
    src = _Source(text, file, cell)
    t, skip = src.text, False
    for block in _markdown_blocks(src):
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
                skip = skip or _is_directive(t[i + 4:end])
                i = end + 3
            elif t.startswith("$$", i) or t.startswith("\\[", i):
                opener, closer = ("$$", "$$") if c == "$" else ("\\[", "\\]")
                end = _find_closer(t, i + 2, b, closer, None if c == "$" else "\\[", src.failed)
                if end < 0:
                    src.problem(i, f"unclosed {opener} display math", f"a closing {closer}")
                    skip, i = False, i + 2
                    continue
                label = _DOLLAR_LABEL.match(t, end + 2, b) if c == "$" else None
                src.span(i + 2, end, True, skip, label=label.group(1) if label else "")
                skip, i = False, end + 2
            elif c == "$" or t.startswith("\\(", i):
                width, closer = (1, "$") if c == "$" else (2, "\\)")
                end = _find_closer(t, i + width, src.paragraph_end(i, b), closer, None, src.failed)
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
                end = _find_env_end(t, begin.end(), b, name)
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


# --------------------------------------------------------------------------- LaTeX

_BEGIN = re.compile(r"\\begin[ \t]*\{([^{}\n]*)\}")
_END = re.compile(r"\\end[ \t]*\{([^{}\n]*)\}")
_VERB = re.compile(r"\\verb\*?([^A-Za-z*\s])")
_LATEX_DELIMITERS = {"$$": ("$$", True), "\\[": ("\\]", True),   # opener: (closer, display)
                     "\\(": ("\\)", False), "$": ("$", False)}


def _blank(chars: list[str], start: int, end: int) -> None:
    for k in range(start, end):
        if chars[k] != "\n":
            chars[k] = " "


def _strip_latex_comments(src: _Source) -> list[int]:
    """Blank comments, verbatim environments and \\verb in `src.text`; return directive offsets."""
    t, chars, directives = src.original, list(src.original), []
    i, n = 0, len(t)
    while i < n:
        c = t[i]
        if c == "%":
            end = t.find("\n", i)
            end = n if end < 0 else end
            if _is_directive(t[i:end].lstrip("%")):
                directives.append(i)
            _blank(chars, i, end)
            i = end
        elif c == "\\":
            verb, begin = _VERB.match(t, i), _BEGIN.match(t, i)
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


def _find_env_end(t: str, i: int, limit: int, name: str) -> int:
    """Offset just past the \\end{name} matching a \\begin{name} that ends at `i`; -1 if none."""
    depth = 1
    while i < limit:
        if t[i] != "\\":
            i += 1
            continue
        m = _BEGIN.match(t, i) or _END.match(t, i)
        if m and m.group(1).strip() == name:
            depth += 1 if m.re is _BEGIN else -1
            if depth == 0:
                return m.end()
            i = m.end()
        else:
            i += 2
    return -1


def _env_ends(t: str, start: int, limit: int) -> dict[int, int]:
    """For every \\begin{name} in t[start:limit] (by the offset where it ends), the offset past its
    matching \\end{name}, or -1: what `_find_env_end` finds, for all of them in one pass."""
    open_: dict[str, list[int]] = {}
    ends: dict[int, int] = {}
    i = start
    while i < limit:
        i = t.find("\\", i, limit)
        if i < 0:
            break
        m = _BEGIN.match(t, i) or _END.match(t, i)
        if not m or m.end() > limit:
            i += 2
            continue
        name = m.group(1).strip()
        if m.re is _BEGIN:
            open_.setdefault(name, []).append(m.end())
            ends[m.end()] = -1
        elif open_.get(name):
            ends[open_[name].pop()] = m.end()
        i = m.end()
    return ends


def read_latex(text: str, file: str) -> tuple[list[Span], list[Problem]]:
    """Every \\[..\\], $$..$$, math environment, $..$ and \\(..\\) of the body, in order."""
    src = _Source(text, file, None)
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
        begin = _BEGIN.match(t, i) if c == "\\" else None
        if begin and begin.group(1).strip() in LATEX_MATH_ENVS:
            name = begin.group(1).strip()
            if env_ends is None:            # one pass for all, not a scan per \\begin
                env_ends = _env_ends(t, start, limit)
            end = env_ends.get(begin.end())
            if end is None:
                end = _find_env_end(t, begin.end(), limit, name)
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
            end = _find_closer(t, i + len(opener), bound, closer, opener if c == "\\" else None, src.failed)
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


# --------------------------------------------------------------------------- notebooks

def read_notebook(text: str, file: str) -> tuple[list[Span], list[Problem]]:
    """The math of every markdown cell; `cell` is the 1-based index among all cells."""
    text = _normalize(text)
    try:
        data = json.loads(text)
    except RecursionError:
        raise DocumentError("invalid notebook: its JSON is nested too deeply to read", file=file, line=1,
                            col=1, expected="a Jupyter notebook (JSON nested a few levels deep)") from None
    except json.JSONDecodeError as exc:
        lines = text.split("\n")
        source_line = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else ""
        raise DocumentError(f"invalid notebook JSON: {exc.msg}", file=file, line=exc.lineno,
                            col=exc.colno, source_line=source_line,
                            expected="a Jupyter notebook (JSON)") from None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        first = text.split("\n", 1)[0]
        return [], [Problem(file, 1, 1, "not a Jupyter notebook: no list of cells",
                            'a "cells" list', first)]
    spans, problems = [], []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(part for part in source if isinstance(part, str))
        if not isinstance(source, str):
            continue
        found, trouble = read_markdown(source, file, cell=number)
        spans += found
        problems += trouble
    return spans, problems


# --------------------------------------------------------------------------- files

_READERS = {".md": read_markdown, ".markdown": read_markdown, ".tex": read_latex,
            ".ipynb": read_notebook}


def read_document(path: str | Path, text: str | None = None, bounds=None) -> tuple[list[Span], list[Problem]]:
    """Read `path` by its suffix (any other suffix is read as Markdown).

    With `text` given it is read instead of the file (else `bounds.read_input` reads it, within
    `bounds`).  Raises DocumentError when the file cannot be read or a notebook is not valid JSON.
    """
    file = str(path)
    if text is None:
        from .bounds import Bounds, NotRegular, read_input
        try:
            text = read_input(path, bounds or Bounds(), file)
        except NotRegular:
            raise
        except DeriveError as exc:
            raise DocumentError(exc.message, file=file, line=exc.line, col=exc.col,
                                source_line=exc.source_line, expected=exc.expected) from None
    reader = _READERS.get(Path(path).suffix.lower(), read_markdown)
    return reader(text, file)


def find_documents(paths, suffixes=DOCUMENT_SUFFIXES) -> list[Path]:
    """The documents named by `paths`: folders are searched recursively (sorted, hidden
    folders and files and .git/node_modules/__pycache__/.venv left out, and what git ignores) for
    files with one of `suffixes`; a file named explicitly is kept whatever its suffix.  See
    `derive.scan.find_files`, which this is."""
    from .scan import find_files
    return find_files(paths, suffixes)
