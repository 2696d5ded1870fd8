"""A handout's outline: the headings of each document, the formulas under each, each formula once.

`headings` reads a document's own headings again (Markdown and notebook `#`…`######`, LaTeX
`\\section`, `\\subsection`, …; a formula file's first `#` comment line names the file), with their
positions.  `outline` files the formulas of a report under them in document order and drops a
formula already shown in its file: one whose members, read without spacing, are all among the members of a
formula shown before it with the same head (a restated definition, a "[필요 수식]" block).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..results import Formula
from ..sources.formula_files import bundled_formulas
from ..sources.markdown import atx_heading
from ..sources.notebooks import notebook_cells

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
LATEX_HEADING = re.compile(r"\\(part|chapter|section|subsection|subsubsection|paragraph)\*?\s*(?:\[[^\]]*\])?\s*\{")
LATEX_LEVEL = {"part": 1, "chapter": 1, "section": 1, "subsection": 2, "subsubsection": 3, "paragraph": 4}
MAX_HEADING = 500                       # characters of a heading kept


@dataclass
class Heading:
    """A heading as the document writes it: its level (1 = top), its text (Markdown or LaTeX
    source) and where it stands (cell, line)."""

    level: int
    text: str
    line: int
    cell: int | None = None
    latex: bool = False


@dataclass
class Section:
    """A heading (None before a document's first heading) and the formulas under it."""

    heading: Heading | None
    formulas: list[Formula] = field(default_factory=list)


@dataclass
class Part:
    """One file of a handout: its name, its title if it has one, its sections."""

    file: str
    title: str | None
    sections: list[Section]


def markdown_headings(text: str, cell: int | None = None) -> list[Heading]:
    """ATX headings outside fenced code blocks and front matter."""
    found, fence, lines = [], None, text.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":
        start = next((k + 1 for k in range(1, len(lines)) if lines[k].strip() in ("---", "...")), 0)
    for number, line in enumerate(lines[start:], start=start + 1):
        opened = FENCE.match(line)
        if fence:
            closes = opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence)
            fence = None if closes else fence
            continue
        if opened:
            fence = opened.group(1)
            continue
        m = atx_heading(line)                   # one pass over the line, never backtracking
        if m:
            found.append(Heading(m[0], m[1][:MAX_HEADING], number, cell))
    return found


def latex_headings(text: str) -> list[Heading]:
    """\\section{...} and its kin outside comments, with their braced argument."""
    found = []
    lines = text.split("\n")
    body = "\n".join(re.sub(r"(?<!\\)%.*", "", line) for line in lines)
    for m in LATEX_HEADING.finditer(body):
        depth, k = 1, m.end()
        while k < len(body) and depth and k - m.end() < MAX_HEADING:
            depth += {"{": 1, "}": -1}.get(body[k], 0) if body[k - 1] != "\\" else 0
            k += 1
        title = " ".join(body[m.end():k - 1].split())
        found.append(Heading(LATEX_LEVEL[m.group(1)], title, body.count("\n", 0, m.start()) + 1, latex=True))
    return found


def notebook_headings(text: str) -> list[Heading]:
    try:
        cells = notebook_cells(json.loads(text)) or []       # nbformat 4, or 3 (worksheets)
    except (ValueError, AttributeError, RecursionError):
        return []
    found = []
    for number, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            source = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else source
            found += markdown_headings(source, number) if isinstance(source, str) else []
    return found


def headings(file: str) -> tuple[str | None, list[Heading]]:
    """(a formula file's title, []) or (None, a document's headings); nothing for a file that cannot
    be read again."""
    path = Path(file)
    if not path.is_file() and file.startswith("formulas/"):
        path = dict((display, p) for p, display in bundled_formulas()).get(file, path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None, []
    suffix = path.suffix.lower()
    if suffix == ".toml":
        first = text.lstrip().split("\n", 1)[0]
        return (first.lstrip("#").strip()[:MAX_HEADING] or None) if first.startswith("#") else None, []
    if suffix == ".tex":
        return None, latex_headings(text)
    if suffix == ".ipynb":
        return None, notebook_headings(text)
    return None, markdown_headings(text)


def same_text(member: str) -> str:
    """A member's LaTeX without its spacing, for telling restatements apart from new formulas."""
    text = re.sub(r"\\[,;:!> ]|\\(left|right)\b|\\(displaystyle|textstyle)\b|\s+", "", member)
    return re.sub(r"\\[dt]frac", r"\\frac", text)


def outline(formulas: list[Formula]) -> list[Part]:
    """The formulas by file (in order of first appearance) and by heading, each formula once."""
    files: dict[str, list[Formula]] = {}
    for f in formulas:
        files.setdefault(f.file, []).append(f)
    parts = []
    for file, own in files.items():
        shown: dict[str, list[set]] = {}             # head -> member sets of the formulas shown
        title, marks = headings(file)
        sections = [Section(None)] + [Section(h) for h in marks]
        for f in sorted(own, key=lambda f: (f.cell or 0, f.line)):
            members = [same_text(m) for m in f.members]
            if any(set(members) <= earlier for earlier in shown.get(members[0], [])):
                continue
            shown.setdefault(members[0], []).append(set(members))
            where = (f.cell or 0, f.line)
            k = max((k for k, s in enumerate(sections) if s.heading is None or
                     (s.heading.cell or 0, s.heading.line) <= where), default=0)
            sections[k].formulas.append(f)
        parts.append(Part(file, title, sections if sections[0].formulas else sections[1:]))
    return parts
