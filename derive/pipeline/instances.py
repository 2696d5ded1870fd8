"""A document that states no sizes, checked on several networks (`understand.sizes`).

Its plan is one plan per network (the document read in each, `document.plan_lecture`), run as one:
every claim is checked in every network, and the outcomes are merged claim by claim —

- proved in every network: proved, *on those networks* ("proved on 3 networks: 2-2-2, 3-2-4,
  2-3-3-2"), never as proved for every size (`Result.networks` holds them);
- refuted in one: refuted, with that network named and its counterexample; otherwise the worst
  outcome (an error, undecided, not checked), with the network it came from named when the others
  differ.

A span's state is the worst it has in any network; a formula's verdicts likewise.
"""
from __future__ import annotations

import re

from ..results import AGREES, ERROR, NOT_CHECKED, PROVED, REFUTED, UNDECIDED, Result
from ..understand.sizes import Sizes
from .plan import FilePart, FilePlan

WORST = {REFUTED: 5, ERROR: 4, UNDECIDED: 3, NOT_CHECKED: 2, PROVED: 1, AGREES: 0}
STATE_SEVERITY = {"unreadable": 4, "refuted": 3, "undecided": 2, "proved": 1, "bound": 0}
NO_NETWORK = "(no network needed)"        # an identity in its own variable: no size to name
SHAPE_WORDS = "it has no value"           # how a formula of no shape in a network is refuted there
SHAPE = "\u00d7"                          # a shape error names the shapes: "matrix product of 4×2 and 4×1"


def generic_instances(depth: int) -> tuple:
    """The networks a generic vector network of `depth` layers that states no sizes is checked on:
    generic.py's own (2 in, 3 in every hidden layer, 2 out), then the widths of `understand.sizes`."""
    own = (2,) + (3,) * (depth - 2) + (2,)
    return (own,) + tuple(n for n in Sizes(free="widths", depth=depth).instances[1:] if n != own)


def sizes_text(layers) -> str:
    return "-".join(str(n) for n in layers)


def on_instances(plans: list[FilePlan], networks, said: str = "") -> FilePlan:
    """One plan that runs `plans` (the same document read in each of `networks`) and merges them;
    `said`: how the model line names them, when not by their count alone."""
    names = [sizes_text(n) for n in networks]
    counts = [len(p.tasks) for p in plans]

    def finish(outcomes):
        parts, taken = [], 0
        for plan, n in zip(plans, counts):
            parts.append(plan.finish(outcomes[taken:taken + n]))
            taken += n
        return merge(parts, names, said)
    return FilePlan([t for p in plans for t in p.tasks], finish, plans[0].unread)


def merge(parts: list[FilePart], names: list[str], said: str = "") -> FilePart:
    """The parts of one document checked in each network, as one part (see the module's docstring)."""
    first = parts[0]
    keyed: dict = {}
    for k, part in enumerate(parts):
        seen: dict = {}
        for r in part.results:              # the n-th result of a place and claim, in each network
            key = _key(r)
            seen[key] = seen.get(key, 0) + 1
            keyed.setdefault((key, seen[key]), [None] * len(parts))[k] = r
    results = _once(_folded([_merged(found, names) for found in keyed.values()], len(names)))
    results.sort(key=lambda r: (r.cell or 0, r.line, r.col))
    states = _states([p.span_states for p in parts])
    counts: dict = {}
    for state in states:
        counts[state or "no claim"] = counts.get(state or "no claim", 0) + 1
    extra = first.spans.get("unreadable", 0) - first.span_states.count("unreadable")
    if extra > 0:
        counts["unreadable"] = counts.get("unreadable", 0) + extra
    order = list(first.spans) + [s for s in counts if s not in first.spans]
    spans = {state: counts[state] for state in order if counts.get(state)}
    said = said or f"sizes not stated, checked on {len(names)} networks"
    model = first.model and (f"{said} {', '.join(names)}: "
                             + re.sub(r" \u2208 R\^\d+", "", first.model))      # vectors x, z, h, o: sizes vary
    return FilePart(results, spans, _formulas(parts), first.bindings, first.notes, first.title, model=model,
                    span_states=states)


def _key(r: Result):
    return (r.cell or 0, r.line, r.col, r.claim, r.id)


