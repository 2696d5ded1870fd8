"""Repairs: for every kind of mistake, the report names the edit that makes the claim proved, at
its exact line and column; applying that edit to the file proves it.  Also: an unreadable block
changes no other verdict, and the table of one mistake fits an 80-column terminal.

The fixture tests/fixtures/hidden_layer_repairs.md is a short review note on the hidden layer,
written for these tests; every claim in it is proved.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from derive.pipeline.run import check_paths
from derive.report.table import render_table

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "hidden_layer_repairs.md"
CLAIMS = 14


def mutated(tmp_path, line: int, old: str, new: str) -> Path:
    lines = FIXTURE.read_text(encoding="utf-8").split("\n")
    assert lines[line - 1].count(old) == 1, (line, old)
    lines[line - 1] = lines[line - 1].replace(old, new)
    path = tmp_path / "notes.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def failures(path):
    return [r for r in check_paths([str(path)]).results if r.verdict != "proved"]


def apply(path: Path, repair) -> Path:
    """Put `new` in place of `old` at line:col, exactly as a lecturer would."""
    lines = path.read_text(encoding="utf-8").split("\n")
    text = lines[repair.line - 1]
    start = repair.col - 1
    assert text[start:start + len(repair.old)] == repair.old
    lines[repair.line - 1] = text[:start] + repair.new + text[start + len(repair.old):]
    fixed = path.with_name("fixed.md")
    fixed.write_text("\n".join(lines), encoding="utf-8")
    return fixed


# (mistake, line, written, miswritten, the first repair: (line, col, old, new, kind))
MISTAKES = [
    ("index slip", 21, "w_{12}^{(3)}", "w_{21}^{(3)}", (21, 69, "w_{21}^{(3)}", "w_{12}^{(3)}", "index slip")),
    ("wrong layer", 23, "w_{22}^{(3)}", "w_{22}^{(2)}", (23, 69, "w_{22}^{(2)}", "w_{22}^{(3)}", "wrong layer")),
    ("wrong sign of a term", 25, "+ (a_2^{(3)}", "- (a_2^{(3)}", (25, 132, "-", "+", "sign")),
    ("(t - a) for (a - t)", 13, "(a_2^{(3)} - t_2^{(3)})", "(t_2^{(3)} - a_2^{(3)})",
     (13, 44, "t_2^{(3)} - a_2^{(3)}", "a_2^{(3)} - t_2^{(3)}", "sign")),
    ("missing a(1-a) factor", 21, r"\times a_2^{(2)} (1 - a_2^{(2)}) \times x_1", r"\times x_1",
     (21, 89, "x_1", r"a_2^{(2)} (1 - a_2^{(2)}) \times x_1", "missing factor")),
    ("missing 1/2", 5, r"\frac{1}{2} (t_1", "(t_1",
     (5, 9, "(t_1^{(3)} - a_1^{(3)})^2", r"\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2", "missing factor")),
    ("extra factor", 11, r"\times a_2^{(2)}$$", r"\times w_{12}^{(3)} \times a_2^{(2)}$$",
     (11, 261, r"w_{12}^{(3)} \times ", "", "extra factor")),
    ("1 - a^2 for a(1 - a)", 13, "a_2^{(3)} (1 - a_2^{(3)})", "(1 - a_2^{(3)}^2)",
     (13, 74, "(1 - a_2^{(3)}^2)", "a_2^{(3)} (1 - a_2^{(3)})", "wrong activation")),
    ("missing transpose", 31, "W3^T", "W3", (31, 30, "W3", "W3^T", "missing transpose")),
    ("extra transpose", 37, r"= loss\_2", r"= loss\_2^T", (37, 41, r"loss\_2^T", r"loss\_2", "extra transpose")),
    ("swapped product order", 35, r"A1^T \bullet loss\_2", r"loss\_2 \bullet A1^T",
     (35, 41, r"loss\_2 \bullet A1^T", r"A1^T \bullet loss\_2", "swapped product order")),
    ("missing chain-rule step", 11, r"\times \frac{\partial a_1^{(3)}}{\partial z_1^{(3)}}", "",
     (11, 94, r"\frac{\partial z_1^{(3)}}{\partial w_{12}^{(3)}}",
      r"\frac{\partial a_1^{(3)}}{\partial z_1^{(3)}} \times \frac{\partial z_1^{(3)}}{\partial w_{12}^{(3)}}",
      "missing step")),
    ("wrong layer in an update rule", 41, "= W^{(2)} -", "= W^{(3)} -", (41, 13, "W^{(3)}", "W^{(2)}", "wrong layer")),
    ("missing term", 25, r" + (a_2^{(3)} - t_2^{(3)}) a_2^{(3)} (1 - a_2^{(3)}) w_{21}^{(3)} a_1^{(2)} (1 - a_1^{(2)})", "",
     (25, 43, r"(a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)}) w_{11}^{(3)} a_1^{(2)} (1 - a_1^{(2)})",
      r"(a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)}) w_{11}^{(3)} a_1^{(2)} (1 - a_1^{(2)}) + "
      r"(a_2^{(3)} - t_2^{(3)}) a_2^{(3)} (1 - a_2^{(3)}) w_{21}^{(3)} a_1^{(2)} (1 - a_1^{(2)})", "missing term")),
]


def test_the_fixture_checks_clean():
    report = check_paths([str(FIXTURE)])
    assert report.summary() == {"proved": CLAIMS, "refuted": 0, "undecided": 0, "errors": 0}


@pytest.mark.parametrize("mistake, line, old, new, repair", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_the_repair_is_named_at_its_line_and_column_and_proves_the_claim(tmp_path, mistake, line, old, new, repair):
    path = mutated(tmp_path, line, old, new)
    (wrong,) = failures(path)
    assert wrong.verdict == "refuted"
    first = wrong.repairs[0]
    assert (first.line, first.col, first.old, first.new, first.kind) == repair
    assert (wrong.line, wrong.col) == repair[:2] and wrong.mistake == repair[4]
    for r in wrong.repairs:                     # every repair reported proves the claim, literally
        assert failures(apply(path, r)) == [], r


def test_a_shape_error_from_a_dropped_transpose_names_the_transpose(tmp_path):
    path = mutated(tmp_path, 35, "A1^T", "A1")
    (wrong,) = failures(path)
    assert wrong.verdict == "error" and "1×2 and 1×2" in wrong.detail
    assert [(r.line, r.col, r.old, r.new, r.kind) for r in wrong.repairs] == [(35, 41, "A1", "A1^T", "missing transpose")]
    assert failures(apply(path, wrong.repairs[0])) == []


def test_no_repair_shows_the_expected_member_and_the_terms_that_differ(tmp_path):
    path = mutated(tmp_path, 13, r"\times a_2^{(3)} (1 - a_2^{(3)})", r"\times w_{11}^{(3)} x_2")
    (wrong,) = failures(path)
    assert wrong.repairs == []
    assert wrong.expected == r"(a_2^{(3)} - t_2^{(3)}) \times a_2^{(3)} (1 - a_2^{(3)})"
    assert wrong.missing_terms == [wrong.expected]
    assert wrong.extra_terms == [r"(a_2^{(3)} - t_2^{(3)}) \times w_{11}^{(3)} x_2"]


def test_json_results_carry_their_repairs_with_the_source_text(tmp_path):
    path = mutated(tmp_path, 21, "w_{12}^{(3)}", "w_{21}^{(3)}")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    (wrong,) = [r for r in data["results"] if r["verdict"] == "refuted"]
    assert wrong["repairs"] == [{"line": 21, "col": 69, "old": "w_{21}^{(3)}", "new": "w_{12}^{(3)}",
                                 "description": "`w_{21}^{(3)}` should be `w_{12}^{(3)}`", "kind": "index slip"}]
    assert (wrong["line"], wrong["col"], wrong["mistake"]) == (21, 69, "index slip")
    assert all(r["repairs"] == [] for r in data["results"] if r["verdict"] == "proved")
    line = path.read_text(encoding="utf-8").split("\n")[20]
    assert line[68:68 + len("w_{21}^{(3)}")] == "w_{21}^{(3)}"
    assert "w_{21}^{(3)}" in wrong["relevant"] and "x_1" in wrong["relevant"] and len(wrong["relevant"]) < 8


# -- an unreadable block changes no other verdict --------------------------------------------------
def test_an_unreadable_member_leaves_the_member_before_it_proved(tmp_path):
    """Line 21 (`= ...`) cannot be read; its `+` continuation on line 23 must not be added to the
    member before it (line 19), which stays proved."""
    path = mutated(tmp_path, 21, "w_{12}^{(3)}", "w_{12^{(3)}")
    report = check_paths([str(path)])
    assert [(r.line, r.verdict) for r in report.results if r.verdict != "proved"] == [(21, "error")]
    assert report.summary()["proved"] == CLAIMS - 1


def test_an_unreadable_continuation_leaves_its_member_unchecked_not_refuted(tmp_path):
    path = mutated(tmp_path, 23, "w_{22}^{(3)}", "w_{22^{(3)}")
    report = check_paths([str(path)])
    bad = [(r.line, r.verdict) for r in report.results if r.verdict != "proved"]
    assert bad == [(21, "undecided"), (23, "error")]
    (unchecked,) = [r for r in report.results if r.verdict == "undecided"]
    assert "continues in the block at line 23, which could not be read" in unchecked.detail
    assert report.summary()["proved"] == CLAIMS - 1


# -- the table --------------------------------------------------------------------------------------
EIGHTY_COLUMNS = """\
WHERE           VERDICT    CLAIM
--------------------------------------------------------------------------------
notes.md:21:69  refuted    ∂E/∂w_{21}^{(2)} = (a_1^{(3)} - t_1^{(3)}) × a_1^{(3…
    index slip at line 21, col 69: `w_{21}^{(3)}` should be `w_{12}^{(3)}`
      (proved)
    left - right = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)})
      (w_{12}^{(3)} - w_{21}^{(3)}) a_2^{(2)} (1 - a_2^{(2)}) x_1
    counterexample at x_1=0.574, t_1^{(3)}=1.481, w_{12}^{(3)}=-1.455,
      w_{21}^{(3)}=-0.126 (and 13 more: --verbose, or JSON): left = 0.0284614,
      right = 0.0199143

