"""`derive check --run-code`: a document's code against derive's exact values of its quantities.

1. The document's Python blocks (`blocks`) run in order in the sandbox (`sandbox`), under a tracer
   that records every array a line assigns to a name.
2. The names are read as the lecture's quantities (`names`); the parameters, inputs, targets and
   rate the code starts from are the point, and derive computes every quantity there, exactly
   (`reference`), in the layout the code uses (rows or columns; W or its transpose: the one whose
   forward pass the code's arrays follow).
3. Every line of the first step (up to the first forward pass after an update) that assigns a named
   quantity is compared: `agrees`, or `refuted` at the first line that differs (with the mistake and
   its repair where `diagnose` finds one; later lines that differ only as a consequence are not
   reported again), or `undecided` (a shape derive cannot place, a ReLU exactly at its kink, code that
   names nothing of the lecture, code that was stopped).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from ..model.spec import Spec
from ..results import AGREES, REFUTED, UNDECIDED, Result
from .blocks import CodeBlock, code_blocks
from .diagnose import close, diagnose
from .names import bare, offset, parse, symbol
from .reference import Point, Reference, reference
from .sandbox import Limits, Outcome, run_blocks

MAX_SIZE = 1_000       # parameters x examples: the exact gradients cost about 5 ms each (docs/code.md)
SHOULD = {"A": "A^({l}) = f(Z^({l})), the layer's activation",
          "Z": "Z^({l}) = A^({p}) W^({l}) + b^({l})",
          "delta": "δ^({l}) = ∂E/∂Z^({l}) (per example, or divided by m)",
          "dW": "∂E/∂W^({l}) = A^({p})ᵀ δ^({l}) (averaged over the m examples)",
          "db": "∂E/∂b^({l}) = δ^({l}) summed over the examples (averaged over m)",
          "W": "W^({l}) − α ∂E/∂W^({l}), one step from the W^({l}) the forward pass used",
          "b": "b^({l}) − α ∂E/∂b^({l}), one step from the b^({l}) the forward pass used",
          "E": "E, the loss the gradients follow"}


@dataclass
class Seen:
    """One recorded assignment: where, which name, what it stands for, its value."""

    block: int
    line: int
    name: str
    kind: str
    layer: int | None
    value: np.ndarray


@dataclass
class CodeReport:
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_code(text: str, suffix: str, display: str, spec: Spec, limits: Limits = Limits()) -> CodeReport:
    blocks = code_blocks(text, suffix)
    report = CodeReport()
    if not blocks:
        return report
    outcome = run_blocks([b.source for b in blocks], limits)
    report.notes.extend(f"{display}: code: {n}" for n in outcome.notices)
    lines = [b.source.split("\n") for b in blocks]

    def result(block: int, line: int, verdict: str, detail: str, title: str | None = None) -> Result:
        b = blocks[block - 1] if 0 < block <= len(blocks) else blocks[0]
        at, cell = b.where(max(line, 1))
        source = lines[block - 1][line - 1].strip() if 0 < block <= len(blocks) and 0 < line <= len(lines[block - 1]) else ""
        r = Result(file=display, line=at, col=1, id=None, claim=f"code: {source}" if source else "code",
                   verdict=verdict, detail=detail, cell=cell, title=title)
        r.code = {"block": block, "line": line, "source": source}
        return r
    if outcome.stopped:
        last = outcome.records[-1] if outcome.records else {"block": 1, "line": 1}
        report.results.append(result(int(last["block"]), int(last["line"]), UNDECIDED,
                                     f"the code was {outcome.stopped}; its values are not compared "
                                     "(the sandbox's limits: docs/code.md)"))
        return report
    for e in outcome.errors:
        report.results.append(result(e["block"], e["line"], UNDECIDED,
                                     f"the code raised {e['error']}; the rest of this block did not run"))
    locate = lambda s: blocks[s.block - 1].where(s.line)[0]      # noqa: E731
    compared = _compare(_seen(outcome, blocks), spec, result, locate)
    if compared is None:
        if not report.results:
            report.results.append(result(1, 1, UNDECIDED, "the code computes nothing derive can name "
                                         "(no weights W2, W3, ... with inputs and targets): not compared "
                                         "(docs/code.md says how code names the lecture's quantities)"))
        return report
    found, note, point = compared
    if not found and not report.results:
        report.results.append(result(1, 1, UNDECIDED, "the code computes nothing derive can name beyond the "
                                     "values it starts from (no forward pass, error term or gradient ran): "
                                     "not compared"))
        return report
    if point is not None and not any(r.verdict == REFUTED for r in found):
        found, seeded = _at_seeded_points([b.source for b in blocks], limits, found, point,
                                          lambda other: _compare(_seen(other, blocks), spec, result, locate))
        note = "; ".join(n for n in (note, seeded) if n)
    report.results.extend(found)
    if note:
        report.notes.append(f"{display}: code: {note}")
    return report


OWN = " (at the code's own values)"


def _at_seeded_points(sources: list[str], limits: Limits, found: list[Result], point: Point, compare):
    """The same code run again with its random draws moved to other seeds: the first seeded point
    where a line differs refutes it there; where none does, the agreements say at how many points
    they hold.  Code whose weights and inputs are written in it computes its one point again."""
    points = 0
    for seed in range(1, limits.seeded_points + 1):
        other = run_blocks(sources, limits, seed=seed)
        again = None if other.stopped or other.errors else compare(other)
        if again is None or again[2] is None:
            why = other.stopped or (other.errors[0]["error"] if other.errors else "it computes other quantities there")
            return _counted(found, points), f"at seeded point {seed} the code was not compared ({why[:120]})"
        if _same_point(point, again[2]):
            return _counted(found, points), "the code's weights and inputs are written in it: compared at that one point"
        refuted = [r for r in again[0] if r.verdict == REFUTED]
        if refuted:
            where = (f"at seeded point {seed}, where the code's random draws start from seed {seed} "
                     "(at its own values no line differed)")
            for r in again[0]:
                r.detail = (r.detail.replace(OWN, f" (at seeded point {seed})") if r.verdict == AGREES
                            else f"{r.detail}; {where}" if r.verdict == REFUTED else r.detail)
            return again[0], ""
        points += 1
    return _counted(found, points), ""


def _counted(found: list[Result], points: int) -> list[Result]:
    if points:
        also = f" (at the code's own values and at {points} seeded point{'s' if points > 1 else ''})"
        for r in found:
            if r.verdict == AGREES:
                r.detail = r.detail.replace(OWN, also)
    return found


def _same_point(a: Point, b: Point) -> bool:
    same = lambda x, y: x is y or (x is not None and y is not None and x.shape == y.shape  # noqa: E731
                                   and np.array_equal(x, y))
    return (sorted(a.W) == sorted(b.W) and all(same(a.W[k], b.W[k]) for k in a.W) and same(a.X, b.X)
            and same(a.T, b.T))


def _seen(outcome: Outcome, blocks: list[CodeBlock]) -> list[Seen]:
    names = [r["name"] for r in outcome.records]
    shift = offset(names)
    out, last = [], {}
    for r in outcome.records:
        kind, layer = parse(r["name"]) or (None, None)      # unnamed: kept, to find where a value came from
        value = np.array(r["data"], dtype=float).reshape(r["shape"])
        previous = last.get(r["name"])
        if previous is not None and previous.shape == value.shape and np.array_equal(previous, value):
            continue                            # the same value seen again (a global, after a call)
        last[r["name"]] = value
        layer = None if layer is None else (-layer if layer < 0 else layer + shift)
        out.append(Seen(int(r["block"]), int(r["line"]), r["name"], kind, layer, value))
    return out


def _first_step(seen: list[Seen]) -> list[Seen]:
    """The records up to the first forward value computed after a parameter was updated; of a name
    other than a parameter's, only its last value there (a gradient set to zeros, then filled in)."""
    started, updated, out = {}, False, []
    for s in seen:
        if s.kind in ("W", "b"):
            before = started.get((s.kind, s.layer))
            if before is not None and before.shape == s.value.shape and np.array_equal(before, s.value):
                continue                        # the same parameter under another name (W1 = params['W1'])
            if before is not None:
                updated = True
            started[(s.kind, s.layer)] = s.value
        elif updated and (s.kind in ("Z", "out") or (s.kind == "A" and (s.layer or 0) >= 2)):
            break
        out.append(s)
    last = {s.name: k for k, s in enumerate(out)}
    return [s for k, s in enumerate(out) if s.kind in ("W", "b", "X", "T", "lr", None) or last[s.name] == k]


