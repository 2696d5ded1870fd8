"""Where the characters of a notebook's markdown cells stand in the raw .ipynb file.

`documents.read_notebook` gives positions as cell, line and column within the cell's source, which
is what a reader of the notebook sees.  Tools that annotate the file itself (GitHub annotations,
JUnit) need the line and column of the JSON text where that character is stored: the notebook is
decoded once more with a JSON decoder whose strings remember their offsets, and the escapes of each
string (\\n, \\", \\uXXXX) are walked to map a character to its place in the file.
"""
from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re

from ..errors import DocumentError
from .markdown import read_markdown
from .spans import Problem, Span, normalize


class _At(str):
    """A JSON string value that remembers the offset of its opening quote in the raw text."""

    offset: int = 0


def _located_json(text: str):
    """json.loads, but every string value is an _At: where it stands in `text` is known."""
    decoder = json.JSONDecoder()

    def parse_string(s, end, strict=True):
        value, stop = json.decoder.scanstring(s, end, strict)
        at = _At(value)
        at.offset = end - 1
        return at, stop
    decoder.parse_string = parse_string
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    return decoder.decode(text)


def _raw_offsets(raw: str, quote: int) -> list[int]:
    """For the JSON string whose opening quote is raw[quote]: the raw offset of each decoded
    character (escapes: \\n is 2 characters of the file, \\uXXXX 6, a surrogate pair 12)."""
    out, i = [], quote + 1
    while i < len(raw) and raw[i] != '"':
        out.append(i)
        if raw[i] != "\\":
            i += 1
        elif raw[i + 1:i + 2] != "u":
            i += 2
        else:
            high = int(raw[i + 2:i + 6] or "0", 16) if re.fullmatch(r"[0-9a-fA-F]{4}", raw[i + 2:i + 6]) else 0
            pair = 0xD800 <= high < 0xDC00 and raw.startswith("\\u", i + 6)
            i += 12 if pair else 6
    return out


def notebook_positions(text: str):
    """A function (cell, line, col) -> (line, col) in the raw .ipynb file, for the positions
    read_notebook gives (cell-relative line and column of a markdown cell's source); None when the
    text is not a notebook.  Lines and columns are those of the JSON text where each character is
    stored, so that tools (GitHub annotations, JUnit) point at the right line of the file."""
    raw = normalize(text)
    try:
        data = _located_json(raw)
    except (json.JSONDecodeError, ValueError, RecursionError):
        return None
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return None
    starts = [0] + [m.end() for m in re.finditer("\n", raw)]
    sources: dict[int, list[_At]] = {}
    for number, cell in enumerate(cells, start=1):
        if isinstance(cell, dict):
            source = cell.get("source", "")
            parts = source if isinstance(source, list) else [source]
            sources[number] = [p for p in parts if isinstance(p, _At)]

    def position(cell: int, line: int, col: int) -> tuple[int, int]:
        parts = sources.get(cell) or []
        if not parts:
            return line, col
        # the offset of (line, col) in the cell's joined, normalized source
        joined = normalize("".join(parts))
        line_starts = [0] + [m.end() for m in re.finditer("\n", joined)]
        offset = line_starts[min(max(line, 1), len(line_starts)) - 1] + max(col, 1) - 1
        for part in parts:
            size = len(normalize(part))
            if offset < size or part is parts[-1]:
                chars = _raw_offsets(raw, part.offset)
                at = chars[min(offset, len(chars) - 1)] if chars else part.offset
                raw_line = bisect.bisect_right(starts, at)
                return raw_line, at - starts[raw_line - 1] + 1
            offset -= size
        return line, col
    return position


def markdown_cells(text: str) -> dict[int, str]:
    """The source of every markdown cell by its 1-based index among all cells ({} when the text is
    no notebook): the prose a worked example's steps are named in."""
    try:
        cells = json.loads(normalize(text)).get("cells")
    except (ValueError, RecursionError, AttributeError):
        return {}
    out = {}
    for number, cell in enumerate(cells if isinstance(cells, list) else [], start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            source = "".join(p for p in source if isinstance(p, str)) if isinstance(source, list) else source
            if isinstance(source, str):
                out[number] = source
    return out


def read_notebook(text: str, file: str) -> tuple[list[Span], list[Problem]]:
    """The math of every markdown cell; `cell` is the 1-based index among all cells."""
    text = normalize(text)
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
