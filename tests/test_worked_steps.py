"""One step, one set of values; printed arithmetic as written; a wrong number gets a number (issue 19)."""
from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from cli import main
from derive.pipeline.options import Options
from derive.pipeline.run import check_paths

EXAMPLES = Path(__file__).resolve().parent / "examples"
QUOTED = EXAMPLES / "quoted_step.md"

# A 2-2-2 example in derive's notation with the classic values, written as prose with inline values.
VALUES = r"""---
derive:
  layers: 2-2-2
---
# By hand

Inputs $x_1 = 0.05$, $x_2 = 0.10$, targets $t_1^{(3)} = 0.01$, $t_2^{(3)} = 0.99$, rate $\alpha = 0.5$.

$$
W^{(2)} = \begin{pmatrix} 0.15 & 0.25 \\ 0.20 & 0.30 \end{pmatrix}, \quad b_1^{(2)} = b_2^{(2)} = 0.35
$$

$$
W^{(3)} = \begin{pmatrix} 0.40 & 0.50 \\ 0.45 & 0.55 \end{pmatrix}, \quad b_1^{(3)} = b_2^{(3)} = 0.60
$$
"""


def check(tmp_path, text: str, name: str = "step.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_paths([str(path)], Options())


def verdicts(report):
    return [(r.line, r.verdict) for r in report.results]


def at(report, line):
    return [r for r in report.results if r.line == line]


# -- 1. one step, one set of values ------------------------------------------------------------------
FALSE_PROOF = VALUES + r"""
$$
\frac{\partial E}{\partial w_{11}^{(3)}} = 0.082167041
$$

We then repeat this process to get the new weights, $w_{11}^{(3)} = 0.35891648$.

We continue the backpropagation, with the original weights of course.

$$
\frac{\partial E}{\partial w_{11}^{(2)}} = 0.000373493
$$

$$
\frac{\partial E}{\partial w_{11}^{(2)}} = 0.000438568
$$
"""


def test_an_updated_value_in_a_sentence_is_checked_and_does_not_rebind_the_weight(tmp_path):
    report = check(tmp_path, FALSE_PROOF)
    assert verdicts(report) == [(18, "proved"), (21, "proved"), (26, "refuted"), (30, "proved")]
    sentence = at(report, 21)[0]
    assert sentence.claim == "w_{11}^{(3)} = 0.35891648"
    assert "the updated value" in sentence.detail
    wrong = at(report, 26)[0]
    assert [(p.old, p.new, p.kind) for p in wrong.repairs] == [("0.000373493", "0.000438568", "wrong number")]
    # the bindings listed are the step's: the updated value is no binding
    assert not any("0.35891648" in b for b in report.bindings)


def test_a_wrong_updated_value_is_refuted_with_the_number_it_should_be(tmp_path):
    report = check(tmp_path, FALSE_PROOF.replace("0.35891648$", "0.35981648$"))
    wrong = at(report, 21)[0]
    assert wrong.verdict == "refuted"
    assert [(p.old, p.new) for p in wrong.repairs] == [("0.35981648", "0.35891648")]
    assert "two digits swapped" in wrong.repairs[0].description
    assert at(report, 30)[0].verdict == "proved"          # still the original weight


def test_a_second_value_that_is_no_update_is_an_error_naming_the_first(tmp_path):
    report = check(tmp_path, FALSE_PROOF.replace("0.35891648$", "0.95$")
                   + "\nAnd $x_1 = 0.07$.\n")
    errors = [r for r in report.results if r.verdict == "error"]
    assert [(r.line, r.col) for r in errors] == [(21, 69), (33, 12)]
    assert "which was given 0.40 at line 14" in errors[0].detail
    assert "which was given 0.05 at line 7" in errors[1].detail
    assert at(report, 30)[0].verdict == "proved"
    assert report.exit_code == 2


def test_a_new_step_takes_the_updated_values_and_leaves_the_others_without_one(tmp_path):
    text = VALUES + r"""
$$
w_{11}^{(3)} = w_{11}^{(3)} - \alpha \frac{\partial E}{\partial w_{11}^{(3)}} = 0.40 - 0.5 \times 0.082167041 = 0.35891648
$$

## Iteration 2

$$
\frac{\partial z_1^{(3)}}{\partial a_1^{(2)}} = w_{11}^{(3)} = 0.35891648
$$

$$
z_1^{(2)} = 0.3775
$$

$$
z_1^{(3)} = 1.0
$$

A second example: $x_1 = 1$.

$$
z_1^{(2)} = 0.15 \times 1 + 0.20 \times 0.10 + 0.35 = 0.52
$$
"""
    report = check(tmp_path, text)
    assert verdicts(report) == [(18, "proved"), (18, "proved"), (18, "proved"), (24, "proved"), (24, "proved"),
                                (28, "undecided"), (32, "undecided"), (38, "undecided"), (38, "undecided")]
    assert "w_{11}^{(2)}" in at(report, 28)[0].detail          # its update was not given: no value
    assert not [r for r in report.results if r.verdict == "error"]       # x_1 = 1 in a second example          # its update was not given: no value


def test_updated_values_in_the_documents_own_names(tmp_path):
    report = check(tmp_path, MAZUR)
    assert [(r.line, r.verdict) for r in report.results if r.verdict != "proved"] == [
        (45, "refuted"), (45, "refuted"), (47, "refuted")]
    assert [r.claim for r in at(report, 37)] == ["w_6^{+} = 0.408666186", "w_7^{+} = 0.511301270",
                                                 "w_8^{+} = 0.561370121"]
    assert all(r.verdict == "proved" for r in at(report, 37) + at(report, 39) + at(report, 41))
    dropped = [r for r in at(report, 45) if r.verdict == "refuted"][0]                # eta left out of the arithmetic: refuted where it is
    assert dropped.col == 63 and "this arithmetic gives 0.149561432" in dropped.detail
    assert "the learning rate left out" in dropped.detail
    assert [(p.old, p.new) for p in at(report, 45)[2].repairs] == [("0.149561", "0.149781")]
    slip = at(report, 47)[0]
    assert [(p.old, p.new) for p in slip.repairs] == [("0.19965143", "0.19956143")]


MAZUR = r"""# Backpropagation by hand

$$net_{h1} = w_1 * i_1 + w_2 * i_2 + b_1 * 1$$

$$net_{h2} = w_3 * i_1 + w_4 * i_2 + b_2 * 1$$

$$out_{h1} = \frac{1}{1 + e^{-net_{h1}}}$$

$$out_{h2} = \frac{1}{1 + e^{-net_{h2}}}$$

$$net_{o1} = w_5 * out_{h1} + w_6 * out_{h2} + b_3 * 1$$

$$net_{o2} = w_7 * out_{h1} + w_8 * out_{h2} + b_4 * 1$$

$$out_{o1} = \frac{1}{1 + e^{-net_{o1}}}$$

$$out_{o2} = \frac{1}{1 + e^{-net_{o2}}}$$

$$E_{o1} = \frac{1}{2} (target_{o1} - out_{o1})^2$$

$$E_{o2} = \frac{1}{2} (target_{o2} - out_{o2})^2$$

$$E_{total} = E_{o1} + E_{o2}$$

The numbers: $i_1 = 0.05$, $i_2 = 0.10$, $target_{o1} = 0.01$, $target_{o2} = 0.99$, $\eta = 0.5$,
$w_1 = 0.15$, $w_2 = 0.20$, $w_3 = 0.25$, $w_4 = 0.30$, $b_1 = 0.35$, $b_2 = 0.35$,
$w_5 = 0.40$, $w_6 = 0.45$, $w_7 = 0.50$, $w_8 = 0.55$, $b_3 = 0.60$, $b_4 = 0.60$.

$$net_{h1} = 0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1 = 0.3775$$

$$out_{h1} = \frac{1}{1+e^{-0.3775}} = 0.593269992$$

$$\frac{\partial E_{total}}{\partial w_5} = 0.74136507 * 0.186815602 * 0.593269992 = 0.082167041$$

$$w_5^{+} = w_5 - \eta * \frac{\partial E_{total}}{\partial w_5} = 0.4 - 0.5 * 0.082167041 = 0.35891648$$

We repeat this to get the new weights $w_6^{+} = 0.408666186$, $w_7^{+} = 0.511301270$ and $w_8^{+} = 0.561370121$.

And so $w_6 = 0.408666186$ after the update, but we go on with the original weights:

$$\frac{\partial E_{total}}{\partial out_{h1}} = 0.055399425 + -0.019049118 = 0.036350307$$

$$\frac{\partial E_{total}}{\partial w_1} = 0.036350306 * 0.241300709 * 0.05 = 0.000438568$$

$$w_1' = w_1 - \eta \frac{\partial E_{total}}{\partial w_1} = 0.15 - 0.000438568 \approx 0.149561$$

$$w_2^{+} = 0.19965143$$
"""


# -- 2. printed arithmetic as written -------------------------------------------------------------------
def test_bars_keep_the_rounding_inside_and_the_symbolic_norm_is_proved(tmp_path):
    report = check(tmp_path, VALUES + r"""
$$
E_1 = \frac{1}{2}\|0.01 - 0.75136507\|^2 = 0.274811083
$$

$$
E_1 = \frac{1}{2}(t_1^{(3)} - a_1^{(3)})^2 = \frac{1}{2}\|t_1^{(3)} - a_1^{(3)}\|^2
$$

$$
E_1 = \frac{1}{2}\|0.01 - 0.75136507\|^2 = 0.274811038
$$
""")
    assert verdicts(report) == [(18, "proved"), (18, "proved"), (22, "proved"), (22, "proved"), (26, "proved"),
                                (26, "refuted")]
    assert [(p.old, p.new) for p in at(report, 26)[1].repairs] == [("0.274811038", "0.274811083")]


def test_single_bars_are_absolute_values_with_the_rounding_inside(tmp_path):
    report = check(tmp_path, VALUES + r"""
$$
E_1 = \frac{1}{2}|0.01 - 0.75136507|^2 = 0.274811083
$$

$$
E_1 = \frac{1}{2}(t_1^{(3)} - a_1^{(3)})^2 = \frac{1}{2}\left|t_1^{(3)} - a_1^{(3)}\right|^2
$$

$$
\lvert 0.01 - 0.75136507 \rvert = 0.74136570
$$
""")
    assert verdicts(report) == [(18, "proved"), (18, "proved"), (22, "proved"), (22, "proved"), (26, "refuted")]
    assert [(p.old, p.new) for p in at(report, 26)[0].repairs] == [("0.74136570", "0.74136507")]


def test_an_unpaired_bar_is_an_error_at_the_bar(tmp_path):
    report = check(tmp_path, VALUES + "\n$$\nE_1 = \\frac{1}{2}|t_1^{(3)} - a_1^{(3)}\n$$\n")
    assert verdicts(report) == [(18, "error")]
    assert at(report, 18)[0].col == 18


def test_a_norm_member_is_repaired_without_a_stray_bar(tmp_path):
    text = VALUES + "\n$$\nE_1 = \\frac{1}{2}(t_1^{(3)} - a_1^{(3)})^2 = \\|t_1^{(3)} - a_1^{(3)}\\|\n$$\n"
    report = check(tmp_path, text)
    wrong = at(report, 18)[-1]
    assert wrong.verdict == "refuted"
    assert wrong.repairs[0].old == "\\|t_1^{(3)} - a_1^{(3)}\\|"
    assert_every_repair_proves(tmp_path, text, report)


# -- 3. a wrong number gets a number ---------------------------------------------------------------------
def test_slips_are_named(tmp_path):
    report = check(tmp_path, VALUES + r"""
$$
\frac{\partial E}{\partial w_{22}^{(3)}} = -0.01904919
$$

$$
z_1^{(2)} = 0.3757
$$

$$
a_1^{(3)} = -0.75136507
$$

$$
a_1^{(3)} = 0.772928465
$$

$$
a_1^{(2)} = 0.59326992
$$
""")
    said = [(r.line, r.repairs[0].new, r.repairs[0].description) for r in report.results if r.repairs]
    assert said == [
        (18, "-0.02274024", "`-0.01904919` should be `-0.02274024`"),
        (22, "0.3775", "`0.3757` should be `0.3775` (two digits swapped (75 written 57))"),
        (26, "0.75136507", "`-0.75136507` should be `0.75136507` (the sign)"),
        (30, "0.751365070", "`0.772928465` should be `0.751365070` (the value of a_2^{(3)})"),
        (34, "0.59326999", "`0.59326992` should be `0.59326999` (one digit copied wrong (2 for 9))")]


def test_a_wrong_number_is_never_repaired_by_a_factor(tmp_path):
    """The issue's `\\frac{500000000}{274811083}`-style factors: a number's repair is a number."""
    report = check(tmp_path, VALUES + "\n$$\nE_1 = \\frac{1}{2}(t_1^{(3)} - a_1^{(3)})^2 = 0.274811803\n$$\n"
                   "\n$$\n\\frac{\\partial E}{\\partial w_{22}^{(3)}} = -0.01904919\n$$\n")
    repairs = [p for r in report.results for p in r.repairs]
    assert [(p.kind, p.new) for p in repairs] == [("wrong number", "0.274811083"), ("wrong number", "-0.02274024")]
    assert not any(re.search(r"\\frac|\\d{7,}\\D+\\d{7,}", p.description) for p in repairs)


def assert_every_repair_proves(tmp_path, text, report):
    lines = text.split("\n")
    for r in report.results:
        for p in r.repairs:
            fixed = list(lines)
            row = fixed[p.line - 1]
            assert row[p.col - 1:p.col - 1 + len(p.old)] == p.old, (p, row)
            fixed[p.line - 1] = row[:p.col - 1] + p.new + row[p.col - 1 + len(p.old):]
            again = check(tmp_path, "\n".join(fixed), "fixed.md")
            claim = [x.verdict for x in again.results if (x.line, x.col) == (p.line, p.col)]
            assert claim == ["proved"], (p, again.results)


def test_every_reported_repair_applied_makes_its_claim_proved(tmp_path):
    for text in (FALSE_PROOF, MAZUR.replace("0.4 - 0.5 * 0.082167041 = 0.35891648", "0.4 - 0.5 * 0.082167041 = 0.35891684"),
                 QUOTED.read_text(encoding="utf-8").replace("0.593269992 = 0.082167041", "0.593269992 = 0.082167014")):
        report = check(tmp_path, text)
        assert any(r.repairs for r in report.results)
        assert_every_repair_proves(tmp_path, text, report)


# -- published styles: block quotes, aligned chains with spacer rows, prose values ----------------------
def test_a_worked_example_in_block_quotes_and_aligned_rows_checks_clean():
    report = check_paths([str(QUOTED)], Options())
    assert [r for r in report.results if r.verdict != "proved"] == []
    assert report.summary() == {"proved": 22, "refuted": 0, "undecided": 0, "errors": 0}


def test_copied_digit_mistakes_in_the_published_styles_are_refuted_at_their_line(tmp_path):
    text = QUOTED.read_text(encoding="utf-8")
    for old, new, line, right in [
            ("\\approx 1.105905967", "\\approx 1.105905976", 21, "1.105905967"),     # an aligned row
            ("a_2^{(3)} \\approx 0.772928465", "a_2^{(3)} \\approx 0.772928456", 22, "0.772928465"),
            ("= 0.274811083$", "= 0.274811803$", 26, "0.274811083"),                  # prose, in bars
            ("= 0.35891648$", "= 0.35891684$", 35, "0.35891648"),                     # an updated value
            ("\\times 0.05 = 0.000438568", "\\times 0.05 = 0.000438586", 44, "0.000438568")]:
        assert old in text, old
        report = check(tmp_path, text.replace(old, new, 1))
        wrong = [r for r in report.results if r.verdict != "proved"]
        assert [(r.line, r.verdict) for r in wrong] == [(line, "refuted")], (old, wrong)
        assert wrong[0].repairs[0].new == right


# -- 4. values a document cannot print ----------------------------------------------------------------------
FRONT = "---\ntitle: By hand\nderive:\n  values: {w_{11}^{(2)}: 0.15, w_{12}^{(2)}: 0.20, \"b_1^{(2)}\": 0.35}\n---\n" + r"""
Inputs $x_1 = 0.05$ and $x_2 = 0.10$ (the weights are in the figure).

$$
z_1^{(2)} = w_{11}^{(2)} x_1 + w_{12}^{(2)} x_2 + b_1^{(2)} = 0.3775
$$

$$
z_1^{(2)} = 0.3757
$$
"""


def test_front_matter_values_are_bindings_where_they_stand(tmp_path):
    report = check(tmp_path, FRONT)
    assert verdicts(report) == [(10, "proved"), (10, "proved"), (14, "refuted")]
    assert report.bindings[0] == f"{tmp_path / 'step.md'}:4: w_{{11}}^{{(2)}} = 0.15, w_{{12}}^{{(2)}} = 0.20, b_1^{{(2)}} = 0.35"


def test_derive_example_takes_front_matter_values_and_the_first_value_of_each_leaf(tmp_path):
    path = tmp_path / "figure.md"
    path.write_text(FALSE_PROOF, encoding="utf-8")
    result = CliRunner().invoke(main, ["example", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "W^{(3)} = \\begin{pmatrix} 0.40 & 0.50 \\\\ 0.45 & 0.55 \\end{pmatrix}" in result.output
    assert "0.40 - 0.5 \\times 0.082167041 = 0.35891648" in result.output


def test_a_new_step_named_in_a_notebooks_markdown_cell_starts_there(tmp_path):
    import json

    def notebook(heading: str) -> str:
        cells = [VALUES.split("---\n", 2)[2],
                 "$$\nw_{11}^{(3)} = w_{11}^{(3)} - \\alpha \\frac{\\partial E}{\\partial w_{11}^{(3)}} = 0.35891648\n$$\n",
                 heading + "\n\n$$\n\\frac{\\partial z_1^{(3)}}{\\partial a_1^{(2)}} = w_{11}^{(3)} = 0.35891648\n$$\n"]
        data = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": c} for c in cells[:2]]
                + [{"cell_type": "code", "metadata": {}, "source": "x = 1", "outputs": [], "execution_count": None},
                   {"cell_type": "markdown", "metadata": {}, "source": cells[2]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        return json.dumps(data)
    report = check(tmp_path, notebook("## Iteration 2"), "steps.ipynb")
    last = [r for r in report.results if r.cell == 4]
    assert [r.verdict for r in last] == ["proved", "proved"]
    report = check(tmp_path, notebook("## The same step"), "steps.ipynb")
    assert [r.verdict for r in report.results if r.cell == 4] == ["proved", "refuted"]