def _matrix(v: np.ndarray) -> np.ndarray:
    return v.reshape(1, -1) if v.ndim < 2 else v


def _point(step: list[Seen], layout: str, rows: bool) -> Point | None:
    W, b, X, T, alpha = {}, {}, None, None, None
    for s in step:
        if s.kind == "W" and s.layer not in W and s.value.ndim == 2:
            W[s.layer] = s.value if layout == "source-major" else s.value.T
        elif s.kind == "b" and s.layer not in b:
            b[s.layer] = s.value.reshape(-1)
        elif X is None and (s.kind == "X" or (s.kind == "A" and s.layer == 1)) and s.value.ndim:
            X = _oriented(s.value, rows)
        elif T is None and s.kind == "T" and s.value.ndim:
            T = _oriented(s.value, rows)
        elif alpha is None and s.kind == "lr" and s.value.ndim == 0:
            alpha = float(s.value)
    if X is None or not W or sorted(W) != list(range(2, 2 + len(W))):
        return None
    sizes = [X.shape[1]]
    for l in sorted(W):
        if W[l].shape[0] != sizes[-1]:
            return None
        sizes.append(W[l].shape[1])
        if l in b and b[l].size != sizes[-1]:
            return None
    if T is not None and T.shape != (X.shape[0], sizes[-1]):
        T = T.reshape(X.shape[0], sizes[-1]) if T.size == X.shape[0] * sizes[-1] else None
    return Point(W, b, X, T, alpha)


