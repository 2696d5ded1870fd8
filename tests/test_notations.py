"""Notations as lecturers write them: a Nielsen-style chapter (BP1-BP4 and their instances on a
2-3-2 net), a Mazur-style worked derivation with its own names (net, out, w_1..w_8, E_{total}, one
bias shared by a layer), and a lecture in derive's notation whose statements hold for every index
of a 2-3-3-2 net.  Each checks clean; each single-edit mistake is refuted at the line edited.

The fixtures live in tests/notations/ and are written for these tests.  Every edit asserts that the
text it replaces is once on that line, so a fixture that drifts fails loudly.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from derive.notation.parse import parse

NOTATIONS = Path(__file__).resolve().parent / "notations"


def run(path: Path, *options: str):
    # a generous time bound: the machine running the suite may be busy (no timing is asserted)
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--timeout", "60", *options])
    return result.exit_code, json.loads(result.output)


_CLEAN_RUNS: dict = {}


def run_fixture(name: str):
    """A fixture as written, checked once for every test that reads its report."""
    if name not in _CLEAN_RUNS:
        _CLEAN_RUNS[name] = run(NOTATIONS / name)
    return _CLEAN_RUNS[name]


def not_proved(report) -> list[tuple[int, str]]:
    return sorted({(r["line"], r["verdict"]) for r in report["results"] if r["verdict"] != "proved"})


def edited(tmp_path: Path, name: str, line: int, old: str, new: str) -> Path:
    lines = (NOTATIONS / name).read_text(encoding="utf-8").split("\n")
    assert lines[line - 1].count(old) == 1, f"{old!r} is not once on line {line} of {name}"
    lines[line - 1] = lines[line - 1].replace(old, new)
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


CLEAN = {
    # name: (claims, model description starts with)
    "nielsen_style.md": (17, "2-3-2 sigmoid network, E = 1/2 sum_i (t_i - a_i)^2, column vectors z^l = w^l a^(l-1) + b^l"),
    "mazur_style.md": (34, "2-2-2 sigmoid network, E = 1/2 sum_i (t_i - a_i)^2, row vectors"),
    "general_indices.md": (6, "2-3-3-2 sigmoid network"),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_each_notation_checks_clean_with_no_unreadable_span(name):
    code, report = run_fixture(name)
    claims, model = CLEAN[name]
    assert (code, not_proved(report)) == (0, [])
    assert report["summary"]["proved"] == claims
    assert "unreadable" not in report["summary"]["spans"]
    assert report["model"].startswith(model)


def test_mazur_names_are_read_from_the_forward_pass_with_a_bias_shared_by_each_layer():
    code, report = run_fixture("mazur_style.md")
    assert report["model"].endswith("one bias shared by layer 2, one bias shared by layer 3")
    claims = {r["line"]: r["claim"] for r in report["results"]}
    assert claims[94].startswith("\\frac{\\partial E_{total}}{\\partial b_2} = ")   # shown as written


MISTAKES = [
    # Nielsen: BP1a with sigma for sigma'
    pytest.param("nielsen_style.md", 32, r"\odot \sigma'(z^L)", r"\odot \sigma(z^L)", [(32, "refuted")], id="nielsen-BP1a"),
    # BP3 with an extra factor
    pytest.param("nielsen_style.md", 38, r"= \delta^l_j", r"= a^l_j \delta^l_j", [(38, "refuted")], id="nielsen-BP3"),
    # BP4 with the layer of the activation off by one
    pytest.param("nielsen_style.md", 40, r"a^{l-1}_k", r"a^{l}_k", [(40, "refuted")], id="nielsen-BP4"),
    # an instance of BP2 with the weight's indices swapped (w^3_{21}: from unit 1 to unit 2)
    pytest.param("nielsen_style.md", 48, r"w^3_{12}", r"w^3_{21}", [(48, "refuted")], id="nielsen-BP2-instance"),
    # the definition of the error written with a instead of z
    pytest.param("nielsen_style.md", 26, r"\partial z^l_j", r"\partial a^l_j",
                 [(26, "refuted"), (30, "refuted"), (32, "refuted"), (34, "refuted"), (36, "refuted"),
                  (38, "refuted"), (40, "refuted"), (46, "refuted"), (48, "refuted"), (50, "refuted"),
                  (52, "refuted"), (54, "refuted")], id="nielsen-delta-definition"),
    # Mazur: the local derivative of net_{o1} by out_{h1} is w_5, not w_6
    pytest.param("mazur_style.md", 78, "= w_5", "= w_6", [(78, "refuted")], id="mazur-local-weight"),
    # the result for w_5 with the other hidden output
    pytest.param("mazur_style.md", 52, r"* out_{h1}$$", r"* out_{h2}$$", [(52, "refuted")], id="mazur-w5"),
    # the update going uphill
    pytest.param("mazur_style.md", 56, r"w_5 - \eta", r"w_5 + \eta", [(56, "refuted")], id="mazur-update"),
    # the hidden path through w_7 written with w_8
    pytest.param("mazur_style.md", 80, "* w_7", "* w_8", [(80, "refuted")], id="mazur-hidden-path"),
    # the shared bias's gradient with one output's term only
    pytest.param("mazur_style.md", 94, r" - (target_{o2} - out_{o2}) * out_{o2} (1 - out_{o2})$$", "$$",
                 [(94, "refuted")], id="mazur-shared-bias"),
    # derive's notation: sigma for sigma' in the recursion
    pytest.param("general_indices.md", 21, r"\right) \sigma'(z_j^{(l)})", r"\right) \sigma(z_j^{(l)})",
                 [(21, "refuted"), (25, "refuted"), (27, "refuted"), (29, "refuted")], id="indices-recursion"),
    # the weight gradient with the target unit's index on the source's output: refuted at the first
    # instance where it names a unit that does not exist (a_3^{(1)})
    pytest.param("general_indices.md", 25, r"a_i^{(l-1)}", r"a_j^{(l-1)}", [(25, "refuted")], id="indices-BP4"),
    # the weight gradient with the output of the wrong layer
    pytest.param("general_indices.md", 25, r"a_i^{(l-1)}", r"a_i^{(l)}", [(25, "refuted")], id="indices-BP4-layer"),
    # the output error term without the sigmoid's derivative
    pytest.param("general_indices.md", 17, r" \, a_j^{(4)} (1 - a_j^{(4)})", "",
                 [(17, "refuted"), (21, "refuted"), (25, "refuted"), (27, "refuted"), (29, "refuted")],
                 id="indices-output-delta"),
]


@pytest.mark.parametrize("name, line, old, new, expected", MISTAKES)
def test_one_mistake_is_refuted_at_the_edited_line(tmp_path, name, line, old, new, expected):
    code, report = run(edited(tmp_path, name, line, old, new))
    assert (code, not_proved(report)) == (1, expected)


def test_an_index_statement_says_over_which_values_it_was_proved():
    code, report = run_fixture("general_indices.md")
    detail = {r["line"]: r["detail"] for r in report["results"]}
    assert detail[25].endswith("; proved for every l = 2 (j = 1..3, i = 1..2); l = 3 (j = 1..3, i = 1..3); "
                               "l = 4 (j = 1..2, i = 1..3) (21 instances)")
    code, report = run_fixture("nielsen_style.md")
    detail = {r["line"]: r["detail"] for r in report["results"]}
    assert detail[36].endswith("; proved for every l = 2; j = 1..3 (3 instances)")


def test_a_refuted_index_statement_names_its_first_failing_instance(tmp_path):
    path = edited(tmp_path, "general_indices.md", 27, r"= \delta_j^{(l)}", r"= \delta_j^{(l)} a_j^{(l)}")
    code, report = run(path)
    (result,) = [r for r in report["results"] if r["verdict"] != "proved"]
    assert result["line"] == 27
    assert ("the first failing instance is l = 2, j = 1 (8 of 8 instances differ); "
            "checked for every l = 2 (j = 1..3); l = 3 (j = 1..3); l = 4 (j = 1..2) (8 instances)") in result["detail"]


def test_a_document_whose_names_cannot_be_mapped_is_unreadable_not_judged(tmp_path):
    path = tmp_path / "odd.md"
    path.write_text("$$h = u * v$$\n\n$$\\frac{\\partial E_{total}}{\\partial u} = v$$\n", encoding="utf-8")
    code, report = run(path)
    assert code == 2
    # u is unknown (an error); E_{total}, defined nowhere, is a word where an index goes: not checked
    assert not_proved(report) == [(1, "error"), (3, "error"), (3, "not checked")]
    assert report["summary"]["proved"] == report["summary"]["refuted"] == 0
    assert any("unknown name u" in r["detail"] for r in report["results"])
    assert any("E_{total} is a name of the document's" in r["detail"] for r in report["results"])


def test_front_matter_names_what_cannot_be_inferred(tmp_path):
    text = (NOTATIONS / "mazur_style.md").read_text(encoding="utf-8").replace("target_{o", "y_{o")
    text = "---\nderive:\n  names: {y_{o1}: t_1, y_{o2}: t_2}\n---\n" + text
    path = tmp_path / "named.md"
    path.write_text(text, encoding="utf-8")
    code, report = run(path)
    assert (code, not_proved(report)) == (0, [])
    bad = tmp_path / "bad.md"
    bad.write_text("---\nderive:\n  names: {y_{o1} t_1}\n---\n$$E = E_1 + E_2$$\n", encoding="utf-8")
    code, report = run(bad)
    assert code == 2
    assert "front matter: cannot read the name entry 'y_{o1} t_1'" in report["results"][0]["detail"]


@pytest.mark.parametrize("text", [
    r"\delta^L = \nabla_a C \odot \sigma'(z^L) \tag{BP1}",
    r"C = \frac{1}{2} \|y - a^L\|^2",
    r"C = \frac{1}{2} \left\| y - a^L \right\|^2",
    r"\delta^l_j \equiv \frac{\partial C}{\partial z^l_j}",
    r"z := \mathbf{w} x",
    r"w_5^{+} = w_5 - \eta * g",
    r"w_5' = w_5 - \eta * g",
    r"a \circ b",
])
def test_lecturers_latex_parses(text):
    assert parse(text)


def test_an_updated_value_is_only_the_head_of_an_update_rule(tmp_path):
    path = tmp_path / "u.md"
    path.write_text("$$x_1 = w_5'$$\n", encoding="utf-8")
    code, report = run(path)
    assert code == 2
    assert "is an updated value, which only the head of an update rule may name" in report["results"][0]["detail"]


def test_a_definition_for_every_layer_sets_every_layers_family(tmp_path):
    code, report = run(NOTATIONS / "tanh_every_layer.md")
    assert (code, not_proved(report)) == (0, [])
    assert report["model"].startswith("2-3-1 tanh network")
    # the output layer defined apart: the general definition, claimed for l = L too, is refuted there
    text = (NOTATIONS / "tanh_every_layer.md").read_text(encoding="utf-8")
    text = text.replace("$$E = ", "$$a_j^{(L)} = \\sigma(z_j^{(L)})$$\n\n$$E = ")
    path = tmp_path / "mixed.md"
    path.write_text(text, encoding="utf-8")
    code, report = run(path)
    assert report["model"].startswith("2-3-1 tanh,sigmoid network")
    (result,) = [r for r in report["results"] if r["verdict"] != "proved" and r["line"] == 7]
    assert result["verdict"] == "refuted"
    assert "the first failing instance is l = 3, j = 1" in result["detail"]


def test_ng_brackets_name_layers_counted_from_the_input_layer_0(tmp_path):
    code, report = run(NOTATIONS / "ng_style.md")
    assert (code, not_proved(report)) == (0, [])
    assert report["summary"]["proved"] == 5
    code, report = run(edited(tmp_path, "ng_style.md", 13, "x_1", "x_2"))
    assert (code, not_proved(report)) == (1, [(13, "refuted")])


def test_dots_leave_a_list_readable_and_a_claim_unreadable(tmp_path):
    path = tmp_path / "dots.md"
    path.write_text("The weights $w_{11}^{(2)}, \\dots, w_{22}^{(3)}$.\n\n$$E = E_1 + \\dots + E_2$$\n",
                    encoding="utf-8")
    code, report = run(path)
    assert code == 2
    (result,) = report["results"]
    assert (result["line"], result["verdict"]) == (3, "error")
    assert "\\dots stands for terms the formula does not write" in result["detail"]
    assert report["summary"]["spans"] == {"unreadable": 1, "prose": 1}


def test_a_sum_up_to_the_size_of_a_layer(tmp_path):
    code, report = run(NOTATIONS / "layer_sizes.md")
    assert (code, not_proved(report)) == (0, [])
    assert report["results"][0]["detail"].endswith("(5 instances)")
    code, report = run(edited(tmp_path, "layer_sizes.md", 7, "(1 - a_j^{(l)})", "(1 + a_j^{(l)})"))
    assert (code, not_proved(report)) == (1, [(7, "refuted"), (9, "refuted")])


def test_row_vectors_multiplied_by_juxtaposition_where_only_a_matrix_product_fits(tmp_path):
    path = tmp_path / "rows.md"
    path.write_text("$$Z^{(2)} = A^{(1)} W^{(2)} + b^{(2)}$$\n\n$$Z^{(3)} = A^{(2)} W^{(3)} + b^{(3)}$$\n\n"
                    "$$A2 \\times (1 - A2) = A2 (1 - A2)$$\n", encoding="utf-8")
    code, report = run(path)
    assert not_proved(report) == [(5, "error")]            # 1x2 by 1x2: \times or \bullet, not a guess
    assert "two matrices (1\u00d72 and 1\u00d72) side by side" in report["results"][-1]["detail"]
    assert report["summary"]["proved"] == 2


def test_a_refuted_index_statement_shows_its_first_failing_instance_not_the_column_of_all(tmp_path):
    lecture = tmp_path / "bp4.md"
    lecture.write_text("---\nderive:\n  layers: [2, 2, 2]\n---\n"
                       "$$z^l_j = \\sum_k w^l_{jk} a^{l-1}_k + b^l_j$$\n\n"
                       "$$a^l_j = \\sigma(z^l_j)$$\n\n"
                       "$$\\frac{\\partial C}{\\partial b^l_j} = \\delta^l_j$$\n\n"
                       "$$\\delta^l_j \\equiv \\frac{\\partial C}{\\partial z^l_j}$$\n\n"
                       "$$\\frac{\\partial C}{\\partial w^l_{jk}} = a^{l-1}_j \\delta^l_j$$\n", encoding="utf-8")
    from click.testing import CliRunner

    from cli import main
    result = CliRunner().invoke(main, ["check", str(lecture)], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "bp4.md:13:" in result.output and "the first failing instance is l = 2, j = 1, k = 2" in result.output
    assert "expected: \\begin{pmatrix}" not in result.output
