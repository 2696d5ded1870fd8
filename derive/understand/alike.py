"""The units a worked example writes once and says are alike.

Mazur's example defines `net_{h1} = w_1 * i_1 + w_2 * i_2 + b_1 * 1` and `out_{h1}`, then says
"carrying out the same process for h2" and only prints `out_{h2} = 0.596884378`; it defines
`net_{o1} = w_5 * out_{h1} + w_6 * out_{h2} + b_2 * 1` and `E_{o1}`, and for o2 prints numbers.
The pattern of its names says the rest, and nothing more is assumed than the pattern shows:

- a unit is named by letters and its number (`h1`, `o2`): a name written with `h2` where the
  document defined the same name with `h1` (`out_{h2}`, `net_{h2}`, `E_{o2}`, `target_{o2}`) is the
  same quantity of unit 2 of that layer, when the letters name one layer and the numbers written
  with them are the units' numbers (h1 the first unit defined in its layer);
- the weights of a unit not defined are the ones the numbering of the defined units leaves for it:
  when every defined unit of a layer uses consecutive weights of one letter (`w_1, w_2` for h1,
  `w_5, w_6` for o1) in the order of its inputs, unit k of the layer uses the next block after
  unit k - 1 (`w_3, w_4` for h2, `w_7, w_8` for o2);
- its bias is the layer's when the biases are numbered by layer (`b_1` in the first layer, `b_2`
  in the next, each written once per layer), and otherwise unknown: then the unit is not built.

Anything that does not fit (a letter used in two layers, numbers out of order, weights that are not
consecutive, a gap in the units) builds nothing; the names stay unknown, reported as such.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..notation import syntax as s

UNIT = re.compile(r"([A-Za-z]+)(\d+)")


@dataclass(frozen=True)
class Unit:
    """A unit named by letters and a number (`h2`): its layer's letters and its number."""

    letters: str
    number: int

    @classmethod
    def of(cls, sym: s.Sym) -> "Unit | None":
        m = UNIT.fullmatch(sym.sub or "")
        return cls(m.group(1), int(m.group(2))) if m and sym.layer is None and sym.example is None else None


def layers_of_letters(sums: dict) -> dict | None:
    """letters -> the defined unit sums written with them, or None when a letter's units are not
    numbered in the order they are defined (h1 first) or one letter has two stems."""
    out: dict = {}
    for n in sums:
        unit = Unit.of(n)
        if unit is not None:
            out.setdefault(unit.letters, []).append(n)
    for letters, names in out.items():
        if len({n.name for n in names}) != 1 or [Unit.of(n).number for n in names] != list(range(1, len(names) + 1)):
            return None
    return out


def mentioned_units(names: set, letters: str) -> int:
    """The highest unit number written with `letters` among the document's names."""
    return max((u.number for u in map(Unit.of, names) if u is not None and u.letters == letters), default=0)


def virtual_units(names: set, sums: dict, outputs: dict) -> dict:
    """output name -> the (unwritten) unit-sum name of a unit the document says is alike: `out_{h2}`
    -> `net_{h2}`, when `out_{h1}` is the output of the defined `net_{h1}`."""
    letters = layers_of_letters(sums)
    if not letters:
        return {}
    stems = {}                                 # (output stem, letters) -> sum stem
    for out, n in outputs.items():
        unit = Unit.of(n)
        if unit is not None and Unit.of(out) == unit:
            stems[(out.name, unit.letters)] = n.name
    virtual = {}
    for (out_stem, unit_letters), sum_stem in stems.items():
        defined = len(letters.get(unit_letters, []))
        for k in range(defined + 1, mentioned_units(names, unit_letters) + 1):
            out = s.Sym(out_stem, f"{unit_letters}{k}")
            if out not in outputs:
                virtual[out] = s.Sym(sum_stem, f"{unit_letters}{k}")
    return virtual


def weights_of(unit_sums: list, inputs_of) -> tuple[str, int, int] | None:
    """(weight letter, first number, inputs per unit) when the defined units of a layer use
    consecutive weights in the order of their inputs, unit k starting right after unit k - 1."""
    blocks = []
    for n in unit_sums:
        weights = inputs_of(n)
        if weights is None or not weights:
            return None
        names = {w.name for w, _ in weights}
        numbers = [int(w.sub) if w.sub and w.sub.isdigit() and w.layer is None else None for w, _ in weights]
        if len(names) != 1 or None in numbers or numbers != list(range(numbers[0], numbers[0] + len(numbers))):
            return None
        blocks.append((names.pop(), numbers[0], len(numbers)))
    letter, first, width = blocks[0]
    for k, (other, start, size) in enumerate(blocks):
        if other != letter or size != width or start != first + k * width:
            return None
    return letter, first, width


def patterned(names: dict, mapped: dict, letters: dict) -> dict:
    """For names written with a unit the document did not define (`E_{o2}`, `target_{o2}`): the
    quantity its sibling of unit 1..n maps to, for unit k (`E_{o1}` -> E_1 gives `E_{o2}` -> E_2)."""
    by_stem = {}
    for src, dst in mapped.items():
        unit = Unit.of(src)
        if unit is not None and unit.letters in letters and dst.sub == str(unit.number):
            by_stem.setdefault((src.name, unit.letters), dst)
    out = {}
    for name in names:
        unit = Unit.of(name)
        if name in mapped or unit is None:
            continue
        dst = by_stem.get((name.name, unit.letters))
        if dst is not None:
            out[name] = replace(dst, sub=str(unit.number))
    return out


def written_names(statements) -> set:
    """Every name the document's math writes, without positions."""
    out = set()
    for st in statements:
        for member in st.members:
            for part in member.parts:
                for node in s.walk(part.expr):
                    if isinstance(node, s.Sym):
                        out.add(replace(node, start=0, end=0, mark=None))
    return out
