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
import re
from dataclasses import dataclass, field, replace

from ..errors import DeriveError, ModelError
from ..model.spec import Spec
from ..notation import syntax as s
from ..notation.parse import parse

BLOCK = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
SETTING = re.compile(r"^\s+([a-z]+)\s*:\s*(.+?)\s*$")
DOCUMENT_NAMES = ("names", "notation")


@dataclass
class FrontMatter:
    """What a front matter says: the network it states, the document's names, its notation."""

    spec: Spec | None = None                 # None: it states no setting (or one that cannot be read)
    names: dict = field(default_factory=dict)       # the document's name -> derive's (Sym -> Sym)
    notation: str | None = None              # "nielsen", "ng", ... as written, lowercased
    spec_error: ModelError | None = None     # why `spec` is None though it states settings
    names_error: ModelError | None = None    # why `names` and `notation` are empty though it gives some
    values: list = field(default_factory=list)      # `values: {w_1: 0.15, ...}`: (line, col, "w_1= 0.15")


def read_front_matter(text: str) -> FrontMatter:
    """The front matter of a document's text (an empty one when the text has none)."""
    m = BLOCK.match(text or "")
    if not m:
        return FrontMatter()
    found = FrontMatter()
    settings: dict = {}
    state = "before"                         # the `derive:` block: before, inside, after it
    for number, line in enumerate(m.group(1).split("\n"), start=2):
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
                    found.names_error = e
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
    for entry in _split(body[1:-1]):
        if not entry.strip():
            continue
        spelled, _, meant = entry.partition(": ")
        try:
            left, right = _one_name(parse(spelled.strip())), _one_name(parse(meant.strip()))
        except DeriveError:
            left = right = None
        if left is None or right is None:
            raise ModelError(f"front matter: cannot read the name entry {entry.strip()!r}",
                             expected="name: quantity, as in target_{o1}: t_1")
        found.names[_key(left)] = _key(right)


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
