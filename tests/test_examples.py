"""Worked examples with numbers: bindings, numbers checked to the digits printed, the writer."""
from __future__ import annotations

import re
from pathlib import Path

import mpmath
import pytest
from click.testing import CliRunner

from cli import main
from derive.pipeline.options import Options
from derive.pipeline.run import check_paths
from derive.worked.intervals import differing_digits, half_unit, rounded

EXAMPLES = Path(__file__).resolve().parent / "examples"
SEED = EXAMPLES / "two_two_two.md"
VALUES = EXAMPLES / "values.toml"


def check(path):
    return check_paths([str(path)], Options())


def variant(tmp_path, old: str, new: str, line: int, source: Path = SEED) -> Path:
    """The seed example with one number changed on one line."""
    lines = source.read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path = tmp_path / "example.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def not_proved(report):
    return [(r.line, r.verdict) for r in report.results if r.verdict != "proved"]


# -- the published example, in the seed's notation ---------------------------------------------------
def test_the_published_example_checks_clean_with_its_bindings_listed():
    report = check(SEED)
    assert not_proved(report) == []
    assert report.exit_code == 0
    assert report.summary() == {"proved": 62, "refuted": 0, "undecided": 0, "errors": 0}
    assert report.spans == {"proved": 23, "bound": 8}
    assert report.bindings == [
        f"{SEED}:7: x_1 = 0.05, x_2 = 0.10, t_1^{{(3)}} = 0.01, t_2^{{(3)}} = 0.99, \\alpha = 0.5",
        f"{SEED}:10: w_{{11}}^{{(2)}} = 0.15, w_{{21}}^{{(2)}} = 0.25, w_{{12}}^{{(2)}} = 0.20, w_{{22}}^{{(2)}} = 0.30, "
        "b_1^{(2)} = 0.35, b_2^{(2)} = 0.35",
        f"{SEED}:14: w_{{11}}^{{(3)}} = 0.40, w_{{21}}^{{(3)}} = 0.50, w_{{12}}^{{(3)}} = 0.45, w_{{22}}^{{(3)}} = 0.55",
        f"{SEED}:18: b_1^{{(3)}} = 0.60, b_2^{{(3)}} = 0.60"]
    assert report.to_json()["bindings"] == report.bindings


def test_the_published_figures_are_right(tmp_path):
    """E_total = 0.298371109, dE/dw_5 = 0.082167041, w_5+ = 0.35891648, recomputed here in mpmath."""
    mpmath.mp.dps = 40
    s = lambda z: 1 / (1 + mpmath.exp(-z))
    h1, h2 = s(mpmath.mpf("0.3775")), s(mpmath.mpf("0.3925"))
    o1, o2 = s(0.4 * h1 + mpmath.mpf("0.45") * h2 + mpmath.mpf("0.6")), s(mpmath.mpf("0.5") * h1 + mpmath.mpf("0.55") * h2 + mpmath.mpf("0.6"))
    E = (mpmath.mpf("0.01") - o1) ** 2 / 2 + (mpmath.mpf("0.99") - o2) ** 2 / 2
    g5 = (o1 - mpmath.mpf("0.01")) * o1 * (1 - o1) * h1
    assert mpmath.nstr(E, 9) == "0.298371109"
    assert mpmath.nstr(g5, 8) == "0.082167041"
    assert mpmath.nstr(mpmath.mpf("0.4") - g5 / 2, 8) == "0.35891648"
    mpmath.mp.dps = 15


@pytest.mark.parametrize("line, old, new", [
    (24, "= 0.3775", "= 0.3875"),                    # the slip of the issue: 0.3775 written 0.3875
    (24, "0.20 \\times 0.10", "0.20 \\times 0.01"),  # a slip inside the arithmetic
    (28, "= 0.593269992", "= 0.593269982"),
    (36, "= 1.105905967", "= 1.105905977"),
    (50, "= 0.274811083", "= 0.274811093"),
    (58, "= 0.298371109", "= 0.298371119"),          # E_total, its 8th decimal
    (80, "= 0.082167041", "= 0.082167043"),          # dE/dw_{11}^{(3)}, its last digit
    (106, "= 0.000438568", "= 0.000438578"),         # a hidden-layer gradient
    (112, "= 0.35891648", "= 0.35891658"),           # the update
    (112, "0.40 - 0.5", "0.45 - 0.5"),               # the old value in the update
])
def test_one_wrong_digit_is_refuted_at_its_line(tmp_path, line, old, new):
    report = check(variant(tmp_path, old, new, line))
    assert report.exit_code == 1
    refuted = [r for r in report.results if r.verdict == "refuted"]
    assert refuted and refuted[0].line == line
    assert all(r.line == line for r in refuted), not_proved(report)


