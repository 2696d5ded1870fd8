"""Reports in the lecture's terms, in every format: the difference as LaTeX (never SymPy's `**`),
only the values it depends on, the document's title on the HTML page, the claims that passed
folded a click away, a print stylesheet, documents without math named, and carets under
Korean text at their display column."""
from __future__ import annotations

import re

from click.testing import CliRunner

from cli import main
from derive.errors import DeriveError, caret_pad, char_width

LECTURE = r"""---
title: "Lecture 7: a tanh hidden layer"
---

# Backprop with a tanh hidden layer

Two inputs, two tanh hidden units, two sigmoid outputs, half the sum of squared errors.

$$a_j^{(2)} = \tanh(z_j^{(2)}), \qquad a_k^{(3)} = \sigma(z_k^{(3)})$$

$$E = \frac{1}{2} \sum_{k=1}^{2} (t_k - a_k^{(3)})^2$$

For every hidden unit,

$$\frac{\partial a_j^{(2)}}{\partial z_j^{(2)}} = a_j^{(2)} (1 - a_j^{(2)})$$

and the output unit's bias gets

$$\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1) a_1^{(3)} (1 - a_1^{(3)})$$
"""


def check(tmp_path, monkeypatch, *args):
    (tmp_path / "lecture7.md").write_text(LECTURE, encoding="utf-8")
    (tmp_path / "syllabus.md").write_text("# Syllabus\n\nWeek 7: backpropagation.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(main, ["check", "lecture7.md", "syllabus.md", *args])


def test_github_annotations_write_the_difference_in_latex_with_the_values_it_needs(tmp_path, monkeypatch):
    result = check(tmp_path, monkeypatch, "--format", "github")
    assert result.exit_code == 1
    (annotation,) = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    message = annotation.split("::", 2)[2].split("%0A")
    assert "left - right = [1 - a_1^{(2)}; 1 - a_2^{(2)}]" in message
    assert ("counterexample: x_1=0.574, x_2=0.915, w_{11}^{(2)}=0.947, w_{12}^{(2)}=1.969, b_1^{(2)}=-1.838, "
            "w_{21}^{(2)}=-0.148, w_{22}^{(2)}=-1.973, b_2^{(2)}=-0.353 (and 9 more, which the difference does "
            "not depend on)") in message
    assert not any("**" in line or "*a" in line for line in message)


def test_the_html_page_is_titled_folds_what_passed_and_prints(tmp_path, monkeypatch):
    result = check(tmp_path, monkeypatch, "-o", "report.html")
    assert result.exit_code == 1
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<title>Lecture 7: a tanh hidden layer \u2014 derive report</title>" in page
    assert "<h1>Lecture 7: a tanh hidden layer \u2014 derive report</h1>" in page
    folded = re.findall(r'<details class="passed"><summary>(\d+) claims? proved</summary>(.*?)</details>', page, re.S)
    assert [int(n) for n, _ in folded] == [3, 1]           # the claims before the refuted one, and after
    assert all('data-verdict="proved"' in body and 'data-verdict="refuted"' not in body for _, body in folded)
    refuted = re.findall(r'<section class="card refuted"', page)
    assert len(refuted) == 1                                # open: not inside a fold
    assert "@media print" in page
    assert '<div class="meta no-math">no math in 1 file: syllabus.md</div>' in page
    row = re.search(r'<tr class="difference"><th>left \u2212 right</th><td class="value">(.*?)</td></tr>', page, re.S)
    assert row.group(1).startswith("<math") and "**" not in row.group(1)


def test_the_table_names_the_documents_without_math(tmp_path, monkeypatch):
    result = check(tmp_path, monkeypatch)
    assert "\nno math in 1 file: syllabus.md\n" in result.stdout


def test_a_latex_title_and_no_title():
    from derive.pipeline.document import document_title
    assert document_title("\\documentclass{article}\n\\title{Back\\-propagation \\\\ {\\em by hand}}\n", ".tex") \
        == "Backpropagation by hand"
    assert document_title("Some notes\n\n## Only a section\n", ".md") is None
    assert document_title("# 은닉층으로의 역전파\n\n$$E = E_1 + E_2$$\n", ".md") == "은닉층으로의 역전파"


def test_carets_stand_under_their_column_after_hangul():
    assert [char_width(c) for c in "은a\u0301１"] == [2, 1, 0, 2]
    line = "은닉층의 오차는 $\\frac{a}{$"
    error = DeriveError("unexpected end of formula", file="lecture.md", line=3, col=12, source_line=line)
    quoted, caret = error.describe().splitlines()[1:3]
    assert quoted == "    " + line
    assert caret == "    " + " " * 18 + "^"              # 은닉층의 (8) + space + 오차는 (6) + space + $ ... col 12
    assert caret_pad("\t은") == "\t  "


# -- context as the reader saw it ---------------------------------------------------------------------
BOOK_PAGE = r"""# Chapter 3: the output layer

```{math}
:label: eq-bias
\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)}
```

The error term {math}`\delta_1^{(3)}` of the first output unit, written out over many words so that the line runs long enough to be cut somewhere, is $\delta_1^{(3)} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)})$ by definition.

$$\frac{\partial E}{\partial b_2^{(3)}} = (a_2^{(3)} - t_2^{(3)}) \times a_2^{(3)}$$
"""


def test_context_drops_myst_options_renders_roles_and_never_cuts_math(tmp_path):
    from derive.pipeline.run import check_paths
    path = tmp_path / "chapter3.md"
    path.write_text(BOOK_PAGE, encoding="utf-8")
    first, second = [r for r in check_paths([str(path)]).results if r.verdict == "refuted"]
    assert first.context == {"heading": "Chapter 3: the output layer"}        # no ":label: eq-bias", no fence
    prose = second.context["prose"]
    assert prose.startswith(r"The error term $\delta_1^{(3)}$ of the first output unit")
    assert prose.endswith("somewhere, is\u2026") and prose.count("$") % 2 == 0 and len(prose) <= 200


def test_a_notebook_cell_has_its_heading_and_prose_as_context(tmp_path):
    import json

    from derive.pipeline.run import check_paths
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# 출력층의 바이어스\n", "\n", "체인 룰로 구한다.\n"]},
             {"cell_type": "code", "metadata": {}, "source": ["x = 1\n"], "outputs": [], "execution_count": None},
             {"cell_type": "markdown", "metadata": {},
              "source": ["$$\\frac{\\partial E}{\\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \\times a_1^{(3)}$$\n"]}]
    path = tmp_path / "week3.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    (wrong,) = [r for r in check_paths([str(path)]).results if r.verdict == "refuted"]
    assert wrong.cell == 3 and wrong.context == {"heading": "출력층의 바이어스", "prose": "체인 룰로 구한다."}


def test_a_proved_card_says_how_in_one_line_the_rest_a_click_away():
    from derive.report.html import proof_summary
    assert proof_summary("exact: the difference expands to 0; numeric: 8 points agree within 1e-09") == \
        "proved: exact, checked at 8 numeric points"
    assert proof_summary("for every i, j (12 instances): proved at the first and the last instance, ...; "
                         "numeric: 8 points agree within 1e-09") == \
        "proved: by symmetry, for every instance, checked at 8 numeric points"
