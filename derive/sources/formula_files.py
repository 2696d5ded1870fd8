"""Formula files: TOML data, read with tomllib (no code runs), with every formula's position.

    [model]                      # optional: the network (read by model.Spec.from_mapping)
    layers = [2, 2, 2]

    [[formula]]
    id = "hidden.w11"
    title = "dE/dw_11^(2): sum of paths, chain rule, sigmoid form, a(1-a) form"
    kind = "chain"               # chain (default) | update | definition
    latex = '''
    \\frac{\\partial E}{\\partial w_{11}^{(2)}}
      = ...
    '''

tomllib gives values but not positions, so `locate_strings` finds each `latex` value in the raw
text and maps every character of it back to its line and column (exactly, escapes included).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import DeriveError, FormulaFileError
from ..runtime.bounds import Bounds
from .files import NotRegular, read_input

KINDS = ("chain", "update", "definition")
KEYS = {"id", "title", "kind", "latex"}
FORMULA_SUFFIXES = (".toml",)


@dataclass(frozen=True)
class StringSource:
    """Where the characters of one TOML string value stand in its file."""

    file: str
    text: str
    positions: tuple[tuple[int, int], ...]     # (line, col) of each character of text
    lines: tuple[str, ...]
    cell: int | None = None

    def position(self, offset: int) -> tuple[int, int]:
        if not self.positions:
            return 1, 1
        return self.positions[min(max(offset, 0), len(self.positions) - 1)]

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


@dataclass
class Entry:
    id: str
    title: str
    kind: str
    latex: str
    source: StringSource
    line: int


@dataclass
class FormulaFile:
    path: str
    model: dict | None          # the [model] table as written (`Spec.from_mapping` reads it)
    model_line: int             # the line of its header
    entries: list[Entry]
    problems: list[FormulaFileError]


def read_formula_file(path: str | Path, display: str | None = None, bounds: Bounds | None = None) -> FormulaFile:
    """Read a formula file (within `bounds`); problems with single entries are collected, not raised."""
    name = display or str(path)
    try:
        raw = read_input(path, bounds or Bounds(), name)
    except NotRegular:
        raise
    except DeriveError as e:
        raise FormulaFileError(e.message, file=name, line=e.line, col=e.col, source_line=e.source_line,
                               expected=e.expected) from None
    raw = raw.replace("\r\n", "\n")
    lines = tuple(raw.split("\n"))
    try:
        data = tomllib.loads(raw)
    except RecursionError:
        raise FormulaFileError("not valid TOML: nested too deeply to read", file=name, line=1, col=1,
                               expected="TOML as in formulas/*.toml") from None
    except ValueError as e:                     # TOMLDecodeError, or a number too long to convert
        if not isinstance(e, tomllib.TOMLDecodeError):
            raise FormulaFileError(f"not valid TOML: {' '.join(str(e).split())[:200]}", file=name, line=1,
                                   col=1, expected="TOML as in formulas/*.toml") from None
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        line, col = (int(m.group(1)), int(m.group(2))) if m else (None, None)
        raise FormulaFileError(f"not valid TOML: {re.sub(r' [(]at line.*', '', str(e))}", file=name,
                               line=line, col=col, source_line=lines[line - 1] if line else None,
                               expected="TOML as in formulas/*.toml") from None
    problems = []
    unknown = set(data) - {"model", "formula", "values"}      # [values]: for `derive example`
    if unknown:
        problems.append(FormulaFileError(f"unknown table(s) {sorted(unknown)}", file=name, line=1, col=1,
                                         expected="[model], [[formula]] and [values] only"))
    formulas = data.get("formula", [])
    headers = [k + 1 for k, l in enumerate(lines) if re.match(r"^\s*\[\[\s*formula\s*\]\]", l)]
    entries = []
    for k, item in enumerate(formulas):
        line = headers[k] if k < len(headers) else 1
        try:
            entries.append(_entry(item, name, raw, lines, line, headers[k + 1] if k + 1 < len(headers) else None))
        except FormulaFileError as e:
            problems.append(e)
    model_line = next((k + 1 for k, l in enumerate(lines) if _MODEL_HEADER.match(l)), 1)
    return FormulaFile(path=name, model=data.get("model"), model_line=model_line,
                       entries=entries, problems=problems)


_MODEL_HEADER = re.compile(r"^\s*\[\[?\s*model\s*\]")       # [model], or [[model]] written by mistake


def _header_line(lines, header) -> int:
    return next((k + 1 for k, l in enumerate(lines) if l.strip().startswith(header)), 1)


def _entry(item: dict, name: str, raw: str, lines, line: int, next_header: int | None) -> Entry:
    def problem(message, expected=None):
        return FormulaFileError(message, file=name, line=line, col=1, source_line=lines[line - 1],
                                expected=expected)
    unknown = set(item) - KEYS
    if unknown:
        raise problem(f"unknown key(s) {sorted(unknown)}", ", ".join(sorted(KEYS)))
    for key in ("id", "latex"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise problem(f"a formula needs a non-empty string {key!r}", f'{key} = "..."')
    kind = item.get("kind", "chain")
    if kind not in KINDS:
        raise problem(f"unknown kind {kind!r}", " or ".join(KINDS))
    title = item.get("title", "")
    if not isinstance(title, str):
        raise problem("title must be a string")
    source = locate_string(name, raw, lines, line, next_header, "latex", item["latex"])
    return Entry(id=item["id"], title=title, kind=kind, latex=item["latex"], source=source, line=line)


def locate_string(name, raw, lines, start_line, end_line, key, value) -> StringSource:
    """Find `key = <string>` between two lines and map the value's characters to positions."""
    stop = (end_line - 1) if end_line else len(lines)
    for k in range(start_line - 1, stop):
        m = re.match(r"^\s*" + re.escape(key) + r"\s*=\s*('''|\"\"\"|'|\")", lines[k])
        if not m:
            continue
        offset = _line_starts(raw)[k] + m.end()
        positions = _map_value(raw, offset, m.group(1), k + 1, m.end() + 1)
        if positions is not None and len(positions) >= len(value):
            return StringSource(name, value, tuple(positions[:len(value)]), lines)
    return StringSource(name, value, tuple((start_line, 1) for _ in value), lines)