@pytest.mark.parametrize("line, old, new", [
    (62, "0.772928465)^2", "0.772928466)^2"),          # one unit in the last place of a number used
    (98, "(-0.0380982366)", "(-0.0380982367)"),
])
def test_a_number_copied_one_unit_off_is_refuted_where_it_is_used(tmp_path, line, old, new):
    report = check(variant(tmp_path, old, new, line))
    assert not_proved(report) == [(line, "refuted")]
    [wrong] = [r for r in report.results if r.verdict == "refuted"]
    assert "but no rounding of it" in wrong.detail and "a digit copied wrong?" in wrong.detail


def test_a_slip_says_the_exact_value_the_printed_one_and_where_they_part(tmp_path):
    report = check(variant(tmp_path, "= 0.3775", "= 0.3875", 24))
    [wrong] = [r for r in report.results if r.verdict == "refuted"]
    assert (wrong.line, wrong.claim) == (24, "z_1^{(2)} = 0.3875")
    assert wrong.detail.startswith("numbers: exact 0.3775, rounded to the digits printed 0.3775, printed 0.3875: "
                                   "they differ from the 2nd decimal on")
    assert wrong.counterexample.point["w_{11}^{(2)}"] == "0.15"


def test_a_rounding_beyond_its_tolerance_is_refuted(tmp_path):
    # a_1^{(3)} = 0.75136506955...: truncated to 0.75136506, not rounded
    report = check(variant(tmp_path, "= 0.75136507", "= 0.75136506", 40))
    assert [(r.line, r.verdict) for r in report.results if r.verdict != "proved"] == [(40, "refuted")]
    assert "rounded to the digits printed 0.75136507, printed 0.75136506" in report.results[
        [r.verdict for r in report.results].index("refuted")].detail


def test_rounded_inputs_carry_their_rounding_but_no_more(tmp_path):
    # the exact value is 0.27481108317(6); from the rounded 0.75136507, 1/2 (0.01 - 0.75136507)^2 is
    # 0.27481108350(8): every rounding of a value between is right, one a unit beyond either is not
    for printed, verdict in (("0.2748110832", "proved"), ("0.2748110833", "proved"), ("0.2748110835", "proved"),
                             ("0.2748110831", "refuted"), ("0.2748110836", "refuted")):
        report = check(variant(tmp_path, "= 0.274811083", f"= {printed}", 50))
        last = [r for r in report.results if r.line == 50][-1]
        assert (last.claim, last.verdict) == (f"E_1 = {printed}", verdict)


def test_a_wrong_binding_is_named_with_its_line_where_the_numbers_disagree(tmp_path):
    path = variant(tmp_path, "0.15 & 0.25", "0.16 & 0.25", 10)       # w_{11}^{(2)} bound to 0.16
    report = check(path)
    first = next(r for r in report.results if r.verdict == "refuted")
    assert first.line == 24
    assert "w_{11}^{(2)} = 0.16 (line 10)" in first.detail
    assert report.exit_code == 1


def test_a_binding_of_the_wrong_shape_is_an_error_at_its_line(tmp_path):
    path = variant(tmp_path, "0.15 & 0.25 \\\\ 0.20 & 0.30", "0.15 & 0.25 & 0.1 \\\\ 0.20 & 0.30 & 0.1", 10)
    report = check(path)
    errors = [r for r in report.results if r.verdict == "error"]
    assert [(r.line, r.col) for r in errors] == [(10, 1)]
    assert "different shapes" in errors[0].detail
    assert report.exit_code == 2


