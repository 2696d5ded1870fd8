"""The handout of long lectures: how long reading and setting a LaTeX lecture, a Markdown lecture and
a notebook takes (the checking excluded: it is `bench/benchmark.py`'s), and the size of what comes out.

    python bench/handout.py [--sections N] [--lines M]

Each lecture has N sections (50) of one paragraph of M lines (200) (inline math, bold, a comment on every line), an
align of two rows and a list; the report given to the handout is empty, so only the reading and
typesetting of the prose are timed.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from derive.export.handout import export_report  # noqa: E402
from derive.results import Report  # noqa: E402

LINE_TEX = "A long sentence with $a_j^{(2)} = \\tanh(z_j^{(2)})$ and \\textbf{bold} words. % a comment\n"
LINE_MD = "A long sentence with $a_j^{(2)} = \\tanh(z_j^{(2)})$ and **bold** words.\n"


def lectures(n: int, lines: int) -> dict[str, str]:
    tex = "\\documentclass{article}\n\\title{Bench}\n\\begin{document}\n" + "".join(
        f"\\section{{Part {k}}}\n" + LINE_TEX * lines + "\n\\begin{align}\nx &= y \\\\\nz &= w\n\\end{align}\n"
        "\\begin{itemize}\n\\item one\n\\item two $x_1$\n\\end{itemize}\n" for k in range(n)) + "\\end{document}\n"
    md = "".join(f"## Part {k}\n\n" + LINE_MD * lines + "\n$$\nx = y\n$$\n\n- one\n- two $x_1$\n\n" for k in range(n))
    cells = [{"cell_type": "markdown", "metadata": {}, "source": f"## Part {k}\n\n" + LINE_MD * lines}
             for k in range(n)] + [{"cell_type": "code", "metadata": {}, "source": "x = 1\n", "outputs": [],
                                    "execution_count": None}]
    return {"lecture.tex": tex, "lecture.md": md,
            "lecture.ipynb": json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sections", type=int, default=50)
    parser.add_argument("--lines", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for name, text in lectures(args.sections, args.lines).items():
            path = Path(folder) / name
            path.write_text(text, encoding="utf-8")
            start = time.perf_counter()
            out = export_report(Report(files=[str(path)]), "tex", engine="pdflatex")
            seconds = time.perf_counter() - start
            print(f"{name:14} {len(text) / 1e6:6.2f} MB in, {len(out.text) / 1e6:6.2f} MB out, {seconds:6.2f} s")


if __name__ == "__main__":
    main()
