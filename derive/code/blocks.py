"""The Python code of a document, with where each block stands.

Markdown: fenced blocks whose language is `python`, `py`, `python3`, `ipython3` (also MyST's
```` ```{code-cell} python ````); a block under an HTML comment `<!-- derive: no-run -->` is not run.
Notebooks: the code cells, in order (IPython magics and shell escapes, lines starting with `%` or
`!`, are blanked: they are not Python).  LaTeX documents' listings are not run.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..sources.notebooks import notebook_cells
from ..sources.spans import normalize

LANGUAGES = {"python", "py", "python3", "ipython", "ipython3", "{code-cell}python", "{code-cell}python3",
             "{code-cell}ipython3"}
FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*(\{code-cell\})?\s*([\w+-]*)[^\n]*$")
NO_RUN = "<!-- derive: no-run -->"


@dataclass(frozen=True)
class CodeBlock:
    source: str
    line: int                 # the line of the block's first code line (of the cell, in a notebook)
    cell: int | None = None   # notebook cell, 1-based

    def where(self, line: int) -> tuple[int, int | None]:
        """(line of the file or cell, cell) of the block's `line` (1-based)."""
        return self.line + line - 1, self.cell


def code_blocks(text: str, suffix: str) -> list[CodeBlock]:
    if suffix == ".ipynb":
        return _notebook(text)
    if suffix in (".md", ".markdown", ".myst", ".qmd", ".rmd"):
        return _markdown(normalize(text))
    return []


def _markdown(text: str) -> list[CodeBlock]:
    lines, out, k = text.split("\n"), [], 0
    while k < len(lines):
        m = FENCE.match(lines[k])
        if not m:
            k += 1
            continue
        marker, language = m.group(2), ((m.group(3) or "") + m.group(4)).lower()
        end = k + 1
        while end < len(lines) and not re.match(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$", lines[end]):
            end += 1
        skipped = any(lines[j].strip() == NO_RUN for j in range(max(0, k - 2), k))
        if language in LANGUAGES and not skipped:
            body = lines[k + 1:end]
            if language.startswith("{code-cell}"):
                body = ["" if re.match(r"^:\w[\w-]*:", b) or b.strip() == "---" else b for b in body]
            out.append(CodeBlock(_blank_magics("\n".join(body)), k + 2))
        k = end + 1
    return out


def _notebook(text: str) -> list[CodeBlock]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []
    cells = notebook_cells(data)              # nbformat 4, or 3 (worksheets)
    if cells is None:
        return []
    out = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))       # nbformat 3 names a code cell's source input
        source = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else str(source)
        tags = (cell.get("metadata") or {}).get("tags") if isinstance(cell.get("metadata"), dict) else None
        if isinstance(tags, list) and "derive-no-run" in tags:
            continue
        out.append(CodeBlock(_blank_magics(source), 1, number))
    return out


def _blank_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))