@lru_cache(maxsize=1)
def _line_starts(raw: str) -> list[int]:
    """The offset where each line of `raw` starts (found once per file: reading stays linear)."""
    return [0] + [m.end() for m in re.finditer("\n", raw)]


_LINE_ENDING_BACKSLASH = re.compile(r"\\[ \t]*\r?\n")


def _map_value(raw: str, offset: int, quote: str, line: int, col: int):
    """(line, col) of each decoded character of the string starting at raw[offset], itself at (line, col)."""
    literal, multi = quote[0] == "'", len(quote) == 3
    i = offset
    if multi and raw.startswith("\n", i):
        i, line, col = i + 1, line + 1, 1       # TOML trims the newline right after the quotes
    elif multi and raw.startswith("\r\n", i):
        i, line, col = i + 2, line + 1, 1
    out = []
    while i < len(raw) and not raw.startswith(quote, i):
        ch = raw[i]
        if not literal and ch == "\\":
            nxt = raw[i + 1:i + 2]
            if multi and nxt in ("\n", " ", "\t", "\r") and _LINE_ENDING_BACKSLASH.match(raw, i):
                j = i + 1
                while j < len(raw) and raw[j] in " \t\r\n":
                    j += 1
                line += raw.count("\n", i, j)
                col = j - (raw.rfind("\n", 0, j) + 1) + 1
                i = j
                continue
            width = {"u": 6, "U": 10}.get(nxt, 2)
            out.append((line, col))
            i += width
            col += width
            continue
        out.append((line, col))
        if ch == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    return out


BUNDLED = "formulas"


def bundled_formulas() -> list[tuple[Path, str]]:
    """The formula files shipped with derive, with the names they are shown under."""
    try:
        folder = resources.files("derive.formulas")
    except ModuleNotFoundError:             # running from a source tree: formulas/ sits beside derive/
        folder = Path(__file__).resolve().parents[2] / BUNDLED
    files = sorted(p for p in folder.iterdir() if p.name.endswith(".toml"))
    return [(Path(str(p)), f"{BUNDLED}/{p.name}") for p in files]
