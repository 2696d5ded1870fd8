"""The report formats by name: what `derive check --format NAME` and `-o FILE.EXT` choose from."""
from __future__ import annotations

from ..results import Report
from .github import render_github
from .html import render_html
from .json_report import render_json
from .junit import render_junit
from .table import render_table

RENDERERS = {"json": render_json, "github": render_github, "junit": render_junit, "html": render_html}
FORMATS = ("table", *RENDERERS)


def render(report: Report, fmt: str, verbose: bool = False, width: int | None = None, colour: bool = False) -> str:
    """The report in format `fmt`; the table fits `width` columns (None: lines whole), in colour if asked."""
    if fmt in RENDERERS:
        return RENDERERS[fmt](report)
    if fmt != "table":
        raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")
    return render_table(report, verbose=verbose, width=width, colour=colour)
