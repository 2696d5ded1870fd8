"""Long runs (issue 22, item 5): a folder of many lectures, a long notebook session, the scans that
were super-linear.  Each prints its figures; docs/benchmarks.md keeps them with their date.

    python bench/long_runs.py [--copies 1000] [--calls 300] [--only folder|session|scans]

- folder: N copies of the seed lecture (the output-layer fixture where /work/shared is absent) in one
  folder, `derive check DIR --format json` in a fresh process: wall time, peak memory of the
  processes, exit code, whether the JSON report is whole (N files, every claim with a verdict).
  Run at N/10 too, so that the growth from N/10 to N can be read (linear: about tenfold).
- session: `derive.check` called on a lecture many times in one process, as a notebook kernel that
  re-checks a lecture while it is written (each call with a new unreadable draft line): the resident memory after 10 calls and after
  all of them (the parse cache keeps no traceback, so no earlier run stays alive).
- scans: a Markdown heading with 4,000 spaces over 40 claims, and one line of 1 MB of unclosed
  `\\begin{align}`: the seconds each takes to read and check.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "lecture" / "backprop_hidden_layer.md"
FIXTURE = ROOT / "tests" / "fixtures" / "output_layer_lecture.md"

def lecture() -> Path:
    return SHARED if SHARED.exists() else FIXTURE


def peak_run(args: list[str], out: Path) -> tuple[float, int, int]:
    """(seconds, exit code, peak resident kB of the run's processes) of `derive` with `args`,
    its standard output written to `out`."""
    probe = ("import resource, subprocess, sys\n"
             "with open(sys.argv[1], 'w') as out:\n"
             "    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL).returncode\n"
             "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", probe, str(out), sys.executable, str(ROOT / "cli.py"), *args],
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    code, peak = done.stdout.split()
    return seconds, int(code), int(peak)


def folder(copies: int) -> None:
    source = lecture()
    for n in (max(1, copies // 10), copies):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "lectures"
            folder.mkdir()
            for k in range(n):
                shutil.copy(source, folder / f"week_{k:04d}.md")
            out = Path(tmp) / "report.json"
            seconds, code, peak = peak_run(["check", str(folder), "--format", "json"], out)
            try:
                report = json.loads(out.read_text(encoding="utf-8"))
                files = len({r["file"] for r in report["results"]})
                claims = len(report["results"])
                whole = files == n and all(r["verdict"] for r in report["results"])
            except (ValueError, KeyError):
                files = claims = 0
                whole = False
            print(f"folder: {n:5d} copies of {source.name}: {seconds:7.1f} s, exit {code}, peak {peak / 1024:6.0f} MB, "
                  f"{files} files, {claims} claims, whole report: {'yes' if whole else 'NO'}")


def resident_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def session(calls: int) -> None:
    sys.path.insert(0, str(ROOT))
    import derive
    text = lecture().read_text(encoding="utf-8")
    start, first = time.perf_counter(), None
    for k in range(calls):                      # a draft being written: each call a new unreadable line
        derive.check(text + f"\n$$ x_1 = @ {k} \\text{{draft {k}}} $$\n")
        if k == 9:
            first = resident_mb()
    seconds = time.perf_counter() - start
    last = resident_mb()
    print(f"session: {calls} derive.check calls in one process: {seconds:.1f} s; resident {first:.0f} MB after 10, "
          f"{last:.0f} MB after {calls} (+{last - first:.0f} MB)")


def scans() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        heading = Path(tmp) / "heading.md"
        claims = "\n\n".join(["$$ E = E_1 + E_2 $$"] * 40)
        heading.write_text("#" + " " * 4_000 + "Backprop x\n\n" + claims + "\n", encoding="utf-8")
        begins = Path(tmp) / "begins.md"
        begins.write_text("\\begin{align}" * 80_000 + "\n", encoding="utf-8")
        for path, what in ((heading, "a heading of 4,000 spaces over 40 claims"),
                           (begins, "1 MB of unclosed \\begin{align} on one line")):
            seconds, code, peak = peak_run(["check", str(path), "--format", "json"], Path(tmp) / "out.json")
            print(f"scans: {what}: {seconds:.1f} s, exit {code}, peak {peak / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--only", choices=("folder", "session", "scans"))
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"DERIVE_WORKERS={os.environ.get('DERIVE_WORKERS', '(default)')}")
    if args.only in (None, "scans"):
        scans()
    if args.only in (None, "folder"):
        folder(args.copies)
    if args.only in (None, "session"):
        session(args.calls)


if __name__ == "__main__":
    main()
