"""Every hostile case of issue 8 together with a valid lecture, in one `derive check`: the time, the
peak memory, the exit code and one line per file.  Then the usage errors, Ctrl-C, and the reading
of large hostile text, each timed.

    python bench/hostile.py [--keep DIR]

Peak memory is the largest resident set of any process of the run (the parent and its workers), as
`resource.getrusage(RUSAGE_CHILDREN)` reports it for a fresh process.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "lecture" / "backprop_hidden_layer.md"
FIXTURE = ROOT / "tests" / "fixtures" / "output_layer_lecture.md"
CORPUS = ROOT / "tests" / "hostile"


def make_cases(folder: Path) -> None:
    """The cases listed under "Why" in issue 8 (the corpus holds the small ones)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "one_gigabyte.md", "wb") as f:
        f.truncate(1 << 30)
    (folder / "parens_72k.md").write_text("\\(" * 36_000, encoding="utf-8")
    (folder / "parens_72k.tex").write_text("\\(" * 36_000, encoding="utf-8")
    (folder / "line_168k.md").write_text("$$ " + "x_1 + @ " * 21_000 + " $$\n" + "$@$ " * 40_000 + "\n",
                                         encoding="utf-8")
    (folder / "nested.ipynb").write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    (folder / "mnist.md").write_text(
        "---\nderive:\n  layers: [784, 30, 10]\n---\n\n"
        "$$ \\frac{\\partial E}{\\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)}) $$\n",
        encoding="utf-8")
    os.mkfifo(folder / "pipe.md")
    os.symlink("loop_b.md", folder / "loop_a.md")
    os.symlink("loop_a.md", folder / "loop_b.md")
    os.symlink("..", folder / "up")


PEAK = """import resource, subprocess, sys
done = subprocess.run(sys.argv[1:])
sys.stderr.write(f"\\npeak-kb {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n")
sys.exit(done.returncode)
"""


def run(args, **kw):
    """(seconds, peak resident set of the run's processes in MB, completed process); a fresh wrapper
    process per run, so that the peak is this run's alone."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK, sys.executable, str(ROOT / "cli.py"), *args],
                          capture_output=True, text=True, cwd=ROOT, stdin=subprocess.DEVNULL, **kw)
    seconds = time.perf_counter() - start
    lines = done.stderr.rstrip().splitlines()
    peak = int(lines[-1].split()[1]) / 1024 if lines and lines[-1].startswith("peak-kb") else float("nan")
    done.stderr = "\n".join(lines[:-1])
    return seconds, peak, done


def main() -> None:
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    work = Path(keep or tempfile.mkdtemp(prefix="derive-hostile-"))
    made = work / "made"
    if not made.exists():
        make_cases(made)
    lecture = work / "lecture.md"
    shutil.copy(SHARED if SHARED.exists() else FIXTURE, lecture)

    seconds, peak, done = run(["check", str(CORPUS), str(made), "/dev/zero", str(lecture), "--format", "json"],
                              timeout=900)
    report = json.loads(done.stdout)
    print(f"all hostile cases + {lecture.name}: exit {done.returncode}, {seconds:.2f} s, peak {peak:.0f} MB, "
          f"traceback: {'Traceback' in done.stdout + done.stderr}")
    print(f"  summary {report['summary']}")
    files: dict[str, list] = {}
    for r in report["results"]:
        files.setdefault(r["file"], []).append(r)
    for name, results in files.items():
        verdicts = {v: sum(1 for r in results if r["verdict"] == v) for v in ("proved", "refuted", "undecided", "error")}
        first = next((r for r in results if r["verdict"] != "proved"), results[0])
        print(f"  {Path(name).name:28} {', '.join(f'{n} {v}' for v, n in verdicts.items() if n):24} "
              f"{' '.join(first['detail'].split())[:110]}")
    for name in sorted(p.name for p in made.iterdir()):
        if not any(Path(f).name == name for f in files) and name not in ("up", "loop_a.md", "loop_b.md", "pipe.md"):
            print(f"  {name:28} {'no result':24} no math in it (an unclosed \\( in Markdown is text)")
    for note in report.get("notes", []):
        print(f"  note: {note}")
    print(f"  lecture alone: ", end="")
    s2, p2, alone = run(["check", str(lecture)], timeout=300)
    print(f"exit {alone.returncode}, {s2:.2f} s, peak {p2:.0f} MB; {alone.stdout.strip().splitlines()[-2]}")

    print("usage errors (before any work):")
    for args in (["--timeout", "nan"], ["--timeout", "inf"], ["--model", "1000-1000-1000"],
                 ["-o", str(lecture)], ["-o", "/missing/dir/x.json"]):
        s, p, d = run(["check", str(lecture), *args], timeout=60)
        print(f"  {' '.join(args):32} exit {d.returncode}, {s:.2f} s: {d.stderr.strip().splitlines()[-1][:100]}")

    print("Ctrl-C during a run:")
    slow = work / "slow.md"
    slow.write_text("$$ E = (x_1 + x_2 + w_{11}^{(2)} + w_{12}^{(2)} + b_1^{(2)} + b_2^{(2)})^{100} $$\n",
                    encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "check", str(slow), "--timeout", "60"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               start_new_session=True)
    workers = []
    while not workers and process.poll() is None:
        time.sleep(0.05)
        workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    start = time.perf_counter()
    process.send_signal(signal.SIGINT)
    process.communicate()
    print(f"  exit {process.returncode} {time.perf_counter() - start:.2f} s after SIGINT; workers left: "
          f"{[w for w in workers if Path(f'/proc/{w}').exists() and Path(f'/proc/{w}/stat').read_text().split()[2] != 'Z']}")

    print("reading hostile text (in process):")
    sys.path.insert(0, str(ROOT))
    from derive.sources.latex import read_latex
    from derive.sources.markdown import read_markdown
    for name, text in (("72 KB of \\( (Markdown)", "\\(" * 36_000), ("72 KB of \\( (LaTeX)", "\\(" * 36_000),
                       ("10,000 unclosed \\begin{equation}", "\\begin{equation} " * 10_000),
                       ("30,000 unclosed $", "$a " * 30_000), ("30,000 unclosed <!--", "<!-- " * 30_000)):
        reader = read_latex if "LaTeX" in name or "begin" in name else read_markdown
        start = time.perf_counter()
        reader(text, "x")
        print(f"  {name:34} {1000 * (time.perf_counter() - start):7.1f} ms")
    if not keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
