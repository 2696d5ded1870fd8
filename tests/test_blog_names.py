"""A blog post's own names: `\\hat{y}`, `h1`, `Sigmoid(z_1)`, `z_1 ... z_3` numbered across layers,
`w_1 ... w_6`, a shared bias, `L` as the loss and `y` as its target — the network is read from its
forward pass with no front matter, and its mistakes are refuted in its own names."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import check_text as check, line_of
from derive.notation import syntax as s
from derive.notation.parse import parse

POST = (Path(__file__).parent / "blog" / "hat_and_digits.md").read_text(encoding="utf-8")

TWO_OUTPUTS = r"""# Two outputs

$$z_1 = w_1 x_1 + w_2 x_2 + b_1, \quad h_1 = \sigma(z_1)$$
$$z_2 = w_3 x_1 + w_4 x_2 + b_2, \quad h_2 = \sigma(z_2)$$
$$z_3 = w_5 h_1 + w_6 h_2 + b_3, \quad \hat{y_1} = \sigma(z_3)$$
$$z_4 = w_7 h_1 + w_8 h_2 + b_4, \quad \hat{y_2} = \sigma(z_4)$$

The loss is $L = \frac{1}{2}(y_1 - \hat{y_1})^2 + \frac{1}{2}(y_2 - \hat{y_2})^2$.

$$\frac{\partial L}{\partial w_7} = (\hat{y_2} - y_2)\,\hat{y_2}(1 - \hat{y_2})\,h_1$$

$$\frac{\partial L}{\partial w_1} = \left[(\hat{y_1} - y_1)\hat{y_1}(1 - \hat{y_1}) w_5 + (\hat{y_2} - y_2)\hat{y_2}(1 - \hat{y_2}) w_7\right] h_1 (1 - h_1) x_1$$
"""




@pytest.mark.parametrize("written", [r"\hat{y}_1", r"\hat{y_1}", r"\hat{y}_{1}", r"\widehat{y}_1"])
def test_a_hatted_name_is_a_name_of_its_own(written):
    (node,) = [m.parts[0].expr for m in parse(written)[0].chains[0]]
    assert node == s.Sym("yhat", "1")
    (plain,) = [m.parts[0].expr for m in parse("y_1")[0].chains[0]]
    assert plain != node


def test_sigmoid_written_as_a_word_is_the_sigmoid():
    (node,) = [m.parts[0].expr for m in parse(r"Sigmoid(z_1)")[0].chains[0]]
    assert isinstance(node, s.Call) and node.func == "sigmoid"


def test_a_post_with_its_own_names_is_read_from_its_forward_pass(tmp_path):
    report = check(tmp_path, POST)
    assert report.exit_code == 0
    assert {r.verdict for r in report.results} == {"proved"} and len(report.results) == 13
    assert report.model.startswith("2-2-1 sigmoid network") and "one bias shared by layer 2" in report.model


def test_a_weight_of_the_other_path_is_refuted_in_the_posts_names(tmp_path):
    text = POST.replace(r"w_5\, h1(1 - h1)\, x_1", r"w_6\, h1(1 - h1)\, x_1")
    assert text != POST
    report = check(tmp_path, text)
    (wrong,) = [r for r in report.results if r.verdict != "proved"]
    assert (report.exit_code, wrong.verdict, wrong.line) == (1, "refuted", line_of(text, r"\partial w_1}"))
    assert wrong.repairs[0].description == "`w_6` should be `w_5`"
    assert "x_1" in wrong.difference_latex and "a_1^{(1)}" not in wrong.difference_latex
    assert {"x_1", "y", "w_5", "w_6"} <= set(wrong.counterexample.point)


def test_a_forgotten_sigmoid_derivative_is_refuted_with_the_factor_to_add(tmp_path):
    text = POST.replace(r"= (\hat{y} - y)\, \hat{y}(1 - \hat{y})\, h1$$", r"= (\hat{y} - y)\, h1$$")
    assert text != POST
    report = check(tmp_path, text)
    (wrong,) = [r for r in report.results if r.verdict != "proved"]
    assert wrong.line == line_of(text, r"\partial w_5} =")
    assert wrong.repairs[0].description == r"a factor `\hat{y} (1 - \hat{y})` is missing before `h1`"


def test_two_outputs_with_their_targets_in_one_loss(tmp_path):
    report = check(tmp_path, TWO_OUTPUTS)
    assert report.exit_code == 0
    assert {r.verdict for r in report.results} == {"proved"} and len(report.results) == 11
    assert report.model.startswith("2-2-2 sigmoid network")
    text = TWO_OUTPUTS.replace(r"w_5 + (\hat{y_2}", r"w_6 + (\hat{y_2}")
    report = check(tmp_path, text)
    assert [(r.line, r.verdict) for r in report.results if r.verdict != "proved"] == \
        [(line_of(text, r"\partial w_1}"), "refuted")]


def test_a_chain_through_the_hidden_unit_where_the_output_is_meant_is_repaired_in_the_posts_names(tmp_path):
    old = r"\frac{\partial L}{\partial \hat{y}} \frac{\partial \hat{y}}{\partial z_3}"
    text = POST.replace(old, r"\frac{\partial L}{\partial h1} \frac{\partial h1}{\partial z_3}")
    assert text != POST
    report = check(tmp_path, text)
    (wrong,) = [r for r in report.results if r.verdict != "proved"]
    assert (wrong.verdict, wrong.line) == ("refuted", line_of(text, r"\partial w_5} ="))
    assert wrong.repairs[0].kind == "wrong unit in the chain"
    assert wrong.repairs[0].description == ("the chain runs through `h1`, which the parameter does not reach: "
                                            r"every `h1` in it should be `\hat{y}`")


BLOCK_NAMES = """---
derive:
  names:
    \\hat{y_1}: a_1^{(3)}
    \\hat{y_2}: a_2^{(3)}
