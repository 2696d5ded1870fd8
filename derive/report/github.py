"""GitHub Actions workflow commands for a Report: an ::error annotation per claim that did not pass.

Each refuted, undecided or unreadable claim becomes one line
    ::error file=F,line=L,col=C,title=derive%3A <verdict>::<message>
with the message and the property values escaped as the Actions runner expects, so that the
annotation lands on the claim's line in the pull request (for a notebook, the line of the .ipynb
JSON that stores it, not the line within the cell).  A last plain line sums the run up.
Proved claims print nothing; a block derive does not read is a ::notice on its line; an equation
not checked (derive cannot read or model it) is a ::warning, an ::error when the run is strict.
"""
from __future__ import annotations

from ..results import NOT_CHECKED, PROVED, Report, Result, Unread
from .junit import failure_text
from .networks import networks_phrase, proved_on
from .table import shorthand

HEADING_WIDTH = 80


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF are encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as a message, and also ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_message(result: Result) -> str:
    """Which claim, then what was found about it (the detail and any counterexample)."""
    name = result.id or _clip(shorthand(result.claim), HEADING_WIDTH)
    where = f" (notebook cell {result.cell}, line {result.line})" if result.cell is not None else ""
    heading = f"{name}{where}".strip()
    return f"{heading}\n{failure_text(result)}" if heading else failure_text(result)


def annotation(result: Result, strict: bool = False) -> str:
    properties = {"file": result.file, "line": str(result.file_line), "col": str(result.file_col),
                  "title": f"derive: {result.verdict}"}
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    level = "warning" if result.verdict == NOT_CHECKED and not strict else "error"   # not checked: --strict
    return f"::{level} {props}::{escape_data(annotation_message(result))}"


def notice(block: Unread) -> str:
    """A block derive did not read, as a notice on its line (it does not fail the check)."""
    properties = {"file": block.file, "line": str(block.raw_line or block.line), "title": "derive: not read"}
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::notice {props}::{escape_data(block.note + ': derive skipped it, nothing in it was checked')}"


def networks_notice(file: str, networks, n: int) -> str:
    """A document that states no sizes: its claims proved on the networks it was checked on, as a
    notice (proved for those sizes, not for every size)."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in
                     {"file": file, "title": "derive: proved on the networks checked"}.items())
    return (f"::notice {props}::{escape_data(f'{n} claim' + ('s' if n != 1 else '') + ' ' + networks_phrase(networks))}"
            f"{escape_data(' (the document states no sizes: not proved for every size)')}")


def summary(report: Report) -> str:
    s, total = report.summary(), len(report.results)
    return (f"derive: {total} claim{'' if total == 1 else 's'}: {s['proved']} proved, {s['refuted']} refuted, "
            f"{s['undecided']} undecided, {s['errors']} errors"
            + (f", {s[NOT_CHECKED]} not checked" if s.get(NOT_CHECKED) else ""))


def render_github(report: Report) -> str:
    """One ::error line per claim that did not pass, then the summary line (and, when some blocks
    were not read, a line listing them)."""
    lines = [annotation(r, report.strict) for r in report.results if not r.passed]
    lines += [notice(u) for u in report.unread]
    lines += [networks_notice(file, networks, n) for file, networks, n in proved_on(report.results)]
    lines.append(summary(report))
    if report.unread:
        lines.append("derive: not read (skipped): " + "; ".join(map(str, report.unread)))
    return "\n".join(lines) + "\n"
