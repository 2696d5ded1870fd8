"""How often derive names the repair of a single-edit mistake, at the right line and column.

    python bench/repairs.py [--per-document N] [--seed S] [DOCUMENT ...]

Mistakes are injected one at a time (seeded, so a run is reproducible) into lecture documents
that check clean: by default the shared lecture (../shared/lecture/backprop_hidden_layer.md, when
present) and this project's own fixture lectures.  The kinds: an index swapped or changed, a
wrong layer, a sign flipped (an operator, or the operands of a difference), a factor dropped or
an extra one added, a transpose dropped or added, the operands of a matrix product swapped.
An injection that leaves every claim proved (the edit happened not to change a value) or makes
the document unreadable is not a mistake, and is not counted.

For each mistake: *repaired* when a refuted claim carries a proved repair at exactly the injected
line and column; *around* when the part its repair changes holds that position (a factor replaced
that contains the slip); *elsewhere* when the repairs proved are at other places (another edit
that also makes the claim true); *expected* when there is no repair but the expected member is
shown; *missed* otherwise.  Every repair reported is also applied literally (`new` in place of `old` at
line:col in the file) and the document checked again: it must then prove that claim.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from derive.errors import DeriveError  # noqa: E402
from derive.notation import syntax as s  # noqa: E402
from derive.notation.parse import parse  # noqa: E402
from derive.notation.syntax import walk
from derive.pipeline.document import prepare_document  # noqa: E402
from derive.pipeline.options import Options  # noqa: E402
from derive.sources.documents import read_document  # noqa: E402

SHARED = ROOT.parent / "shared" / "lecture" / "backprop_hidden_layer.md"
FIXTURES = [ROOT / "tests" / "fixtures" / "output_layer_lecture.md",
            ROOT / "tests" / "fixtures" / "hidden_layer_repairs.md"]
WORKSPACES: dict = {}


def check(path: Path):
    """The results of checking one document (serially, sharing the oracle between runs)."""
    plan = prepare_document(path, Options(timeout=5.0), WORKSPACES, str(path))
    return plan.finish([task() for task in plan.tasks]).results


def offsets(text: str):
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    return lambda line, col: starts[line - 1] + col - 1


def factors(node, ops=("times", "juxt")):
    if isinstance(node, s.BinOp) and node.op in ops:
        return factors(node.left, ops) + factors(node.right, ops)
    return [node]


def sites(path: Path, text: str):
    """Every injection (kind, document offset, length of text replaced, new text, expected
    offset of the repair) the document's claims allow."""
    spans, _ = read_document(path, text)
    at = offsets(text)
    out = []
    for sp in spans:
        if sp.skipped:
            continue
        try:
            pieces = parse(sp.text, sp)
        except DeriveError:
            continue
        for piece in pieces:
            for chain in piece.chains:
                if len(chain) < 2 and piece.lead is None:
                    continue
                for member in chain:
                    for part in member.parts:
                        out.extend(_part_sites(sp, part, at))
    return out


def _doc(sp, at, offset):
    return at(*sp.position(offset))


def _part_sites(sp, part, at):
    found = []
    text = sp.text
    for node in walk(part.expr):
        start = _doc(sp, at, node.start)
        src = text[node.start:node.end]
        if isinstance(node, s.Sym) and node.sub and node.sub.isdigit():
            m = re.search(r"_\s*\{?\s*([0-9]+)", src)
            if m:
                digits = m.group(1)
                if len(digits) == 2 and digits[0] != digits[1]:
                    new = src[:m.start(1)] + digits[::-1] + src[m.end(1):]
                    found.append(("index swap", start, len(src), new, start))
                k = len(digits) - 1
                other = "1" if digits[k] != "1" else "2"
                new = src[:m.start(1) + k] + other + src[m.start(1) + k + 1:]
                found.append(("index change", start, len(src), new, start))
        if isinstance(node, s.Sym) and node.layer and node.layer.isdigit():
            m = re.search(r"\^\s*\{\s*\(\s*([0-9]+)", src)
            if m:
                layer = int(m.group(1))
                other = str(layer - 1 if layer > 2 else layer + 1)
                new = src[:m.start(1)] + other + src[m.end(1):]
                found.append(("wrong layer", start, len(src), new, start))
        if isinstance(node, s.BinOp) and node.op in "+-":
            gap = text[node.left.end:node.right.start]
            m = re.search(r"[+\-]", gap)
            if m:
                where = _doc(sp, at, node.left.end + m.start())
                found.append(("sign", where, 1, "-" if node.op == "+" else "+", where))
        if isinstance(node, s.Transpose):
            m = re.search(r"\^\s*(\{\s*T\s*\}|T)\s*$", src)
            if m:
                found.append(("dropped transpose", start, len(src), src[:m.start()], start))
        if isinstance(node, s.Sym) and (re.fullmatch(r"[AW][0-9]", node.name) or node.name == "loss"):
            found.append(("added transpose", start, len(src), src + "^T", start))
        if isinstance(node, s.BinOp) and node.op == "bullet":
            left, right = text[node.left.start:node.left.end], text[node.right.start:node.right.end]
            if re.fullmatch(r"[A-Za-z0-9\\_^{}()T ]+", left + right):       # plain operands only
                gap = text[node.left.end:node.right.start]
                found.append(("swapped product", start, node.end - node.start, right + gap + left, start))
    for node in walk(part.expr):
        if isinstance(node, s.BinOp) and node.op in ("times", "juxt"):
            fs = factors(node)
            if any(isinstance(n, s.BinOp) and n.op in ("times", "juxt") and n is not node
                   and n.start <= node.start and node.end <= n.end for n in walk(part.expr)):
                continue
            spans = [(f.start, f.end) for f in fs]
            spans = [_widen(text, a, b) for a, b in spans]
            for k in range(len(fs)):
                if k + 1 < len(fs):
                    a, b = spans[k][0], spans[k + 1][0]
                    found.append(("dropped factor", _doc(sp, at, a), b - a, "", _doc(sp, at, a)))
                elif k > 0:
                    a = spans[k - 1][1]
                    found.append(("dropped factor", _doc(sp, at, a), spans[k][1] - a, "",
                                  _doc(sp, at, spans[k - 1][0])))
            k = len(fs) // 2
            a = spans[k][0]
            extra = text[spans[0][0]:spans[0][1]]
            found.append(("extra factor", _doc(sp, at, a), 0, extra + " \\times ", _doc(sp, at, a)))
    return found


