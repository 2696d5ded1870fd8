"""`derive export --to pdf`: the handout's .tex compiled by the engine it names, kept inert.

The .tex is written into a fresh temporary folder and compiled there, twice at most (a second run
only when the first asks for it), with
- no shell escape (`-no-shell-escape`), whatever the TeX installation's defaults;
- `openin_any=p` and `openout_any=p` (paranoid): TeX reads no dot file and no file above the
  current folder, and writes only in the temporary folder;
- `-interaction=nonstopmode -halt-on-error`, no standard input, and a wall-clock bound.
Only the PDF leaves the folder.  The .tex itself is inert already (`typeset`): this is the second
wall, for a TeX installation configured otherwise.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import DeriveError

SECONDS = 120                   # per engine run
RUNS = 2                        # a second run when the first says to rerun (labels, page breaks)


class PdfError(DeriveError):
    """The handout could not be compiled."""


def program(engine: str) -> str:
    """The TeX program for an engine of `typeset.ENGINES` (ascii: pdflatex, Hangul romanized)."""
    return "xelatex" if engine == "xelatex" else "pdflatex"


def compile_pdf(tex: str, engine: str, seconds: float = SECONDS) -> bytes:
    """The PDF of the handout `tex`, compiled by `engine`'s program in a temporary folder."""
    name = program(engine)
    found = shutil.which(name)
    if found is None:
        raise PdfError(f"{name} is not installed; --to tex writes the .tex to compile elsewhere",
                       expected=f"{name} on the PATH (Debian: texlive-xetex, texlive-lang-korean, fonts-noto-cjk)")
    with tempfile.TemporaryDirectory(prefix="derive-pdf-") as folder:
        source = Path(folder) / "handout.tex"
        source.write_text(tex, encoding="utf-8")
        env = {**os.environ, "openin_any": "p", "openout_any": "p", "shell_escape": "f",
               "TEXMFOUTPUT": folder, "HOME": folder}
        command = [found, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "handout.tex"]
        log = ""
        for _ in range(RUNS):
            try:
                done = subprocess.run(command, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                      capture_output=True, timeout=seconds)
            except subprocess.TimeoutExpired:
                raise PdfError(f"{name} took longer than {seconds:g} s") from None
            except OSError as e:
                raise PdfError(f"{name} could not be run: {e.strerror or e}") from None
            log = done.stdout.decode("utf-8", "replace")
            if done.returncode != 0:
                raise PdfError(f"{name} failed: {_first_error(log)}", expected="a handout TeX compiles")
            if "Rerun to get" not in log and "rerunfilecheck" not in log:
                break
        pdf = Path(folder) / "handout.pdf"
        if not pdf.is_file():
            raise PdfError(f"{name} wrote no PDF: {_first_error(log)}")
        return pdf.read_bytes()


def _first_error(log: str) -> str:
    """The first TeX error of a log, on one line."""
    lines = log.splitlines()
    for k, line in enumerate(lines):
        if line.startswith("!"):
            return " ".join(" ".join(lines[k:k + 3]).split())[:300]
    return "see its log"