model: 2-2-2 sigmoid network, E = 1/2 sum_i (t_i - a_i)^2, row vectors Z = A.W +
    b, W^{(l)}[i][j] = w_{ji}^{(l)} (row = source unit i, column = target unit
    j)
14 claims: 13 proved, 1 refuted, 0 undecided, 0 errors (1 file, SECONDS s)
math spans: 14 (12 proved, 2 refuted)
"""


def test_one_mistake_fits_an_80_column_terminal_in_under_25_lines(tmp_path, monkeypatch):
    mutated(tmp_path, 21, "w_{12}^{(3)}", "w_{21}^{(3)}")
    monkeypatch.chdir(tmp_path)
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["check", "notes.md"])
    assert result.exit_code == 1
    assert re.sub(r"1 file, [0-9.]+ s", "1 file, SECONDS s", result.output) == EIGHTY_COLUMNS
    lines = result.output.rstrip("\n").split("\n")
    assert len(lines) < 25 and max(len(line) for line in lines) <= 80
    assert "\033[" not in result.output                 # no colour into a pipe


def test_a_long_location_is_clipped_at_its_start(tmp_path):
    path = mutated(tmp_path, 21, "w_{12}^{(3)}", "w_{21}^{(3)}")
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["check", str(path)])
    where, verdict = result.output.split("\n")[2].split()[:2]
    assert where.startswith("\u2026") and where.endswith("notes.md:21:69") and verdict == "refuted"


def test_verbose_lists_every_claim_and_colour_is_only_asked_for(tmp_path):
    path = mutated(tmp_path, 21, "w_{12}^{(3)}", "w_{21}^{(3)}")
    report = check_paths([str(path)])
    verbose = render_table(report, verbose=True, width=80)
    assert sum(1 for line in verbose.split("\n") if "  proved  " in line) == CLAIMS - 1
    assert max(len(line) for line in verbose.split("\n")) <= 80
    coloured = render_table(report, width=80, colour=True)
    assert "\033[31;1mrefuted" in coloured
    assert "\033[" not in render_table(report, width=80)


# -- the HTML report --------------------------------------------------------------------------------
def test_html_opens_with_the_failures_linking_to_their_cards_in_chromium(tmp_path):
    from html import unescape

    from test_html import run_chromium
    path = mutated(tmp_path, 21, "w_{12}^{(3)}", "w_{21}^{(3)}")
    page = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["check", str(path), "--format", "html", "-o", str(page)])
    assert result.exit_code == 1
    done = run_chromium(tmp_path, "--dump-dom", page.as_uri())
    dom = unescape(done.stdout)
    assert "</html>" in dom, done.stderr[-2000:]
    nav = re.search(r'<nav class="failures">(.*?)</nav>', dom, re.S).group(1)
    assert dom.index("<nav") < dom.index('<div class="summary">') < dom.index("<section")
    (link,) = re.findall(r'<a href="#(claim-\d+)">([^<]*)</a>', nav)
    assert link[1] == f"{path}:21:69" and "index slip" in nav and "1 claim to look at" in nav
    card = re.search(rf'<section class="card refuted" id="{link[0]}"[^>]*>(.*?)</section>', dom, re.S).group(1)
    assert '<span class="heading">은닉층</span>' in card
    assert '<p class="prose">두 출력 모두를 거치는 경로의 합이다.</p>' in card
    assert card.count('<mrow class="change">') == 1                      # the part to change, marked,
    assert 'class="member rhs wrong"' not in card                         # not the whole side
    assert re.search(r'<mrow class="change">.*?<mn>21</mn>', card, re.S)
    assert '<span class="kind">index slip</span> at line 21, col 69' in card
    assert re.search(r'<div class="difference">left − right = <math', card)
    assert card.count('class="continued"') >= 1                           # a long member, a term a line


def test_github_annotations_put_the_repair_first_at_the_part_to_change(tmp_path):
    path = mutated(tmp_path, 21, "w_{12}^{(3)}", "w_{21}^{(3)}")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "github"])
    (line,) = [x for x in result.output.split("\n") if x.startswith("::error")]
    assert line.startswith(f"::error file={path},line=21,col=69,")
    message = line.split("::")[2].split("%0A")
    assert message[2] == "index slip at line 21, col 69: `w_{21}^{(3)}` should be `w_{12}^{(3)}` (proved)"


# -- the derivative of the wrong activation ----------------------------------------------------------
TANH_NOTES = r"""# Backprop with a tanh hidden layer

