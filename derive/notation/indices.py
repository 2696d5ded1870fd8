"""Index statements: a formula written with free indices is a statement for every index value.

`\\frac{\\partial E}{\\partial w_{ji}^{(l)}} = \\delta_j^{(l)} a_i^{(l-1)}` claims one equation for every
layer l and every unit pair (j, i) that exists there.  A layer is written `^{(l)}`, `^{(l+1)}`,
`^{(L)}` (the output layer) or, in Nielsen's notation, `^l`; this module resolves such layer texts
against the letters bound so far, finds the layers a formula applies to (those where every quantity
it names exists: a from layer 1, z, b, w and error terms from layer 2, targets in the output layer),
and says in words over which values a statement was checked (`for l = 2, 3; j = 1..3; i = 1..2`).
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from . import syntax as s
from .syntax import walk

LAYER_EXPR = re.compile(r"^([A-Za-z])\s*(?:([+-])\s*([0-9]+))?$")
OUTPUT = "L"
MEMO = 4096                          # trees remembered (syntax trees compare by what they say)
EXAMPLE_SUPERSCRIPT = ("x",)          # x^{(n)} names the n-th example of a mini-batch, not a layer


def layer_number(text: str | None, env: dict, last: int) -> int | None:
    """The layer a layer text names: 2, L (the output layer), l or l+1 with l bound in env."""
    if text is None:
        return None
    text = text.replace(" ", "")
    if text.isdigit():
        return int(text)
    m = LAYER_EXPR.match(text)
    if not m:
        return None
    letter, sign, offset = m.groups()
    base = last if letter == OUTPUT else env.get(letter)
    if base is None or not isinstance(base, int):
        return None
    delta = int(offset) if offset else 0
    return base + delta if sign != "-" else base - delta


def layer_letter(text: str | None) -> str | None:
    """The free letter of a layer text (l in (l+1)), never L (the output layer, a number)."""
    if not text:
        return None
    m = LAYER_EXPR.match(text.replace(" ", ""))
    if m and m.group(1) != OUTPUT:
        return m.group(1)
    return None


@lru_cache(maxsize=MEMO)
def layer_letters(expr) -> frozenset[str]:
    """The free layer letters of a formula (remembered per tree: lectures restate formulas often);
    a letter a sum binds (\\sum_l \\|W^{(l)}\\|^2, a penalty over every layer) is not free."""
    letters = frozenset(layer_letter(n.layer) for n in walk(expr) if isinstance(n, s.Sym) and n.layer
                        and not n.layer.isdigit() and n.name not in EXAMPLE_SUPERSCRIPT and layer_letter(n.layer))
    if letters:
        letters -= {n.var for n in walk(expr) if isinstance(n, s.Sum) and n.var in letters
                    and not any(isinstance(q, s.Sym) and q.layer and layer_letter(q.layer) == n.var
                                for q in _outside(expr, n))}
    return letters


def _outside(expr, inner):
    """The nodes of a tree that are not within the subtree `inner`."""
    if expr is inner:
        return
    yield expr
    for value in vars(expr).values():
        if isinstance(value, s.Node):
            yield from _outside(value, inner)
        elif isinstance(value, tuple):
            for row in value:
                for item in (row if isinstance(row, tuple) else (row,)):
                    if isinstance(item, s.Node):
                        yield from _outside(item, inner)


@lru_cache(maxsize=MEMO)
def _symbolic(expr) -> bool:
    return any(isinstance(n, s.Sym) and n.layer and not n.layer.isdigit() for n in walk(expr))


def bind_layers(expr, env: dict, last: int):
    """The tree with every layer text that env (and L) resolve written as its number."""
    if not _symbolic(expr):
        return expr
    return _bind(expr, env, last)


def _bind(expr, env: dict, last: int):
    if isinstance(expr, s.Sym):
        if expr.layer and not expr.layer.isdigit() and expr.name not in EXAMPLE_SUPERSCRIPT:
            number = layer_number(expr.layer, env, last)
            if number is not None:
                return replace(expr, layer=str(number))
        return expr
    return s.map_children(expr, lambda child: _bind(child, env, last))


def layer_range(name: str, last: int) -> range:
    """The layers in which a quantity of this name exists."""
    if name in ("a", "A", "n"):             # n^{[l]}: every layer has a size
        return range(1, last + 1)
    if name in ("t", "T", "y"):
        return range(last, last + 1)
    if name == "x":
        return range(1, 2)
    return range(2, last + 1)


def layers_for(expr, letter: str, last: int) -> list[int]:
    """The values of a layer letter for which every quantity of the formula exists."""
    names = [n for n in walk(expr) if isinstance(n, s.Sym) and layer_letter(n.layer) == letter]
    out = []
    for value in range(1, last + 1):
        if all(layer_number(n.layer, {letter: value}, last) in layer_range(n.name, last) for n in names):
            out.append(value)
    return out


def describe(letters: list[str], instances: list[dict], layer: str | None) -> str:
    """`for every l = 2, 3; j = 1..3; i = 1..2 (12 instances)`: the values a statement was checked
    for.  A unit index runs from 1 to its layer's size: when one instance stood for all (the first
    and the last, by symmetry) the range is still every unit's, never `j = 1, 3`, which would read
    as if j = 2 were skipped."""
    def spans(group, names):
        return [f"{name} = {_values(list(range(1, 1 + max(b[name] for b in group))))}" for name in names]

    def size(group) -> int:
        n = 1
        for name in units:
            n *= max(b[name] for b in group)
        return n

    units = [x for x in letters if x != layer]
    groups: dict[int, list] = {}
    for b in instances:
        groups.setdefault(b[layer] if layer else None, []).append(b)
    total = sum(size(g) for g in groups.values())
    count = f" ({total} instance{'s' if total != 1 else ''})"
    if layer is None:
        return "for every " + "; ".join(spans(instances, units)) + count
    shapes = {tuple(spans(g, units)) for g in groups.values()}
    if len(shapes) == 1:
        return "for every " + "; ".join([f"{layer} = {_values(sorted(groups), listed=True)}"] + list(shapes.pop())) + count
    return "for every " + "; ".join(f"{layer} = {v}" + (f" ({', '.join(spans(g, units))})" if units else "")
                              for v, g in sorted(groups.items())) + count


def instance_text(binding: dict, letters: list[str]) -> str:
    return ", ".join(f"{x} = {binding[x]}" for x in letters)


def _values(values: list[int], listed: bool = False) -> str:
    if len(values) == 1:
        return str(values[0])
    contiguous = values == list(range(values[0], values[-1] + 1))
    if listed and len(values) <= 3 or not contiguous:
        return ", ".join(map(str, values))
    return f"{values[0]}..{values[-1]}"


SUM_BOUNDS = ("n", "N", "m", "K")     # letters that stand for a size in a sum's upper limit


def index_letters(node: s.Sym) -> list[str]:
    """The letters a name is indexed by: j in a_j^{(2)}, j and i in w_{ji}, n in a_i^{(3)[n]}."""
    out = []
    if node.sub:
        parts = node.sub.split(",") if "," in node.sub else (list(node.sub) if len(node.sub) <= 2 else [node.sub])
        out += [p for p in parts if len(p) == 1 and p.isalpha()]
    if node.example and len(node.example) == 1 and node.example.isalpha():
        out.append(node.example)
    return out


def free_indices(node, bound: set) -> set[str]:
    """Index letters no sum around them (nor `bound`) binds."""
    if isinstance(node, s.Sum):
        return free_indices(node.body, bound | {node.var})
    if isinstance(node, s.Sym):
        if node.name in SUM_BOUNDS and not node.sub:
            return set()
        return set(index_letters(node)) - bound
    out = set()
    for value in vars(node).values():
        if isinstance(value, s.Node):
            out |= free_indices(value, bound)
        elif isinstance(value, tuple):
            for row in value:
                for item in (row if isinstance(row, tuple) else (row,)):
                    if isinstance(item, s.Node):
                        out |= free_indices(item, bound)
    return out


def definition_key(node: s.Sym) -> str:
    """The name under which a definition is kept: `loss_3`, `delta_1^(2)`, `g`."""
    key = node.name + (f"_{node.sub}" if node.sub else "")
    key += f"^({node.layer})" if node.layer else ""
    return key + (f"[{node.example}]" if node.example else "")
