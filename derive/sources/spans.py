"""Math spans of a document and where each piece is: `Span`, `Problem`, and the scanning helpers
the Markdown and LaTeX readers share.

Positions are 1-based lines and columns counted in characters (a tab is one
column).  Line endings (``\\r\\n``, ``\\r``) are read as ``\\n`` and a leading
byte-order mark is dropped; neither changes any line or column.

``Span.text`` is a verbatim slice of the document, so character ``k`` of it
maps to exactly one document position (:meth:`Span.position`).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ..errors import DocumentError

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


class Source:
    """A document's text with line/column lookup.  `text` may be a blanked copy of `original`."""

    def __init__(self, original: str, file: str, cell: int | None):
        self.original = normalize(original)
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

    def span(self, start: int, end: int, display: bool, skipped: bool, note: str = "", label: str = "",
             escaped: bool = False) -> None:
        """A span of `text[start:end]`; `escaped`: written with Markdown's escapes (kramdown's
        `\\(`...`\\)`), read as the math the page shows (`unescape`, which keeps every position)."""
        line, col = self.pos(start)
        last = line + self.text.count("\n", start, end)
        text = unescape(self.text[start:end]) if escaped else self.text[start:end]
        self.spans.append(Span(self.file, line, col, text, display, skipped,
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


def normalize(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def unescape(math: str) -> str:
    """Math written with Markdown's backslash escapes (kramdown, Jekyll: `\\(a\\_1\\)`), as the
    page shows it, the same length: `\\\\\\\\` (an escaped row end) is `\\\\` and two spaces,
    `\\\\x` is a space and `\\x`, `\\*` a space and `*`.  Each character stays where it was, so
    every position in the math is still its position in the document."""
    out, i, n = [], 0, len(math)
    while i < n:
        if math.startswith("\\\\\\\\", i):
            out.append("\\\\  ")
            i += 4
        elif math.startswith(("\\\\", "\\*", "\\_"), i):
            out.append(" " + math[i + 1])
            i += 2
        elif math[i] == "\\":
            out.append(math[i:i + 2])
            i += 2
        else:
            out.append(math[i])
            i += 1
    return "".join(out)


def is_directive(comment_body: str) -> bool:
    return "".join(comment_body.split()).lower() == "derive:skip"


def find_closer(text: str, i: int, limit: int, closer: str, reopen: str | None = None,
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


BEGIN = re.compile(r"\\begin[ \t]*\{([^{}\n]*)\}")
END = re.compile(r"\\end[ \t]*\{([^{}\n]*)\}")


def find_env_end(t: str, i: int, limit: int, name: str) -> int:
    """Offset just past the \\end{name} matching a \\begin{name} that ends at `i`; -1 if none."""
    depth = 1
    while i < limit:
        if t[i] != "\\":
            i += 1
            continue
        m = BEGIN.match(t, i) or END.match(t, i)
        if m and m.group(1).strip() == name:
            depth += 1 if m.re is BEGIN else -1
            if depth == 0:
                return m.end()
            i = m.end()
        else:
            i += 2
    return -1


def block_env_ends(t: str, start: int, limit: int) -> dict[int, int]:
    """For every \\begin{name} in t[start:limit] (by the offset where it ends), the offset past its
    matching \\end{name}, or -1: what `find_env_end` finds, for all of them in one pass."""
    open_: dict[str, list[int]] = {}
    ends: dict[int, int] = {}
    i = start
    while i < limit:
        i = t.find("\\", i, limit)
        if i < 0:
            break
        m = BEGIN.match(t, i) or END.match(t, i)
        if not m or m.end() > limit:
            i += 2
            continue
        name = m.group(1).strip()
        if m.re is BEGIN:
            open_.setdefault(name, []).append(m.end())
            ends[m.end()] = -1
        elif open_.get(name):
            ends[open_[name].pop()] = m.end()
        i = m.end()
    return ends
