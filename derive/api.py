"""derive from Python, for a notebook open beside the lecture being written.

    import derive
    report = derive.check("lecture.md")            # a file or folder, as `derive check` takes them
    report = derive.check(markdown_text)           # or the lecture's text itself
    report                                          # in Jupyter: the HTML card view of every claim
    pandas.DataFrame(report.to_records())           # one row per claim
    derive.prove(r"\\frac{\\partial E}{\\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)})")

`derive.check` is this function; no module of that name shadows it (the checker of statements is
`derive.decide.checker`).
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, fields
from html import escape
from pathlib import Path

from .errors import DeriveError
from .model.spec import Spec
from .pipeline.options import Options
from .pipeline.run import check_paths
from .report.html import render_html
from .report.table import render_table
from .results import ERROR, NOT_CHECKED, PROVED, REFUTED, UNDECIDED, Report
from .understand.front_matter import read_model

TEXT_NAME = "<text>"
CLAIM_NAME = "<claim>"
LATEX_DOCUMENT = re.compile(r"\\documentclass|\\begin\s*\{document\}|\\(sub)*section\*?\s*\{")
SEVERITY = (ERROR, REFUTED, UNDECIDED, NOT_CHECKED, PROVED)


@dataclass(repr=False)
class CheckReport(Report):
    """A Report that shows itself in a notebook (`_repr_html_`: the HTML report's cards) and turns
    into rows for pandas (`to_records`)."""

    source: str = ""

    @property
    def passed(self) -> bool:
        """Whether there were claims and every one was proved (one not checked is not)."""
        return bool(self.results) and self.exit_code == 0 and not self.count(NOT_CHECKED)

    def to_records(self) -> list[dict]:
        """One flat dict per claim (for `pandas.DataFrame`): where it is, what it claims, the verdict,
        and for a refuted claim both sides' values at the counterexample and their difference."""
        rows = []
        for r in self.results:
            c = r.counterexample
            rows.append({"file": r.file, "cell": r.cell, "line": r.line, "col": r.col, "id": r.id,
                         "title": r.title, "claim": r.claim, "verdict": r.verdict,
                         "detail": r.detail, "seconds": r.seconds, "wrong": r.wrong,
                         "lhs_value": c.lhs if c else None, "rhs_value": c.rhs if c else None,
                         "difference": c.difference if c else None})
        return rows

    def table(self) -> str:
        """The report as `derive check` prints it."""
        return render_table(self)

    def html(self) -> str:
        """The whole HTML page (`derive check --format html`)."""
        return render_html(self, title=f"derive: {self.source}" if self.source else "derive report")

    def _repr_html_(self) -> str:
        # The page keeps its own styles: in an iframe they style the report, not the notebook.
        rows = min(4 + 3 * len(self.results), 40)
        return (f'<iframe class="derive-report" srcdoc="{escape(self.html(), quote=True)}" '
                f'style="width: 100%; height: {rows * 1.5:.0f}em; border: 1px solid #d0d7de; '
                f'border-radius: 6px; resize: vertical"></iframe>')

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        s = self.summary()
        return (f"<derive report {self.source or '-'}: {len(self.results)} claims, {s['proved']} proved, "
                f"{s['refuted']} refuted, {s['undecided']} undecided, {s['errors']} errors>")


@dataclass(repr=False)
class Proof(CheckReport):
    """`prove`'s report on one claim (a chain `a = b = c` makes one claim per `=`)."""

    @property
    def verdict(self) -> str:
        """proved when every claim is; else the worst verdict among them (error, refuted, undecided)."""
        return next(v for v in SEVERITY if v == PROVED or any(r.verdict == v for r in self.results))

    @property
    def result(self):
        """The claim that decides `verdict` (the first of that verdict)."""
        return next(r for r in self.results if r.verdict == self.verdict)

    def __repr__(self) -> str:
        return f"<derive proof: {self.verdict}: {self.results[0].claim if self.results else ''}>"


def check(path_or_text, model=None, timeout: float = 5.0, run_code: bool = False,
          strict: bool = False) -> CheckReport:
    """Check a lecture: `path_or_text` is a path (str or Path) to a file or folder that exists, or
    the text of a lecture (Markdown; LaTeX when it has \\documentclass or \\section).  A string
    that is one line without math, naming no file, is taken for a mistyped path: DeriveError.
    `model`: a Spec, layer sizes (`"2-3-1"`, `[2, 3, 1]`), a mapping like a [model] table, or a
    TOML file with one (which may give `notation`, `names` and `values` as a front matter does);
    `timeout`: seconds per claim; `run_code`: as --run-code (docs/code.md); `strict`: as --strict
    (an equation not checked fails the report)."""
    stated = read_model(model)
    options = Options(timeout=timeout, spec=stated.spec if stated else None, run_code=run_code, stated=stated,
                      strict=strict)
    if isinstance(path_or_text, os.PathLike) or (isinstance(path_or_text, str) and _is_path(path_or_text)):
        path = os.fspath(path_or_text)
        if not Path(path).exists():
            raise DeriveError(f"no such file or folder: {path!r}",
                              expected="a lecture (.md, .tex, .ipynb), a formula file (.toml), a folder, "
                                       "or the text of a lecture")
        report = check_paths([path], options)
        return _as(CheckReport, report, source=path)
    if not isinstance(path_or_text, str):
        raise DeriveError(f"expected a path or the text of a lecture, got {type(path_or_text).__name__}")
    if not path_or_text.strip():
        raise DeriveError("nothing to check: the text is empty", expected="a path, or the text of a lecture")
    suffix = ".tex" if LATEX_DOCUMENT.search(path_or_text) else ".md"
    return _as(CheckReport, _check_text(path_or_text, suffix, TEXT_NAME, options), source=TEXT_NAME)


def prove(claim: str, model=None, timeout: float = 5.0) -> Proof:
    """Decide one claim, LaTeX in the lecture's notation with at least one `=`, as if it stood alone
    in display math in a lecture (an update rule `W = W - \\alpha ...` is read as one)."""
    if not isinstance(claim, str) or "$" in claim:
        raise DeriveError("a claim is LaTeX math without $ delimiters", expected="X = Y")
    options = Options(timeout=timeout, spec=Spec.parse(model))
    report = _check_text(f"$$\n{claim}\n$$\n", ".md", CLAIM_NAME, options)
    if not report.results:
        raise DeriveError(f"{claim!r} claims nothing", expected="X = Y (= Z ...)")
    for r in report.results:                     # lines of the claim itself, not of the $$ around it
        r.line = max(1, r.line - 1)
        r.detail = re.sub(re.escape(CLAIM_NAME) + r":(\d+)", lambda m: f"{CLAIM_NAME}:{max(1, int(m.group(1)) - 1)}",
                          r.detail)
    return _as(Proof, report, source=CLAIM_NAME)


def _is_path(text: str) -> bool:
    """A string names a path when it names something that exists, or looks like nothing else: one
    short line with no math in it."""
    if "\n" in text or len(text) > 4096 or not text.strip():
        return False
    try:
        if Path(text).exists():
            return True
    except (OSError, ValueError):
        return False
    return not re.search(r"[$\\=]", text)


def _check_text(text: str, suffix: str, name: str, options: Options) -> Report:
    with tempfile.TemporaryDirectory(prefix="derive-") as folder:
        path = Path(folder) / f"text{suffix}"
        path.write_text(text, encoding="utf-8")
        report = check_paths([str(path)], options)
    for item in report.results + report.formulas:
        if item.file == str(path):
            item.file = name
    for r in report.results:
        r.detail = r.detail.replace(str(path), name)
    return report


def _as(cls, report: Report, **extra):
    return cls(**{f.name: getattr(report, f.name) for f in fields(Report)}, **extra)


__all__ = ["CheckReport", "Proof", "check", "prove"]
