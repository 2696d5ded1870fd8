"""Networks as documents draw them (issue 18): layers without biases, layers numbered from 0 or
from 1 at the first weight matrix.  The document's forward pass is the network: a bias-free
definition is proved, not refuted for a missing bias; correct gradients in the document's own
numbering are proved; a single slip is refuted at its line; a numbering that cannot be told leaves
the claims undecided with the reason, never judged in a network the document did not define.

The fixtures live in tests/networks/ and are written for these tests, in the layouts of course
notes and book chapters.  Every edit asserts that the text it replaces is once on that line.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

NETWORKS = Path(__file__).resolve().parent / "networks"


def run(path: Path):
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--timeout", "60"])
    return result.exit_code, json.loads(result.output)


def not_proved(report) -> list[tuple[int, str]]:
    return sorted({(r["line"], r["verdict"]) for r in report["results"] if r["verdict"] != "proved"})


def edited(tmp_path: Path, name: str, line: int, old: str, new: str) -> Path:
    lines = (NETWORKS / name).read_text(encoding="utf-8").split("\n")
    assert lines[line - 1].count(old) == 1, f"{old!r} is not once on line {line} of {name}"
    lines[line - 1] = lines[line - 1].replace(old, new)
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def model(report) -> str:
    (spec,) = report["models"] if "models" in report else [report["model"]]
    return spec


CLEAN = {
    # name: (claims, words the model description has)
    "bias_free.md": (11, "2-2-1 sigmoid network", ", no biases"),
    "mixed_bias.md": (7, "2-3-1 tanh,identity network", ", no bias in layer 3"),
    "from_zero.md": (9, "2-2-1 sigmoid network", "layers numbered from 0 in the document"),
    "first_weight_matrix.md": (9, "2-2-1 sigmoid,identity network", "layers numbered from 0 in the document (its "
                               "layer l is layer l+1 here), no bias in layer 2"),
    # states no sizes (its layers by number, no unit): checked on three widths (understand/sizes.py)
    "course_note_a0.md": (8, "sizes not stated, checked on 3 networks 2-2-2, 3-2-4, 2-4-3: sigmoid network",
                          "layers numbered from 0 in the document"),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_a_network_as_drawn_checks_clean(name):
    claims, size, words = CLEAN[name]
    code, report = run(NETWORKS / name)
    assert (code, not_proved(report)) == (0, [])
    assert report["summary"]["proved"] == claims
    text = json.dumps(report)
    assert size in text and words in text


MISTAKES = [
    # a bias-free forward pass with one input swapped: refuted at its line, nothing else
    ("bias_free.md", 9, "w_{12}^{(2)} x_2", "w_{12}^{(2)} x_1", [(9, "refuted")]),
    # the chain through the wrong hidden unit
    ("bias_free.md", 35, "w_{12}^{(3)} a_2^{(2)}", "w_{11}^{(3)} a_2^{(2)}", [(35, "refuted")]),
    # the sigmoid's derivative at the output written with the wrong unit
    ("bias_free.md", 27, "(1 - a_1^{(3)}) a_2^{(2)}$$", "(1 - a_2^{(2)}) a_2^{(2)}$$", [(27, "refuted")]),
    # a layer with biases and a layer without: tanh's derivative slipped
    ("mixed_bias.md", 18, "(1 - (a_2^{(2)})^2)", "(1 - a_2^{(2)})", [(18, "refuted")]),
    ("mixed_bias.md", 16, "a_3^{(2)}", "a_2^{(2)}", [(16, "refuted")]),
    # numbered from 0: the wrong weight of the document's layer 2
    ("from_zero.md", 29, "w_{12}^{(2)}", "w_{11}^{(2)}", [(29, "refuted")]),
    ("from_zero.md", 23, "(1 - a_1^{(2)})", "(1 - a_1^{(1)})", [(23, "refuted"), (25, "refuted"),
                                                             (27, "refuted"), (29, "refuted")]),
    # numbered from 1 at the first weight matrix: the input of the wrong unit
    ("first_weight_matrix.md", 25, "x_1$$", "x_2$$", [(25, "refuted")]),
    ("first_weight_matrix.md", 21, "a_2^{(1)}", "a_1^{(1)}", [(21, "refuted")]),
    # a^0 in Nielsen's notation: the transpose left out of the hidden error (refuted where it stands,
    # in the 3-2-4 network where w^2 is not square; and where it is used, in the 2-2-2 one), the
    # gradient of the last layer's biases with the error of the layer below
    ("course_note_a0.md", 29, "(w^2)^T", "w^2", [(29, "refuted"), (31, "refuted")]),
    ("course_note_a0.md", 27, "= \\delta^2", "= \\delta^1", [(27, "refuted")]),
]


@pytest.mark.parametrize("name, line, old, new, expected", MISTAKES,
                         ids=[f"{m[0]}:{m[1]}" for m in MISTAKES])
def test_a_single_mistake_is_refuted_at_its_line(tmp_path, name, line, old, new, expected):
    code, report = run(edited(tmp_path, name, line, old, new))
    assert (code, not_proved(report)) == (1, expected)


def test_a_bias_left_out_of_one_unit_of_a_layer_with_biases_is_refuted(tmp_path):
    # unit 2 has its bias, so the layer has biases: unit 1's definition is the slip, with its repair
    path = edited(tmp_path, "bias_free.md", 11, "w_{22}^{(2)} x_2$$", "w_{22}^{(2)} x_2 + b_2^{(2)}$$")
    code, report = run(path)
    assert (code, not_proved(report)) == (1, [(9, "refuted")])
    (wrong,) = [r for r in report["results"] if r["verdict"] == "refuted"]
    assert [r["description"] for r in wrong["repairs"]] == ["a term `b_1^{(2)}` is missing after `w_{12}^{(2)} x_2`"]
    assert ", no biases" not in json.dumps(report)


def test_a_document_that_names_the_bias_it_leaves_out_has_biases(tmp_path):
    # the gradient of b_1^{(3)} says the output layer has a bias: the definition without it is refuted
    path = edited(tmp_path, "bias_free.md", 42, "= w_{11}^{(3)}$$",
                  "= w_{11}^{(3)}, \\quad \\frac{\\partial E}{\\partial b_1^{(3)}} = \\delta_1^{(3)}$$")
    code, report = run(path)
    assert (code, not_proved(report)) == (1, [(19, "refuted")])
    (wrong,) = [r for r in report["results"] if r["verdict"] == "refuted"]
    assert wrong["repairs"][0]["new"].endswith(" + b_1^{(3)}")
    assert "no bias in layer 2" in json.dumps(report)        # the hidden layer names none: still without


def test_a_bias_free_claim_in_a_network_with_biases_is_still_refuted(tmp_path):
    path = tmp_path / "lecture.md"
    path.write_text("$$z_1^{(2)} = w_{11}^{(2)} x_1 + w_{12}^{(2)} x_2$$\n\n"
                    "$$\\frac{\\partial E}{\\partial b_1^{(2)}} = \\frac{\\partial E}{\\partial z_1^{(2)}}$$\n",
                    encoding="utf-8")
    code, report = run(path)
    assert (code, not_proved(report)) == (1, [(1, "refuted")])


def test_a_numbering_that_cannot_be_told_is_undecided_with_the_reason():
    code, report = run(NETWORKS / "ambiguous.md")
    assert code == 2                          # the layer-1 weights of line 9 cannot be read in derive's numbering
    assert not_proved(report) == [(9, "error"), (9, "not checked"), (11, "not checked")]
    undecided = [r for r in report["results"] if r["verdict"] == "not checked"][-1]
    assert "line 9 numbers the input layer 0 (its first weights are layer 1) and line 5 numbers it 1" \
        in undecided["detail"]


# -- Andrew Ng's notation: layers in brackets, examples as columns, dZ/dW/db/dA ----------------------

NG = "ng_shallow_network.md"
NG_DISPLAY = [14, 16, 18, 20, 24, 30, 35, 37, 39, 41, 45, 47, 49, 53, 55, 59]


def test_ng_notes_check_clean_with_every_display_formula_proved():
    code, report = run(NETWORKS / NG)
    assert (code, not_proved(report)) == (0, [])
    proved = {r["line"] for r in report["results"] if r["verdict"] == "proved"}
    assert set(NG_DISPLAY) <= proved
    text = json.dumps(report)
    assert "2-2-1 sigmoid network, E = -sum_i (t_i log a_i + (1 - t_i) log(1 - a_i)), mini-batch of 2" in text


NG_MISTAKES = [
    # the 1/m of the average left out of dW^{[2]} and db^{[2]}
    (37, "\\frac{1}{m} dZ^{[2]}", "dZ^{[2]}", [(37, "refuted")]),
    (39, "\\frac{1}{m} \\sum", "\\sum", [(39, "refuted")]),
    # a missing transpose (2 hidden units, 2 examples: the shapes still fit, the values do not)
    (37, "A^{[1]T}", "A^{[1]}", [(37, "refuted")]),
    # A^{[1]} where A^{[0]} is meant: the hidden layer's weights see the input
    (47, "A^{[0]T}", "A^{[1]T}", [(47, "refuted")]),
    # the sign of the output error, the derivative of the sigmoid, the per-example error
    (35, "A^{[2]} - Y", "Y - A^{[2]}", [(35, "refuted")]),
    (45, "(1 - A^{[1]})", "(1 + A^{[1]})", [(45, "refuted")]),
    (30, "a^{[2]} - y", "a^{[2]} - y^{(1)}", [(30, "refuted")]),
    # the gradient of the activations through W^{[2]} without its transpose cannot even be formed
    (53, "W^{[2]T}", "W^{[2]}", [(53, "error")]),
]


@pytest.mark.parametrize("line, old, new, expected", NG_MISTAKES, ids=[f"{m[0]}:{m[1]}" for m in NG_MISTAKES])
def test_a_mistake_in_ng_notes_is_refuted_at_its_line(tmp_path, line, old, new, expected):
    code, report = run(edited(tmp_path, NG, line, old, new))
    assert not_proved(report) == expected
    assert code == (2 if ("error") in dict(expected).values() else 1)


def test_ng_gradients_mean_the_cost_for_parameters_and_each_example_for_z(tmp_path):
    # dZ^{[2]} is each example's own dL/dz (no 1/m), dW^{[2]} the cost's: dZ written with the cost's
    # 1/m is refuted, and so is the cost's derivative by Z written for dZ
    code, report = run(edited(tmp_path, NG, 35, "A^{[2]} - Y", "\\frac{1}{m} (A^{[2]} - Y)"))
    assert (code, not_proved(report)) == (1, [(35, "refuted")])
    code, report = run(edited(tmp_path, NG, 35, "dZ^{[2]} = A^{[2]} - Y",
                              "dZ^{[2]} = \\frac{\\partial J}{\\partial Z^{[2]}}"))
    assert (code, not_proved(report)) == (1, [(35, "refuted")])


# -- definitions that contradict the network --------------------------------------------------------

CHAIN = "chain_rule.md"


def repairs(report, line):
    (result,) = [r for r in report["results"] if r["line"] == line and r["verdict"] == "refuted"]
    return [(r["kind"], r["old"], r["new"]) for r in result["repairs"]]


def test_a_chain_rule_document_checks_clean():
    code, report = run(NETWORKS / CHAIN)
    assert (code, not_proved(report)) == (0, [])
    assert {16, 20} <= {r["line"] for r in report["results"] if r["verdict"] == "proved"}


def test_an_output_defined_in_terms_of_itself_is_refuted_with_its_repair(tmp_path):
    # the layer is still read as sigmoid (the function it applies): nothing downstream is undecided
    code, report = run(edited(tmp_path, CHAIN, 11, "w_{11}^{(3)} a_1^{(2)}", "w_{11}^{(3)} a_1^{(3)}"))
    assert (code, not_proved(report)) == (1, [(11, "refuted")])
    assert repairs(report, 11) == [("wrong layer", "a_1^{(3)}", "a_1^{(2)}")]


def test_a_chain_whose_members_name_different_units_is_refuted_where_it_differs(tmp_path):
    code, report = run(edited(tmp_path, CHAIN, 7, "a_2^{(2)} = \\sigma(z_2^{(2)})", "a_2^{(2)} = \\sigma(z_1^{(2)})"))
    assert (code, not_proved(report)) == (1, [(7, "refuted")])
    assert repairs(report, 7) == [("index slip", "z_1^{(2)}", "z_2^{(2)}")]


def test_a_chain_rule_through_a_unit_the_weight_does_not_reach_is_refuted_with_the_unit(tmp_path):
    lines = (NETWORKS / CHAIN).read_text(encoding="utf-8").split("\n")
    chain = lines[15]
    assert chain.count("a_1^{(2)}") == 2 and chain.count("z_1^{(2)}") == 2
    lines[15] = chain.replace("a_1^{(2)}", "a_2^{(2)}").replace("z_1^{(2)}", "z_2^{(2)}")
    path = tmp_path / CHAIN
    path.write_text("\n".join(lines), encoding="utf-8")
    code, report = run(path)
    assert (code, not_proved(report)) == (1, [(16, "refuted")])
    ((kind, old, new),) = repairs(report, 16)
    assert kind == "wrong unit in the chain"
    assert old.count("a_2^{(2)}") == 2 and new.count("a_1^{(2)}") == 2 and "a_2^{(2)}" not in new


def test_one_bias_shared_by_a_layer_written_without_a_unit(tmp_path):
    code, report = run(NETWORKS / "shared_bias.md")
    assert (code, not_proved(report)) == (0, [])
    assert "one bias shared by layer 2, one bias shared by layer 3" in json.dumps(report)
    # the shared bias feeds both hidden units: a gradient through one of them only is refuted
    code, report = run(edited(tmp_path, "shared_bias.md", 17,
                              " + w_{12}^{(3)} a_2^{(2)} (1 - a_2^{(2)}) \\right)", " \\right)"))
    assert (code, not_proved(report)) == (1, [(17, "refuted")])


def test_ng_statements_for_every_layer_are_checked_at_every_layer(tmp_path):
    code, report = run(NETWORKS / "ng_deep_layer_l.md")
    assert (code, not_proved(report)) == (0, [])
    (dw,) = [r for r in report["results"] if r["line"] == 21]
    assert dw["detail"].endswith("proved for every l = 2 (row = 1..3, column = 1..2); l = 3 (row = 1..2, "
                                 "column = 1..3); l = 4 (row = 1, column = 1..2) (14 instances)")
    # A^{[l]} where A^{[l-1]} is meant: the shapes differ at the first hidden layer, said with both
    code, report = run(edited(tmp_path, "ng_deep_layer_l.md", 21, "A^{[l-1]T}", "A^{[l]T}"))
    assert (code, not_proved(report)) == (2, [(21, "error")])
    assert "for l = 2 the left side is 3\u00d72 and this side 3\u00d73" in json.dumps(report, ensure_ascii=False)


def test_a_cost_written_as_the_average_of_each_example_loss(tmp_path):
    # L^{(i)} defined for every example i, J their average: the loss is the cross-entropy it says
    # (read as the default squared error, dZ^{[2]} = A^{[2]} - Y would be refuted)
    text = (NETWORKS / NG).read_text(encoding="utf-8")
    cost = text[text.index("$$J = -\\frac{1}{m}"):text.index("## Backward")]
    path = tmp_path / NG
    path.write_text(text.replace(cost, "$$L^{(i)} = -\\left( y^{(i)} \\ln a^{[2](i)} + (1 - y^{(i)}) \\ln (1 - a^{[2](i)})"
                                       " \\right)$$\n\n$$J = \\frac{1}{m} \\sum_{i=1}^{m} L^{(i)}$$\n\n"), encoding="utf-8")
    code, report = run(path)
    assert (code, not_proved(report)) == (0, [])
    assert "E = -sum_i (t_i log a_i + (1 - t_i) log(1 - a_i)), mini-batch of 2" in json.dumps(report)


def test_ng_notes_that_never_write_their_cost_are_undecided_not_judged_under_squared_error(tmp_path):
    text = (NETWORKS / NG).read_text(encoding="utf-8")
    cost = text[text.index("$$J = -\\frac{1}{m}"):text.index("## Backward")]
    path = tmp_path / NG
    path.write_text(text.replace(cost, ""), encoding="utf-8")
    code, report = run(path)
    assert code == 0                                            # not checked: listed, passes unless strict
    assert {r["line"] for r in report["results"] if r["verdict"] != "proved"} >= \
        {28, 33, 35, 37, 39, 43, 45, 47, 51, 53, 57}            # every gradient: nothing refuted
    assert {r["verdict"] for r in report["results"]} == {"proved", "not checked"}
    assert "the document does not write its cost J" in report["results"][-1]["detail"]
    # stated in the front matter, the same notes are proved
    path.write_text(text.replace(cost, "").replace("  layers: [2, 2, 1]", "  layers: [2, 2, 1]\n  loss: binary-cross-entropy"),
                    encoding="utf-8")
    code, report = run(path)
    assert (code, not_proved(report)) == (0, [])


def test_ng_notes_without_a_hidden_bias(tmp_path):
    # Z^{[1]} = W^{[1]} X: the hidden layer has no bias; the gradients of the others are unchanged
    path = edited(tmp_path, NG, 14, " + b^{[1]}$$", "$$")
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[48].startswith("$$db^{[1]}")
    lines[48] = "$$dW^{[1]} = \\frac{1}{m} dZ^{[1]} X^T$$"
    path.write_text("\n".join(lines), encoding="utf-8")
    code, report = run(path)
    assert (code, not_proved(report)) == (0, [])
    assert "no bias in layer 2" in json.dumps(report)
    # db^{[1]} named again: the hidden layer has a bias after all, and Z^{[1]} leaves it out
    lines[48] = "$$db^{[1]} = \\frac{1}{m} \\sum_{i=1}^{m} dZ^{[1](i)}$$"
    path.write_text("\n".join(lines), encoding="utf-8")
    code, report = run(path)
    assert (code, not_proved(report)) == (1, [(14, "refuted")])
