"""The names as the document wrote them, for what derive says back about that document.

Reading rewrites a document's names into derive's spelling (its convention, its numbering, its own
names: `out_{h1}` is read as `a_1^{(2)}`, `t_1` as `t_1^{(3)}`), and a network prints its quantities
in derive's spelling.  A lecturer who wrote `target_{o2}` and `w_5` should read those in the report:

- `written(statements)` takes the parts' trees *before* the rewriting and returns, for each, the
  text the document wrote at each name's place;
- `spellings(statements, before, net)` pairs them with the rewritten trees (by where each name
  starts) and maps derive's spelling of each concrete quantity to the document's first one;
- `respell(text, table)` writes a message in the document's names.

Only whole names are replaced (never a name inside a longer one), the longest first, so that
`t_1^{(3)}` is not read as `t_1` followed by a layer.
"""
from __future__ import annotations

import re
from dataclasses import replace

from ..errors import DeriveError
from ..meaning.quantities import quantity_key
from ..model.network import Network
from ..notation import syntax as s

_MOST = 400                  # names remembered per document: enough for any worked example


def written(statements) -> dict:
    """(id of a part, start) -> the text written there, for every name of every part (the rewriting
    keeps where a name starts, not always where it ends: Nielsen's `w^2_{11}`)."""
    out = {}
    for st in statements:
        for member in st.members:
            for part in member.parts:
                text = getattr(part.source, "text", None)
                if text is None:
                    continue
                for node in s.walk(part.expr):
                    if isinstance(node, s.Sym) and 0 <= node.start < node.end <= len(text):
                        mine = text[node.start:node.end]
                        if (node.sub or node.layer) and not set(mine) & set("_^"):
                            mine = text[node.start:_scripted(text, node.end)]
                        out[(id(part), node.start)] = mine
    return out


def _scripted(text: str, end: int) -> int:
    """The end of a name with the scripts that follow its letter: a superscript written first
    (`w^2_{11}`, Nielsen's order) is read with the name but not counted in its place."""
    while end < len(text) and text[end] in "^_":
        k = end + 1
        while k < len(text) and text[k] == " ":
            k += 1
        if k < len(text) and text[k] == "{":
            depth = 0
            for k in range(k, len(text)):
                depth += {"{": 1, "}": -1}.get(text[k], 0)
                if depth == 0:
                    break
            else:
                return end
            end = k + 1
        elif k < len(text) and text[k].isalnum():
            end = k + 1
        else:
            return end
    return end


def spellings(statements, before: dict, net: Network) -> dict[str, str]:
    """derive's spelling of a quantity -> the document's first spelling of it, where they differ:
    the names written with unit numbers first, then those written for every unit (`z_j` for the
    hidden outputs gives `z_1`, `z_2` for derive's `a_1^{(2)}`, `a_2^{(2)}`)."""
    table: dict[str, str] = {}
    taken: set[str] = set()
    letters = []
    for node, mine in _pairs(statements, before):
        if len(table) >= _MOST:
            return table
        if node.sub and node.sub.isalpha() and len(node.sub) <= 2:
            letters.append((node, mine))
            continue
        _add(table, taken, _display(net, node), mine)
    for node, mine in letters:
        if len(table) >= _MOST:
            break
        if node.layer is not None and not node.layer.isdigit():
            continue
        layer = int(node.layer) if node.layer else (net.L if node.name == "t" else 1)
        for sub, written in _instances(net, node, layer, mine):
            _add(table, taken, _display(net, replace(node, sub=sub)), written)
    if not any(node.name == "a" and node.layer == "1" for node, _ in _pairs(statements, before)):
        for i in net.units(1):                  # the input as derive prints it in a difference: a_i^{(1)}
            x = _display(net, s.Sym("x", str(i)))
            ours = f"a_{i}^{{(1)}}" if i < 10 else f"a_{{{i}}}^{{(1)}}"
            _add(table, set(), ours, table.get(x, x) if x else "")
    return table


def _instances(net: Network, node: s.Sym, layer: int, mine: str):
    """(derive's unit numbers, the document's name for that unit) of a name written for every unit:
    `z_j` -> ("1", "z_1"), ...; `w_{kj}^{(2)}` -> ("12", "w_{12}^{(2)}"), ..."""
    if not 1 <= layer <= net.L:
        return
    if len(node.sub) == 1:
        found = re.fullmatch(r"(.*_)(\{)?" + node.sub + r"(?(2)\})(.*)", mine)
        for unit in net.units(layer) if found else ():
            yield str(unit), found.group(1) + (f"{{{unit}}}" if unit > 9 else str(unit)) + found.group(3)
    elif node.name == "w" and layer >= 2 and f"_{{{node.sub}}}" in mine:
        for j in net.units(layer):
            for i in net.units(layer - 1):
                if j < 10 and i < 10:
                    yield f"{j}{i}", mine.replace(f"_{{{node.sub}}}", f"_{{{j}{i}}}", 1)


def _pairs(statements, before: dict):
    """(the name as derive reads it, the name as the document wrote it), in reading order."""
    for st in statements:
        for member in st.members:
            for part in member.parts:
                for node in s.walk(part.expr):
                    mine = before.get((id(part), getattr(node, "start", -1)))
                    if mine is not None and isinstance(node, s.Sym) and node.mark is None:
                        yield node, _plain(mine)


def _add(table: dict, taken: set, ours: str | None, mine: str) -> None:
    if ours is None or ours in table or mine == ours or mine in taken or not mine:
        return
    table[ours] = mine
    taken.add(mine)


def _display(net: Network, node: s.Sym) -> str | None:
    """derive's spelling of the concrete quantity a name denotes, or None (a letter index, a matrix)."""
    if node.name in ("alpha", "eta") and node.sub is None and node.layer is None:
        return net.display.get(net.alpha)       # the learning rate, whatever the letter
    if not all(part is None or part.isdigit() for part in (node.sub, node.layer, node.example)):
        return None
    try:
        key = quantity_key(net, replace(node, mark=None), {})
    except (DeriveError, ValueError, IndexError, KeyError):
        return None
    symbol = net.symbols.get(key)
    return None if symbol is None else net.display.get(symbol)


def _plain(text: str) -> str:
    """A written name without its spacing (a Markdown escape `\\_` is read as ` _`): a space is kept
    only where TeX needs it, after a command and before a letter (`\\hat y`)."""
    kept = re.sub(r"(\\[A-Za-z]+)\s+(?=[A-Za-z])", "\\1\0", text)
    return "".join(kept.split()).replace("\0", " ").replace("\\_", "_")


def respell(text: str | None, table: dict[str, str]) -> str | None:
    """`text` with derive's spelling of each quantity in `table` replaced by the document's."""
    if not text or not table:
        return text
    names = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"(?<![A-Za-z0-9\\])(?:" + "|".join(map(re.escape, names)) + r")(?![A-Za-z0-9_^{'])")
    return pattern.sub(lambda m: table[m.group(0)], text)