def _oriented(value: np.ndarray, rows: bool) -> np.ndarray:
    v = _matrix(value)
    return v if rows or value.ndim < 2 else v.T


def _lecture_value(s: Seen, layout: str, rows: bool, L: int) -> tuple[tuple, np.ndarray] | None:
    """The key of the quantity a record stands for, and its value in the lecture's layout."""
    kind, layer, v = s.kind, s.layer, s.value
    if kind in ("A", "X", "out", "Z", "T", "delta"):
        layer = 1 if kind == "X" else (L if kind == "out" else layer)
        key = ("A" if kind in ("X", "out") else kind, layer) if kind != "T" else ("T",)
        return key, _oriented(v, rows)
    if kind in ("W", "dW"):
        return (kind, layer), (v if layout == "source-major" or v.ndim < 2 else v.T)
    if kind in ("b", "db"):
        return (kind, layer), v.reshape(1, -1)
    if kind == "E" and v.ndim == 0:
        return ("E",), v.reshape(1, 1)
    return None


def _swapped(step: list[Seen]) -> list[Seen]:
    """The records with a and z exchanged (a1 = x W1 + b1, z1 = sigmoid(a1): 'Deep Learning from
    Scratch' calls the weighted input a); the input keeps its name."""
    swap, shift, out = {"A": "Z", "Z": "A"}, offset([s.name for s in step]), []
    for s in step:
        name = bare(s.name)
        if s.kind in swap and s.layer != 1:
            s = replace(s, kind=swap[s.kind])
        elif re.fullmatch(r"d[zZ]_?\d+", name):       # dz1: the gradient by the activations, not δ
            s = replace(s, kind=None, layer=None)
        elif re.fullmatch(r"d[aA]_?\d+", name):       # da1: by the weighted inputs, δ
            s = replace(s, kind="delta", layer=int(re.sub(r"\D", "", name)) + shift)
        out.append(s)
    return out


def _origin(step: list[Seen], s: Seen) -> Seen:
    """The first record of the step that computed the same array as `s` (`nabla_b[-1] = delta`
    copies `delta`, computed the line before): where a wrong value was made."""
    return next((o for o in step if o.value.shape == s.value.shape and o.value.size > 1
                 and np.array_equal(o.value, s.value)), s)


def _compare(seen: list[Seen], spec: Spec, result, locate):
    plain = _first_step(seen)
    best = None
    for swap, layout, rows in [(w, lay, r) for w in (False, True) for lay in ("source-major", "target-major")
                               for r in (True, False)]:
        step = _swapped(plain) if swap else plain
        point = _point(step, layout, rows)
        if point is None:
            continue
        L = len(point.W) + 1
        activations = tuple(spec.activations[-(L - 1):]) if len(spec.layers) == L else (spec.activations[-1],) * (L - 1)
        try:
            ref = reference(point, activations, spec.loss, backward=False)
        except (ValueError, KeyError, ArithmeticError):
            continue
        score = sum(1 for s in step if s.kind in ("A", "Z", "out") and (found := _lecture_value(s, layout, rows, L))
                    and found[0] in ref.values and close(found[1], ref.array(found[0])))
        if best is None or score > best[0]:
            best = (score, layout, rows, point, activations, step, swap)
    if best is None:
        return None
    _, layout, rows, point, activations, step, swap = best
    size = sum(w.size + w.shape[1] for w in point.W.values()) * point.X.shape[0]
    if size > MAX_SIZE:
        first = next(s for s in step if s.kind == "W")
        return [result(first.block, first.line, UNDECIDED,
                       f"not compared: the code's network has {size:,} weights and biases times examples, past "
                       f"the {MAX_SIZE:,} derive computes exactly here (a smaller network or batch is compared)")], "", None
    ref = reference(point, activations, spec.loss)
    note = _layout_note(layout, rows, ref, spec.vectors == "column")
    if swap:
        note = "your code's a names the weighted inputs and z the activations (read as such); " + note
    return _verdicts(step, ref, layout, rows, activations, spec.loss, result, locate), note, point


