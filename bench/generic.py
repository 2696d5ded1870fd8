"""Benchmark of a generic network (φ and l undefined): `derive check` end to end, in a fresh process,
on the book chapter fixtures, at the sizes the reading chooses (2, 3, 2) and at larger sizes stated
in front matter (run: python bench/generic.py [--quick]).  Prints, per case: the claims and their
verdicts, and the median and best wall time of a few runs.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "generic"
DERIVE = [sys.executable, "-c", "import cli; cli.entry()"]


def run(path: Path, runs: int):
    times, report = [], None
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(DERIVE + ["check", str(path), "--format", "json", "--timeout", "120"],
                              capture_output=True, text=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
        report = json.loads(done.stdout)
    verdicts: dict = {}
    for r in report["results"]:
        verdicts[r["verdict"]] = verdicts.get(r["verdict"], 0) + 1
    return statistics.median(times), min(times), verdicts


def main() -> None:
    quick = "--quick" in sys.argv
    runs = 1 if quick else 3
    cases = [("book chapter, 2-3-2", FIXTURES / "book_chapter.md"),
             ("book chapter with weight decay, 2-3-2", FIXTURES / "book_chapter_decay.md")]
    with tempfile.TemporaryDirectory() as folder:
        for sizes in ([4, 8, 4], [8, 16, 8]) if not quick else ([4, 8, 4],):
            path = Path(folder) / f"decay_{'_'.join(map(str, sizes))}.md"
            path.write_text(f"---\nderive:\n  layers: {sizes}\n---\n"
                            + (FIXTURES / "book_chapter_decay.md").read_text(encoding="utf-8"), encoding="utf-8")
            cases.append((f"book chapter with weight decay, {'-'.join(map(str, sizes))}", path))
        print("| case | verdicts | wall: median (best) |")
        print("| --- | --- | --- |")
        for name, path in cases:
            median, best, verdicts = run(path, runs)
            shown = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()))
            print(f"| {name} | {shown} | {median:.2f} s ({best:.2f} s) |", flush=True)


if __name__ == "__main__":
    main()
