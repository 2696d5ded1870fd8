"""Reports for people (a table) and for programs (JSON)."""
from __future__ import annotations

import json
import re

from .results import ERROR, PROVED, REFUTED, Report, Result

# Display-only shorthands for the claim column (never used to read anything).
SHORTHAND = [
    (re.compile(r"\\frac\{\\partial ([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}\{\\partial ([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}"),
     "\u2202\\1/\u2202\\2"),
    (re.compile(r"\\text\{sigmoid\}"), "sigmoid"), (re.compile(r"\\times"), "\u00d7"),
    (re.compile(r"\\cdot"), "\u00b7"), (re.compile(r"\\bullet"), "\u2022"), (re.compile(r"\\alpha"), "\u03b1"),
    (re.compile(r"\\left|\\right"), ""), (re.compile(r"\\text\{(loss\\_\d)\}"), r"\1"),
    (re.compile(r"\\_"), "_"), (re.compile(r"\\\{|\\\}"), lambda m: m.group(0)[1]),
    (re.compile(r"\\quad.*$"), ""), (re.compile(r"\s+"), " "),
]
CLAIM_WIDTH = 64


def shorthand(latex: str) -> str:
    text = latex
    for pattern, repl in SHORTHAND:
        text = pattern.sub(repl, text)
    return text.strip()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def summary_line(report: Report) -> str:
    s = report.summary()
    total = len(report.results)
    files = len({r.file for r in report.results})
    line = (f"{total} claims: {s['proved']} proved, {s['refuted']} refuted, {s['undecided']} undecided, "
            f"{s['errors']} errors ({files} file{'s' if files != 1 else ''}, {report.seconds:.2f} s)")
    if report.spans:
        states = ", ".join(f"{n} {state}" for state, n in report.spans.items())
        line += f"\nmath spans: {sum(report.spans.values())} ({states})"
    return line


def render_table(report: Report) -> str:
    rows = []
    id_width = max([len(r.id or "") for r in report.results] + [2])
    loc_width = max([len(_location(r)) for r in report.results] + [4])
    header = f"{'ID':<{id_width}}  {'WHERE':<{loc_width}}  {'CLAIM':<{CLAIM_WIDTH}}  {'VERDICT':<9}  TIME"
    rows.append(header)
    rows.append("-" * len(header))
    for r in report.results:
        claim = _clip(shorthand(r.claim), CLAIM_WIDTH)
        rows.append(f"{r.id or '':<{id_width}}  {_location(r):<{loc_width}}  {claim:<{CLAIM_WIDTH}}  "
                    f"{r.verdict:<9}  {_ms(r.seconds)}")
        if r.verdict != PROVED:
            rows.extend("    " + line for line in explain(r).splitlines())
    rows.append("")
    rows.append(f"model: {report.model}")
    rows.extend(f"bound at {entry}" for entry in report.bindings)
    rows.append(summary_line(report))
    return "\n".join(rows) + "\n"


def _location(r: Result) -> str:
    return f"{r.file}:{r.line}" if r.cell is None else f"{r.file}:cell {r.cell}:{r.line}"


def explain(r: Result) -> str:
    """The lines under a claim that did not pass: what was found, and the counterexample."""
    if r.verdict == ERROR:
        return r.detail
    lines = [f"{r.verdict}: {r.detail}"]
    wrong_text = r.lhs if r.wrong == "lhs" else r.rhs
    if r.verdict == REFUTED and r.wrong and wrong_text:
        lines.append(f"wrong member ({'left' if r.wrong == 'lhs' else 'right'}): {shorthand(wrong_text)}")
    c = r.counterexample
    if c is not None:
        point = ", ".join(f"{k}={v}" for k, v in c.point.items())
        lines.append(f"counterexample: {point}")
        lines.append(f"left side = {_number(c.lhs)}, right side = {_number(c.rhs)}")
        lines.append(f"left - right = {c.difference}")
    return "\n".join(lines)


def _number(v) -> str:
    if isinstance(v, list):
        return "[" + "; ".join(", ".join(f"{x:.12g}" for x in row) for row in v) + "]"
    return f"{v:.12g}"


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