*Lecture 7 notes.* Our network has two inputs, a hidden layer of two tanh units and two sigmoid
outputs; we train it on half the sum of squared errors.

$$z_j^{(2)} = \sum_{i=1}^{2} w_{ji}^{(2)} x_i + b_j^{(2)}, \qquad a_j^{(2)} = \tanh(z_j^{(2)})$$

$$z_k^{(3)} = \sum_{j=1}^{2} w_{kj}^{(3)} a_j^{(2)} + b_k^{(3)}, \qquad a_k^{(3)} = \sigma(z_k^{(3)})$$

$$E = \frac{1}{2} \sum_{k=1}^{2} (t_k - a_k^{(3)})^2$$

Each hidden unit passes the gradient through its own derivative, for every $j$:

$$\frac{\partial a_j^{(2)}}{\partial z_j^{(2)}} = a_j^{(2)} (1 - a_j^{(2)})$$

so the error term of a hidden unit is

$$\delta_j^{(2)} = \left( \sum_{k=1}^{2} \delta_k^{(3)} w_{kj}^{(3)} \right) a_j^{(2)} (1 - a_j^{(2)})$$

where $\delta_k^{(3)} = (a_k^{(3)} - t_k) a_k^{(3)} (1 - a_k^{(3)})$. Written out for the first unit:

$$\frac{\partial E}{\partial b_1^{(2)}} = (\delta_1^{(3)} w_{11}^{(3)} + \delta_2^{(3)} w_{21}^{(3)}) \times a_1^{(2)} \times (1 - a_1^{(2)})$$

At the output, by contrast, we have

$$\frac{\partial a_1^{(3)}}{\partial z_1^{(3)}} = 1 - (a_1^{(3)})^2$$
"""


def test_the_derivative_of_the_other_activation_is_named_and_repaired(tmp_path):
    path = tmp_path / "lecture7.md"
    path.write_text(TANH_NOTES, encoding="utf-8")
    wrong = failures(path)
    assert [(r.line, r.verdict) for r in wrong] == [(14, "refuted"), (18, "refuted"), (22, "refuted"), (26, "refuted")]
    assert [[(x.line, x.col, x.old, x.new, x.kind, x.description) for x in r.repairs[:1]] for r in wrong] == [
        [(14, 51, "a_j^{(2)} (1 - a_j^{(2)})", "1 - (a_j^{(2)})^2", "wrong activation",
          "`a_j^{(2)} (1 - a_j^{(2)})` is the sigmoid's derivative; the tanh layer's is `1 - (a_j^{(2)})^2`")],
        [(18, 78, "a_j^{(2)} (1 - a_j^{(2)})", "(1 - (a_j^{(2)})^2)", "wrong activation",
          "`a_j^{(2)} (1 - a_j^{(2)})` is the sigmoid's derivative; the tanh layer's is `1 - (a_j^{(2)})^2`")],
        [(22, 110, r"a_1^{(2)} \times (1 - a_1^{(2)})", "(1 - (a_1^{(2)})^2)", "wrong activation",
          r"`a_1^{(2)} \times (1 - a_1^{(2)})` is the sigmoid's derivative; the tanh layer's is `1 - (a_1^{(2)})^2`")],
        [(26, 51, "1 - (a_1^{(3)})^2", "a_1^{(3)} (1 - a_1^{(3)})", "wrong activation",
          "`1 - (a_1^{(3)})^2` is tanh's derivative; the sigmoid layer's is `a_1^{(3)} (1 - a_1^{(3)})`")]]
    # a statement for every j is checked for every j, and says so (not "j = 1, 2" as if some were left)
    assert wrong[0].detail.endswith("checked for every j = 1..2 (2 instances)")
    assert wrong[0].difference_latex == "[1 - a_1^{(2)}; 1 - a_2^{(2)}]"       # LaTeX, entry by entry
    assert "**" not in wrong[1].difference_latex and "*" not in wrong[1].difference_latex
    # only the values the claim depends on: the hidden unit's inputs, weights and bias
    # written in the difference, in the notes' names (they write t_k: understand/spellings.py)
    assert wrong[2].relevant == ["t_1", "t_2", "w_{11}^{(3)}", "w_{21}^{(3)}"]
    assert wrong[0].relevant == ["x_1", "x_2", "w_{11}^{(2)}", "w_{12}^{(2)}", "b_1^{(2)}",
                                 "w_{21}^{(2)}", "w_{22}^{(2)}", "b_2^{(2)}"]
    fixed = path
    for r in reversed(wrong):                   # each repair made, bottom up: every claim proved
        fixed = apply(fixed, r.repairs[0])
        fixed = fixed.rename(tmp_path / f"fixed{r.line}.md")
    assert failures(fixed) == []


def test_the_table_says_which_family_the_derivative_belongs_to(tmp_path, monkeypatch):
    (tmp_path / "lecture7.md").write_text(TANH_NOTES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner(env={"COLUMNS": "100"}).invoke(main, ["check", "lecture7.md"])
    assert result.exit_code == 1
    assert ("    wrong activation at line 14, col 51: `a_j^{(2)} (1 - a_j^{(2)})` is the sigmoid's derivative;\n"
            "      the tanh layer's is `1 - (a_j^{(2)})^2` (proved)\n") in result.output
    assert ("counterexample at x_1=0.574, x_2=0.915, w_{11}^{(2)}=0.947, w_{12}^{(2)}=1.969, b_1^{(2)}=-1.838, "
            "w_{21}^{(2)}=-0.148, w_{22}^{(2)}=-1.973, b_2^{(2)}=-0.353 (and 9 more: --verbose, or JSON)") \
        in " ".join(result.output.split())


# -- a factor missing from the whole member ------------------------------------------------------------
FORGOTTEN = r"""# Output errors