def _merged(found: list, names: list[str]) -> Result:
    """One claim's outcome in every network it was checked in, as one Result."""
    present = [(name, r) for name, r in zip(names, found) if r is not None]
    worst_name, worst = max(present, key=lambda pair: WORST.get(pair[1].verdict, 0))
    where = ", ".join(name for name, _ in present)
    if worst.verdict == PROVED:
        if NO_NETWORK in worst.detail:
            return worst
        count = len(present)
        worst.networks = [name for name, _ in present]
        worst.detail = (f"proved on {count} network{'s' if count != 1 else ''}: {where} (the document states "
                        f"no sizes)" + (f"; on {worst_name}: {worst.detail}" if worst.detail else ""))
        return worst
    if len(present) == len(names) and all(r.verdict == worst.verdict and r.detail == worst.detail
                                           for _, r in present):
        return worst                            # the same in every network: no network to name
    first = found[0]
    if worst.verdict == ERROR and SHAPE in worst.detail and (first is None or first.verdict != ERROR):
        worst.verdict = REFUTED                 # read in one network, of no shape in another: wrong there
        message = worst.detail.split(": ", 1)[-1]       # without the file:line:col it repeats
        worst.detail = f"on the {worst_name} network (the document states no sizes) {SHAPE_WORDS}: {message}"
        worst.networks = [worst_name]
        return worst
    others = [name for name, r in present if r.verdict == PROVED]
    also = f"; proved on {', '.join(others)}" if others else ""
    worst.detail = (f"on the {worst_name} network (the document states no sizes{also}): "
                    + worst.detail)
    worst.networks = [worst_name]
    return worst


def _folded(results: list[Result], total: int) -> list[Result]:
    """A claim proved on some networks whose formula has no shape on another (it was reported there
    as an error of its member): one result, refuted on that network, saying where it was proved."""
    shapes = {}
    for r in results:
        if r.verdict == REFUTED and SHAPE_WORDS in r.detail:
            shapes.setdefault((r.cell, r.line), r)
    used = set()
    for r in results:
        shape = shapes.get((r.cell, r.line))
        if shape is not None and r.verdict == PROVED and 0 < len(r.networks) < total:
            proved_on = ", ".join(r.networks)
            r.verdict, r.networks = REFUTED, list(shape.networks)
            r.detail = shape.detail.split("\n", 1)[0] + f" (proved on {proved_on})"
            used.add(id(shape))
    return [r for r in results if id(r) not in used]


def _once(results: list[Result]) -> list[Result]:
    """One refutation per line for a formula of no shape in a network (`SHAPE_WORDS` in its detail):
    the member and the statement it defines report the same shape once, and a line refuted already
    says it in a few words."""
    out, kept = [], {}
    for r in results:
        if r.verdict == REFUTED and SHAPE_WORDS in r.detail:
            first = kept.get((r.cell, r.line))
            if first is not None:
                if SHAPE_WORDS not in first.detail:
                    first.detail += "; " + r.detail.split("\n", 1)[0]
                    first.networks = first.networks + [n for n in r.networks if n not in first.networks]
                continue
        if r.verdict == REFUTED:
            kept.setdefault((r.cell, r.line), r)
        out.append(r)
    return out


def _states(lists: list[list]) -> list:
    """Each span's worst state over the networks (the first network's where they disagree in length)."""
    first = lists[0]
    if any(len(other) != len(first) for other in lists):
        return list(first)
    out = []
    for states in zip(*lists):
        ranked = [st for st in states if st in STATE_SEVERITY]
        worst = max(ranked, key=STATE_SEVERITY.get) if ranked else states[0]
        if worst == "unreadable" and states[0] in ("proved", "refuted", "undecided"):
            worst = "refuted"                   # read in the first network, of no shape in another
        out.append(worst)
    return out


def _formulas(parts: list[FilePart]) -> list:
    """The first network's formulas, each claim's verdict the worst it has in any network (undecided
    where another network has no such formula: never proved on fewer networks than it says)."""
    formulas = parts[0].formulas
    for f in formulas:
        for part in parts[1:]:
            same = next((g for g in part.formulas if (g.line, g.cell, g.members) == (f.line, f.cell, f.members)), None)
            theirs = same.verdicts if same is not None and len(same.verdicts) == len(f.verdicts) \
                else [UNDECIDED] * len(f.verdicts)
            f.verdicts = [max((a, b), key=lambda v: WORST.get(v, 0)) for a, b in zip(f.verdicts, theirs)]
    return formulas