---
# The output layer

$$\\frac{\\partial E}{\\partial w_{11}^{(3)}} = (\\hat{y_1} - t_1^{(3)}) \\hat{y_1}(1 - \\hat{y_1}) a_1^{(2)}$$
"""


def test_front_matter_names_a_hatted_name_inline_or_as_a_yaml_block(tmp_path):
    inline = BLOCK_NAMES.replace("  names:\n    \\hat{y_1}: a_1^{(3)}\n    \\hat{y_2}: a_2^{(3)}",
                                 "  names: {\\hat{y_1}: a_1^{(3)}, \\hat{y_2}: a_2^{(3)}}")
    assert inline != BLOCK_NAMES
    for text in (BLOCK_NAMES, inline):
        report = check(tmp_path, text)
        assert (report.exit_code, [(r.line, r.verdict) for r in report.results]) == (0, [(len(text.split("\n")) - 1, "proved")])


def test_a_names_entry_that_cannot_be_read_is_an_error_at_its_line(tmp_path):
    report = check(tmp_path, BLOCK_NAMES.replace("\\hat{y_2}: a_2^{(3)}", "\\hat{y_2} a_2^{(3)}"))
    errors = [r for r in report.results if r.verdict == "error"]
    assert report.exit_code == 2 and errors and (errors[0].line, errors[0].col) == (3, 3)
    assert "cannot read the name entry" in errors[0].detail


WIRED = r"""---
derive:
  names:
    h_1: a_1^{(2)}
    h_2: a_2^{(2)}
    o_1: a_1^{(3)}
    o_2: a_2^{(3)}
    w_5: h_1 -> o_1
    w_6: h_2 -> o_1
    w_7: h_1 -> o_2
    w_8: h_2 -> o_2
---
# The output layer, with the weights as the figure draws them

$$\frac{\partial E}{\partial w_5} = (o_1 - t_1^{(3)})\, o_1 (1 - o_1)\, h_1$$

$$\frac{\partial E}{\partial w_7} = (o_2 - t_2^{(3)})\, o_2 (1 - o_2)\, h_1$$

$$\frac{\partial E}{\partial h_1} = (o_1 - t_1^{(3)})\, o_1 (1 - o_1)\, w_5 + (o_2 - t_2^{(3)})\, o_2 (1 - o_2)\, w_7$$
"""


def test_a_weight_named_by_its_ends_in_the_front_matter(tmp_path):
    report = check(tmp_path, WIRED)
    assert (report.exit_code, {r.verdict for r in report.results}, len(report.results)) == (0, {"proved"}, 3)
    text = WIRED.replace(r"o_2 (1 - o_2)\, w_7$$", r"o_2 (1 - o_2)\, w_6$$")
    report = check(tmp_path, text)
    (wrong,) = [r for r in report.results if r.verdict != "proved"]
    assert wrong.line == line_of(text, r"\partial h_1} =") and wrong.repairs[0].description == "`w_6` should be `w_7`"


def test_a_weight_whose_ends_are_not_next_layers_is_an_error_at_the_names(tmp_path):
    report = check(tmp_path, WIRED.replace("w_8: h_2 -> o_2", "w_8: o_2 -> h_2"))
    error = next(r for r in report.results if r.verdict == "error")
    assert report.exit_code == 2 and (error.line, error.col) == (3, 3)
    assert "cannot read the weight's ends in 'w_8: o_2 -> h_2'" in error.detail


def test_a_schematic_sum_with_no_index_is_not_checked_and_does_not_fail_the_run(tmp_path):
    """Mazur's post opens with E_total = Σ ½(target - output)²: words, no index — listed, never an error."""
    text = POST.replace("We use the squared error", "The total error is $E_{total} = \\sum \\frac{1}{2}(target - output)^{2}$, and we use the squared error")
    assert text != POST
    report = check(tmp_path, text)
    assert report.exit_code == 0
    listed = [(r.verdict, r.claim) for r in report.results if r.verdict != "proved"]
    assert listed == [("not checked", "E_{total}"), ("not checked", r"\sum \frac{1}{2}(target - output)^{2}")]
    details = [r.detail for r in report.results if r.verdict != "proved"]
    assert "E_{total} is a name of the document's" in details[0] and "a sum with no index" in details[1]
