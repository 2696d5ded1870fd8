"""derive from Python: derive.check on paths and on text, derive.prove on one claim, the notebook
display (_repr_html_) and the rows for pandas (to_records); derive.check the function next to
derive.check the module."""
from __future__ import annotations

import re
import subprocess
import sys
from html import unescape

import pytest
from conftest import ROOT

import derive
from derive import CheckReport, DeriveError, Proof, Spec
from derive.errors import ModelError
from derive.results import PROVED, REFUTED

B1 = r"\frac{\partial E}{\partial b_1^{(3)}}"
RIGHT = B1 + r" = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})"
WRONG = B1 + r" = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)}"
NOTES = f"""# 출력층 바이어스

체인 룰로 구한 기울기:

$${RIGHT}$$

자주 하는 실수 (a(1-a)를 빠뜨림):

$${WRONG}$$
"""
FIELDS = ["file", "cell", "line", "col", "id", "title", "claim", "verdict", "detail", "seconds", "wrong",
          "lhs_value", "rhs_value", "difference"]


def test_check_text_gives_a_report_with_one_row_per_claim():
    report = derive.check(NOTES)
    assert isinstance(report, CheckReport) and report.source == "<text>"
    assert [r.verdict for r in report.results] == [PROVED, REFUTED]
    assert report.exit_code == 1 and not report.passed
    rows = report.to_records()
    assert [list(row) for row in rows] == [FIELDS, FIELDS]
    assert [(row["file"], row["line"], row["verdict"]) for row in rows] == [("<text>", 5, PROVED),
                                                                           ("<text>", 9, REFUTED)]
    assert rows[0]["difference"] is None and rows[0]["lhs_value"] is None
    assert rows[1]["wrong"] == "rhs" and rows[1]["difference"] == "- (a_1^{(3)})^{2} (a_1^{(3)} - t_1^{(3)})"   # LaTeX
    assert isinstance(rows[1]["lhs_value"], float) and rows[1]["lhs_value"] != rows[1]["rhs_value"]
    flat = (str, int, float, type(None))
    assert all(isinstance(value, flat) for row in rows for value in row.values())    # a DataFrame's cells
    assert repr(report) == "<derive report <text>: 2 claims, 1 proved, 1 refuted, 0 undecided, 0 errors>"


def test_repr_html_is_the_html_report_cards_in_a_frame_of_their_own():
    report = derive.check(NOTES)
    shown = report._repr_html_()
    m = re.fullmatch(r'<iframe class="derive-report" srcdoc="([^"]*)" style="[^"]*"></iframe>', shown)
    assert m, shown[:200]
    page = unescape(m.group(1))
    assert page == report.html() and page.startswith("<!DOCTYPE html>")
    assert re.findall(r'<section class="card (\w+)"', page) == ["proved", "refuted"]
    assert "<title>derive: &lt;text&gt;</title>" in page
    assert "counterexample" in page and "wrong-member" in page     # the refuted card says where and why
    assert "<script" not in page.lower()


def test_check_takes_paths_files_and_folders(tmp_path):
    lecture = tmp_path / "notes" / "lecture.md"
    lecture.parent.mkdir()
    lecture.write_text(NOTES, encoding="utf-8")
    for given in (str(lecture), lecture, str(lecture.parent)):
        report = derive.check(given)
        assert [r.verdict for r in report.results] == [PROVED, REFUTED]
        assert {r.file for r in report.results} == {str(lecture)}
    assert derive.check(ROOT / "formulas" / "network.toml").passed


def test_a_missing_path_is_an_error_not_an_empty_document(tmp_path):
    with pytest.raises(DeriveError, match="no such file or folder: 'lecture.md'"):
        derive.check("lecture.md")
    with pytest.raises(DeriveError, match="no such file or folder"):
        derive.check(tmp_path / "missing.md")
    with pytest.raises(DeriveError, match="nothing to check"):
        derive.check("  ")                                # not the current folder


def test_latex_text_is_read_as_latex():
    text = "\\documentclass{article}\n\\begin{document}\n\\section{은닉층}\n\\[" + RIGHT + "\\]\n\\end{document}\n"
    report = derive.check(text)
    assert [(r.file, r.line, r.verdict) for r in report.results] == [("<text>", 4, PROVED)]


def test_model_is_taken_in_every_form(tmp_path):
    claim = B1 + r" = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})"
    toml = tmp_path / "model.toml"
    toml.write_text("[model]\nlayers = [2, 3, 2]\n", encoding="utf-8")
    for model in ("2-3-2", [2, 3, 2], (2, 3, 2), {"layers": [2, 3, 2]}, Spec((2, 3, 2)), str(toml), toml):
        proof = derive.prove(claim, model=model)
        assert proof.verdict == PROVED and proof.model.startswith("2-3-2 sigmoid network"), model
    with pytest.raises(ModelError, match="unknown model 'big'"):
        derive.prove(claim, model="big")
    with pytest.raises(ModelError, match="unknown loss"):
        derive.check(NOTES, model={"loss": "hinge"})


def test_prove_decides_one_claim():
    proof = derive.prove(RIGHT)
    assert isinstance(proof, Proof) and proof.verdict == PROVED and proof.passed
    assert repr(proof) == f"<derive proof: proved: {RIGHT}>"
    wrong = derive.prove(WRONG)
    assert wrong.verdict == REFUTED and wrong.result.line == 1
    assert wrong.result.counterexample is not None and wrong.exit_code == 1
    update = derive.prove(r"W^{(3)} = W^{(3)} - \alpha \frac{\partial E}{\partial W^{(3)}}"
                          r" = W^{(3)} - \alpha \times (A2^T \bullet \text{loss\_3})")
    assert update.verdict == PROVED and len(update.results) == 2     # the first = assigns
    broken = derive.prove(B1 + r" = (a_1^{(3)} - t_1^{(3)} \times a_1^{(3)}")
    assert broken.verdict == "error" and broken.result.detail.startswith("<claim>:1:")


def test_prove_refuses_what_is_not_one_claim():
    with pytest.raises(DeriveError, match="claims nothing"):
        derive.prove(B1)
    with pytest.raises(DeriveError, match="without \\$ delimiters"):
        derive.prove(f"${RIGHT}$")


def test_the_function_check_is_the_only_derive_check():
    """`derive.check` is the API function; no module of that name shadows it (the checker is
    derive.decide.checker), whatever was imported first."""
    code = """
import importlib, sys
import derive.decide.checker
import derive
assert callable(derive.check) and derive.check.__module__ == "derive.api", derive.check
assert "derive.check" not in sys.modules
try:
    importlib.import_module("derive.check")
except ModuleNotFoundError:
    pass
else:
    raise AssertionError("a module derive.check exists")
from derive import check, prove
assert check is derive.check and prove is derive.prove
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr
    from click.testing import CliRunner

    from cli import main
    result = CliRunner().invoke(main, ["check", str(ROOT / "formulas" / "network.toml")])
    assert result.exit_code == 0 and "20 claims: 20 proved" in result.output


def test_str_is_the_table():
    report = derive.check(NOTES)
    rows = str(report).splitlines()
    assert str(report) == report.table()
    assert rows[0].split() == ["WHERE", "VERDICT", "CLAIM"] and rows[2].split()[1] == "refuted"
