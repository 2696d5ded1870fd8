"""Documents that state no sizes, and sizes stated in the text (issue 18 item 4).

A general derivation (`w^l_{jk}`, `\\delta^l`, no unit and no layer named by number) is checked on
three networks, 2-2-2, 3-2-4 and 2-3-3-2, and every report says it was proved *on those*, never for
every size; a statement wrong on one of them is refuted with that network named, including one a
2-2-2 network hides (a layer L - 1 that equals l only when L = 3).  Sizes said in the text (Ng's
`n^{[1]} = 4`, `w^2 \\in \\mathbb{R}^{3 \\times 2}`, "a 2-3-1 network") are the network checked, alone.
The fixtures are tests/sizes/any_depth.md (course notes in Nielsen's notation) and
tests/sizes/planar_notes.md (study notes in Ng's notation, its sizes in a sentence).
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from derive.understand.sizes import Sizes, sizes_in_text

SIZES = Path(__file__).resolve().parent / "sizes"
ANY_DEPTH = SIZES / "any_depth.md"
PLANAR = SIZES / "planar_notes.md"
NETWORKS = "proved on 3 networks: 2-2-2, 3-2-4, 2-3-3-2 (the document states no sizes)"
MODEL = "sizes not stated, checked on 3 networks 2-2-2, 3-2-4, 2-3-3-2: sigmoid network"


def run(path: Path, fmt: str = "json", *more: str):
    result = CliRunner().invoke(main, ["check", str(path), "--format", fmt, "--timeout", "60", *more])
    return result.exit_code, (json.loads(result.output) if fmt == "json" else result.output)


def edited(tmp_path: Path, source: Path, line: int, old: str, new: str) -> Path:
    lines = source.read_text(encoding="utf-8").split("\n")
    assert lines[line - 1].count(old) == 1, f"{old!r} is not once on line {line} of {source.name}"
    lines[line - 1] = lines[line - 1].replace(old, new)
    path = tmp_path / source.name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def not_proved(report) -> list[tuple[int, str]]:
    return sorted({(r["line"], r["verdict"]) for r in report["results"] if r["verdict"] != "proved"})


# -- no sizes stated: proved on three networks --------------------------------------------------------

def test_a_derivation_for_any_depth_is_proved_on_three_networks_and_says_so():
    code, report = run(ANY_DEPTH)
    assert code == 0 and report["summary"]["proved"] == 9 and not_proved(report) == []
    assert report["model"].startswith(MODEL)
    for r in report["results"]:
        assert r["detail"].startswith(NETWORKS + "; on 2-2-2: "), r["detail"]
        assert r["networks"] == ["2-2-2", "3-2-4", "2-3-3-2"]


def test_the_table_says_on_which_networks_and_that_it_is_not_every_size():
    code, text = run(ANY_DEPTH, "table")
    assert code == 0
    assert (f"{ANY_DEPTH}: 9 claims proved on 3 networks: 2-2-2, 3-2-4, 2-3-3-2 (the document states no "
            "sizes: not proved for every size)") in text.split("\n")
    assert f"model: {MODEL}" in text


def test_github_junit_and_html_say_on_which_networks():
    _, github = run(ANY_DEPTH, "github")
    assert (f"::notice file={ANY_DEPTH},title=derive%3A proved on the networks checked::9 claims proved on 3 "
            "networks: 2-2-2, 3-2-4, 2-3-3-2 (the document states no sizes: not proved for every size)") \
        in github.split("\n")
    _, junit = run(ANY_DEPTH, "junit")
    cases = ET.fromstring(junit).iter("testcase")
    assert [case.findtext("system-out") for case in cases] == [NETWORKS] * 9
    _, html = run(ANY_DEPTH, "html")
    assert html.count("<summary>proved on 3 networks: 2-2-2, 3-2-4, 2-3-3-2</summary>") == 9
    assert "9 claims proved on 3 networks: 2-2-2, 3-2-4, 2-3-3-2 (the document states no sizes: not proved" in html


def test_a_network_the_document_states_is_the_one_checked(tmp_path):
    path = tmp_path / "stated.md"
    path.write_text("---\nderive:\n  layers: [2, 3, 1]\n---\n" + ANY_DEPTH.read_text(encoding="utf-8"), encoding="utf-8")
    code, report = run(path)
    assert code == 0 and report["summary"]["proved"] == 9
    assert report["model"].startswith("2-3-1 sigmoid network")
    assert all("networks" not in r and "proved on" not in r["detail"] for r in report["results"])
    code, report = run(ANY_DEPTH, "json", "--model", "3-2-2")
    assert code == 0 and report["model"].startswith("3-2-2 sigmoid network")
    assert all("networks" not in r for r in report["results"])


# -- a mistake on one of the networks ------------------------------------------------------------------

ANY_DEPTH_MISTAKES = [
    # the transpose left out of the backward step: wrong in the square 2-2-2 network already (and of
    # no shape in the 3-2-4 one, which the same line says)
    (31, "((w^{l+1})^T \\delta^{l+1})", "(w^{l+1} \\delta^{l+1})", 31, "on the 2-2-2 network (the document "
     "states no sizes): "),
    # the indices of a weight's gradient exchanged
    (43, "a^{l-1}_k \\delta^l_j", "a^{l-1}_j \\delta^l_k", 43, "on the 2-2-2 network (the document states no sizes): "),
]


@pytest.mark.parametrize("line, old, new, at, words", ANY_DEPTH_MISTAKES, ids=[f"line {m[0]}" for m in ANY_DEPTH_MISTAKES])
def test_a_single_mistake_is_refuted_at_its_line_with_the_network_named(tmp_path, line, old, new, at, words):
    code, report = run(edited(tmp_path, ANY_DEPTH, line, old, new))
    assert (code, not_proved(report)) == (1, [(at, "refuted")])
    (wrong,) = [r for r in report["results"] if r["verdict"] == "refuted"]
    assert wrong["detail"].startswith(words), wrong["detail"]
    assert wrong["networks"][0] == words.split()[2]


def test_a_mistake_a_2_2_2_network_hides_is_refuted_on_a_deeper_one(tmp_path):
    # sigma'(z^{L-1}) for sigma'(z^l) in a statement over l and l+1: in a network of 3 layers l is 2
    # = L - 1 and the two agree; with 4 layers, l = 2 is not L - 1
    path = edited(tmp_path, ANY_DEPTH, 35, "\\sigma'(z^l_j)", "\\sigma'(z^{L-1}_j)")
    code, report = run(path, "json", "--model", "2-2-2")
    assert (code, not_proved(report)) == (0, [])                 # hidden by the 2-2-2 network alone
    code, report = run(path)
    assert (code, not_proved(report)) == (1, [(35, "refuted")])
    (wrong,) = [r for r in report["results"] if r["verdict"] == "refuted"]
    assert wrong["detail"].startswith("on the 2-3-3-2 network (the document states no sizes; proved on 2-2-2, "
                                      "3-2-4): exact: the difference is not 0")
    assert wrong["networks"] == ["2-3-3-2"] and wrong["counterexample"] is not None
    code, text = run(path, "table")
    assert "refuted: on the 2-3-3-2 network (the document states no sizes; proved on 2-2-2, 3-2-4)" in text


def test_a_formula_of_no_shape_on_one_network_is_refuted_there(tmp_path):
    # delta^L for delta^{l+1}: the same in 3 layers; with 4, (w^3)^T delta^4 cannot be formed
    code, report = run(edited(tmp_path, ANY_DEPTH, 31, "\\delta^{l+1})", "\\delta^{L})"))
    assert (code, not_proved(report)) == (1, [(31, "refuted")])
    (wrong,) = [r for r in report["results"] if r["verdict"] == "refuted"]
    assert wrong["detail"] == ("on the 2-3-3-2 network (the document states no sizes) it has no value: "
                               "matrix product of 3×3 and 2×1: 3 columns against 2 rows (proved on 2-2-2, 3-2-4)")
    assert wrong["networks"] == ["2-3-3-2"] and wrong["claim"].startswith("\\delta^l = ")
    assert report["summary"]["proved"] == 8 and report["summary"]["spans"]["refuted"] == 1


# -- sizes stated in the text ---------------------------------------------------------------------------

PREFACE = "hidden layer. This week nothing depends on how many layers there are, or how wide each one is."


@pytest.mark.parametrize("sentence, model", [
    ("Our running example is a 2-3-1 network.", "2-3-1 sigmoid network"),
    ("The example has two inputs, three hidden units and one output.", "2-3-1 sigmoid network"),
    ("In the example $w^2 \\in \\mathbb{R}^{3 \\times 2}$ and $w^3 \\in \\mathbb{R}^{1 \\times 3}$.", "2-3-1 sigmoid network"),
    ("In general $w^l \\in \\mathbb{R}^{n_l \\times n_{l-1}}$.", MODEL),            # symbolic: no sizes
], ids=["a 2-3-1 network", "units in words", "weight shapes", "symbolic shapes"])
def test_sizes_said_in_the_text_are_the_network_checked(tmp_path, sentence, model):
    path = edited(tmp_path, ANY_DEPTH, 4, PREFACE, PREFACE + "\n" + sentence)
    code, report = run(path)
    assert (code, not_proved(report), report["summary"]["proved"]) == (0, [], 9)
    assert report["model"].startswith(model)
    assert all(("networks" in r) == (model == MODEL) for r in report["results"])


def test_sizes_in_text_reads_each_way_of_saying_them():
    assert sizes_in_text(["$n^{[0]} = n_x = 2$ inputs, $n^{[1]} = 3$ hidden units, $n^{[2]} = 1$"], "column", 1) \
        == ((2, 3, 1), "n^{[l]}")
    assert sizes_in_text([r"\mathbf{W}^{(1)} \in \mathbb{R}^{3 \times 2}", r"\mathbf{W}^{(2)} \in \mathbb{R}^{1 \times 3}"],
                         "column", 1)[0] == (2, 3, 1)
    assert sizes_in_text([r"W^{(2)} \in \mathbb{R}^{2 \times 3}", r"W^{(3)} \in \mathbb{R}^{3 \times 1}"], "row", 1)[0] \
        == (2, 3, 1)                                        # row vectors: a W's rows are the units it reads
    assert sizes_in_text(["We train a 4-5-3 neural network."], "row", 1)[0] == (4, 5, 3)
    assert sizes_in_text(["A tiny net: two inputs, three hidden units and one output."], "column", 1) \
        == ((2, 3, 1), "in words")
    assert sizes_in_text(["2 input features, 4 hidden neurons, 1 output unit"], "row", 1)[0] == (2, 4, 1)
    assert sizes_in_text(["three hidden units"], "column", 1) == (None, "")              # the others unsaid
    assert sizes_in_text(["two inputs, three hidden units, one output; later five hidden units"], "column", 1) \
        == (None, "")
    assert sizes_in_text([r"\mathbf{W}^{(1)} \in \mathbb{R}^{h \times d}"], "column", 1) == (None, "")
    assert sizes_in_text(["$n^{[1]} = 3$ and later $n^{[1]} = 4$, $n^{[0]} = 2$"], "column", 1) == (None, "")   # said twice
    assert sizes_in_text(["$n^{[0]} = 2$, $n^{[2]} = 1$"], "column", 1) == (None, "")       # a layer left out


def test_the_networks_a_document_without_sizes_is_checked_on():
    assert Sizes(free="depth").instances == ((2, 2, 2), (3, 2, 4), (2, 3, 3, 2))
    assert Sizes(free="widths", depth=3).instances == ((2, 2, 2), (3, 2, 4), (2, 4, 3))
    assert Sizes(free="widths", depth=4).instances == ((2, 2, 2, 2), (3, 2, 4, 3), (2, 4, 3, 2))
    assert Sizes(stated=(2, 3, 1)).instances == () and Sizes().instances == ()


# -- Ng's notes, sizes in a sentence ----------------------------------------------------------------------

def test_ng_notes_with_their_sizes_in_a_sentence_check_fully():
    code, report = run(PLANAR)
    assert (code, not_proved(report), report["summary"]["proved"]) == (0, [], 13)
    assert report["model"].startswith("2-4-1 tanh,sigmoid network, E = -sum_i (t_i log a_i + (1 - t_i) log(1 - a_i)), "
                                      "mini-batch of 2 examples (E averaged), column vectors")
    assert report["summary"]["spans"] == {"proved": 13, "bound": 3, "prose": 4}
    identity = [r for r in report["results"] if r["line"] == 40]
    assert [r["detail"] for r in identity][0] == "proved as an identity in z (no network needed)"


PLANAR_MISTAKES = [
    # the 1/m of the average forgotten in dW^{[2]}
    (30, "\\frac{1}{m} dZ^{[2]} A^{[1]T}", "dZ^{[2]} A^{[1]T}", [(30, "refuted")], 1),
    # the hidden error with the sigmoid's derivative, in a tanh layer
    (34, "g^{[1]\\prime}(Z^{[1]})", "A^{[1]} * (1 - A^{[1]})", [(34, "refuted")], 1),
    # tanh's derivative written for the sigmoid's
    (40, "1 - (A^{[1]})^2", "A^{[1]} * (1 - A^{[1]})", [(40, "refuted")], 1),
    # the sign of the output error
    (28, "A^{[2]} - Y", "Y - A^{[2]}", [(28, "refuted")], 1),
]


@pytest.mark.parametrize("line, old, new, expected, exit_code", PLANAR_MISTAKES, ids=[f"line {m[0]}" for m in PLANAR_MISTAKES])
def test_a_single_mistake_in_ng_notes_is_refuted_at_its_line(tmp_path, line, old, new, expected, exit_code):
    code, report = run(edited(tmp_path, PLANAR, line, old, new))
    assert (code, not_proved(report)) == (exit_code, expected)


def test_an_untransposed_activation_in_ng_notes_cannot_be_formed_and_is_repaired(tmp_path):
    # dZ^{[2]} (1 x m) times A^{[1]} (4 x m): a shape error at its line, its repair the transpose
    code, report = run(edited(tmp_path, PLANAR, 30, "A^{[1]T}", "A^{[1]}"))
    assert (code, not_proved(report)) == (2, [(30, "error")])
    (wrong,) = [r for r in report["results"] if r["verdict"] == "error"]
    assert "matrix product of 1×2 and 4×2" in wrong["detail"]
    assert [(r["old"], r["new"], r["kind"]) for r in wrong["repairs"]] == [("A^{[1]}", "A^{[1]T}", "missing transpose")]


# -- a book chapter's generic network (understand/generic.py) -------------------------------------------

BOOK = Path(__file__).resolve().parent / "generic" / "book_chapter.md"


def test_a_generic_chapter_with_symbolic_sizes_is_proved_on_three_networks():
    # x in R^d, W^{(1)} in R^{h x d}: no number, so three networks of its depth
    code, report = run(BOOK)
    assert (code, not_proved(report)) == (0, [])
    assert report["model"].startswith("sizes not stated, checked on 3 networks 2-3-2, 3-2-4, 2-4-3: vectors x, z, h, "
                                      "o (column vectors, no biases)")
    assert all(r["networks"] == ["2-3-2", "3-2-4", "2-4-3"] for r in report["results"])


def test_a_generic_chapter_with_its_shapes_in_numbers_is_checked_in_them(tmp_path):
    text = BOOK.read_text(encoding="utf-8").replace("h \\times d", "4 \\times 2").replace("q \\times h", "2 \\times 4")
    path = tmp_path / "book.md"
    path.write_text(text, encoding="utf-8")
    code, report = run(path)
    assert (code, not_proved(report)) == (0, [])
    assert report["model"].startswith("vectors x ∈ R^2, z ∈ R^4, h ∈ R^4, o ∈ R^2 (column vectors, no biases)")
    assert all("networks" not in r for r in report["results"])
