"""Reports for people (a table) and for programs (JSON)."""
from __future__ import annotations

import re

from ..results import AGREES, ERROR, NOT_CHECKED, PROVED, REFUTED, UNDECIDED, Report, Result
from .networks import network_lines

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



def with_verdict(r) -> str:
    """`refuted: <detail>`, the verdict said once (an identity's detail says it itself)."""
    return r.detail if r.detail.startswith(f"{r.verdict}:") else f"{r.verdict}: {r.detail}"

def shorthand(latex: str) -> str:
    text = latex
    for pattern, repl in SHORTHAND:
        text = pattern.sub(repl, text)
    return text.strip()


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "\u2026"


def _clip_left(text: str, width: int) -> str:
    """A location clipped at its start, so that line and column stay: `…/lecture.md:68:69`."""
    return text if len(text) <= width else "\u2026" + text[len(text) - width + 1:]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


NO_MATH_NAMED = 5          # documents without math named in the summary; the rest counted


def summary_line(report: Report) -> str:
    s = report.summary()
    total = len(report.results)
    files = len({r.file for r in report.results})
    line = (f"{total} claims: {s['proved']} proved, {s['refuted']} refuted, {s['undecided']} undecided, "
            f"{s['errors']} errors ({files} file{'s' if files != 1 else ''}, {report.seconds:.2f} s)")
    if s.get("not checked"):
        line += (f"\nnot checked: {s['not checked']} equation{'s' if s['not checked'] != 1 else ''} derive cannot "
                 f"read or model ({'failing the run: strict' if report.strict else 'listed, not failing the run; --strict fails it'})")
    for text in network_lines(report):
        line += f"\n{text}"
    if s.get("agrees"):
        line += f"\ncode lines: {s['agrees']} agree with derive's exact values (--run-code)"
    if report.spans:
        states = ", ".join(f"{n} {state}" for state, n in report.spans.items())
        line += f"\nmath spans: {sum(report.spans.values())} ({states})"
    if report.no_math:
        n = len(report.no_math)
        names = ", ".join(report.no_math[:NO_MATH_NAMED]) + (f" and {n - NO_MATH_NAMED} more" if n > NO_MATH_NAMED else "")
        line += f"\nno math in {n} file{'s' if n != 1 else ''}: {names}"
    if report.unread:
        line += "\nnot read (skipped): " + "; ".join(map(str, report.unread))
    return line


COLOURS = {PROVED: "32", AGREES: "32", REFUTED: "31;1", UNDECIDED: "33", ERROR: "35;1", NOT_CHECKED: "36", "repair": "32;1", "dim": "2"}


def _paint(text: str, what: str, colour: bool) -> str:
    return f"\033[{COLOURS[what]}m{text}\033[0m" if colour and what in COLOURS else text