With $E = \frac{1}{2}\sum_{k=1}^{2}(t_k - a_k^{(3)})^2$ and sigmoid outputs, the error of output unit $k$ is

$$\delta_k^{(3)} = a_k^{(3)} - t_k$$

and of the first one, written out,

$$\frac{\partial E}{\partial z_1^{(3)}} = (a_1^{(3)} - t_1)$$
"""


def test_the_forgotten_derivative_of_a_whole_member_is_repaired_for_every_index_and_for_one(tmp_path):
    path = tmp_path / "errors.md"
    path.write_text(FORGOTTEN, encoding="utf-8")
    wrong = failures(path)
    assert [(r.line, r.verdict, r.mistake) for r in wrong] == [(5, "refuted", "missing factor"),
                                                               (9, "refuted", "missing factor")]
    assert [(r.repairs[0].old, r.repairs[0].new, r.repairs[0].description) for r in wrong] == [
        ("a_k^{(3)} - t_k", "(a_k^{(3)} - t_k) a_k^{(3)} (1 - a_k^{(3)})",
         "a factor `a_k^{(3)} (1 - a_k^{(3)})` is missing after `(a_k^{(3)} - t_k)`"),
        ("a_1^{(3)} - t_1", "(a_1^{(3)} - t_1) a_1^{(3)} (1 - a_1^{(3)})",   # inside the written brackets
         "a factor `a_1^{(3)} (1 - a_1^{(3)})` is missing after `(a_1^{(3)} - t_1)`")]
    fixed = path
    for r in reversed(wrong):
        fixed = apply(fixed, r.repairs[0])
        fixed = fixed.rename(tmp_path / f"fixed{r.line}.md")
    assert failures(fixed) == []
