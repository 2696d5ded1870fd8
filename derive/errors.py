"""Every error derive raises is a DeriveError; each knows where in the input it happened."""
from __future__ import annotations

import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

# Characters of a source line quoted in a message (longer lines are cut around the column, with …):
# a context, set for a run from `Bounds.line` (`runtime.bounds.active`); and of a message itself.
LINE_WIDTH = 160
MESSAGE_WIDTH = 400
_QUOTED: ContextVar[int] = ContextVar("derive_quoted_width", default=LINE_WIDTH)


@contextmanager
def quoted_width(width: int):
    """Quote at most `width` characters of a source line in the messages described in this block."""
    token = _QUOTED.set(width)
    try:
        yield width
    finally:
        _QUOTED.reset(token)


class DeriveError(Exception):
    """Root of every error derive raises on purpose."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 col: int | None = None, source_line: str | None = None,
                 expected: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.col = col
        self.source_line = source_line
        self.expected = expected

    def located(self, file=None, line=None, col=None, source_line=None) -> "DeriveError":
        """Fill in the position where it is still unknown; returns self."""
        self.file = self.file or file
        if self.line is None:
            self.line, self.col = line, col
        self.source_line = self.source_line or source_line
        return self

    cell: int | None = None

    def where(self) -> str:
        parts = [self.file or "<input>"]
        if self.cell is not None:
            parts.append(f"cell {self.cell}")
        if self.line is not None:
            parts.append(str(self.line))
            if self.col is not None:
                parts.append(str(self.col))
        return ":".join(parts)

    def describe(self) -> str:
        """The full message: file:line:col, what went wrong, the source line with a caret, what was expected."""
        text = f"{safe_text(self.where())}: {safe_lines(_cut(self.message, MESSAGE_WIDTH))}"
        if self.source_line is not None and self.col is not None:
            line, col = cut_line(self.source_line, self.col, _QUOTED.get())
            text += f"\n    {line}\n    {caret_pad(line[: col - 1])}^"
        if self.expected:
            text += f"\n    expected {safe_lines(_cut(self.expected, MESSAGE_WIDTH))}"
        return text

    def __str__(self) -> str:
        return self.describe()


def char_width(char: str) -> int:
    """The columns a character takes on a terminal: 2 for East Asian wide and fullwidth ones
    (Hangul, hanja, kana, fullwidth forms), 0 for combining marks, else 1."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def caret_pad(before: str) -> str:
    """The blanks that put a caret under the character after `before` on a terminal: a tab stays
    a tab, a wide character takes two columns."""
    return "".join(c if c == "\t" else " " * char_width(c) for c in before)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


class NotationError(DeriveError):
    """LaTeX that the lecture notation cannot read."""


class ShapeError(DeriveError):
    """Matrices of shapes that the operation cannot combine."""


class MeaningError(DeriveError):
    """A well-formed formula that names something the model does not have."""


class Unresolved(MeaningError):
    """A name derive cannot resolve to one quantity of the network (its layer, unit or example left
    unsaid, a sum whose range it cannot tell): the equation is *not checked*, never an error."""


class NotInNetwork(MeaningError):
    """A concrete quantity the network does not have (unit 3 of a 2-unit layer, layer 4 of 3)."""


class ModelError(DeriveError):
    """A network specification that cannot be built."""


class FormulaFileError(DeriveError):
    """A formula file that cannot be read or does not follow the format."""


class DocumentError(DeriveError):
    """A lecture document whose structure cannot be read (an unclosed $$, say)."""


@dataclass(frozen=True)
class Position:
    """A place in an input file, 1-based; cell is the notebook cell (1-based) when there is one."""

    file: str
    line: int
    col: int
    cell: int | None = None

    def __str__(self) -> str:
        if self.cell is not None:
            return f"{self.file}:cell {self.cell}:{self.line}:{self.col}"
        return f"{self.file}:{self.line}:{self.col}"


# Control characters become their visible pictures (NUL -> ␀, ESC -> ␛, LF -> ␊), the C1 controls
# (a lone CSI is a terminal escape too), text-direction overrides and isolates, and invisible
# characters that change how a line reads (zero-width spaces and joiners, direction marks, a BOM
# inside text) the replacement character, one character each: a quoted line or a file name can
# neither garble a terminal, forge a CI log's workflow command, break an XML report, nor be shown
# reordered; columns stay as they were.  `visible` keeps tabs (a caret line copies them).
_HIDDEN = (*range(0x80, 0xA0), 0x061C, 0x180E, *range(0x200B, 0x2010), *range(0x2028, 0x202F),
           *range(0x2060, 0x2070), 0xFEFF, *range(0xFFF9, 0xFFFC))
_VISIBLE = {**{c: 0x2400 + c for c in range(0x20) if c != 0x09}, 0x7F: 0x2421, **{c: 0xFFFD for c in _HIDDEN}}
_SAFE = {**_VISIBLE, 0x09: 0x2409}


def visible(text: str) -> str:
    return text.translate(_VISIBLE)


def safe_text(text) -> str:
    """One line a person or a CI log reads (a file name, a note): every control character, tab and
    line break included, shown as its picture; direction overrides and invisible characters as
    \ufffd.  The one sanitizer of everything derive prints that came from outside."""
    return str(text).translate(_SAFE)


def safe_lines(text) -> str:
    """Like `safe_text`, but a message's own line breaks (\n) and tabs stay (a CR does not)."""
    return "\n".join(visible(part) for part in str(text).split("\n"))


def cut_line(line: str, col: int | None, width: int) -> tuple[str, int | None]:
    """At most `width` characters of a source line around column `col` (cut ends marked …), and
    the column in the cut line."""
    line = visible(line)
    if len(line) <= width:
        return line, col
    centre = (col or 1) - 1
    start = max(0, min(centre - width // 2, len(line) - width))
    end = start + width
    text = line[start:end]
    shift = start
    if start > 0:
        text, shift = "…" + text[1:], start
    if end < len(line):
        text = text[:-1] + "…"
    return text, (None if col is None else col - shift)


def locate(error: DeriveError, source, offset: int) -> DeriveError:
    """Give an error the file:line:col of `offset` in `source`, if it has none yet."""
    if error.line is None and source is not None:
        line, col = source.position(offset)
        error.located(source.file, line, col, source.line_text(line))
        if getattr(source, "cell", None) is not None:
            error.cell = source.cell
    return error
