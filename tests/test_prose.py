"""Lectures as published (issue 17): prose math claims nothing, inline math never continues a display
chain, textbook identities are checked in their own variable, equations derive cannot read are "not
checked" (failing only a strict run), malformed LaTeX is an error at its place, and every message is
in the document's own terms."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from derive.model.spec import Spec
from derive.notation.prose import malformed, prose_reason
from derive.pipeline.options import Options
from derive.pipeline.run import check_paths

PROSE = Path(__file__).parent / "prose"


def check(tmp_path, text: str, name: str = "notes.md", **options):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_paths([str(path)], Options(**options) if options else None)


def verdicts(report) -> list[tuple[int, str]]:
    return [(r.line, r.verdict) for r in report.results]


def cli(*args, cwd=None):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# -- the reproductions of the issue, each a whole file -------------------------------------------------

def test_a_bare_m_in_a_sentence_makes_no_mini_batch(tmp_path):
    report = check(tmp_path, "$$a_1^{(2)} = \\sigma(z_1^{(2)})$$\n\nsize $m$, input $x$.\n")
    assert verdicts(report) == [(1, "proved")]
    assert report.spans == {"proved": 1, "prose": 2}
    assert "mini-batch" not in report.model and report.exit_code == 0


def test_nielsens_quadratic_cost_with_m_mentioned_is_proved_with_no_internal_error(tmp_path):
    report = check(tmp_path, "$$a^{l} = \\sigma(w^l a^{l-1}+b^l)$$\n\n"
                             "For the quadratic cost $\\nabla_a C = (a^L - y)$.\n\nA mini-batch of $m$ examples.\n")
    assert verdicts(report) == [(1, "proved"), (3, "proved")]
    assert report.exit_code == 0 and "internal error" not in json.dumps(report.to_json())


def test_the_output_error_with_a_mini_batch_mentioned_has_no_internal_error(tmp_path):
    report = check(tmp_path, "$$\\delta^L = \\nabla_a C \\odot \\sigma'(z^L)$$\n\na mini-batch of size $m$\n")
    assert [r for r in report.results if r.verdict in ("error", "refuted")] == []
    assert report.spans == {"no claim": 1, "prose": 1} and report.exit_code == 0


def test_an_inline_approximation_after_a_display_is_not_glued_onto_its_chain(tmp_path):
    report = check(tmp_path, "$$\\frac{\\partial E}{\\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} "
                             "(1 - a_1^{(3)})$$\n\nWhen the output is near zero ($\\approx 0$) or near one "
                             "($\\approx 1$), the unit is saturated.\n")
    assert verdicts(report) == [(1, "proved")]
    assert report.spans == {"proved": 1, "prose": 2} and report.exit_code == 0


def test_a_saturation_remark_is_no_claim(tmp_path):
    report = check(tmp_path, "$$a^l_j = \\sigma(z^l_j)$$\n\nThen $\\sigma'(z^L_j) \\approx 0$ when saturated.\n")
    assert verdicts(report) == [(1, "proved")]
    assert report.spans == {"proved": 1, "prose": 1}


def test_recalled_derivatives_are_identities_in_z(tmp_path):
    report = check(tmp_path, "Recall that $\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$ and "
                             "$\\tanh'(z) = 1 - \\tanh^2(z)$.\n")
    assert verdicts(report) == [(1, "proved"), (1, "proved")]
    assert [r.detail for r in report.results] == ["proved as an identity in z (no network needed)"] * 2
    assert "None" not in json.dumps(report.to_json())


# -- 1. math that claims nothing ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    r"l^{\rm th}", r"\mathbf{x}\in\mathbb{R}^d", r"W \in \mathbb{R}^{h\times d}", r"\ell_2", r"\sigma", r"\tanh",
    r"\vdots", r"i = 1, \ldots, n", r"l = 2, 3, \dots, L", r"\epsilon > 0", "+", r"\approx 1", "= 0", "m",
    r"f: \mathbb{R} \to \mathbb{R}", r"\eta \leq 1", r"x = (x_1, \dots, x_n) \in \mathbb{R}^n",
    r"\sigma'(z^L_j) \approx 0", r"a \approx b", r"g^{[1]} = \tanh", r"z = 0", r"k = 2,", r"k = j", r"i \neq j,"])
def test_inline_math_that_names_types_or_sizes_is_prose(text):
    assert prose_reason(text, display=False) is not None


@pytest.mark.parametrize("text", [
    r"a_1^{(2)} = \sigma(z_1^{(2)})", r"\nabla_a C = (a^L - y)", r"\text{loss\_3} = (A3 - T)",
    r"a_1^{(3)} \approx 0.731", r"E = \frac{1}{2}\sum_i (t_i - a_i)^2", r"m = 4"])
def test_inline_equations_are_claims(text):
    assert prose_reason(text, display=False) is None


def test_a_display_led_by_an_equals_sign_continues_its_chain_and_is_never_prose():
    assert prose_reason(r"= (a_1^{(3)} - t_1^{(3)})", display=True) is None
    assert prose_reason(r"\epsilon > 0", display=True) is not None
    assert prose_reason(r"\frac{\partial E}{\partial w_{11}^{(2)}}", display=True) is None   # a lone list: no claim


def test_prose_in_a_sentence_never_fails_a_run_or_changes_the_model(tmp_path):
    text = ("We write $l^{\\rm th}$ for the layer, $\\mathbf{x}\\in\\mathbb{R}^d$ for the input, $\\ell_2$ for the "
            "norm, and $\\sigma$ for the logistic function; for $i = 1, \\ldots, n$ and any $\\epsilon > 0$, a batch "
            "of $m$ examples, $\\vdots$ and the labels \\(+\\) and \\(-\\) of the figure.\n\n$$E = E_1 + E_2$$\n")
    report = check(tmp_path, text)
    assert verdicts(report) == [(3, "proved")]
    assert report.spans == {"proved": 1, "prose": 10}
    plain = check(tmp_path, "$$E = E_1 + E_2$$\n", "plain.md")
    assert report.model == plain.model


def test_an_unreadable_display_with_no_relation_is_prose_not_an_error(tmp_path):
    report = check(tmp_path, "$$\\mathcal{L}(\\theta)$$\n\n$$E = E_1 + E_2$$\n")
    assert verdicts(report) == [(3, "proved")] and report.spans == {"proved": 1, "prose": 1}


def test_a_letter_with_a_relation_in_a_sentence_still_changes_nothing_when_it_only_types(tmp_path):
    report = check(tmp_path, "Let $W^{(2)} \\in \\mathbb{R}^{2\\times 2}$ and $b^{(2)} \\in \\mathbb{R}^2$.\n\n"
                             "$$E = E_1 + E_2$$\n")
    assert verdicts(report) == [(3, "proved")]


def test_a_stated_batch_size_is_still_read(tmp_path):
    report = check(tmp_path, "$$m = 3$$\n\n$$E = \\frac{1}{m}\\sum_{n=1}^{m} E^{[n]}$$\n")
    assert "mini-batch of 3" in report.model


# -- 2. inline math never continues a display chain ----------------------------------------------------

def test_inline_math_led_by_equals_starts_nothing_and_joins_nothing(tmp_path):
    report = check(tmp_path, "$$E = E_1 + E_2$$\n\nwhich is $= 3$ in the example, or $+ 1$ more.\n")
    assert verdicts(report) == [(1, "proved")]
    assert all("3" not in r.claim for r in report.results)


def test_no_result_shows_text_the_document_does_not_contain(tmp_path):
    text = ("$$\\frac{\\partial E}{\\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)})$$\n\n"
            "near one ($\\approx 1$).\n")
    report = check(tmp_path, text)
    for r in report.results:
        for side in r.claim.split(" = "):
            assert side.replace(" ", "") in text.replace(" ", "")


# -- 3. textbook identities ----------------------------------------------------------------------------

@pytest.mark.parametrize("claim", [
    r"\sigma(z) = \frac{1}{1+e^{-z}}", r"\sigma(z) = \frac{1}{1+\exp(-z)}", r"\sigma'(z) = \sigma(z)(1-\sigma(z))",
    r"\tanh'(z) = 1 - \tanh^2(z)", r"\frac{d}{dz}\sigma(z) = \sigma(z)(1-\sigma(z))",
    r"\frac{d\sigma}{dz} = \sigma(z)(1-\sigma(z))", r"\frac{d}{dx}\tanh(x) = 1 - \tanh(x)^2",
    r"\frac{\partial \sigma(z)}{\partial z} = \sigma(z)(1 - \sigma(z))", r"\tanh(u) = 2\sigma(2u) - 1"])
def test_a_true_identity_is_proved_in_its_own_variable(tmp_path, claim):
    report = check(tmp_path, f"A fact we use:\n\n$${claim}$$\n")
    assert verdicts(report) == [(3, "proved")], report.results


@pytest.mark.parametrize("claim, value", [
    (r"\sigma'(z) = \sigma(z)(1+\sigma(z))", None), (r"\tanh'(z) = 1 + \tanh^2(z)", None),
    (r"\frac{d\sigma}{dz} = \sigma(z)^2", None), (r"\sigma(z) = \frac{1}{1+e^{z}}", None)])
def test_a_wrong_identity_is_refuted_with_a_point(tmp_path, claim, value):
    report = check(tmp_path, f"$${claim}$$\n")
    (r,) = report.results
    assert r.verdict == "refuted" and r.counterexample.point == {"z": "0.3"}
    assert r.detail == "refuted: the two sides differ as functions of z (no network needed)"
    assert "*" not in r.counterexample.difference and "exp(" not in r.counterexample.difference


def test_a_function_the_text_defines_is_applied_elementwise(tmp_path):
    text = ("Let $f(x) = x^2$. Applied to a vector, elementwise:\n\n"
            "$$f\\left(\\begin{bmatrix}1\\\\2\\end{bmatrix}\\right) = \\begin{bmatrix}1\\\\4\\end{bmatrix}$$\n\n"
            "$$f\\left(\\begin{bmatrix}1\\\\3\\end{bmatrix}\\right) = \\begin{bmatrix}1\\\\6\\end{bmatrix}$$\n")
    report = check(tmp_path, text)
    assert verdicts(report) == [(3, "proved"), (5, "refuted")]


def test_a_hadamard_product_of_number_vectors(tmp_path):
    right = "$$\\begin{bmatrix}1\\\\2\\end{bmatrix} \\odot \\begin{bmatrix}3\\\\4\\end{bmatrix} = " \
            "\\begin{bmatrix}3\\\\8\\end{bmatrix}$$\n"
    assert verdicts(check(tmp_path, right)) == [(1, "proved")]
    wrong = right.replace("{bmatrix}3\\\\8", "{bmatrix}4\\\\6")
    assert wrong != right and verdicts(check(tmp_path, wrong, "wrong.md")) == [(1, "refuted")]


def test_an_identity_needs_no_network_and_uses_none(tmp_path):
    report = check(tmp_path, "$$\\sigma'(z) = \\sigma(z)(1-\\sigma(z))$$\n", spec=Spec.parse("2-3-1"))
    assert verdicts(report) == [(1, "proved")]


def test_a_name_of_the_network_is_not_an_identity_variable(tmp_path):
    report = check(tmp_path, "$$\\frac{\\partial a}{\\partial z} = a(1-a)$$\n\n$$E = E_1 + E_2$$\n")
    assert all(r.detail != "proved as an identity in z (no network needed)" for r in report.results)


# -- 6. what a run means for CI ------------------------------------------------------------------------

UNREADABLE = "$$E = E_1 + E_2$$\n\n$$\\operatorname{KL}(p \\Vert q) = \\sum_i p_i \\log \\frac{p_i}{q_i}$$\n"


def test_an_equation_derive_cannot_read_is_not_checked_and_the_run_passes(tmp_path):
    report = check(tmp_path, UNREADABLE)
    assert verdicts(report) == [(1, "proved"), (3, "not checked")]
    assert report.summary() == {"proved": 1, "refuted": 0, "undecided": 0, "errors": 0, "not checked": 1}
    assert report.exit_code == 0
    assert report.results[1].detail.startswith("derive cannot read this equation: ")


def test_strict_makes_not_checked_fail_the_run(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(UNREADABLE, encoding="utf-8")
    loose, strict = cli("check", path), cli("check", "--strict", path)
    assert (loose.exit_code, strict.exit_code) == (0, 1)
    assert "not checked: 1 equation derive cannot read or model (listed, not failing the run; --strict fails it)" \
        in loose.output
    assert "failing the run: strict" in strict.output


def test_strict_in_pyproject(tmp_path, monkeypatch):
    (tmp_path / "notes.md").write_text(UNREADABLE, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\npaths = ["notes.md"]\nstrict = true\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert cli("check").exit_code == 1
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\npaths = ["notes.md"]\nstrict = "yes"\n', encoding="utf-8")
    bad = cli("check")
    assert bad.exit_code == 2 and "strict must be true or false" in bad.output


def test_not_checked_in_github_junit_and_json(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text(UNREADABLE, encoding="utf-8")
    github = cli("check", "--format", "github", path).output.splitlines()
    assert github[0].startswith(f"::warning file={path},line=3,col=")
    assert ",title=derive%3A not checked::" in github[0]
    assert github[-1].endswith("0 errors, 1 not checked")
    assert cli("check", "--strict", "--format", "github", path).output.startswith("::error ")
    junit = cli("check", "--format", "junit", path).output
    assert 'failures="0" errors="0" skipped="1"' in junit and "<skipped message=\"not checked: " in junit
    assert 'failures="1" errors="0" skipped="0"' in cli("check", "--strict", "--format", "junit", path).output
    data = json.loads(cli("check", "--format", "json", path).output)
    assert data["summary"]["not checked"] == 1 and data["results"][1]["verdict"] == "not checked"
    html = cli("check", "--format", "html", path).output
    assert 'class="card not-checked"' in html and 'class="count not-checked"><b>1</b>not checked' in html


def test_the_api_takes_strict_and_a_report_with_an_equation_not_checked_has_not_passed():
    import derive
    loose, strict = derive.check(UNREADABLE), derive.check(UNREADABLE, strict=True)
    assert (loose.exit_code, strict.exit_code) == (0, 1)
    assert not loose.passed and derive.check("$$E = E_1 + E_2$$\n").passed


@pytest.mark.parametrize("formula, col, message", [
    (r"x = \frac{1}{2}(t_1^{(3)} - a_1^{(3)})^{2", 42, "a brace { is never closed"),
    (r"x = \frac{1}{2}}", 18, "a brace } closes nothing"),
    (r"x = \left( E_1 + E_2", 7, r"a \left without its \right"),
    (r"x = \begin{pmatrix} E_1 \end{bmatrix}", 27, "\\end{bmatrix} without its \\begin"),
    (r"x = (E_1 + E_2", 7, "a parenthesis ( is never closed"),
])
def test_malformed_latex_is_an_error_at_its_place_and_exits_2(tmp_path, formula, col, message):
    report = check(tmp_path, f"$$E = E_1 + E_2$$\n\n$${formula}$$\n")
    assert verdicts(report) == [(1, "proved"), (3, "error")]
    assert (report.results[1].col, report.exit_code) == (col, 2)
    assert report.results[1].detail.startswith(f"{tmp_path}/notes.md:3:{col}: {message}")


def test_malformed_latex_in_a_sentence_is_an_error_too(tmp_path):
    report = check(tmp_path, "A name $x_{1$ in prose.\n\n$$E = E_1 + E_2$$\n")
    assert verdicts(report) == [(1, "error"), (3, "proved")]
    assert malformed(r"x_{1") is not None and malformed(r"\{ x \}") is None
    assert malformed(r"p(y | x)", claim=False) is None


# -- 7. messages in the user's terms -------------------------------------------------------------------

def test_a_name_without_its_layer_is_spelled_as_written(tmp_path):
    report = check(tmp_path, "$$E = E_1 + E_2$$\n\n$$\\frac{\\partial E}{\\partial z_1} = a_1^{(3)} - t_1^{(3)}$$\n")
    text = json.dumps(report.to_json())
    assert "z_None" not in text and "None needs" not in text
    assert any("z_{1} needs its layer" in r.detail for r in report.results)


SYMPY_SYNTAX = re.compile(r"\*\*|\w\*\w|\b\w+_\d+_\d+\b|\bNone\b")


def test_no_sympy_syntax_or_internal_names_anywhere_a_person_reads(tmp_path):
    text = ("$$\\frac{\\partial E}{\\partial w_{11}^{(2)}} = (a_1^{(3)} - t_1^{(3)}) x_1$$\n\n"
            "$$\\sigma'(z) = \\sigma(z)(1+\\sigma(z))$$\n\n$$\\frac{\\partial E}{\\partial z} = 1$$\n")
    path = tmp_path / "notes.md"
    path.write_text(text, encoding="utf-8")
    for fmt in ("table", "github", "junit", "html"):
        out = cli("check", "--format", fmt, "-v", path).output if fmt == "table" else \
            cli("check", "--format", fmt, path).output
        out = out.replace(str(tmp_path), "")
        assert not SYMPY_SYNTAX.search(re.sub(r"<style>.*?</style>|<script.*?</script>", "", out, flags=re.S)), \
            (fmt, SYMPY_SYNTAX.search(out))


# -- 8. documents written the way public material is ----------------------------------------------------

FIXTURES = {                                   # every claim, line by line, and the spans read as prose
    "course_note.md": ([17, 19, 24, 26, 33, 37, 44, 48, 50, 58, 62, 64, 66, 66, 66, 68, 70, 72],  # with the proofs
                       {"proved": 16, "no claim": 1, "prose": 21}),
    "chapter.tex": ([13, 19, 20, 27, 29, 33, 37, 38, 45, 47], {"proved": 8, "no claim": 2, "prose": 10}),
    "study_notes.md": ([8, 9, 10, 13, 17, 24, 26, 30, 36, 36], {"proved": 9, "no claim": 1, "prose": 18}),
}


@pytest.mark.parametrize("name", FIXTURES)
def test_a_published_document_is_proved_claim_by_claim_and_its_prose_is_prose(name):
    lines, spans = FIXTURES[name]
    report = check_paths([str(PROSE / name)])
    assert verdicts(report) == [(line, "proved") for line in lines]
    assert report.spans == spans and report.exit_code == 0


MISTAKES = [
    ("course_note.md", 37, r"\odot \sigma'(z^L)", r"\odot \sigma(z^L)"),
    ("course_note.md", 50, r"a^{l-1}_k \delta^l_j", r"a^{l}_k \delta^l_j"),
    ("course_note.md", 33, r"\sigma'(z^L_j)", r"\sigma(z^L_j)"),
    ("course_note.md", 70, r"w^{l+1}_{kj} \sigma'(z^l_j)", r"w^{l+1}_{jk} \sigma'(z^l_j)"),
    ("course_note.md", 62, r"\frac{\partial a^L_j}{\partial z^L_j}", r"\frac{\partial a^L_j}{\partial z^L_k}"),
    ("chapter.tex", 20, r"(1 - \sigma(z))", r"(1 + \sigma(z))"),
    ("chapter.tex", 45, r"1 - \tanh^2(z)", r"1 + \tanh^2(z)"),
    ("chapter.tex", 29, r"(a^L_j - y_j)", r"(y_j - a^L_j)"),
    ("study_notes.md", 17, r"\begin{bmatrix} 3 \\ 8 \end{bmatrix}$$", r"\begin{bmatrix} 3 \\ 6 \end{bmatrix}$$"),
    ("study_notes.md", 13, r"\begin{bmatrix} 1 \\ 4 \end{bmatrix}$$", r"\begin{bmatrix} 2 \\ 4 \end{bmatrix}$$"),
    ("study_notes.md", 30, r"(1 - a_1^{(3)})$$", r"(1 - a_2^{(3)})$$"),
]


@pytest.mark.parametrize("name, line, old, new", MISTAKES)
def test_a_mistake_in_a_published_document_is_refuted_at_its_line(tmp_path, name, line, old, new):
    lines = (PROSE / name).read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new)
    report = check(tmp_path, "\n".join(lines), name)
    wrong = [(r.line, r.verdict) for r in report.results if r.verdict != "proved"]
    assert wrong == [(line, "refuted")], report.results
    assert report.exit_code == 1


def test_a_name_derive_cannot_resolve_is_not_checked_and_a_function_named_is_prose(tmp_path):
    text = ("We use $g^{[1]} = \\tanh$ in the hidden layer.\n\n"
            "$$Z = W X + b$$\n\n$$E = E_1 + E_2$$\n")
    report = check(tmp_path, text)
    assert verdicts(report) == [(3, "not checked"), (3, "not checked"), (5, "proved")]
    assert "Z needs its layer" in report.results[0].detail
    assert report.spans == {"proved": 1, "unreadable": 1, "prose": 1} and report.exit_code == 0
    assert check(tmp_path, text, strict=True).exit_code == 1


@pytest.mark.parametrize("derivative, verdict", [
    (r"\frac{d\varphi}{dz} = \varphi(z)(1 - \varphi(z))", "proved"),
    (r"\frac{d\varphi}{dz} = \varphi(z)(1 + \varphi(z))", "refuted"),
    (r"\frac{df}{dz} = f(z)(1 - f(z))", "proved"),
])
def test_the_derivative_of_a_function_the_text_defines_is_checked_against_its_definition(tmp_path, derivative, verdict):
    """Wikipedia's derivation: φ is the logistic function, then dφ/dz = φ(z)(1 - φ(z))."""
    letter = "f" if "df" in derivative else r"\varphi"
    report = check(tmp_path, f"where the activation is\n\n$${letter}(z) = \\frac{{1}}{{1 + e^{{-z}}}},$$\n\n"
                             f"which has the derivative\n\n$${derivative}.$$\n")
    assert verdicts(report) == [(7, verdict)], report.results
