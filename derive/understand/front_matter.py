"""A Markdown lecture's front matter: the `derive:` block at its top, read once.

    ---
    title: Backpropagation
    derive:
      layers: 2-3-1
      activations: tanh, sigmoid
      loss: cross-entropy
      notation: nielsen
      names: {target_{o1}: t_1, target_{o2}: t_2}
    ---

The settings of the `derive:` block (`layers`, `activation(s)`, `loss`, `layout`, `batch`) make the
network the document states (a `Spec`); `notation` names its convention (`conventions.py`) and
`names` maps its own names to derive's (`glossary.py`).  The settings are the indented `key: value`
lines right under `derive:`, up to the first line that is not one; a `names:` or `notation:` line is
read on any indented line of the block.  What cannot be read is kept as an error, not raised, so
that the rest of the document is still read: a bad `names:` entry loses the names and the notation,
a bad setting the stated network.  `values: {w_1: 0.15, ...}` gives leaves values the document
cannot print (drawn in a figure); each entry reads as a binding where it stands.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, replace

from ..errors import DeriveError, ModelError
from ..model.spec import DOCUMENT_KEYS, Spec, model_table
from ..runtime.bounds import Bounds
from ..sources.files import read_input
from ..notation import syntax as s
from ..notation.parse import parse

BLOCK = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
SETTING = re.compile(r"^\s+([a-z]+)\s*:\s*(.+?)\s*$")
DOCUMENT_NAMES = ("names", "notation")         # (and `values`: spec.DOCUMENT_KEYS)


@dataclass
class FrontMatter:
    """What a front matter says: the network it states, the document's names, its notation."""

    spec: Spec | None = None                 # None: it states no setting (or one that cannot be read)
    names: dict = field(default_factory=dict)       # the document's name -> derive's (Sym -> Sym)
    notation: str | None = None              # "nielsen", "ng", ... as written, lowercased
    spec_error: ModelError | None = None     # why `spec` is None though it states settings
    names_error: ModelError | None = None    # why `names` and `notation` are empty though it gives some
    values: list = field(default_factory=list)      # `values: {w_1: 0.15, ...}`: (line, col, "w_1= 0.15")
    cell: int | None = None                  # a notebook's: the raw cell the block is in
    lines: list | None = None                # the lines `values` positions refer to (None: the document's)
    file: str | None = None                  # the file `values` stand in, when not the document (--model)


LATEX_BLOCK = re.compile(r"^[ \t]*%[ \t]*derive[ \t]*:[ \t]*\n((?:[ \t]*%[^\n]*(?:\n|\Z))*)", re.M)


def _latex_lines(text: str) -> list[tuple[int, str]]:
    """A LaTeX file's `% derive:` comment block (the first), each line numbered, its `%` blanked:

        % derive:
        %   layers: 2-3-2
        %   notation: nielsen
    """
    m = LATEX_BLOCK.search(text)
    if not m:
        return []
    first = text.count("\n", 0, m.start()) + 1
    body = m.group(1)[:-1] if m.group(1).endswith("\n") else m.group(1)
    lines = ["derive:"] + [line.replace("%", " ", 1) for line in body.split("\n")]
    return list(enumerate(lines, start=first))


def document_front_matter(text: str, suffix: str) -> FrontMatter:
    """What a document states about its network, wherever its kind puts it: a Markdown file's YAML
    front matter, a LaTeX file's `% derive:` comment block, a notebook's `derive` metadata or its
    first raw cell holding a `derive:` block.  The keys are the same everywhere."""
    suffix = suffix.lower()
    if suffix == ".tex":
        return read_front_matter(text, latex=True)
    if suffix == ".ipynb":
        return _notebook_front_matter(text or "")
    return read_front_matter(text)


