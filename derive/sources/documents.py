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
from pathlib import Path

from ..errors import DeriveError, DocumentError
from ..runtime.bounds import Bounds
from .files import NotRegular, read_input
from .latex import read_latex
from .markdown import read_markdown
from .notebooks import read_notebook
from .spans import Problem, Span

DOCUMENT_SUFFIXES = (".md", ".markdown", ".tex", ".ipynb")


_READERS = {".md": read_markdown, ".markdown": read_markdown, ".tex": read_latex,
            ".ipynb": read_notebook}


def read_document(path: str | Path, text: str | None = None, bounds=None) -> tuple[list[Span], list[Problem]]:
    """Read `path` by its suffix (any other suffix is read as Markdown).

    With `text` given it is read instead of the file (else `bounds.read_input` reads it, within
    `bounds`).  Raises DocumentError when the file cannot be read or a notebook is not valid JSON.
    """
    file = str(path)
    if text is None:
        try:
            text = read_input(path, bounds or Bounds(), file)
        except NotRegular:
            raise
        except DeriveError as exc:
            raise DocumentError(exc.message, file=file, line=exc.line, col=exc.col,
                                source_line=exc.source_line, expected=exc.expected) from None
    reader = _READERS.get(Path(path).suffix.lower(), read_markdown)
    return reader(text, file)