def render_table(report: Report, verbose: bool = False, width: int | None = None, colour: bool = False) -> str:
    """Failures first: every claim that did not pass, what to change, and the summary (every claim
    with `verbose`), in lines of at most `width` characters (None: the claim column clipped, other
    lines whole, for pipes); ANSI colour when `colour`."""
    fit = width is not None
    width = max(40, width) if fit else 10_000
    shown = report.results if verbose else [r for r in report.results if not r.passed]
    rows = []
    if shown:
        ids = any(r.id for r in shown)
        id_width = min(max([len(r.id or "") for r in shown] + [2]), width // 5 if fit else 40) if ids else 0
        loc_width = min(max([len(_location(r)) for r in shown] + [5]), 2 * width // 5 if fit else 80)
        verdict_width = max(9, *(len(r.verdict) for r in shown))      # "not checked" is 11 wide
        lead = (f"{'ID':<{id_width}}  " if ids else "") + f"{'WHERE':<{loc_width}}  {'VERDICT':<{verdict_width}}  "
        claim_width = max(10, width - len(lead) - (9 if verbose else 0)) if fit else CLAIM_WIDTH
        header = lead + (f"{'CLAIM':<{claim_width}}  TIME" if verbose else "CLAIM")
        rows += [header, "-" * min(width, len(lead) + claim_width + (9 if verbose else 0))]
        for r in shown:
            claim = _clip(shorthand(r.claim) if r.claim else r.detail.splitlines()[0] if r.detail else "",
                          claim_width)
            head = (f"{_clip(r.id or '', id_width):<{id_width}}  " if ids else "") + \
                   f"{_clip_left(_location(r), loc_width):<{loc_width}}  "
            timing = f"  {_ms(r.seconds):>7}" if verbose else ""
            rows.append(head + _paint(f"{r.verdict:<{verdict_width}}", r.verdict, colour) + "  " +
                        (f"{claim:<{claim_width}}" if verbose else claim) + timing)
            if not r.passed:
                rows.extend(_wrap(line, width, colour) for line in failure_lines(r, verbose))
        rows.append("")
    rows.extend(_wrap_plain(f"model: {report.model}", width))
    for entry in report.bindings:
        rows.extend(_wrap_plain(f"bound at {entry}", width))
    for line in summary_line(report).splitlines():
        rows.extend(_wrap_plain(line, width))
    return "\n".join(rows) + "\n"


def _wrap_plain(text: str, width: int) -> list[str]:
    import textwrap
    return textwrap.wrap(text, width, subsequent_indent="    ", break_on_hyphens=False) or [""]


def _wrap(line: str, width: int, colour: bool) -> str:
    """A line under a claim, indented, wrapped to the width (source lines and carets are clipped)."""
    import textwrap
    what, text = line if isinstance(line, tuple) else (None, line)
    if text.startswith("    ") or "^" == text.strip()[:1]:
        return _clip("    " + text, width)
    wrapped = textwrap.wrap(text, width, initial_indent="    ", subsequent_indent="      ",
                            break_on_hyphens=False, break_long_words=True) or [""]
    return "\n".join(_paint(w, what, colour) if what else w for w in wrapped)


def _location(r: Result) -> str:
    where = f"{r.file}:{r.line}:{r.col}"
    return where if r.cell is None else f"{r.file}:cell {r.cell}:{r.line}:{r.col}"


def failure_lines(r: Result, verbose: bool = False) -> list:
    """What the table shows under a claim that did not pass: its repairs (or the member expected and
    the terms that differ), the difference of the sides, and the values that matter there."""
    if r.verdict == ERROR:
        return r.detail.splitlines()
    if r.verdict == NOT_CHECKED:
        first, *rest = r.detail.splitlines() or [""]
        return [f"not checked: {first}"] + rest
    lines = []
    if r.verdict != REFUTED or verbose or not (r.repairs or r.expected):
        lines.append(with_verdict(r))
    lines.extend(("repair", text) for text in repair_lines(r, 0 if verbose else 1))
    c = r.counterexample
    if r.verdict == REFUTED and (r.difference_latex or c is not None):
        lines.append(f"left - right = {shorthand(r.difference_latex) if r.difference_latex else c.difference}")
    if c is not None:
        names = [k for k in c.point if k in r.relevant] if r.relevant and not verbose else list(c.point)
        hidden = len(c.point) - len(names)
        point = ", ".join(f"{k}={c.point[k]}" for k in names)
        more = f" (and {hidden} more: --verbose, or JSON)" if hidden else ""
        lines.append(f"counterexample at {point}{more}: left = {_number(c.lhs, 6)}, right = {_number(c.rhs, 6)}")
    return lines


def repair_lines(r: Result, most: int = 0) -> list[str]:
    """One line per proved repair (`kind at line L, col C: description`; the first `most` of them
    when most > 0), or the member expected and the terms that differ."""
    out = []
    shown = r.repairs[:most] if most else r.repairs
    for p in shown:
        out.append(f"{p.kind} at line {p.line}, col {p.col}: {shorthand(p.description)} (proved)")
    if len(shown) < len(r.repairs):
        others = len(r.repairs) - len(shown)
        out.append(f"({others} other single edit{'s' if others > 1 else ''} also prove{'' if others > 1 else 's'} "
                   "it: --verbose)")
    if not r.repairs and r.expected:
        out.append("no single edit repairs it; expected: " + shorthand(r.expected))
        if r.missing_terms:
            out.append("missing: " + "; ".join(shorthand(t) for t in r.missing_terms))
        if r.extra_terms:
            out.append("not expected: " + "; ".join(shorthand(t) for t in r.extra_terms))
    return out


def explain(r: Result) -> str:
    """The lines under a claim that did not pass: what was found, and the counterexample."""
    if r.verdict == ERROR:
        return r.detail
    if r.verdict == NOT_CHECKED:
        return f"not checked: {r.detail}"
    lines = [with_verdict(r)] + repair_lines(r)
    wrong_text = r.lhs if r.wrong == "lhs" else r.rhs
    if r.verdict == REFUTED and r.wrong and wrong_text:
        lines.append(f"wrong member ({'left' if r.wrong == 'lhs' else 'right'}): {shorthand(wrong_text)}")
    c = r.counterexample
    if c is not None:
        point = ", ".join(f"{k}={v}" for k, v in c.point.items())
        lines.append(f"counterexample: {point}")
        lines.append(f"left side = {_number(c.lhs)}, right side = {_number(c.rhs)}")
        lines.append(f"left - right = {shorthand(r.difference_latex) if r.difference_latex else c.difference}")
    return "\n".join(lines)


def _number(v, digits: int = 12) -> str:
    if isinstance(v, list):
        return "[" + "; ".join(", ".join(f"{x:.{digits}g}" for x in row) for row in v) + "]"
    return f"{v:.{digits}g}"

