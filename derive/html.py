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

from .results import ERROR, PROVED, REFUTED, UNDECIDED, Counterexample, Report, Result

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
                 UNDECIDED: ("?", "undecided"), ERROR: ("!", "error")}
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


def _member(root: ET.Element, side: str, wrong: bool) -> ET.Element:
    row = ET.Element("mrow", {"class": f"member {side}" + (" wrong" if wrong else "")})
    row.extend(list(root))
    return row


def claim_mathml(result: Result) -> str | None:
    """The claim as one <math>; when both members are known, the wrong one is outlined."""
    if result.lhs and result.rhs:
        left, right = mathml_tree(result.lhs), mathml_tree(result.rhs)
        if left is not None and right is not None:
            equals = ET.Element("mo")
            equals.text = "="
            row = ET.Element("mrow")
            row.extend([_member(left, "lhs", result.wrong == "lhs"), equals,
                        _member(right, "rhs", result.wrong == "rhs")])
            return _math([row], "claim")
    return latex_to_mathml(result.claim)


# --- the page --------------------------------------------------------------------------------

def _location(result: Result) -> str:
    where = f"{result.file}:{result.line}"
    return where if result.cell is None else f"{result.file}:{result.line} (cell {result.cell})"


def _claim_block(result: Result) -> str:
    mathml = claim_mathml(result)
    if mathml is None:
        return (f'<div class="claim"><code class="not-rendered" title="LaTeX not rendered">'
                f"{escape(result.claim)}</code></div>")
    return f'<div class="claim">{mathml}</div>'


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


def _counterexample(c: Counterexample, wrong: str | None) -> str:
    points = "".join(f'<tr><td>{_name(k)}</td><td class="value">{escape(str(v))}</td></tr>'
                     for k, v in c.point.items())
    sides = "".join(
        f'<tr class="{side}{" wrong" if wrong == side else ""}"><th>{label}</th>'
        f'<td class="value">{escape(_value(value))}</td></tr>'
        for side, label, value in (("lhs", "left side", c.lhs), ("rhs", "right side", c.rhs)))
    return ('<table class="counterexample"><caption>counterexample</caption>'
            f"<tr><th>name</th><th>value</th></tr>{points}{sides}"
            f'<tr class="difference"><th>left \u2212 right</th>'
            f'<td class="value">{escape(c.difference)}</td></tr></table>')


def _card(result: Result) -> str:
    head = [f'<span class="location">{escape(_location(result))}</span>']
    if result.id:
        head.append(f'<span class="id">{escape(result.id)}</span>')
    if result.title:
        head.append(f'<span class="title">{escape(result.title)}</span>')
    head.append(_verdict_mark(result.verdict))
    body = [_claim_block(result)] if result.claim.strip() else []
    if result.verdict == REFUTED and result.wrong in MEMBER_NAMES:
        body.append(f'<div class="wrong-member">wrong member: {MEMBER_NAMES[result.wrong]}</div>')
    if result.detail:
        body.append(f'<pre class="detail">{escape(result.detail)}</pre>')
    if result.counterexample is not None:
        body.append(_counterexample(result.counterexample, result.wrong))
    verdict = escape(result.verdict)
    return (f'<section class="card {verdict}" data-verdict="{verdict}">'
            f'<div class="head">{"".join(head)}</div>{"".join(body)}</section>')


def _summary(report: Report) -> str:
    counts = "".join(f'<div class="count {escape(name)}"><b>{n}</b>{escape(name)}</div>'
                     for name, n in report.summary().items())
    spans = ""
    if report.spans:
        states = ", ".join(f"{n} {escape(state)}" for state, n in report.spans.items())
        spans = f'<div class="meta spans">math spans: {sum(report.spans.values())} ({states})</div>'
    model = f'<div class="meta model">model: {escape(report.model)}</div>' if report.model else ""
    when = f'<div class="meta time">{len(report.results)} claims in {report.seconds:.2f} s</div>'
    return f'<div class="summary">{counts}</div>{spans}{model}{when}'


def render_html(report: Report, title: str = "derive report") -> str:
    """The whole report as one self-contained HTML page (no scripts, no external resources)."""
    cards = "\n".join(_card(r) for r in report.results)
    return ("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<h1>{escape(title)}</h1>\n{_summary(report)}\n<main>\n{cards}\n</main>\n</body>\n</html>\n")
