"""The HTML report: its structure, its escaping, its MathML, and how headless Chromium shows it."""
from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser

import pytest
from conftest import require_tool

from derive.report.html import latex_to_mathml, render_html
from derive.results import Counterexample, Report, Result

DERIVATIVE = r"\frac{\partial E}{\partial w_{11}^{(2)}}"
RHS = r"(a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \times a_1^{(2)}"
KOREAN = "은닉층 가중치 오차역전파 공식"
PMATRIX = (r"\frac{\partial E}{\partial W^{(2)}} = \begin{pmatrix} \delta_1^{(3)} a_1^{(2)} & "
           r"\delta_1^{(3)} a_2^{(2)} \\ + \delta_2^{(3)} a_1^{(2)} & \delta_2^{(3)} a_2^{(2)} \end{pmatrix}")
BROKEN = r"\frac{\partial E}{\partial w_{11}^{(2)}} = \frac{a_1^{(3)}}{"
ERROR_DETAIL = ("notes/week3.md:40:17: cannot read the formula\n"
                "    \\frac{\\partial E}{\\partial w_{11}^{(2)}} = \\frac{a_1^{(3)}}{\n"
                "                                               ^\n"
                "expected one of: '}', '<name>', a number")


def sample_report() -> Report:
    counterexample = Counterexample(
        point={"x_1": "0.5", "x_2": "-0.25", r"w_{11}^{(2)}": "0.125", r"t_1^{(3)}": "1", r"\alpha": "0.1"},
        lhs=-0.0123456789, rhs=0.0234567891, difference="-a_1^{(2)}*(a_1^{(3)} - t_1^{(3)})")
    return Report(results=[
        Result("notes/week3.md", 12, 1, "dE_dw11", f"{DERIVATIVE} = {RHS}", "proved",
               "exact: the difference expands to 0", seconds=0.02, title="output weight",
               lhs=DERIVATIVE, rhs=RHS),
        Result("notes/week3.md", 20, 5, "dE_dw11_wrong",
               f"{DERIVATIVE} = (a_1^{{(3)}} - t_1^{{(3)}}) \\times a_1^{{(2)}}",
               "refuted", "exact: the difference is not 0", counterexample, 0.05, "a wrong one",
               lhs=DERIVATIVE, rhs=r"(a_1^{(3)} - t_1^{(3)}) \times a_1^{(2)}", wrong="rhs"),
        Result("notes/week3.md", 28, 1, None,
               r"\frac{\partial E}{\partial x_1} = \text{sigmoid}(z) \bullet \delta",
               "undecided", "the sides agree at every point tried", seconds=5.0),
        Result("notes/week3.md", 40, 17, None, BROKEN, "error", ERROR_DETAIL),
        Result("lecture/ch2.ipynb", 3, 1, "delta_hidden",
               r"\delta_1^{(2)} = \left( \delta_1^{(3)} w_{11}^{(3)} + \delta_2^{(3)} w_{21}^{(3)} \right) "
               r"a_1^{(2)} (1 - a_1^{(2)}) \quad \text{" + KOREAN + "}",
               "proved", "exact", cell=4, title="은닉층 델타"),
        Result("notes/matrix.tex", 7, 3, "grad_W2", PMATRIX, "proved", "exact"),
    ], spans={"claim": 6, "no claim": 2}, seconds=6.5, model="2-2-2 sigmoid network, squared error")


RENDERED_CLAIMS = 5          # all but the error, whose LaTeX cannot be converted
POINT_NAMES = 5              # the counterexample's names are shown as MathML too


