"""The handout of a lecture is the lecture: a Markdown, LaTeX or notebook document set in order,
its prose and its formulas, each checked formula marked where it stands.

`read_lecture` reads a document of the report again (None for a formula file, or a file that
cannot be read); `visible_text` is the text a reader sees (for the engine's fonts); `lecture_body`
sets it: Markdown through `prose`, LaTeX through `latex_prose` and `latex_words`, a notebook cell by
cell -- its markdown cells as Markdown, its code cells as listings (or left out: `code=False`),
outputs and raw cells left out.  Equation numbers run through the whole document.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..sources.notebooks import notebook_cells
from . import prose
from .latex_prose import read_latex_lecture, uncommented
from .latex_words import words
from .macros import expand, read_macros

KINDS = {".md": "markdown", ".markdown": "markdown", ".tex": "latex", ".ipynb": "notebook"}


@dataclass
class Lecture:
    """A document's kind (markdown, latex, notebook) and its text."""

    kind: str
    text: str


def is_lecture(file: str) -> bool:
    return Path(file).suffix.lower() in KINDS


def read_lecture(file: str) -> Lecture | None:
    kind = KINDS.get(Path(file).suffix.lower())
    if kind is None:
        return None
    try:
        return Lecture(kind, Path(file).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return None


def cells(lecture: Lecture) -> list[tuple[int, str, str]]:
    """A notebook's cells as (number, type, source), numbered from 1 among all cells."""
    try:
        found = notebook_cells(json.loads(lecture.text)) or []
    except (ValueError, RecursionError):
        return []
    out = []
    for number, cell in enumerate(found, start=1):
        if isinstance(cell, dict):
            source = cell.get("source", "")
            source = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else source
            out.append((number, str(cell.get("cell_type", "")), source if isinstance(source, str) else ""))
    return out


def visible_text(lecture: Lecture | None) -> str:
    if lecture is None:
        return ""
    if lecture.kind == "notebook":
        return " ".join(source for _, kind, source in cells(lecture) if kind in ("markdown", "code", "heading"))
    return lecture.text


def lecture_body(tex, lecture: Lecture, shown: list, every: list, formula, shift: int = 0,
                 code: bool = True) -> tuple[str | None, list[str]]:
    """The document's title (TeX, or None) and its body as TeX lines; `formula(f, number)` sets a
    checked formula with its equation number."""
    try:
        return _lecture_body(tex, lecture, shown, every, formula, shift, code)
    finally:
        tex.rewrite = None


def _lecture_body(tex, lecture: Lecture, shown: list, every: list, formula, shift: int,
                  code: bool) -> tuple[str | None, list[str]]:
    if lecture.kind == "markdown":
        title = prose.front_title(lecture.text)
        tex.rewrite = prose.markdown_escapes(lecture.text)
        return (tex.text(title) if title else None), prose.body(tex, lecture.text, shown, every, formula, shift)
    if lecture.kind == "latex":
        doc = read_latex_lecture(lecture.text)
        macros = read_macros(uncommented(lecture.text))
        tex.rewrite = (lambda math: expand(math, macros)) if macros else None
        title = words(tex, doc.title, doc.labels) if doc.title else None
        if title and doc.author:
            title += r"}\\[1ex]{\large " + words(tex, doc.author, doc.labels)
        lines = prose.set_blocks(
            tex, doc.blocks, shown, every,
            lambda f: formula(f, tex.text(doc.rows[f.line]) if f.line in doc.rows else None),
            lambda source, mark: words(tex, source, doc.labels, mark),
            lambda source: words(tex, source, doc.labels), shift)
        return title, lines
    numbers, lines = prose.label_numbers(shown), []
    for number, kind, source in cells(lecture):
        if kind in ("markdown", "heading"):
            lines += prose.body(tex, source, shown, every, formula, shift, cell=number, numbers=numbers)
        elif kind == "code" and code and source.strip():
            lines.append(prose.listing_tex(tex, source))
    try:
        title = json.loads(lecture.text).get("metadata", {}).get("title")
    except (ValueError, RecursionError, AttributeError):
        title = None
    return (tex.text(" ".join(title.split())[:200]) if isinstance(title, str) and title.strip() else None), lines