def _layout_note(layout: str, rows: bool, ref: Reference, document_columns: bool = False) -> str:
    parts = ["your code uses the transposed layout of W (a row per target unit)" if layout == "target-major" else "",
             "its vectors are columns (a column per example)" if not rows else ""]
    model = f"compared in the {ref.spec.describe()}"
    if document_columns and layout == "target-major" and not rows:     # Nielsen's own layout
        parts = []
    return "; ".join([p for p in parts if p] + [model])


def _verdicts(step: list[Seen], ref: Reference, layout: str, rows: bool, activations, loss: str, result, locate):
    L = len(ref.spec.layers)
    firsts, by_line, refuted = set(), {}, None
    out = []
    for s in step:
        found = _lecture_value(s, layout, rows, L)
        if found is None:
            continue
        key, value = found
        if s.kind in ("W", "b"):
            if (s.kind, s.layer) not in firsts:         # where the code starts: the point itself
                firsts.add((s.kind, s.layer))
                continue
            key = (s.kind + "+", s.layer)
        if key[0] in ("A", "T") and (key == ("T",) or key[1] == 1) or key not in ref.values:
            continue
        want = ref.array(key)
        where = (s.block, s.line)
        if where in by_line and by_line[where][0] != AGREES:
            continue
        kind, layer = (s.kind if s.kind not in ("X", "out") else "A"), key[1] if len(key) > 1 else None
        name = symbol(kind, layer) if kind not in ("E",) else "E"
        if value.shape != want.shape and value.size == want.size and 1 in want.shape:
            value = value.reshape(want.shape)
        m = ref.spec.batch                      # an error term per example, or of the averaged E (δ/m)
        if close(value, want) or (key[0] == "delta" and m > 1 and close(value, want / m)):
            by_line.setdefault(where, (AGREES, [], s))[1].append(f"`{s.name}` = {name}")
            continue
        if ref.kinks:
            by_line[where] = (UNDECIDED, [f"`{s.name}` differs from {name}, but a ReLU unit is exactly at 0 here, "
                                          "where derive's step is 0 and the code's may be 1"], s)
            continue
        mistake = diagnose(kind, layer or 0, value, ref, activations, loss, rows)
        if refuted is not None and (mistake is None or mistake[0] == refuted[2]):
            refuted[1].append(f"{s.name} (line {locate(s)})")
            continue
        should = SHOULD.get(kind, name).format(l=layer, p=(layer or 1) - 1)
        detail = (f"`{s.name}` should be {should if kind == 'E' else name + ': ' + should}; the code's {_short(value)}, "
                  f"derive's exact {_short(want)}")
        origin = _origin(step, s)
        if origin is not s:
            where = (origin.block, origin.line)
            detail += f" (it is `{origin.name}`, computed at line {locate(origin)})"
        item = (REFUTED, [detail], origin, mistake)
        by_line[where] = item
        if refuted is None:
            refuted = (where, [], mistake[0] if mistake else None)
    updated = {(s.kind[:-1], s.layer) for s in step if s.kind in ("W+", "b+")} | _updated(step)
    if updated:                         # a parameter the step leaves as it was, though its gradient is not 0
        for kind, layer in sorted(firsts - updated, key=str):
            gradient = ref.array(("d" + kind, layer))
            first = next(s for s in step if (s.kind, s.layer) == (kind, layer))
            if gradient is not None and np.any(gradient != 0) and (first.block, first.line) not in by_line:
                by_line[(first.block, first.line)] = (UNDECIDED, [
                    f"`{first.name}` is never updated in the step that updates the other parameters, though "
                    f"{symbol('d' + kind, layer)} is not 0 there (or its update leaves it unchanged)"], first)
    for where, item in by_line.items():
        verdict, texts, s = item[0], item[1], item[2]
        title = None
        if verdict == AGREES:
            r = result(s.block, s.line, AGREES, "agrees: " + ", ".join(texts) + OWN)
        else:
            r = result(s.block, s.line, verdict, "; ".join(texts), title)
            if verdict == REFUTED and len(item) > 3 and item[3] is not None:
                r.mistake = item[3][0]
                r.detail += f"; {item[3][1]}"
            if refuted is not None and where == refuted[0] and refuted[1]:
                r.detail += f" (later lines that differ as a consequence: {', '.join(refuted[1][:6])})"
        out.append(r)
    return out


def _updated(step: list[Seen]) -> set:
    """The parameters the step assigns a second time (updates)."""
    seen, out = set(), set()
    for s in step:
        if s.kind in ("W", "b"):
            (out if (s.kind, s.layer) in seen else seen).add((s.kind, s.layer))
    return out    # (_first_step keeps one record per value of a parameter)


def _short(v: np.ndarray) -> str:
    flat = np.asarray(v, dtype=float).reshape(-1)
    text = ", ".join(f"{x:.6g}" for x in flat[:4]) + (", …" if flat.size > 4 else "")
    return f"[{text}]" if flat.size > 1 else text