def _widen(text, a, b):
    while True:
        before = re.search(r"(\\left\s*\(|\()\s*$", text[:a])
        after = re.match(r"^\s*(\\right\s*\)|\))", text[b:])
        if not (before and after):
            return a, b
        a, b = before.start(1), b + after.end(1)


def run(documents, per_document: int, seed: int) -> int:
    rng = random.Random(seed)
    tally, kinds, unproved = Counter(), Counter(), []
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for doc in documents:
            original = doc.read_text(encoding="utf-8")
            base = check(doc)
            if any(r.verdict != "proved" for r in base):
                print(f"{doc}: does not check clean; skipped", file=sys.stderr)
                continue
            candidates = sites(doc, original)
            rng.shuffle(candidates)
            done = 0
            target = Path(tmp) / doc.name
            for kind, offset, length, new, expected in candidates:
                if done >= per_document:
                    break
                text = original[:offset] + new + original[offset + length:]
                target.write_text(text, encoding="utf-8")
                start = time.perf_counter()
                results = check(target)
                seconds = time.perf_counter() - start
                if any(r.verdict == "error" for r in results) or not any(r.verdict == "refuted" for r in results):
                    continue
                done += 1
                times.append(seconds)
                line = text.count("\n", 0, expected) + 1
                col = expected - (text.rfind("\n", 0, expected) + 1) + 1
                refuted = [r for r in results if r.verdict == "refuted"]
                here = any((p.line, p.col) == (line, col) for r in refuted for p in r.repairs)
                around = any(p.line == line and p.col <= col < p.col + max(1, len(p.old))
                             for r in refuted for p in r.repairs)        # the part to change holds it
                outcome = ("repaired" if here else "around" if around
                           else "elsewhere" if any(r.repairs for r in refuted)
                           else "expected" if any(r.expected for r in refuted) else "missed")
                tally[outcome] += 1
                kinds[kind, outcome] += 1
                for r in refuted:
                    for p in r.repairs:
                        if not applies(target, text, r, p):
                            unproved.append((doc.name, kind, line, col, p))
                if outcome not in ("repaired",) and "-v" in sys.argv:
                    print(f"  {outcome}: {doc.name} {kind} at {line}:{col} {original[offset:offset+length]!r}->{new!r};"
                          f" got {[(p.line, p.col, p.kind) for r in refuted for p in r.repairs]}")
    total = sum(tally.values())
    print(f"{total} mistakes injected (seed {seed})")
    for kind in sorted({k for k, _ in kinds}):
        row = {o: kinds[kind, o] for o in ("repaired", "around", "elsewhere", "expected", "missed")}
        print(f"  {kind:<18} " + ", ".join(f"{o} {n}" for o, n in row.items() if n))
    if total:
        print(f"repaired at the right line and column: {tally['repaired']}/{total} = "
              f"{100 * tally['repaired'] / total:.1f} %")
        print(f"repaired by changing a part that holds the injected line and column: {tally['around']}; "
              f"repaired elsewhere: {tally['elsewhere']}; expected member shown: {tally['expected']}; "
              f"missed: {tally['missed']}")
        times.sort()
        print(f"check with one mistake: median {times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s")
    print(f"repairs reported that do not prove the claim when applied: {len(unproved)}")
    for u in unproved:
        print("   ", u)
    return 1 if unproved else 0


def applies(target: Path, text: str, result, repair) -> bool:
    """Put `new` in place of `old` at line:col and check again: the claim there must be proved."""
    lines = text.split("\n")
    line = lines[repair.line - 1]
    if line[repair.col - 1:repair.col - 1 + len(repair.old)] != repair.old:
        return False
    lines[repair.line - 1] = line[:repair.col - 1] + repair.new + line[repair.col - 1 + len(repair.old):]
    fixed = target.with_name("fixed_" + target.name)
    fixed.write_text("\n".join(lines), encoding="utf-8")
    after = check(fixed)
    before = check(target)
    refuted = lambda rs: [r for r in rs if r.verdict == "refuted"]
    return (not any(r.verdict == "error" for r in after) and len(refuted(after)) < len(refuted(before))
            and not any(r.line == repair.line for r in refuted(after)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("documents", nargs="*", type=Path)
    parser.add_argument("--per-document", type=int, default=60)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("-v", action="store_true")
    args = parser.parse_args()
    documents = args.documents or ([SHARED] if SHARED.exists() else []) + [p for p in FIXTURES if p.exists()]
    return run(documents, args.per_document, args.seed)


if __name__ == "__main__":
    sys.exit(main())
