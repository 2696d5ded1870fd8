"""Reports of real runs: JUnit of a lecture with one mistake, the HTML report of a Korean lecture
opened in headless Chromium (screenshot, rendered MathML, every claim and verdict), and — where the
shared lecture is present (it is beside the checkout on CI) — the same for it, plus its .tex export
compiled with pdflatex."""
import re
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_export import compile_tex
from test_html import run_chromium
from test_lecture import LECTURE, mutated_lecture

from cli import main

SHARED_LECTURE = Path(__file__).resolve().parents[2] / "shared" / "lecture" / "backprop_hidden_layer.md"
needs_shared = pytest.mark.skipif(not SHARED_LECTURE.exists(), reason="../shared is not beside this checkout")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_junit_of_a_lecture_with_one_mistake_has_one_failure_at_its_line(tmp_path):
    path = mutated_lecture(tmp_path, 39, r"\times a_1^{(2)}$$", r"\times a_2^{(2)}$$")
    result = run("check", str(path), "--format", "junit")
    assert result.exit_code == 1
    suite = ET.fromstring(result.output).find("testsuite")
    failures = [case for case in suite.findall("testcase") if case.find("failure") is not None]
    assert len(failures) == 1 and suite.get("failures") == "1" and suite.get("errors") == "0"
    assert (failures[0].get("file"), failures[0].get("line")) == (str(path), "39")
    assert failures[0].get("name").startswith("\u2202E/\u2202w_{11}^{(3)} = ")      # no line number in it
    assert int(suite.get("tests")) == len(suite.findall("testcase"))


def html_report(tmp_path, document: Path) -> tuple[Path, dict]:
    out = tmp_path / "report.html"
    result = run("check", str(document), "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    json_report = __import__("json").loads(run("check", str(document), "--format", "json").output)
    return out, json_report


def assert_rendered_in_chromium(tmp_path, html: Path, report: dict) -> None:
    png = tmp_path / "report.png"
    run_chromium(tmp_path, f"--screenshot={png}", "--window-size=1280,4000", html.as_uri())
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    dom = unescape(run_chromium(tmp_path, "--dump-dom", html.as_uri()).stdout)
    assert "</html>" in dom
    claims = report["results"]
    assert len(re.findall(r'<math\b[^>]*class="claim"', dom)) == len(claims)
    visible = re.sub(r"<math\b.*?</math>", "", dom, flags=re.S)
    visible = re.sub(r"<[^>]+>", " ", visible)
    assert "\\frac" not in visible and "\\partial" not in visible
    for claim in claims:
        assert f"{claim['file']}:{claim['line']}" in dom
    assert dom.count('data-verdict="proved"') >= len(claims)


def test_html_report_of_a_korean_lecture_renders_in_chromium(tmp_path):
    html, report = html_report(tmp_path, LECTURE)
    assert "출력층" in html.read_text(encoding="utf-8")
    assert_rendered_in_chromium(tmp_path, html, report)


@needs_shared
def test_html_report_of_the_shared_lecture_renders_in_chromium(tmp_path):
    html, report = html_report(tmp_path, SHARED_LECTURE)
    assert report["summary"] == {"proved": 127, "refuted": 0, "undecided": 0, "errors": 0,
                                 "spans": {"proved": 97, "no claim": 10, "prose": 9}}
    assert_rendered_in_chromium(tmp_path, html, report)


@needs_shared
def test_export_of_the_shared_lecture_compiles_with_pdflatex(tmp_path):
    tex = tmp_path / "proofs.tex"
    result = run("export", str(SHARED_LECTURE), "--to", "tex", "-o", str(tex))
    assert result.exit_code == 0, result.output
    log = compile_tex(tex)
    assert "Undefined control sequence" not in log


def test_a_definition_of_a_new_name_claims_nothing_and_does_not_fail_an_export(tmp_path):
    doc = tmp_path / "def.md"
    doc.write_text("$$g = a_1^{(3)} - t_1^{(3)}$$\n\n$$\\frac{\\partial E_1}{\\partial a_1^{(3)}} = g$$\n",
                   encoding="utf-8")
    result = run("export", str(doc), "--to", "md")
    assert result.exit_code == 0, result.output
    assert "$$\\frac{\\partial E_1}{\\partial a_1^{(3)}} = g$$" in result.output
