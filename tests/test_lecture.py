"""Lecture documents end to end: three fixtures (Markdown, notebook, LaTeX) deriving backprop for
the OUTPUT layer of a 2-2-2 sigmoid network, every claim in them proved; then single-edit mistakes,
each of which must be found at exactly the line that was edited, and rewrites that must still pass.

The fixtures live in tests/fixtures/ and are written for these tests (they are not the shared
lecture).  Line numbers below are lines of tests/fixtures/output_layer_lecture.md; every edit
asserts that the text it replaces is on that line, so a fixture that drifts fails loudly.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from derive.model.spec import Spec
from derive.pipeline.options import Options
from derive.pipeline.run import check_paths
from derive.sources.documents import read_document

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LECTURE = FIXTURES / "output_layer_lecture.md"
NOTEBOOK = FIXTURES / "output_layer.ipynb"
TEX = FIXTURES / "output_layer.tex"

LECTURE_CLAIMS = 75
ALL_PROVED = {"proved": LECTURE_CLAIMS, "refuted": 0, "undecided": 0, "errors": 0}


# --------------------------------------------------------------------------- helpers

def check(path, **options):
    return check_paths([str(path)], Options(**options) if options else None)


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def not_proved(report):
    return [r for r in report.results if r.verdict != "proved"]


def edit(text: str, line: int, old: str, new: str) -> str:
    """Mutate line `line` (1-based): its only occurrence of `old` becomes `new`."""
    lines = text.split("\n")
    found = lines[line - 1].count(old)
    assert found == 1, f"line {line} holds {old!r} {found} times: {lines[line - 1]!r}"
    lines[line - 1] = lines[line - 1].replace(old, new)
    return "\n".join(lines)


def insert(text: str, after: int, block: str) -> str:
    """Insert `block` (its own lines) after line `after` (0: at the top)."""
    lines = text.split("\n")
    return "\n".join(lines[:after] + block.split("\n") + lines[after:])


def lecture_text() -> str:
    return LECTURE.read_text(encoding="utf-8")


def write(tmp_path, text: str, name: str = "lecture.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def mutated_lecture(tmp_path, line, old, new) -> Path:
    return write(tmp_path, edit(lecture_text(), line, old, new))


def flat(value):
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in flat(item)]
    return [float(value)]


def gap(counterexample) -> float:
    """The largest difference between the two sides' values at the counterexample."""
    lhs, rhs = flat(counterexample.lhs), flat(counterexample.rhs)
    assert len(lhs) == len(rhs)
    return max(abs(a - b) for a, b in zip(lhs, rhs))


def assert_only_wrong_at(report, line: int, verdict: str, total: int = LECTURE_CLAIMS):
    """Every claim is proved except the ones at `line`, which all have `verdict`."""
    bad = not_proved(report)
    assert bad, "the mistake was not found"
    assert [(r.line, r.verdict) for r in bad] == [(line, verdict)] * len(bad), bad
    assert sum(report.summary().values()) == total
    for r in bad:
        if verdict == "refuted":
            assert r.counterexample is not None, r.detail
            assert gap(r.counterexample) > 1e-6, r.counterexample
            assert r.counterexample.point, "a counterexample names its point"
    assert report.exit_code == (2 if verdict == "error" else 1)


# --------------------------------------------------------------------------- the fixtures as written

def test_markdown_lecture_is_all_proved():
    report = check(LECTURE)
    assert report.summary() == ALL_PROVED
    assert report.spans == {"proved": 63, "no claim": 4, "prose": 27, "skipped": 1}     # inline math: prose
    assert report.exit_code == 0
    assert "2-2-2 sigmoid network" in report.model
    assert {r.file for r in report.results} == {str(LECTURE)}