class Page(HTMLParser):
    """Collects what a test needs from the page: cards, math elements, and the visible text outside
    MathML and outside the places meant to show LaTeX source (a claim not rendered, and the source
    line quoted in an error's detail)."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.visible: list[str] = []
        self.maths: list[dict] = []
        self.cards: list[dict] = []
        self.not_rendered = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "math":
            self.maths.append(attrs)
        if tag == "section":
            self.cards.append(attrs)
        classes = (attrs.get("class") or "").split()
        if "not-rendered" in classes:
            self.not_rendered += 1
        error_detail = "detail" in classes and self.cards and self.cards[-1]["data-verdict"] == "error"
        source = tag in ("math", "style", "title") or "not-rendered" in classes or error_detail
        self.stack.append("hidden" if source else tag)

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop() in (tag, "hidden"):
                break

    def handle_data(self, data):
        if "hidden" not in self.stack:
            self.visible.append(data)


@pytest.fixture(scope="module")
def page_html() -> str:
    return render_html(sample_report(), title="주간 강의 노트 — derive")


@pytest.fixture(scope="module")
def page(page_html) -> Page:
    parsed = Page()
    parsed.feed(page_html)
    return parsed


def test_page_is_self_contained(page_html):
    assert page_html.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page_html
    assert "<script" not in page_html.lower()
    assert not re.search(r"src\s*=|href\s*=\s*\"(?!#claim-\d+\")|url\(|@import", page_html)   # in-page links only


def test_summary_counts_spans_model_and_time(page):
    text = " ".join(" ".join(page.visible).split())
    assert "3 proved" in text and "1 refuted" in text and "1 undecided" in text and "1 errors" in text
    assert "math spans: 8 (6 claim, 2 no claim)" in text
    assert "model: 2-2-2 sigmoid network, squared error" in text
    assert "6 claims in 6.50 s" in text


def test_every_claim_has_a_card_with_location_and_verdict(page):
    text = " ".join(page.visible)
    report = sample_report()
    assert [c["data-verdict"] for c in page.cards] == [r.verdict for r in report.results]
    for where in ("notes/week3.md:12", "notes/week3.md:20", "notes/week3.md:28", "notes/week3.md:40",
                  "lecture/ch2.ipynb:3 (cell 4)", "notes/matrix.tex:7"):
        assert where in text
    for verdict in ("\u2714 proved", "\u2718 refuted", "? undecided", "! error"):
        assert verdict in text
    assert "은닉층 델타" in text and "dE_dw11_wrong" in text


def test_math_elements_one_per_rendered_claim(page):
    claims = [m for m in page.maths if m.get("class") == "claim"]
    assert len(claims) == RENDERED_CLAIMS
    assert len(page.maths) == RENDERED_CLAIMS + POINT_NAMES
    assert page.not_rendered == 1


def test_no_raw_latex_in_visible_text(page):
    text = unescape(" ".join(page.visible))
    for command in ("\\frac", "\\partial", "\\text", "\\times", "\\begin", "\\quad"):
        assert command not in text


def test_broken_claim_is_shown_as_code_and_detail_is_escaped(page_html):
    assert '<code class="not-rendered" title="LaTeX not rendered">\\frac{\\partial E}' in page_html
    assert "expected one of: &#x27;}&#x27;, &#x27;&lt;name&gt;&#x27;, a number" in page_html
    assert "                                               ^\n" in page_html


def test_wrong_member_is_outlined(page_html):
    assert page_html.count('class="member rhs wrong"') == 1
    assert page_html.count('class="member lhs wrong"') == 0
    assert "wrong member: right-hand side" in page_html
    assert '<tr class="rhs wrong"><th>right side</th><td class="value">0.0234567891</td></tr>' in page_html
    assert "-a_1^{(2)}*(a_1^{(3)} - t_1^{(3)})" in page_html


def test_markup_in_text_is_escaped_everywhere():
    report = Report(results=[Result("a<b>.md", 1, 1, "<i>x</i>", r"a = \text{x<y & <b>z</b>}", "proved",
                                    "<script>alert(1)</script>", title="<script>")])
    out = render_html(report, title="<title>")
    assert "<script" not in out and "<b>z" not in out and "<i>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "a&lt;b&gt;.md:1" in out
    assert "<mtext>x&lt;y\u00a0&amp;\u00a0&lt;b&gt;z&lt;/b&gt;</mtext>" in out


@pytest.mark.parametrize("latex", [
    r"\text{sigmoid}(z)", r"a \bullet b", r"a \times b", PMATRIX, r"a_1^{(3)}",
    r"x = 1 \quad \text{" + KOREAN + "}", r"\text{loss\_3}", r"\text{a \% b \& c}", r"loss\_3",
    f"{DERIVATIVE} = {RHS}",
    r"\left( a + b \right)", r"\{ a, b \}", r"\begin{pmatrix} + a \\ + b \end{pmatrix}",
])
def test_lecture_constructs_convert_to_mathml(latex):
    mathml = latex_to_mathml(latex)
    assert mathml is not None
    root = ET.fromstring(mathml)
    assert root.tag == "{http://www.w3.org/1998/Math/MathML}math"
    assert "\\" not in "".join(root.itertext())


def test_text_mode_escapes_are_undone():
    assert "<mtext>loss_3</mtext>" in latex_to_mathml(r"\text{loss\_3}")


def test_bullet_becomes_an_operator():
    assert "<mo>\u2022</mo>" in latex_to_mathml(r"a \bullet b")


@pytest.mark.parametrize("latex", ["", "   ", r"\frac{a}{", r"\begin{pmatrix} a", r"\unknowncommand{x}"])
def test_unrenderable_latex_gives_none(latex):
    assert latex_to_mathml(latex) is None


def test_converter_attributes_that_could_link_are_dropped():
    mathml = latex_to_mathml(r"\href{javascript:alert(1)}{x} + y")
    assert mathml is None or "href" not in mathml


# --- headless Chromium -----------------------------------------------------------------------

def chromium() -> str:
    return require_tool("chromium", "chromium fonts-noto-cjk", fallback="/usr/bin/chromium")


def run_chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)


@pytest.fixture
def html_file(tmp_path, page_html):
    path = tmp_path / "report.html"
    path.write_text(page_html, encoding="utf-8")
    return path


def test_chromium_screenshot(tmp_path, html_file):
    png = tmp_path / "report.png"
    done = run_chromium(tmp_path, f"--screenshot={png}", "--window-size=1200,2000", html_file.as_uri())
    assert png.exists(), f"no screenshot: {done.stderr[-2000:]}"
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000


def test_chromium_dom_has_math_and_verdicts(tmp_path, html_file):
    done = run_chromium(tmp_path, "--dump-dom", html_file.as_uri())
    dom = unescape(done.stdout)
    assert "</html>" in dom, f"no DOM: {done.stderr[-2000:]}"
    assert len(re.findall(r"<math\b", dom)) == RENDERED_CLAIMS + POINT_NAMES
    assert "<mfrac>" in dom and "<mtable>" in dom
    assert f"<mtext>{KOREAN}</mtext>".replace(" ", "\u00a0") in dom
    for verdict in ("proved", "refuted", "undecided", "error"):
        assert f'data-verdict="{verdict}">' in dom
        assert re.search(rf"</?span[^>]*>[^<]*\b{verdict}</span>", dom)