def test_bindings_hold_from_where_they_stand(tmp_path):
    path = tmp_path / "two.md"
    path.write_text("""# Two examples

$x_1 = 0.05$, $x_2 = 0.10$, $w_{11}^{(2)} = 0.15$, $w_{12}^{(2)} = 0.20$, $b_1^{(2)} = 0.35$.

$$
z_1^{(2)} = w_{11}^{(2)} x_1 + w_{12}^{(2)} x_2 + b_1^{(2)} = 0.15 \\times 0.05 + 0.20 \\times 0.10 + 0.35 = 0.3775
$$

A second example: $x_1 = 1$.

$$
z_1^{(2)} = 0.15 \\times 1 + 0.20 \\times 0.10 + 0.35 = 0.52
$$

$$
z_1^{(2)} = 0.3775
$$

$$
a_1^{(2)} = 0.5
$$
""", encoding="utf-8")
    report = check(path)
    assert [(r.line, r.verdict) for r in report.results] == [
        (6, "proved"), (6, "proved"), (6, "proved"), (12, "proved"), (12, "proved"), (16, "refuted"),
        (20, "refuted")]


def test_numbers_without_values_are_undecided_and_arithmetic_alone_is_checked(tmp_path):
    path = tmp_path / "bare.md"
    path.write_text("$$\nz_1^{(2)} = 0.3775\n$$\n\n$$\n0.15 \\times 0.05 + 0.20 \\times 0.10 + 0.35 = 0.3775\n$$\n\n"
                    "$$\n0.15 \\times 0.05 + 0.20 \\times 0.10 + 0.35 = 0.3875\n$$\n", encoding="utf-8")
    report = check(path)
    assert [(r.line, r.verdict) for r in report.results] == [(2, "undecided"), (6, "proved"), (10, "refuted")]
    assert "no values are bound for" in report.results[0].detail


# -- the writer -------------------------------------------------------------------------------------------
def _independent_step():
    """One step of the 2-2-2 example computed here, in mpmath, without derive."""
    mpmath.mp.dps = 40
    m = mpmath.mpf
    x, t, alpha = [m("0.05"), m("0.10")], [m("0.01"), m("0.99")], m("0.5")
    W2, b2 = [[m("0.15"), m("0.20")], [m("0.25"), m("0.30")]], m("0.35")     # W[j][i] = w_{ji}
    W3, b3 = [[m("0.40"), m("0.45")], [m("0.50"), m("0.55")]], m("0.60")
    s = lambda z: 1 / (1 + mpmath.exp(-z))
    h = [s(sum(W2[j][i] * x[i] for i in range(2)) + b2) for j in range(2)]
    o = [s(sum(W3[j][i] * h[i] for i in range(2)) + b3) for j in range(2)]
    d3 = [(o[j] - t[j]) * o[j] * (1 - o[j]) for j in range(2)]
    d2 = [sum(d3[k] * W3[k][j] for k in range(2)) * h[j] * (1 - h[j]) for j in range(2)]
    grads = {f"w_{{{j + 1}{i + 1}}}^{{(3)}}": d3[j] * h[i] for j in range(2) for i in range(2)}
    grads.update({f"w_{{{j + 1}{i + 1}}}^{{(2)}}": d2[j] * x[i] for j in range(2) for i in range(2)})
    old = {f"w_{{{j + 1}{i + 1}}}^{{({l})}}": W[j][i] for l, W in ((2, W2), (3, W3)) for j in range(2) for i in range(2)}
    new = {name: old[name] - alpha * g for name, g in grads.items()}
    E = sum((t[j] - o[j]) ** 2 / 2 for j in range(2))
    mpmath.mp.dps = 15
    return h, o, E, grads, new


def _last_numbers(markdown: str) -> dict:
    """head -> the number that ends its chain, for every display block of the writer's output."""
    out = {}
    for block in re.findall(r"\$\$\n(.*?)\n\$\$", markdown, re.S):
        members = [m.strip() for m in block.split(" = ")]
        out[members[0]] = members[-1]
    return out


def _agrees(printed: str, value) -> bool:
    places = len(printed.split(".")[1])
    return abs(mpmath.mpf(printed) - value) <= mpmath.mpf(10) ** -places / 2