def _notebook_front_matter(text: str) -> FrontMatter:
    """`"metadata": {"derive": {"layers": "2-3-1", ...}}`, else the first raw cell with a `derive:`
    block (YAML between `---` lines, or the block alone); an empty one when there is neither."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return FrontMatter()
    if not isinstance(data, dict):
        return FrontMatter()
    meta = data.get("metadata")
    stated = meta.get("derive") if isinstance(meta, dict) else None
    if isinstance(stated, dict):
        key = re.search(r'"derive"\s*:', text)
        line = text.count("\n", 0, key.start()) + 1 if key else 1
        return _read_lines([(line, "derive:")] + [(line, "  " + _yaml_line(k, v)) for k, v in stated.items()])
    cells = data.get("cells") if isinstance(data.get("cells"), list) else []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "raw":
            continue
        source = cell.get("source", "")
        source = "".join(p for p in source if isinstance(p, str)) if isinstance(source, list) else source
        if not isinstance(source, str) or not re.search(r"^derive\s*:\s*$", source, re.M):
            continue
        m = BLOCK.match(source + "\n")
        numbered = enumerate(m.group(1).split("\n"), start=2) if m else enumerate(source.split("\n"), start=1)
        found = _read_lines(numbered)
        found.cell, found.lines = number, source.split("\n")
        return found
    return FrontMatter()


def _yaml_line(key, value) -> str:
    """One metadata setting as the front matter writes it: `names: {a: b}`, `layers: [2, 3, 1]`."""
    if isinstance(value, dict):
        return f"{key}: {{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return f"{key}: " + json.dumps(value)
    return f"{key}: {value}"


def read_model(value, bounds: Bounds | None = None) -> FrontMatter | None:
    """What `--model` (or `model=`) states: the network (`Spec.parse`: layer sizes, `2-3-1:tanh,sigmoid`,
    a mapping, a TOML file) and, from a mapping or a file, the keys a front matter has besides
    (`notation`, `names`, `values`), read the same way.  ModelError when it cannot be read."""
    if value is None or isinstance(value, FrontMatter):
        return value
    spec = Spec.parse(value, bounds)
    table = model_table(value, bounds) if not isinstance(value, Spec) else None
    if not table or not any(k in table for k in DOCUMENT_KEYS):
        return FrontMatter(spec=spec)
    lines = [(1, "  " + _yaml_line(k, v)) for k, v in table.items() if k in ("names", "notation")]
    found = _read_lines([(1, "derive:")] + lines)
    if found.names_error is not None:
        raise found.names_error
    found.spec = spec
    values = table.get("values", {})
    if not isinstance(values, dict):
        raise ModelError(f"values must be a table of numbers, got {values!r}"[:200], expected="values = {w_1 = 0.15}")
    if values:
        path = os.fspath(value)
        text = read_input(path, bounds or Bounds())
        found.file, found.lines = path, text.split("\n")
        found.values = [_value_place(text, str(k), v) for k, v in values.items()]
    return found


def _value_place(text: str, key: str, value) -> tuple[int, int, str]:
    """Where a model file gives `key` a value (its first mention), and the binding it reads as."""
    at = text.find(key)
    line = text.count("\n", 0, at) + 1 if at >= 0 else 1
    col = at - text.rfind("\n", 0, at) if at >= 0 else 1
    return line, col, f"{key}= {value}"


def read_front_matter(text: str, latex: bool = False) -> FrontMatter:
    """The front matter of a document's text (an empty one when the text has none); with `latex`,
    its `% derive:` comment block, read the same way (the same keys)."""
    if latex:
        lines = _latex_lines(text or "")
        found = _read_lines(lines)
        for error in (found.spec_error, found.names_error):     # at the `% derive:` line, not 1:1
            if error is not None and lines:
                error.located(line=lines[0][0], col=1, source_line=text.split("\n")[lines[0][0] - 1])
        return found
    m = BLOCK.match(text or "")
    if not m:
        return FrontMatter()
    return _read_lines(enumerate(m.group(1).split("\n"), start=2))


NAMES_BLOCK = re.compile(r"^(\s+)names\s*:\s*$")


def _inline_names(lines: list) -> list:
    """A `names:` mapping written as a YAML block (one `name: quantity` per line, indented under it)
    as the one-line mapping `names: {name: quantity, ...}` at the `names:` line."""
    out, k = [], 0
    while k < len(lines):
        number, line = lines[k]
        head = NAMES_BLOCK.match(line)
        k += 1
        if head is None:
            out.append((number, line))
            continue
        entries = []
        while k < len(lines) and lines[k][1].strip() and \
                len(lines[k][1]) - len(lines[k][1].lstrip()) > len(head.group(1)):
            entry = lines[k][1].strip()
            entries.append(entry[2:] if entry.startswith("- ") else entry)
            k += 1
        out.append((number, f"{head.group(1)}names: {{{', '.join(entries)}}}"))
    return out


def _read_lines(lines) -> FrontMatter:
    """The settings of a `derive:` block in numbered lines (a YAML front matter's, a comment block's)."""
    found = FrontMatter()
    settings: dict = {}
    state = "before"                         # the `derive:` block: before, inside, after it
    lines = list(lines)
    read = _inline_names(lines)
    original = dict(lines)                  # a names block is shown as written, not as its one line
    for number, line in read:
        if state != "after" and re.match(r"^derive\s*:\s*$", line):
            state = "inside"
            continue
        kv = SETTING.match(line)
        if kv and kv.group(1) == "values":
            found.values.extend(_values(number, line, kv))
            continue
        if kv and kv.group(1) in DOCUMENT_NAMES:
            if found.names_error is None:
                try:
                    _name_line(found, *kv.groups())
                except ModelError as e:
                    at = (kv.start(2) if original.get(number) == line else kv.start(1)) + 1
                    found.names_error = e.located(line=number, col=at, source_line=original.get(number, line))
            continue
        if state != "inside":
            continue
        if not kv:
            state = "after"
            continue
        try:
            settings[kv.group(1)] = _setting(*kv.groups())
        except ModelError as e:
            found.spec_error, settings, state = e, {}, "after"
    if found.names_error is not None:
        found.names, found.notation = {}, None
    if settings:
        try:
            found.spec = Spec.from_mapping(settings)
        except ModelError as e:
            found.spec_error = e
    return found


def _setting(key: str, value: str):
    if key == "layers":
        try:
            return json.loads(value) if value.startswith("[") else [int(n) for n in value.split("-")]
        except (ValueError, RecursionError):
            raise ModelError(f"front matter: cannot read layers {value!r}", expected="[2, 2, 2] or 2-2-2") from None
    return value.strip("'\"")


def _name_line(found: FrontMatter, key: str, value: str) -> None:
    """`notation: nielsen`, or `names: {target_{o1}: t_1, ...}` (each entry a name and a quantity)."""
    if key == "notation":
        found.notation = value.strip("'\"").lower()
        return
    body = value.strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise ModelError(f"front matter: cannot read names {body!r}", expected="{name: quantity, ...}")
    wired = []
    for entry in _split(body[1:-1]):
        if not entry.strip():
            continue
        spelled, _, meant = entry.partition(": ")
        ends = re.split(r"\s*(?:->|\\to|\\rightarrow)\s*", meant.strip())
        try:
            left = _one_name(parse(spelled.strip()))
            right = [_one_name(parse(end)) for end in ends] if len(ends) == 2 else _one_name(parse(meant.strip()))
        except DeriveError:
            left = right = None
        if left is None or right is None or (isinstance(right, list) and None in right):
            raise ModelError(f"front matter: cannot read the name entry {entry.strip()!r}",
                             expected="name: quantity, as in target_{o1}: t_1, or a weight's ends, w_5: h_1 -> o_1")
        if isinstance(right, list):
            wired.append((entry.strip(), left, right))
        else:
            found.names[_key(left)] = _key(right)
    for entry, weight, (source, target) in wired:   # w_5: h_1 -> o_1, once h_1 and o_1 are named
        found.names[_key(weight)] = _wire(entry, found.names.get(_key(source), _key(source)),
                                          found.names.get(_key(target), _key(target)))


def _wire(entry: str, source: s.Sym, target: s.Sym) -> s.Sym:
    """The weight from `source` to `target` (derive's a_i^{(l-1)} or x_i, and a_j^{(l)} or z_j^{(l)})."""
    def unit(node, names):
        if node.name in names and node.sub and node.sub.isdigit() and (node.layer or "").isdigit():
            return node.sub, int(node.layer)
        if node.name == "x" and node.sub and node.sub.isdigit() and not node.layer:
            return node.sub, 1
        return None
    i, j = unit(source, ("a",)), unit(target, ("a", "z"))
    if i is None or j is None or j[1] != i[1] + 1:
        raise ModelError(f"front matter: cannot read the weight's ends in {entry!r}",
                         expected="a unit of one layer -> a unit of the next, each named in names "
                                  "(h_1: a_1^{(2)}) or in derive's notation")
    sub = j[0] + i[0] if len(i[0]) == len(j[0]) == 1 else f"{j[0]},{i[0]}"    # w_{ji}: to j, from i
    return s.Sym("w", sub, str(j[1]))


def _values(number: int, line: str, kv) -> list:
    """`values: {w_1: 0.15, "b_1^{(2)}": 0.35}`: each entry as (line, col, text) where the text is
    the entry with its colon written `=` and quotes blanked, the same length as printed, so that
    it reads as a binding `w_1= 0.15` standing where the entry stands (values a figure gives)."""
    body, start = kv.group(2), kv.start(2)
    if body.startswith("{") and body.endswith("}"):
        body, start = body[1:-1], start + 1
    out, offset = [], start
    for entry in _split(body):
        text = entry.replace('"', " ").replace("'", " ")
        lead = len(text) - len(text.lstrip())
        text = text.strip()
        if text:
            name, colon, value = text.partition(":")
            out.append((number, offset + lead + 1, name + "=" + value if colon else text))
        offset += len(entry) + 1
    return out


def _key(node: s.Sym) -> s.Sym:
    return replace(node, start=0, end=0)


def _one_name(pieces):
    if len(pieces) == 1 and len(pieces[0].chains) == 1 and len(pieces[0].chains[0]) == 1:
        member = pieces[0].chains[0][0]
        if len(member.parts) == 1 and isinstance(member.parts[0].expr, s.Sym):
            return member.parts[0].expr
    return None


def _split(text: str) -> list[str]:
    """The entries of `a: b, c_{1,2}: d`: split at the commas outside braces and parentheses."""
    out, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "{("
        depth -= ch in "})"
        if ch == "," and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    return out + [current]
