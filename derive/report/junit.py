"""JUnit XML for a Report, for CI systems that show test results (one testcase per claim).

Each testcase carries `file` and `line` (the line of the raw file, a notebook's JSON included) and a
name that does not change when lines shift (the claim's id or label and its text).  A proved claim
is a passing testcase; a refuted or undecided claim is a <failure> whose type is
the verdict and whose text holds the detail and the counterexample; a claim that could not be
read is an <error>; a block derive does not read (a {code-cell} holding `$`) is a <skipped> case.
The testsuite's counts agree with Report.summary() (plus those skipped cases).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..results import ERROR, NOT_CHECKED, REFUTED, UNDECIDED, Counterexample, Report, Result
from .networks import result_networks
from .table import repair_lines, shorthand, with_verdict

SNIPPET_WIDTH = 120
# "notes/a.md:cell 3:40:17: " at the start of an error's detail (the testcase has file and line).
LOCATION_PREFIX = re.compile(r"^.*?:(?:cell \d+:)?\d+(?::\d+)?: ")
MESSAGE_WIDTH = 200
MEMBER_NAMES = {"lhs": "left", "rhs": "right"}
# Characters that XML 1.0 cannot hold at all (a stray control character in a detail must not
# make the whole file unreadable).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def number_text(value: object) -> str:
    """A side's value: a float, or rows of floats for a matrix."""
    if isinstance(value, list):
        return "[" + "; ".join(", ".join(number_text(x) for x in row) if isinstance(row, list)
                               else number_text(row) for row in value) + "]"
    if isinstance(value, (int, float)):
        return f"{value:.12g}"
    return str(value)


def counterexample_text(c: Counterexample, difference: str | None = None, relevant=()) -> list[str]:
    """The point (only the values the difference depends on, when known: the rest are in the
    JSON), both sides, and the difference (in the lecture's LaTeX, shortened, when known)."""
    names = [name for name in c.point if name in relevant] or list(c.point)
    point = ", ".join(f"{name}={c.point[name]}" for name in names)
    if len(names) < len(c.point):
        point += f" (and {len(c.point) - len(names)} more, which the difference does not depend on)"
    return [f"counterexample: {point}",
            f"left side = {number_text(c.lhs)}, right side = {number_text(c.rhs)}",
            f"left - right = {shorthand(difference) if difference else c.difference}"]


def failure_text(result: Result) -> str:
    """What was found about a claim that did not pass: detail, wrong member, counterexample."""
    if result.verdict in (ERROR, NOT_CHECKED):
        return (f"{NOT_CHECKED}: " if result.verdict == NOT_CHECKED else "") + (result.detail or "error")
    lines = [with_verdict(result) if result.detail else result.verdict]
    lines.extend(repair_lines(result))          # what to change, first: the proved repairs
    if result.verdict == REFUTED and result.wrong in MEMBER_NAMES:
        member = result.lhs if result.wrong == "lhs" else result.rhs
        wrong = f"wrong member ({MEMBER_NAMES[result.wrong]})"
        lines.append(f"{wrong}: {shorthand(member)}" if member else wrong)
    if result.counterexample is not None:
        lines.extend(counterexample_text(result.counterexample, result.difference_latex, result.relevant))
    return "\n".join(lines)


def case_name(result: Result) -> str:
    """A name that stays the same when lines shift: the claim's id or label, then its text (for a
    claim that could not be read, what was wrong) -- never its line number."""
    label = result.id or result.title or ""
    if result.claim:
        text = _clip(shorthand(result.claim), SNIPPET_WIDTH)
    else:
        first = (result.detail or "error").splitlines()[0]
        text = "error: " + _clip(LOCATION_PREFIX.sub("", first), SNIPPET_WIDTH)
    return f"{label}: {text}" if label and text else (label or text)


def _unique_names(results) -> list[str]:
    """case_name of each result; a name met again in the same file gets " (2)", " (3)" ..."""
    seen: dict[tuple[str, str], int] = {}
    names = []
    for r in results:
        name = case_name(r)
        seen[r.file, name] = seen.get((r.file, name), 0) + 1
        names.append(name if seen[r.file, name] == 1 else f"{name} ({seen[r.file, name]})")
    return names


def _message(result: Result) -> str:
    first = failure_text(result).splitlines()
    return _xml_text(_clip(first[0] if first else result.verdict, MESSAGE_WIDTH))


def _testcase(result: Result, name: str, strict: bool = False) -> ET.Element:
    case = ET.Element("testcase", {"classname": _xml_text(result.file), "name": _xml_text(name),
                                   "file": _xml_text(result.file), "line": str(result.file_line),
                                   "time": f"{result.seconds:.3f}"})
    if result.verdict in (REFUTED, UNDECIDED) or (strict and result.verdict == NOT_CHECKED):
        child = ET.SubElement(case, "failure", {"message": _message(result), "type": result.verdict})
    elif result.verdict == NOT_CHECKED:                 # listed, not failing the run (not --strict)
        ET.SubElement(case, "skipped", {"message": _message(result)})
        return case
    elif result.verdict == ERROR:
        child = ET.SubElement(case, "error", {"message": _message(result), "type": "error"})
    else:
        phrase = result_networks(result)
        if phrase:                                      # proved on the networks checked, not every size
            out = ET.SubElement(case, "system-out")
            out.text = _xml_text(f"{phrase} (the document states no sizes)")
        return case
    child.text = _xml_text("\n".join(t for t in (result.claim, failure_text(result)) if t))
    return case


def render_junit(report: Report, suite_name: str = "derive") -> str:
    """The report as a JUnit XML document (<testsuites> holding one <testsuite>)."""
    summary = report.summary()
    unchecked = summary.get(NOT_CHECKED, 0)
    counts = {"tests": len(report.results) + len(report.unread),
              "failures": summary["refuted"] + summary["undecided"] + (unchecked if report.strict else 0),
              "errors": summary["errors"], "skipped": len(report.unread) + (0 if report.strict else unchecked)}
    attrs = {k: str(v) for k, v in counts.items()}
    root = ET.Element("testsuites", {"name": suite_name, **attrs, "time": f"{report.seconds:.3f}"})
    suite = ET.SubElement(root, "testsuite", {"name": suite_name, **attrs,
                                              "time": f"{report.seconds:.3f}"})
    if report.model or report.spans:
        properties = ET.SubElement(suite, "properties")
        if report.model:
            ET.SubElement(properties, "property", {"name": "model", "value": _xml_text(report.model)})
        for state, n in report.spans.items():
            ET.SubElement(properties, "property", {"name": f"spans.{state}", "value": str(n)})
    suite.extend(_testcase(r, name, report.strict) for r, name in zip(report.results, _unique_names(report.results)))
    for block in report.unread:
        case = ET.SubElement(suite, "testcase", {"classname": _xml_text(block.file), "name": _xml_text(block.note),
                                                 "file": _xml_text(block.file),
                                                 "line": str(block.raw_line or block.line), "time": "0.000"})
        ET.SubElement(case, "skipped", {"message": _xml_text(f"{block}: derive skipped it")})
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