PUBLISHED = {   # the figures of the published example, as published
    "a_1^{(2)}": "0.593269992", "a_2^{(2)}": "0.596884378", "z_1^{(3)}": "1.105905967", "a_1^{(3)}": "0.75136507",
    "a_2^{(3)}": "0.772928465", "E": "0.298371109", "\\frac{\\partial E}{\\partial w_{11}^{(3)}}": "0.082167041",
    "\\frac{\\partial E}{\\partial w_{11}^{(2)}}": "0.000438568",
    "w_{11}^{(3)}": "0.35891648", "w_{12}^{(3)}": "0.408666186", "w_{21}^{(3)}": "0.511301270",
    "w_{22}^{(3)}": "0.561370121", "w_{11}^{(2)}": "0.149780716", "w_{12}^{(2)}": "0.19956143",
    "w_{21}^{(2)}": "0.24975114", "w_{22}^{(2)}": "0.29950229",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    result = CliRunner().invoke(main, ["example", "--values", str(VALUES)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    path = tmp_path_factory.mktemp("written") / "example.md"
    path.write_text(result.output, encoding="utf-8")
    return result.output, path


def test_the_writer_reproduces_the_published_figures_to_the_digits_published(written):
    numbers = _last_numbers(written[0])
    for head, published in PUBLISHED.items():
        mine = numbers[head]
        places = len(published.split(".")[1])
        assert f"{float(mine):.{places}f}" == published, (head, mine, published)


def test_the_writer_is_right_for_every_gradient_and_update(written):
    h, o, E, grads, new = _independent_step()
    numbers = _last_numbers(written[0])
    assert _agrees(numbers["E"], E)
    for j in range(2):
        assert _agrees(numbers[f"a_{j + 1}^{{(2)}}"], h[j]) and _agrees(numbers[f"a_{j + 1}^{{(3)}}"], o[j])
    for name, g in grads.items():
        assert _agrees(numbers[f"\\frac{{\\partial E}}{{\\partial {name}}}"], g), name
        assert _agrees(numbers[name], new[name]), name
    assert len(grads) == 8 and len(new) == 8


def test_the_writer_shows_the_chain_rule_factors_as_numbers(written):
    text = written[0]
    assert ("\\frac{\\partial E}{\\partial w_{11}^{(3)}} = \\frac{\\partial E}{\\partial a_1^{(3)}} \\times "
            "\\frac{\\partial a_1^{(3)}}{\\partial z_1^{(3)}} \\times \\frac{\\partial z_1^{(3)}}{\\partial w_{11}^{(3)}} = "
            "0.74136507 \\times 0.186815602 \\times 0.593269992 = 0.082167041") in text
    assert ("w_{11}^{(3)} = w_{11}^{(3)} - \\alpha \\frac{\\partial E}{\\partial w_{11}^{(3)}} = "
            "0.40 - 0.5 \\times 0.082167041 = 0.35891648") in text
    assert "E = E_1 + E_2 = 0.274811083 + 0.023560026 = 0.298371109" in text


def test_derive_check_passes_on_the_writers_output(written):
    report = check(written[1])
    assert not_proved(report) == []
    assert report.exit_code == 0
    assert report.summary()["proved"] == 141


def test_the_writer_takes_the_values_a_document_binds():
    result = CliRunner().invoke(main, ["example", str(SEED)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "0.40 - 0.5 \\times 0.082167041 = 0.35891648" in result.output


# The published example again, written in Mazur's own names (a glossary, glossary.py) and in
# Nielsen's notation (a convention, conventions.py): `derive example` reads them as `derive check` does.
MAZUR_NAMES = r"""# One step, in Mazur's names

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

$$\frac{\partial E_{total}}{\partial w_5} = -(target_{o1} - out_{o1}) * out_{o1} (1 - out_{o1}) * out_{h1}$$
"""
NIELSEN = r"""---
derive:
  notation: nielsen
---
# One step, in Nielsen's notation

$$z^l = w^l a^{l-1} + b^l$$

$$a^l = \sigma(z^l)$$

$$C = \frac{1}{2} \sum_j (y_j - a^L_j)^2$$

The numbers: $x_1 = 0.05$, $x_2 = 0.10$, $y_1 = 0.01$, $y_2 = 0.99$, $\eta = 0.5$,
$w^2_{11} = 0.15$, $w^2_{12} = 0.20$, $w^2_{21} = 0.25$, $w^2_{22} = 0.30$, $b^2_1 = 0.35$, $b^2_2 = 0.35$,
$w^3_{11} = 0.40$, $w^3_{12} = 0.45$, $w^3_{21} = 0.50$, $w^3_{22} = 0.55$, $b^3_1 = 0.60$, $b^3_2 = 0.60$.

$$\frac{\partial C}{\partial b^L_j} = (a^L_j - y_j) \sigma'(z^L_j)$$
"""


@pytest.mark.parametrize("text, bound", [(MAZUR_NAMES, "w_5 = 0.40, w_6 = 0.45"),
                                         (NIELSEN, "w^3_{11} = 0.40, w^3_{12} = 0.45")], ids=["mazur", "nielsen"])
def test_the_writer_reads_a_lecture_in_another_notation_as_check_does(tmp_path, text, bound):
    lecture = tmp_path / "lecture.md"
    lecture.write_text(text, encoding="utf-8")
    report = check(lecture)
    assert not_proved(report) == [] and report.exit_code == 0
    # the bindings as the lecture wrote them (w_5, w^3_{11}, not derive's w_{11}^{(3)}: understand/spellings.py)
    assert [b.split(": ", 1)[1] for b in report.bindings][-1].startswith(bound)
    out = tmp_path / "example.md"
    result = CliRunner().invoke(main, ["example", str(lecture), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8")
    assert written.startswith("# One step of gradient descent, with numbers\n\nA 2-2-2 network (sigmoid units)")
    assert "W^{(2)} = \\begin{pmatrix} 0.15 & 0.25 \\\\ 0.20 & 0.30 \\end{pmatrix}" in written
    assert "t_1^{(3)} = 0.01, \\quad t_2^{(3)} = 0.99, \\quad \\alpha = 0.5" in written
    assert "0.40 - 0.5 \\times 0.082167041 = 0.35891648" in written        # the published w_5^+
    assert not_proved(check(out)) == []


def test_the_writer_without_values_says_which_are_missing():
    result = CliRunner().invoke(main, ["example", "--value", "x_1=0.05"])
    assert result.exit_code == 2
    first = result.stderr.splitlines()[0]
    assert first.startswith("derive example: no values for \\alpha, x_2, t_1^{(3)}, t_2^{(3)}, w_{11}^{(2)}")
    assert "x_1," not in first


def test_options_replace_values_and_significant_digits(written):
    result = CliRunner().invoke(main, ["example", "--values", str(VALUES), "--value", "alpha=0.1",
                                       "--significant", "4"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "0.40 - 0.1 \\times 0.08217 = 0.3918" in result.output


# -- numbers --------------------------------------------------------------------------------------------
def test_printed_numbers_and_their_tolerance():
    assert str(half_unit("0.3775")) == "0.00005" and str(half_unit("2")) == "0"
    assert rounded(mpmath.mpf("0.7513650695523157")) == "0.75136507"
    assert rounded(mpmath.mpf("-0.0380982365733")) == "-0.038098237"
    assert rounded(mpmath.mpf("0.000000000012345678")) == "0.0000000000123"
    assert rounded(mpmath.mpf("0.0380982365733"), significant=9) == "0.0380982366"
    assert differing_digits(mpmath.mpf("1.105905967059"), "1.205905967").endswith(
        "they differ from the 1st decimal on")
    assert differing_digits(mpmath.mpf("12.5"), "13.5").endswith("from the 1st digit before the decimal point on")


def test_bindings_in_a_table_row_and_a_second_family(tmp_path):
    """A table of values with inline math; tanh hidden units and an identity output; mse."""
    path = tmp_path / "table.md"
    path.write_text("""| input | weight | bias |
| --- | --- | --- |
| $x_1 = 0.5$ | $w_{11}^{(2)} = 0.1$ | $b_1^{(2)} = 0.1$ |
| $x_2 = -1.2$ | $w_{12}^{(2)} = 0.7$ | |

$$
z_1^{(2)} = 0.1 \\times 0.5 + 0.7 \\times (-1.2) + 0.1 = -0.69
$$

$$
a_1^{(2)} = \\tanh(z_1^{(2)}) = \\tanh(-0.69) = -0.597982
$$

$$
a_1^{(2)} = -0.597983
$$
""", encoding="utf-8")
    report = check(path)
    assert [(r.line, r.verdict) for r in report.results] == [
        (7, "proved"), (7, "proved"), (11, "proved"), (11, "proved"), (11, "proved"), (15, "refuted")]
    assert [b.split(": ", 1)[1] for b in report.bindings] == [
        "x_1 = 0.5, w_{11}^{(2)} = 0.1, b_1^{(2)} = 0.1", "x_2 = -1.2, w_{12}^{(2)} = 0.7"]
    assert report.spans["bound"] == 5


def test_the_writer_for_another_network_checks_clean(tmp_path):
    model = tmp_path / "model.toml"
    model.write_text('[model]\nlayers = [2, 3, 1]\nactivations = ["tanh", "identity"]\n', encoding="utf-8")
    values = tmp_path / "values.toml"
    values.write_text('x = ["0.5", "-1.2"]\n"W^{(2)}" = [["0.1", "-0.3", "0.25"], ["0.7", "0.2", "-0.5"]]\n'
                      '"b^{(2)}" = ["0.1", "0", "-0.2"]\n"W^{(3)}" = [["0.3"], ["-0.6"], ["0.9"]]\n'
                      '"b^{(3)}" = "0.05"\nt = ["0.8"]\nalpha = "0.1"\n', encoding="utf-8")
    out = tmp_path / "example.md"
    result = CliRunner().invoke(main, ["example", "--model", str(model), "--values", str(values), "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "a_1^{(2)} = \\tanh(z_1^{(2)}) = \\tanh(-0.69) = -0.597982\n" in text
    report = check(out)
    assert not_proved(report) == [] and report.exit_code == 0


def test_a_formula_with_decimal_constants_is_still_proved_for_every_value(tmp_path):
    """Where values are bound, 0.5 (t - a)^2 and max(0.01 z, z) are formulas, not numbers."""
    path = tmp_path / "constants.md"
    path.write_text("$x_1 = 0.5$, $x_2 = 0.2$\n\n$$\na_1^{(2)} = \\max(0.01 z_1^{(2)}, z_1^{(2)})\n$$\n\n"
                    "$$\nE = 0.5 (t_1^{(3)} - a_1^{(3)})^2 + 0.5 (t_2^{(3)} - a_2^{(3)})^2\n$$\n\n"
                    "$$\nE = 0.6 (t_1^{(3)} - a_1^{(3)})^2 + 0.5 (t_2^{(3)} - a_2^{(3)})^2\n$$\n", encoding="utf-8")
    report = check(path)
    assert [(r.line, r.verdict) for r in report.results] == [(4, "proved"), (8, "proved"), (12, "refuted")]
    assert report.results[2].counterexample.difference != ""
    assert "leaky" in report.model


def test_matrices_of_numbers_in_the_lectures_matrix_notation():
    """Row vectors and pmatrix, arithmetic on them (W - 0.5 x pmatrix, A2^T . loss_3 in numbers): a
    wrong entry is refuted where the entry stands (line 24, column 1), a wrong entry of arithmetic
    at its member (line 38)."""
    report = check(EXAMPLES / "matrices.md")
    assert [(r.line, r.col, r.verdict) for r in report.results] == [
        (11, 6, "proved"), (11, 53, "proved"), (15, 39, "proved"), (15, 62, "proved"), (19, 11, "proved"),
        (19, 66, "proved"), (24, 1, "refuted"), (28, 11, "proved"), (29, 5, "proved"), (30, 5, "proved"),
        (34, 39, "proved"), (34, 62, "proved"), (34, 186, "proved"), (38, 39, "refuted")]
    assert report.results[-1].detail.startswith("numbers: entry (2, 1): this arithmetic gives 0.0826676179403988")
    assert report.results[6].detail.startswith(
        "numbers: entry (2, 1): exact 0.0826676278475333, rounded to the digits printed 0.082667628, "
        "printed 0.082667638: they differ from the 8th decimal on")


SECOND = EXAMPLES / "second_example.md"


def test_a_second_example_in_another_hand_checks_clean():
    """A table of bindings, aligned rows, \\cdot, \\sigma(0.6), \\approx, 1 + e^{-0.6} worked apart,
    a number rounded from a rounded input, a(1 - a) with 1 - a written out, 10^{-2} notation."""
    report = check(SECOND)
    assert not_proved(report) == [] and report.exit_code == 0
    assert report.summary()["proved"] == 25
    assert "2-2-1 sigmoid" in report.model


def test_a_slip_printed_twice_is_refuted_twice_and_does_not_spread(tmp_path):
    text = SECOND.read_text(encoding="utf-8").replace("= -0.065117", "= -0.065116").replace(
        "-6.5117 ", "-6.5116 ").replace("0.065117 = 0.7065117", "0.065116 = 0.7065116")
    path = tmp_path / "slip.md"
    path.write_text(text, encoding="utf-8")
    report = check(path)
    assert not_proved(report) == [(35, "refuted"), (39, "refuted")]
    assert "rounded to the digits printed -0.065117, printed -0.065116" in report.results[
        [r.line for r in report.results].index(39)].detail


def test_a_formula_file_may_carry_its_examples_values_and_bad_values_are_errors(tmp_path):
    values = VALUES.read_text(encoding="utf-8")
    formulas = tmp_path / "f.toml"
    formulas.write_text('[model]\nlayers = [2, 2, 2]\n\n' + values.split("[values]")[1].join(["[values]", ""]) +
                        "\n[[formula]]\nid = \"b\"\ntitle = \"t\"\nkind = \"chain\"\nlatex = '\\frac{\\partial E}"
                        "{\\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)})'\n", encoding="utf-8")
    assert check(formulas).exit_code == 0                       # [values] is no error for `derive check`
    result = CliRunner().invoke(main, ["example", str(formulas)], catch_exceptions=False)
    assert result.exit_code == 0 and "0.40 - 0.5 \\times 0.082167041 = 0.35891648" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[values]\nx = ["a", "0.1"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["example", "--values", str(bad)])
    assert (result.exit_code, result.stderr) == (2, f"derive example: {bad}: x: 'a' is not a number\n    expected 0.05\n")
    result = CliRunner().invoke(main, ["example", "--value", "a_1^{(2)}=0.5"])
    assert result.exit_code == 2
    assert "a_1^{(2)} is no input, weight, bias, target or learning rate" in result.stderr


def test_a_short_constant_is_exact_even_near_a_value_derive_knows(tmp_path):
    """0.5 (a half) lies within its half unit (0.05) of a_2^{(2)} = 0.5498...; it must not borrow that
    rounding, or 0.0865 would pass for E = 0.0862476..."""
    text = SECOND.read_text(encoding="utf-8").replace("E = \\frac{1}{2}(1 - 0.584675)^2 = 0.086247",
                                                      "E = 0.5 \\times (1 - 0.584675)^2 = 0.0865")
    path = tmp_path / "half.md"
    path.write_text(text, encoding="utf-8")
    assert not_proved(check(path)) == [(31, "refuted")]


def test_softmax_and_cross_entropy_with_numbers():
    report = check(EXAMPLES / "softmax.md")
    assert not_proved(report) == [] and report.exit_code == 0
    assert "softmax" in report.model


def test_a_whole_number_is_a_number_where_values_are_bound(tmp_path):
    text = (EXAMPLES / "softmax.md").read_text(encoding="utf-8").replace("z_1^{(2)} = 1,", "z_1^{(2)} = 2,")
    path = tmp_path / "whole.md"
    path.write_text(text, encoding="utf-8")
    report = check(path)
    assert not_proved(report) == [(8, "refuted")]
    [wrong] = [r for r in report.results if r.verdict == "refuted"]
    assert wrong.detail.startswith("numbers: exact 1, rounded to the digits printed 1, printed 2")