def test_markdown_lecture_through_the_cli_json():
    result = cli("check", LECTURE, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["summary"] == {**ALL_PROVED, "spans": {"proved": 63, "no claim": 4, "prose": 27, "skipped": 1}}
    assert len(data["results"]) == LECTURE_CLAIMS
    assert all(r["verdict"] == "proved" and r["counterexample"] is None for r in data["results"])


def test_markdown_lecture_chains_run_across_blocks_prose_and_tables():
    """The ∂E/∂b_1 chain: a lone head block, Korean prose, then `=` blocks; the ∂E/∂w_12 chain is
    continued after a pipe table; a + block continues a member."""
    report = check(LECTURE)
    lines = {(r.line, r.col) for r in report.results}
    assert {(110, 5), (112, 5)} <= lines                 # members of the chain headed at line 106
    assert (90, 5) in lines                              # continues line 80 after the pipe table
    assert (35, 5) in lines and (37, 5) not in lines     # 35 + 37 is one member
    b1 = [r for r in report.results if r.line in (110, 112)]
    assert all(r.claim.startswith(r"\frac{\partial E}{\partial b_1^{(3)}} = ") for r in b1)


def test_markdown_lecture_loss3_definition_after_its_use_is_a_claim():
    report = check(LECTURE)
    definition = [r for r in report.results if r.line == 138]
    assert [r.claim.split(" = ")[0] for r in definition] == [r"loss\_3"]
    assert definition[0].verdict == "proved"


def test_notebook_is_all_proved_and_code_cells_are_ignored():
    report = check(NOTEBOOK)
    assert report.summary() == {"proved": 16, "refuted": 0, "undecided": 0, "errors": 0}
    assert report.spans == {"proved": 12, "no claim": 1, "prose": 3}
    assert report.exit_code == 0
    spans, problems = read_document(NOTEBOOK)
    assert problems == []
    assert sorted({s.cell for s in spans}) == [1, 3, 4, 6]        # cells 2 and 5 are code
    assert not any("x = 1" in s.text for s in spans)
    # the chain headed in cell 1 goes on in cell 3, across the code cell
    assert [(r.cell, r.line) for r in report.results if r.claim.startswith(r"\frac{\partial E}{\partial b_1^{(3)}} =")] == [(3, 3), (3, 5), (3, 7)]


def test_latex_is_all_proved_with_comments_and_skip():
    report = check(TEX)
    assert report.summary() == {"proved": 14, "refuted": 0, "undecided": 0, "errors": 0}
    assert report.spans == {"proved": 8, "prose": 4, "skipped": 1}
    assert report.exit_code == 0
    spans, problems = read_document(TEX)
    assert problems == []
    assert not any("E = 0" in s.text or "x = 1" in s.text or "after" in s.text for s in spans)
    assert [s.skipped for s in spans].count(True) == 1
    assert sorted({r.line for r in report.results}) == [14, 15, 16, 17, 19, 20, 27, 28, 29, 35, 37, 40]


# --------------------------------------------------------------------------- single-edit mistakes

MISTAKES = [
    pytest.param(88, r"\frac{\partial z_1^{(3)}}{\partial w_{12}^{(3)}}",
                 r"\frac{\partial z_1^{(3)}}{\partial w_{21}^{(3)}}", "refuted",
                 id="swapped weight index in a local derivative (pipe table)"),
    pytest.param(43, r"\times a_1^{(2)}$$", r"\times a_2^{(2)}$$", "refuted",
                 id="wrong hidden unit"),
    pytest.param(80, r"\times a_2^{(2)}$$", r"\times a_1^{(2)}$$", "refuted",
                 id="wrong hidden unit in a one-line chain"),
    pytest.param(8, r"a_2^{(1)}w_{12}^{(2)}", r"a_1^{(1)}w_{12}^{(2)}", "refuted",
                 id="wrong input unit in a tab-table definition"),
    pytest.param(90, r"\times a_1^{(3)} (1 - a_1^{(3)}) \times a_2^{(2)}", r"\times a_2^{(2)}", "refuted",
                 id="dropped sigmoid derivative"),
    pytest.param(112, r"(a_1^{(3)} - t_1^{(3)})", r"(t_1^{(3)} - a_1^{(3)})", "refuted",
                 id="sign error"),
    pytest.param(164, r"W3^T", r"W3", "refuted",
                 id="missing transpose with valid shapes"),
    pytest.param(133, r"A2^T", r"A2", "error",
                 id="missing transpose gives a shape error"),
    pytest.param(17, r"\partial W^{(3)}", r"\partial W^{(2)}", "refuted",
                 id="wrong layer in an update rule"),
    pytest.param(142, r"(A2^T", r"(A1^T", "refuted",
                 id="wrong layer of activations in the W update"),
    pytest.param(158, r"\alpha \times loss\_3", r"\alpha \times loss\_2", "refuted",
                 id="wrong loss in the b update"),
    pytest.param(144, r"w_{11}^{(3)} - \alpha \times", r"w_{11}^{(3)} + \alpha \times", "refuted",
                 id="sign of a scalar update"),
    pytest.param(49, r"(t_1^{(3)} - a_1^{(3)})^2", r"(t_1^{(3)} - a_2^{(3)})^2", "refuted",
                 id="typo in a restated definition"),
    pytest.param(102, r"a_2^{(3)} = \sigma(z_2^{(3)})", r"a_2^{(3)} = \sigma(z_1^{(3)})", "refuted",
                 id="typo in an inline restated definition"),
    pytest.param(72, r"\text{sigmoid}(z_2^{(3)})", r"\text{sigmoid}(z_1^{(3)})", "refuted",
                 id="typo in an aligned restated definition"),
    pytest.param(47, r"E = E_1 + E_2", r"E = E_1 - E_2", "refuted",
                 id="restated total loss"),
    pytest.param(11, r"E_2 = \frac{1}{2} (t_2^{(3)} - a_2^{(3)})^2", r"E_2 = \frac{1}{2} (t_2^{(3)} - a_1^{(3)})^2",
                 "refuted", id="typo in the E_2 definition of the tab table"),
    pytest.param(127, r"a_1^{(2)}(a_2^{(3)} - t_2^{(3)})", r"a_2^{(2)}(a_2^{(3)} - t_2^{(3)})", "refuted",
                 id="wrong entry in a pmatrix"),
    pytest.param(125, r"+ \frac{\partial E_2}{\partial w_{21}^{(3)}}", r"+ \frac{\partial E_1}{\partial w_{21}^{(3)}}",
                 "refuted", id="wrong + continuation row in a pmatrix"),
    pytest.param(129, r"\begin{pmatrix} a_1^{(2)} \\ a_2^{(2)} \end{pmatrix}",
                 r"\begin{pmatrix} a_2^{(2)} \\ a_1^{(2)} \end{pmatrix}", "refuted",
                 id="column vector in the wrong order"),
    pytest.param(150, r"\frac{\partial E}{\partial b_2^{(3)}}", r"\frac{\partial E}{\partial b_1^{(3)}}", "refuted",
                 id="wrong entry in the bias gradient row"),
    pytest.param(41, r"\times 0$$", r"\times a_1^{(2)}$$", "refuted",
                 id="wrong part in a + continuation block"),
    pytest.param(37, r"\frac{\partial z_2^{(3)}}{\partial w_{11}^{(3)}}",
                 r"\frac{\partial z_1^{(3)}}{\partial w_{11}^{(3)}}", "refuted",
                 id="wrong local derivative in a + continuation block"),
    pytest.param(39, r"\times a_1^{(2)}$$", r"\times a_2^{(2)}$$", "refuted",
                 id="wrong first part of a member continued by a + block"),
    pytest.param(65, r"\times a_1^{(2)} \quad", r"\times a_2^{(2)} \quad", "refuted",
                 id="wrong &= row in an aligned block"),
    pytest.param(64, r"\times a_1^{(2)} \\", r"\times a_2^{(2)} \\", "refuted",
                 id="wrong &quad + row in an aligned block"),
    pytest.param(61, r"\frac{\partial z_1^{(3)}}{\partial w_{21}^{(3)}}",
                 r"\frac{\partial z_1^{(3)}}{\partial w_{11}^{(3)}}", "refuted",
                 id="wrong &= row that a &quad + row continues"),
    pytest.param(138, r"(1-a_2^{(3)}) \end{pmatrix}", r"(1-a_1^{(3)}) \end{pmatrix}", "refuted",
                 id="typo in the loss_3 definition that comes after its use"),
    pytest.param(110, r"\frac{\partial z_1^{(3)}}{\partial b_1^{(3)}}", r"\frac{\partial z_1^{(3)}}{\partial b_2^{(3)}}",
                 "refuted", id="wrong local derivative in a chain continued after prose"),
    pytest.param(106, r"b_1^{(3)}", r"b_2^{(3)}", "refuted",
                 id="wrong head of a chain continued after prose"),
    pytest.param(114, r"{(1 + e^{-z_2^{(3)}})^2}", r"{(1 + e^{-z_2^{(3)}})}", "refuted",
                 id="dropped square in the exp form of the sigmoid derivative"),
    pytest.param(87, r"= a_1^{(3)} (1 - a_1^{(3)})$", r"= a_1^{(3)} (1 + a_1^{(3)})$", "refuted",
                 id="sign in a pipe-table local derivative"),
    pytest.param(33, r"= 0$", r"= a_1^{(2)}$", "refuted",
                 id="inline claim in prose"),
]


@pytest.mark.parametrize("line, old, new, verdict", MISTAKES)
def test_a_single_mistake_is_found_at_exactly_its_line(tmp_path, line, old, new, verdict):
    report = check(mutated_lecture(tmp_path, line, old, new))
    assert_only_wrong_at(report, line, verdict)


def test_shape_error_names_both_shapes_and_what_was_expected(tmp_path):
    path = mutated_lecture(tmp_path, 133, r"A2^T", r"A2")
    (error,) = not_proved(check(path))
    assert error.verdict == "error" and (error.line, error.col) == (133, 5)
    assert "1×2 and 1×2" in error.detail and "expected" in error.detail
    assert error.counterexample is None


def test_a_wrong_part_is_reported_at_its_line_with_its_repair(tmp_path):
    (wrong,) = not_proved(check(mutated_lecture(tmp_path, 41, r"\times 0$$", r"\times a_1^{(2)}$$")))
    assert wrong.line == 41
    assert [(r.line, r.old, r.new) for r in wrong.repairs][:1] == [(41, "a_1^{(2)}", "0")]


def test_a_wrong_plus_block_without_a_matching_member_is_still_refuted(tmp_path):
    """The ∂E/∂w_22 member at 96 + 98 has no other two-part member to compare with part by part,
    so it cannot be narrowed; it must still be refuted, at one of its own lines."""
    report = check(mutated_lecture(tmp_path, 98, r"(- a_2^{(3)} a_2^{(3)})", r"(- a_2^{(3)})"))
    (wrong,) = not_proved(report)
    assert wrong.verdict == "refuted" and wrong.line in (96, 98)
    assert gap(wrong.counterexample) > 1e-6


def test_refuted_claims_in_json_carry_the_counterexample(tmp_path):
    path = mutated_lecture(tmp_path, 112, r"(a_1^{(3)} - t_1^{(3)})", r"(t_1^{(3)} - a_1^{(3)})")
    result = cli("check", path, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["summary"]["refuted"] == 1 and data["summary"]["proved"] == LECTURE_CLAIMS - 1
    (wrong,) = [r for r in data["results"] if r["verdict"] != "proved"]
    assert (wrong["file"], wrong["line"], wrong["verdict"]) == (str(path), 112, "refuted")
    c = wrong["counterexample"]
    assert abs(c["lhs"] - c["rhs"]) > 1e-6
    assert {"x_1", "t_1^{(3)}", r"w_{11}^{(3)}"} <= set(c["point"])


# --------------------------------------------------------------------------- rewrites that stay right

REWRITES = [
    pytest.param(43, r"(a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \times a_1^{(2)}",
                 r"a_1^{(2)} \times (1 - a_1^{(3)}) a_1^{(3)} \times (a_1^{(3)} - t_1^{(3)})",
                 id="reordered factors"),
    pytest.param(90, r"a_1^{(3)} (1 - a_1^{(3)})", r"(a_1^{(3)} - (a_1^{(3)})^2)",
                 id="a - a^2"),
    pytest.param(112, r"\times a_1^{(3)} (1 - a_1^{(3)}) \times 1", r"\cdot a_1^{(3)} (1 - a_1^{(3)}) \cdot 1",
                 id="cdot"),
    pytest.param(87, r"\sigma(z_1^{(3)}) (1 - \sigma(z_1^{(3)}))", r"\frac{e^{-z_1^{(3)}}}{(1 + e^{-z_1^{(3)}})^2}",
                 id="exp form of the sigmoid derivative"),
    pytest.param(39, r"\text{sigmoid}(z_1^{(3)}) (1 - \text{sigmoid}(z_1^{(3)}))", r"\sigma'(z_1^{(3)})",
                 id="sigma prime"),
    pytest.param(112, r"(a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})",
                 r"(t_1^{(3)} - a_1^{(3)}) \times a_1^{(3)} (a_1^{(3)} - 1)",
                 id="cancelling sign flips"),
    pytest.param(86, r"= a_1^{(3)} - t_1^{(3)}$", r"= -(t_1^{(3)} - a_1^{(3)})$",
                 id="negated difference"),
    pytest.param(138, r"(a_1^{(3)} - t_1^{(3)})a_1^{(3)}(1-a_1^{(3)})",
                 r"-(t_1^{(3)} - a_1^{(3)})(a_1^{(3)} - a_1^{(3)} a_1^{(3)})",
                 id="loss_3 entry with a sign flip and a - a a"),
    pytest.param(49, r"\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2", r"\frac12 \left( a_1^{(3)} - t_1^{(3)} \right)^2",
                 id="frac12 and left-right with the difference reversed"),
    pytest.param(164, r"(loss\_3 \bullet W3^T)", r"(W3 \bullet loss\_3^T)^T",
                 id="transpose of a product"),
    pytest.param(142, r"\alpha \times (A2^T \bullet loss\_3)", r"(A2^T \bullet (\alpha \times loss\_3))",
                 id="alpha moved inside the product"),
    pytest.param(41, r"\times 0$$", r"\times 0 \times a_1^{(2)}$$",
                 id="a zero part stays zero"),
]


@pytest.mark.parametrize("line, old, new", REWRITES)
def test_an_equivalent_rewrite_is_still_proved(tmp_path, line, old, new):
    report = check(mutated_lecture(tmp_path, line, old, new))
    assert report.summary() == ALL_PROVED, not_proved(report)
    assert report.exit_code == 0


# --------------------------------------------------------------------------- notebook positions

def mutated_notebook(tmp_path, cell: int, line: int, old: str, new: str) -> Path:
    """Edit line `line` (1-based, within the cell) of cell `cell` (1-based, among all cells)."""
    data = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    source = data["cells"][cell - 1]["source"]
    assert data["cells"][cell - 1]["cell_type"] == "markdown"
    text = edit("".join(source), line, old, new)
    data["cells"][cell - 1]["source"] = text.splitlines(keepends=True)
    return write(tmp_path, json.dumps(data, ensure_ascii=False, indent=1), "nb.ipynb")


@pytest.mark.parametrize("cell, line, old, new", [
    pytest.param(3, 5, r"\times 1$$", r"\times a_1^{(2)}$$", id="chain continued from cell 1"),
    pytest.param(4, 8, r"\times 1", r"\times a_2^{(2)}", id="&quad + row of an aligned block"),
    pytest.param(6, 7, r"(1-a_2^{(3)}) \end{pmatrix}", r"(1-a_1^{(3)}) \end{pmatrix}", id="loss_3 in a table"),
    pytest.param(1, 11, r"a_2^{(3)} = \sigma(z_2^{(3)})", r"a_2^{(3)} = \sigma(z_1^{(3)})", id="definition in a table"),
])
def test_notebook_mistake_is_reported_with_its_cell_and_line(tmp_path, cell, line, old, new):
    path = mutated_notebook(tmp_path, cell, line, old, new)
    report = check(path)
    bad = not_proved(report)
    assert [(r.cell, r.line, r.verdict) for r in bad] == [(cell, line, "refuted")]
    assert gap(bad[0].counterexample) > 1e-6
    assert bad[0].location().startswith(f"{path}:cell {cell}:{line}:")
    assert report.summary()["proved"] == 15 and report.exit_code == 1
    data = json.loads(cli("check", path, "--format", "json").output)
    (wrong,) = [r for r in data["results"] if r["verdict"] != "proved"]
    assert (wrong["cell"], wrong["line"]) == (cell, line)


# --------------------------------------------------------------------------- LaTeX positions

@pytest.mark.parametrize("line, old, new", [
    pytest.param(29, r"\times a_1^{(2)}", r"\times a_2^{(2)}", id="last row of an align"),
    pytest.param(28, r"\frac{\partial E_2}{\partial a_2^{(3)}}", r"\frac{\partial E_1}{\partial a_2^{(3)}}",
                 id="row of an align followed by a comment"),
    pytest.param(16, r"\sigma(z_1^{(3)})", r"\sigma(z_2^{(3)})", id="row of an align*"),
    pytest.param(40, r"\alpha \times (A2^T", r"2 \alpha \times (A2^T", id="update in \\[ \\]"),
])
def test_latex_mistake_is_reported_at_its_line(tmp_path, line, old, new):
    path = write(tmp_path, edit(TEX.read_text(encoding="utf-8"), line, old, new), "notes.tex")
    report = check(path)
    assert_only_wrong_at(report, line, "refuted", total=14)


def test_latex_skip_directive_and_comments(tmp_path):
    text = TEX.read_text(encoding="utf-8")
    unskipped = write(tmp_path, text.replace("% derive: skip\n", "%\n"), "unskipped.tex")
    report = check(unskipped)
    (error,) = not_proved(report)
    assert error.verdict == "not checked" and error.line == 45    # the \sqrt block, now read: derive cannot
    assert "derive cannot read this equation" in error.detail and report.exit_code == 0     # it passes
    assert check(unskipped, strict=True).exit_code == 1                      # unless the run is strict
    assert report.summary()["proved"] == 14


# --------------------------------------------------------------------------- malformed documents

MALFORMED = [
    # (where to insert, the block, the error's line and column, words in the message)
    pytest.param(164, "\n$$\\frac{\\partial E}{\\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)})", (166, 1),
                 "expected a closing $$", id="unclosed $$"),
    pytest.param(21, "\n$$\\frac{\\partial E}{\\partial b_1^{(3)} = 1$$", (23, 20),      # at the brace left open
                 "a brace { is never closed", id="unbalanced braces"),
    pytest.param(2, "$$= (a_1^{(3)} - t_1^{(3)})$$\n", (3, 3), "expected an expression before the first '='",
                 id="= block with nothing before it"),
]


@pytest.mark.parametrize("after, block, where, words", MALFORMED)
def test_malformed_document_exits_2_names_the_place_and_checks_the_rest(tmp_path, after, block, where, words):
    path = write(tmp_path, insert(lecture_text(), after, block))
    result = cli("check", path)
    assert result.exit_code == 2
    line, col = where
    assert f"{path}:{line}:{col}:" in result.output
    assert words in result.output and "expected" in result.output
    report = check(path)
    assert report.summary() == {**ALL_PROVED, "errors": 1}
    (error,) = not_proved(report)
    assert (error.line, error.col, error.verdict) == (line, col, "error")
    assert report.spans["proved"] == 63 and report.spans["unreadable"] == 1


def test_equals_block_with_nothing_before_it_exits_2_and_the_rest_is_checked(tmp_path):
    path = write(tmp_path, insert(lecture_text(), 2, "$$= (a_1^{(3)} - t_1^{(3)})$$\n"))
    report = check(path)
    assert report.exit_code == 2
    assert report.summary() == {**ALL_PROVED, "errors": 1}
    (error,) = not_proved(report)
    assert "expected an expression before the first '='" in error.detail
    assert report.spans["proved"] == 63 and report.spans["unreadable"] == 1


# --------------------------------------------------------------------------- GitHub annotations

def test_github_format_annotates_a_refuted_claim(tmp_path):
    path = mutated_lecture(tmp_path, 158, r"\alpha \times loss\_3", r"\alpha \times loss\_2")
    result = cli("check", path, "--format", "github")
    assert result.exit_code == 1
    errors = [l for l in result.output.splitlines() if l.startswith("::error ")]
    assert len(errors) == 1
    assert re.match(r"::error file=[^,]*lecture\.md,line=158[,:]", errors[0]), errors[0]


# --------------------------------------------------------------------------- front matter

WIDE = r"""# 은닉 노드가 세 개인 신경망

$$\frac{\partial E}{\partial w_{13}^{(3)}} = \frac{\partial E_1}{\partial a_1^{(3)}} \times \frac{\partial a_1^{(3)}}{\partial z_1^{(3)}} \times \frac{\partial z_1^{(3)}}{\partial w_{13}^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \times a_3^{(2)}$$

출력 노드가 하나뿐이므로 손실은 한 항이다.

$$E = \frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2$$

$$\frac{\partial E}{\partial W^{(3)}} = A2^T \bullet loss\_3 = \begin{pmatrix} a_1^{(2)} \\ a_2^{(2)} \\ a_3^{(2)} \end{pmatrix} \bullet \begin{pmatrix} (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)}) \end{pmatrix}$$
"""
FRONT_MATTER = "---\ntitle: 2-3-1 출력층\nderive:\n  layers: [2, 3, 1]\n---\n\n"


def test_front_matter_sets_the_network(tmp_path):
    report = check(write(tmp_path, FRONT_MATTER + WIDE, "wide.md"))
    assert report.summary() == {"proved": 5, "refuted": 0, "undecided": 0, "errors": 0}
    assert report.exit_code == 0
    assert report.model.startswith("2-3-1 sigmoid network")
    assert [r.line for r in report.results] == [9, 9, 13, 15, 15]      # front matter lines count


def test_without_front_matter_the_same_text_is_not_all_proved(tmp_path):
    report = check(write(tmp_path, WIDE, "wide.md"))
    assert report.count("proved") == 0 and report.count("not checked") == 5     # a loss no network fits
    assert check(write(tmp_path, WIDE, "wide.md"), strict=True).exit_code == 1
    assert not report.model.startswith("2-3-1")
    assert check(write(tmp_path, WIDE, "wide.md"), spec=Spec(layers=(2, 3, 1))).exit_code == 0


def test_model_option_overrides_the_front_matter(tmp_path):
    path = write(tmp_path, FRONT_MATTER + WIDE, "wide.md")
    assert cli("check", path, "--model", "2-3-1").exit_code == 0
    result = cli("check", path, "--model", "2-2-2")
    assert result.exit_code == 2
    assert "a_{3}^{(2)} does not exist in the 2-2-2 network" in result.output


# --------------------------------------------------------------------------- bugs found and fixed

def test_wrong_part_is_found_when_parts_come_in_another_order(tmp_path):
    # Reference member (lines 1 + 3): E_1 path + E_2 path.  Wrong member (lines 5 + 7): the E_2
    # path (exactly 0, right) first, then the E_1 path with a_1^{(2)} where a_2^{(2)} belongs.
    text = "\n".join([
        r"$$\frac{\partial E}{\partial w_{12}^{(3)}} = \frac{\partial E_1}{\partial a_1^{(3)}} \times \frac{\partial a_1^{(3)}}{\partial z_1^{(3)}} \times \frac{\partial z_1^{(3)}}{\partial w_{12}^{(3)}}$$",
        "",
        r"$$+ \frac{\partial E_2}{\partial a_2^{(3)}} \times \frac{\partial a_2^{(3)}}{\partial z_2^{(3)}} \times \frac{\partial z_2^{(3)}}{\partial w_{12}^{(3)}}$$",
        "",
        r"$$= (a_2^{(3)} - t_2^{(3)}) \times a_2^{(3)} (1 - a_2^{(3)}) \times 0$$",
        "",
        r"$$+ (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \times a_1^{(2)}$$",
        ""])
    (wrong,) = not_proved(check(write(tmp_path, text, "order.md")))
    assert wrong.verdict == "refuted"
    assert "the wrong part is the one at line 5" not in wrong.detail     # line 5 equals the reference's 2nd part
    assert wrong.line == 7


def test_defining_one_output_unit_keeps_the_units_the_document_uses(tmp_path):
    text = "\n".join([
        r"$$z_1^{(3)} = a_1^{(2)} w_{11}^{(3)} + a_2^{(2)} w_{12}^{(3)} + b_1^{(3)}$$",
        "",
        r"$$a_1^{(3)} = \sigma(z_1^{(3)})$$",
        "",
        r"$$\frac{\partial E}{\partial b_2^{(3)}} = (a_2^{(3)} - t_2^{(3)}) \times a_2^{(3)} (1 - a_2^{(3)})$$",
        ""])
    report = check(write(tmp_path, text, "one_unit.md"))
    assert report.summary() == {"proved": 3, "refuted": 0, "undecided": 0, "errors": 0}


def test_notebook_error_message_names_the_cell(tmp_path):
    path = mutated_notebook(tmp_path, 3, 7, r"(1 - a_1^{(3)})$$", r"(1 - a_1^{(3)}$$")
    (error,) = not_proved(check(path))
    assert (error.cell, error.line, error.verdict) == (3, 7, "error")
    assert error.detail.startswith(f"{path}:cell 3:7:")


def test_latex_label_in_a_math_environment_is_ignored(tmp_path):
    text = TEX.read_text(encoding="utf-8")
    text = edit(text, 29, r"\times a_1^{(2)}", r"\times a_1^{(2)} \label{eq:w21}")
    text = edit(text, 35, r"\text{출력층 가중치 오차역전파 공식}", r"\label{eq:W3}")
    report = check(write(tmp_path, text, "labels.tex"))
    assert report.summary() == {"proved": 14, "refuted": 0, "undecided": 0, "errors": 0}


def test_front_matter_is_not_read_as_math(tmp_path):
    text = '---\ntitle: "출력층 $W^{(3)} = 1$ 유도"\nderive:\n  layers: [2, 2, 2]\n---\n\n$$E = E_1 + E_2$$\n'
    report = check(write(tmp_path, text, "titled.md"))
    assert report.summary() == {"proved": 1, "refuted": 0, "undecided": 0, "errors": 0}
    assert report.spans == {"proved": 1}


def test_lone_expressions_may_be_general_but_not_outside_the_network(tmp_path):
    text = ("가중치 $w_{ji}^{(l)}$ 와 $x$ 는 일반 표기.\n\n"
            "$$\\frac{\\partial E}{\\partial w_{11}^{(2)}}, \\frac{\\partial E}{\\partial w_{31}^{(2)}}$$\n\n"
            "$$E = E_1 + E_2$$\n")
    report = check(write(tmp_path, text, "lone.md"))
    (error,) = not_proved(report)
    assert (error.verdict, error.line, error.col) == ("error", 3, 72)
    assert "w_{31}^{(2)} does not exist in the 2-2-2 network" in error.detail
    assert report.spans == {"proved": 1, "unreadable": 1, "prose": 2}
