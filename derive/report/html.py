"""One self-contained HTML page for a Report: a summary, then a card per claim with its MathML.

Claims are converted from LaTeX to MathML with latex2mathml, then re-read and re-written here:
only MathML elements and presentation attributes survive, text is escaped, and a conversion
that leaks raw LaTeX (an unknown command) or fails counts as not rendered, so the claim is shown
as LaTeX source in a <code> element instead.  Nothing outside MathML is left unescaped.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import escape

from latex2mathml.converter import convert

from ..results import AGREES, ERROR, NOT_CHECKED, PROVED, REFUTED, UNDECIDED, Counterexample, Report, Result
from .networks import network_lines
from .table import shorthand

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
MATHML_TAGS = frozenset(
    "math mi mn mo ms mtext mspace mrow mfrac msqrt mroot mstyle merror mpadded mphantom mfenced "
    "menclose msub msup msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr "
    "mtd mlabeledtr semantics annotation".split())
MATHML_ATTRIBUTES = frozenset(
    "display stretchy fence form width height depth linebreak accent accentunder mathvariant "
    "columnalign rowalign rowspacing columnspacing rowlines columnlines frame displaystyle "
    "scriptlevel lspace rspace minsize maxsize movablelimits separator largeop symmetric "
    "linethickness mathsize mathcolor mathbackground notation voffset columnspan rowspan".split())
OPERATOR_SYMBOLS = frozenset("\u2022\u2218\u22c5\u2299\u2297\u00b7")   # shown by latex2mathml as <mi>
SHIELD = {"<": "\ue000", ">": "\ue001", "&": "\ue002"}                  # markup characters in \text{}
UNSHIELD = {v: k for k, v in SHIELD.items()}
TEXT_GROUP = re.compile(r"(\\(?:text|textrm|mbox)\s*\{)((?:[^{}\\]|\\.)*)(\})")
TEXT_ESCAPE = re.compile(r"\\([_%&#$ ])")

VERDICT_MARKS = {PROVED: ("\u2714", "proved"), REFUTED: ("\u2718", "refuted"),
                 UNDECIDED: ("?", "undecided"), ERROR: ("!", "error"), AGREES: ("\u2714", "agrees"),
                 NOT_CHECKED: ("\u2013", "not checked")}
MEMBER_NAMES = {"lhs": "left-hand side", "rhs": "right-hand side"}

CSS = """
:root { --proved: #1a7f37; --refuted: #cf222e; --undecided: #b7791f; --error: #6e7781; }
body { font-family: system-ui, "Noto Sans CJK KR", "Noto Sans", sans-serif; margin: 2rem auto;
       max-width: 70rem; padding: 0 1rem; color: #1f2328; background: #f6f8fa; }
h1 { font-size: 1.6rem; margin-bottom: .5rem; }
math { font-family: "Latin Modern Math", "DejaVu Math TeX Gyre", "STIX Two Math", math; font-size: 1.15em; }
mtext { font-family: "Latin Modern Roman", "Noto Serif CJK KR", "Noto Sans CJK KR", serif; }
.summary { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.count { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .5rem 1rem; }
.count b { font-size: 1.4rem; display: block; }
.meta { color: #57606a; font-size: .9rem; }
.card { background: #fff; border: 1px solid #d0d7de; border-left: 6px solid var(--mark);
        border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
.card.proved { --mark: var(--proved); } .card.refuted { --mark: var(--refuted); }
.card.undecided { --mark: var(--undecided); } .card.error { --mark: var(--error); }
.card.not-checked { --mark: var(--error); }
.head { display: flex; flex-wrap: wrap; gap: .75rem; align-items: baseline; }
.location { font-family: ui-monospace, monospace; color: #57606a; }
.id { font-weight: 600; } .title { color: #24292f; }
.verdict { margin-left: auto; font-weight: 700; color: var(--mark); }
.claim { overflow-x: auto; padding: .5rem 0; }
.claim math[display="block"] { margin: .25rem 0; }
mrow.member.wrong { outline: 2px solid var(--refuted); outline-offset: 3px; border-radius: 3px;
                    background: #ffebe9; }
.not-rendered { display: block; white-space: pre-wrap; background: #fff8c5; padding: .4rem; }
.not-rendered::before { content: "not rendered: "; font-family: system-ui, sans-serif; color: #9a6700; }
.detail { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: .9rem;
          background: #f6f8fa; padding: .5rem; border-radius: 4px; margin: .5rem 0 0; }
.wrong-member { color: var(--refuted); font-weight: 600; }
table.counterexample { border-collapse: collapse; margin-top: .5rem; font-size: .9rem; }
table.counterexample th, table.counterexample td { border: 1px solid #d0d7de; padding: .2rem .6rem;
                                                   text-align: left; }
table.counterexample td.value { font-family: ui-monospace, monospace; }
tr.wrong td { background: #ffebe9; }
tr.matters td { font-weight: 700; background: #fff8c5; }
nav.failures { background: #fff; border: 1px solid #d0d7de; border-left: 6px solid var(--refuted);
               border-radius: 6px; padding: .5rem 1rem; margin: 1rem 0; }
nav.failures h2 { font-size: 1.1rem; margin: .25rem 0 .5rem; }
nav.failures.none { border-left-color: var(--proved); }
nav.failures li { margin: .2rem 0; } nav.failures .kind { font-weight: 600; }
.context { color: #57606a; font-size: .92rem; margin: .25rem 0 .5rem; }
.context .heading { font-weight: 600; color: #24292f; display: block; }
.context .prose { margin: .15rem 0 0; }
.claim .continued { margin-left: 2.5em; }
mrow.change { outline: 2px solid var(--refuted); outline-offset: 2px; border-radius: 2px;
              background: #fff8c5; }
ul.repairs { margin: .5rem 0; padding-left: 1.2rem; } ul.repairs .kind { font-weight: 600; }
.difference, .expected { margin: .4rem 0; }
.difference math, .expected math, ul.repairs math { font-size: 1.05em; }
details.passed { margin: .5rem 0; }
details.proof > summary { cursor: pointer; color: #57606a; font-size: .9rem; }
details.passed > summary { cursor: pointer; color: var(--proved); font-weight: 600; padding: .25rem 0; }
.meta.no-math { color: #57606a; }
@media print {
  body { background: #fff; margin: 0; max-width: none; font-size: 10.5pt; }
  .card, nav.failures, .count { border-color: #999; break-inside: avoid; }
  nav.failures a { color: inherit; text-decoration: none; }
  details.passed > summary { color: #000; }
  mrow.member.wrong, mrow.change, tr.wrong td, tr.matters td { -webkit-print-color-adjust: exact;
                                                                print-color-adjust: exact; }
}
"""


# --- LaTeX -> MathML -------------------------------------------------------------------------

def _shield(latex: str) -> str:
    """Prepare \\text{} groups for latex2mathml, which copies their content through verbatim:
    undo text-mode escapes (loss\\_3 -> loss_3) and hide the characters <, > and &."""
    def hide(m: re.Match) -> str:
        text = TEXT_ESCAPE.sub(r"\1", m.group(2))
        return m.group(1) + "".join(SHIELD.get(ch, ch) for ch in text) + m.group(3)
    return TEXT_GROUP.sub(hide, latex)


def _unshield(text: str) -> str:
    return "".join(UNSHIELD.get(ch, ch) for ch in text)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def mathml_tree(latex: str) -> ET.Element | None:
    """The <math> element for a LaTeX formula, or None when it cannot be rendered faithfully."""
    if not latex or not latex.strip():
        return None
    try:
        root = ET.fromstring(convert(_shield(latex)))
    except Exception:                       # latex2mathml's own errors, or malformed output
        return None
    for element in root.iter():
        if _local(element.tag) not in MATHML_TAGS:
            return None
        if "\\" in (element.text or ""):     # an unknown command copied through as text
            return None
        if _local(element.tag) == "mi" and (element.text or "") in OPERATOR_SYMBOLS:
            element.tag = f"{{{MATHML_NS}}}mo"
        for name in [k for k in element.attrib if k not in MATHML_ATTRIBUTES]:
            del element.attrib[name]         # e.g. \href, \style, \class
    return root


def _serialize(element: ET.Element) -> str:
    tag = _local(element.tag)
    attrs = "".join(f' {k}="{escape(v)}"' for k, v in element.attrib.items())
    inner = escape(_unshield(element.text or ""))
    for child in element:
        inner += _serialize(child) + escape(_unshield(child.tail or ""))
    return f"<{tag}{attrs}>{inner}</{tag}>"


def _math(children: list[ET.Element], kind: str, display: str = "block") -> str:
    inner = "".join(_serialize(c) for c in children)
    return f'<math xmlns="{MATHML_NS}" display="{display}" class="{kind}">{inner}</math>'


def latex_to_mathml(latex: str, kind: str = "claim", display: str = "block") -> str | None:
    """MathML markup for a LaTeX formula, or None when it cannot be rendered."""
    root = mathml_tree(latex)
    return None if root is None else _math(list(root), kind, display)


def _changes(root: ET.Element) -> ET.Element:
    """\\boxed{...} (the part to change) as an <mrow class="change">: MathML Core has no menclose."""
    for element in root.iter():
        if _local(element.tag) == "menclose":
            element.tag = f"{{{MATHML_NS}}}mrow"
            element.attrib.clear()
            element.set("class", "change")
    return root


def _boxed(member: str, result: Result) -> str:
    """The member with the part its first repair changes boxed, when that part is found in it."""
    if not result.repairs:
        return member
    old = " ".join(result.repairs[0].old.split())
    if not old.strip() or member.count(old) != 1 or old.count("{") != old.count("}"):
        return member
    return member.replace(old, r"\boxed{" + old.strip() + "}" + (" " if old.endswith(" ") else ""), 1)


def _member(root: ET.Element, side: str, wrong: bool) -> ET.Element:
    row = ET.Element("mrow", {"class": f"member {side}" + (" wrong" if wrong else "")})
    row.extend(list(root))
    return row


def claim_mathml(result: Result, rhs: str | None = None) -> str | None:
    """The claim as one <math>; when both members are known, the wrong one is outlined (and the
    part to change in it marked)."""
    if result.lhs and result.rhs:
        right_latex = rhs or (_boxed(result.rhs, result) if result.wrong == "rhs" else result.rhs)
        left, right = mathml_tree(result.lhs), mathml_tree(right_latex)
        if right is None and right_latex != result.rhs:
            right = mathml_tree(result.rhs)
        if right is not None:
            _changes(right)
        if left is not None and right is not None:
            equals = ET.Element("mo")
            equals.text = "="
            row = ET.Element("mrow")
            marked = bool(result.repairs) and "class=\"change\"" in _serialize(right)
            row.extend([_member(left, "lhs", result.wrong == "lhs" and not marked), equals,
                        _member(right, "rhs", result.wrong == "rhs" and not marked)])   # the part, not the side
            return _math([row], "claim")
    return latex_to_mathml(result.claim)


# --- the page --------------------------------------------------------------------------------

def _location(result: Result) -> str:
    where = f"{result.file}:{result.line}"
    return where if result.cell is None else f"{result.file}:{result.line} (cell {result.cell})"


LONG = 160         # characters of LaTeX past which a member is shown a term to a line


def _claim_block(result: Result) -> str:
    if result.lhs and result.rhs and len(result.rhs) > LONG:
        right = _boxed(result.rhs, result) if result.wrong == "rhs" else result.rhs
        pieces = [p for p in _terms(right) if p]
        first = claim_mathml(result, pieces[0])
        rest = [latex_to_mathml(p, "continued") for p in pieces[1:]]
        if first is not None and all(rest):
            rest = [m.replace("<math ", '<math style="margin-left: 2.5em" ', 1) for m in rest]
            return '<div class="claim">' + first + "".join(rest) + "</div>"
    mathml = claim_mathml(result)
    if mathml is None:
        return (f'<div class="claim"><code class="not-rendered" title="LaTeX not rendered">'
                f"{escape(result.claim)}</code></div>")
    return f'<div class="claim">{mathml}</div>'


def _terms(member: str) -> list[str]:
    """A member's top-level terms (+ and - outside brackets), each with its sign."""
    out, depth, start = [], 0, 0
    for k, c in enumerate(member):
        depth += c in "({[" or member.startswith(r"\begin", k)
        depth -= c in ")}]" or member.startswith(r"\end", k)
        if depth == 0 and c in "+-" and k > start and member[k - 1] == " ":
            out.append(member[start:k].strip())
            start = k
    out.append(member[start:].strip())
    return out


def _inline(latex: str) -> str:
    return latex_to_mathml(latex, kind="part", display="inline") or f"<code>{escape(latex)}</code>"


def _explanation(result: Result) -> str:
    """What to change (each proved repair), or the member expected; the difference, as math."""
    parts = []
    if result.repairs:
        items = []
        for p in result.repairs:
            old = p.old.strip() or "(nothing)"
            new = p.new.strip()
            change = f"{_inline(old)} should be {_inline(new)}" if new else f"{_inline(old)} should not be there"
            items.append(f'<li><span class="kind">{escape(p.kind)}</span> at line {p.line}, col {p.col}: '
                         f"{change} <span class=\"meta\">(proved with this change)</span></li>")
        parts.append('<ul class="repairs">' + "".join(items) + "</ul>")
    elif result.expected:
        parts.append(f'<div class="expected">no single edit repairs it; expected: '
                     f'{latex_to_mathml(result.expected, "expected") or escape(result.expected)}</div>')
        for label, terms in (("missing", result.missing_terms), ("not expected", result.extra_terms)):
            if terms:
                parts.append(f'<div class="expected">{label}: ' + ", ".join(_inline(t) for t in terms) + "</div>")
    if result.difference_latex:
        shown = latex_to_mathml(result.difference_latex, "difference", display="inline")
        if shown:
            parts.append(f'<div class="difference">left \u2212 right = {shown}</div>')
    return "".join(parts)


INLINE_MATH = re.compile(r"\$([^$]+)\$")


def _prose(text: str) -> str:
    """A line of the document's prose, its inline math rendered (or shown in shorthand)."""
    out, at = [], 0
    for m in INLINE_MATH.finditer(text):
        out.append(escape(text[at:m.start()]))
        out.append(latex_to_mathml(m.group(1), kind="context", display="inline") or escape(shorthand(m.group(1))))
        at = m.end()
    out.append(escape(text[at:]))
    return "".join(out)


def _context(result: Result) -> str:
    heading, prose = result.context.get("heading"), result.context.get("prose")
    if not (heading or prose):
        return ""
    inner = (f'<span class="heading">{_prose(heading)}</span>' if heading else "") + \
            (f'<p class="prose">{_prose(prose)}</p>' if prose else "")
    return f'<div class="context">{inner}</div>'


def _failures(report: Report) -> str:
    """The list of claims that did not pass, each linking to its card; first on the page."""
    failed = [(k, r) for k, r in enumerate(report.results) if not r.passed]
    if not failed:
        return '<nav class="failures none"><h2>every claim proved</h2></nav>'
    items = "".join(
        f'<li><a href="#claim-{k + 1}">{escape(_location(r))}:{r.col}</a> '
        f'<span class="verdict-word">{escape(r.verdict)}</span>'
        + (f' \u2014 <span class="kind">{escape(r.mistake)}</span>' if r.mistake else "")
        + (f" \u2014 {escape(r.title)}" if r.title else "") + "</li>"
        for k, r in failed)
    return (f'<nav class="failures"><h2>{len(failed)} claim{"s" if len(failed) != 1 else ""} to look at'
            f"</h2><ol>{items}</ol></nav>")


def _verdict_mark(verdict: str) -> str:
    symbol, word = VERDICT_MARKS.get(verdict, ("?", verdict))
    return f'<span class="verdict" data-verdict="{escape(word)}">{symbol} {escape(word)}</span>'


def _value(value: object) -> str:
    if isinstance(value, list):
        rows = "; ".join(", ".join(f"{x:.12g}" for x in row) for row in value)
        return f"[{rows}]"
    return f"{value:.12g}" if isinstance(value, (int, float)) else str(value)


def _name(latex: str) -> str:
    return latex_to_mathml(latex, kind="name", display="inline") or f"<code>{escape(latex)}</code>"


def _counterexample(c: Counterexample, wrong: str | None, relevant=(), difference: str | None = None) -> str:
    """The point (the values that matter, those in the difference, first and marked), both sides."""
    names = [k for k in c.point if k in relevant] + [k for k in c.point if k not in relevant]
    marked = ' class="matters"'
    points = "".join(f'<tr{marked if k in relevant else ""}><td>{_name(k)}</td>'
                     f'<td class="value">{escape(str(c.point[k]))}</td></tr>' for k in names)
    sides = "".join(
        f'<tr class="{side}{" wrong" if wrong == side else ""}"><th>{label}</th>'
        f'<td class="value">{escape(_value(value))}</td></tr>'
        for side, label, value in (("lhs", "left side", c.lhs), ("rhs", "right side", c.rhs)))
    return ('<table class="counterexample"><caption>counterexample</caption>'
            f"<tr><th>name</th><th>value</th></tr>{points}{sides}"
            f'<tr class="difference"><th>left \u2212 right</th>'
            f'<td class="value">{_difference_cell(c, difference)}</td></tr></table>')


def _difference_cell(c: Counterexample, difference: str | None) -> str:
    """The difference as the lecture writes it (MathML), else derive's text of it."""
    shown = latex_to_mathml(difference, kind="difference", display="inline") if difference else None
    return shown or escape(c.difference)


def _card(result: Result, number: int = 0) -> str:
    head = [f'<span class="location">{escape(_location(result))}</span>']
    if result.id:
        head.append(f'<span class="id">{escape(result.id)}</span>')
    if result.title:
        head.append(f'<span class="title">{escape(result.title)}</span>')
    head.append(_verdict_mark(result.verdict))
    if result.code is not None:                 # a line of the lecture's code (--run-code): code, not math
        claim = [f'<pre class="claim code"><code>{escape(result.code.get("source", ""))}</code></pre>']
    else:
        claim = [_claim_block(result)] if result.claim.strip() else []
    body = [_context(result)] + claim
    body.append(_explanation(result))
    if result.verdict == REFUTED and result.wrong in MEMBER_NAMES:
        body.append(f'<div class="wrong-member">wrong member: {MEMBER_NAMES[result.wrong]}</div>')
    if result.detail and result.verdict == PROVED:      # how it was proved: one line, the rest a click away
        body.append(f'<details class="proof"><summary>{escape(proof_summary(result.detail))}</summary>'
                    f'<pre class="detail">{escape(result.detail)}</pre></details>')
    elif result.detail:
        body.append(f'<pre class="detail">{escape(result.detail)}</pre>')
    if result.counterexample is not None:
        body.append(_counterexample(result.counterexample, result.wrong, result.relevant, result.difference_latex))
    verdict = escape(result.verdict.replace(" ", "-"))          # "not checked": one class name
    anchor = f' id="claim-{number}"' if number else ""
    return (f'<section class="card {verdict}"{anchor} data-verdict="{verdict}">'
            f'<div class="head">{"".join(head)}</div>{"".join(body)}</section>')


def proof_summary(detail: str) -> str:
    """A proof note in a few words: `exact, and at 8 numeric points` (what the detail says first)."""
    words = []
    on = re.match(r"(proved on \d+ networks?: [^(;]*?) \(", detail)
    if on:                                  # a document that states no sizes: the networks come first
        return on.group(1)
    if detail.startswith("for every"):
        words.append("by symmetry, for every instance")
    elif "simplif" in detail.split(";")[0]:
        words.append("exact (SymPy simplify)")
    elif detail.startswith("exact") or "difference is 0" in detail or "expands to 0" in detail:
        words.append("exact")
    numeric = re.search(r"(\d+) points agree", detail)
    if numeric:
        words.append(f"checked at {numeric.group(1)} numeric points")
    return "proved: " + (", ".join(words) if words else detail.split(";")[0][:80])


def _summary(report: Report) -> str:
    counts = "".join(f'<div class="count {escape(name.replace(" ", "-"))}"><b>{n}</b>{escape(name)}</div>'
                     for name, n in report.summary().items())
    spans = ""
    if report.spans:
        states = ", ".join(f"{n} {escape(state)}" for state, n in report.spans.items())
        spans = f'<div class="meta spans">math spans: {sum(report.spans.values())} ({states})</div>'
    model = f'<div class="meta model">model: {escape(report.model)}</div>' if report.model else ""
    model += "".join(f'<div class="meta networks">{escape(line)}</div>' for line in network_lines(report))
    when = f'<div class="meta time">{len(report.results)} claims in {report.seconds:.2f} s</div>'
    none = ""
    if report.no_math:
        n = len(report.no_math)
        none = (f'<div class="meta no-math">no math in {n} file{"s" if n != 1 else ""}: '
                f'{escape(", ".join(report.no_math))}</div>')
    return f'<div class="summary">{counts}</div>{spans}{model}{when}{none}'


def page_title(report: Report) -> str:
    """The document's own title when the claims are of one titled document (or all share one)."""
    files = {r.file for r in report.results}
    titles = sorted({title for file, title in report.titles.items() if file in files})
    return f"{titles[0]} \u2014 derive report" if len(titles) == 1 else "derive report"


def _cards(report: Report) -> str:
    """Every card in the report's order; a run of claims that passed folded under one line (a
    click away), so that the page opens on what did not pass."""
    out, passed = [], []

    def fold():
        if passed:
            n = len(passed)
            out.append(f'<details class="passed"><summary>{n} claim{"s" if n != 1 else ""} '
                       f'{"passed" if any(r.verdict != PROVED for _, r in passed) else "proved"}</summary>\n'
                       + "\n".join(_card(r, k + 1) for k, r in passed) + "\n</details>")
            passed.clear()
    for k, r in enumerate(report.results):
        if r.passed:
            passed.append((k, r))
            continue
        fold()
        out.append(_card(r, k + 1))
    fold()
    return "\n".join(out)


def render_html(report: Report, title: str | None = None) -> str:
    """The whole report as one self-contained HTML page (no scripts, no external resources);
    titled with the document's title (`page_title`) unless `title` is given."""
    title = title or page_title(report)
    cards = _cards(report)
    return ("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<h1>{escape(title)}</h1>\n{_failures(report)}\n{_summary(report)}\n<main>\n{cards}\n</main>\n</body>\n</html>\n")
