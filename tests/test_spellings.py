"""What derive says about a document is said in the names the document wrote
(derive/understand/spellings.py): `w_5`, `target_{o2}`, `t_1`, never derive's `w_{11}^{(3)}`,
`t_2^{(3)}` for them; and a Markdown-escaped formula (`a\\_1`) gets its repair like any other."""
from __future__ import annotations

from pathlib import Path

import derive
from derive.understand.spellings import respell

POST = (Path(__file__).parent / "alike" / "step_by_step.md").read_text(encoding="utf-8")


def check(tmp_path, text: str, name: str = "post.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return derive.check(path)


def test_a_counterexample_and_the_bindings_use_the_posts_own_names(tmp_path):
    wrong = r"$$\frac{\partial E_{total}}{\partial w_{8}} = -(target_{o2} - out_{o2}) * out_{h1}$$"
    report = check(tmp_path, POST + "\nFor $w_8$:\n\n" + wrong + "\n")
    [bad] = [r for r in report.results if r.verdict != "proved"]
    assert bad.verdict == "refuted"
    names = set(bad.counterexample.point)
    assert {"i_1", "w_8", "target_{o2}", "b_2"} <= names
    assert not any("^{(" in n for n in names)           # no derive spelling left for a quantity it names
    assert set(bad.relevant) <= names
    assert "w_{22}^{(3)}" not in (bad.difference_latex or "") and "t_2^{(3)}" not in (bad.expected or "")
    assert [b.split(": ", 1)[1] for b in report.bindings[:4]] == [
        "i_1 = 0.05, i_2 = 0.10", "w_1 = 0.15, w_2 = 0.20, w_3 = 0.25, w_4 = 0.30, b_1 = 0.35, w_5 = 0.40, w_6 = 0.45",
        "w_7 = 0.50, w_8 = 0.55, b_2 = 0.60, target_{o1} = 0.01, target_{o2} = 0.99", "\\eta = 0.5"]


ESCAPED = r"""---
layout: post
title: "Backprop, part 2"
---

With the squared error \\(E = \frac{1}{2}\sum\_{i=1}^{2}(t\_i - a\_i^{(3)})^2\\) and sigmoid units
everywhere, a common mistake is to forget the derivative of the output unit:

\\[
\frac{\partial E}{\partial w\_{12}^{(3)}} = (a\_1^{(3)} - t\_1) \, a\_2^{(2)}
\\]
"""


def test_a_markdown_escaped_mistake_gets_its_repair_in_the_names_as_written(tmp_path):
    report = check(tmp_path, ESCAPED)
    [bad] = [r for r in report.results if r.verdict != "proved"]
    assert (bad.line, bad.verdict, bad.mistake) == (10, "refuted", "missing factor")
    assert bad.repairs[0].description == "a factor `a_1^{(3)} (1 - a_1^{(3)})` is missing before `a_2^{(2)}`"
    assert "t_1" in bad.counterexample.point and "t_1^{(3)}" not in bad.counterexample.point
    assert "t_1^{(3)}" not in (bad.difference_latex or "")


def test_a_document_in_derives_own_names_is_reported_as_before(tmp_path):
    text = ("$$E = \\frac{1}{2}\\sum_{i=1}^{2}(t_i^{(3)} - a_i^{(3)})^2$$\n\n"
            "$$\\frac{\\partial E}{\\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)}$$\n")
    report = check(tmp_path, text)
    [bad] = [r for r in report.results if r.verdict != "proved"]
    assert "t_1^{(3)}" in bad.counterexample.point


def test_only_whole_names_are_replaced_the_longest_first():
    table = {"t_1^{(3)}": "target_{o1}", "w_{11}^{(3)}": "w_5", "x_1": "i_1"}
    assert respell(r"(a_1^{(3)} - t_1^{(3)}) w_{11}^{(3)} x_1", table) == r"(a_1^{(3)} - target_{o1}) w_5 i_1"
    assert respell("x_12 + x_1^{(2)} + \\max_1 + x_1", table) == "x_12 + x_1^{(2)} + \\max_1 + i_1"
    assert respell("t_1^{(3)}^2", table) == "t_1^{(3)}^2"     # not a name followed by nothing
    assert respell(None, table) is None and respell("x_1", {}) == "x_1"
