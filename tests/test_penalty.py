"""Weight decay and other penalty terms, as published material writes them (issue 18 item 2).

Four documents, written for these tests in the styles of their sources: a book chapter in
Nielsen's notation (scalar `w`, `C = C_0 + \\frac{\\lambda}{2n}\\sum_w w^2`, the update rule with an
arrow), course notes in Ng's (Frobenius norms, `\\frac{\\lambda}{2m}`, `dW^{[l]} = ... + \\frac{\\lambda}{m}
W^{[l]}`) and a blog's worked example with its own names (`E_{reg} = E_{total} + \\frac{\\lambda}{2}
(w_1^2 + ... + w_8^2)`), and a book's objective with named parts (`J = L + s`, `s = \\frac{\\lambda}{2}
(\\|w^2\\|_F^2 + \\|w^3\\|_F^2)`, `\\frac{\\partial J}{\\partial s} = 1`).  Each checks clean; each classic mistake (the decay term forgotten, λ for
λ/n, 2λ from a forgotten ½, a decayed bias where the text penalises weights only, the sign of the
decay flipped in the update) is refuted at the line edited.  A penalty derive cannot model leaves
its claims not checked, never proved.

Every edit asserts that the text it replaces is once on that line, so a fixture that drifts fails
loudly.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

PENALTY = Path(__file__).resolve().parent / "penalty"


def run(path: Path, *options: str):
    # a generous time bound: the machine running the suite may be busy (no timing is asserted)
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--timeout", "60", *options])
    return result.exit_code, json.loads(result.output)


def not_proved(report) -> list[tuple[int, str]]:
    return sorted({(r["line"], r["verdict"]) for r in report["results"] if r["verdict"] != "proved"})


def edited(tmp_path: Path, name: str, line: int, old: str, new: str) -> Path:
    lines = (PENALTY / name).read_text(encoding="utf-8").split("\n")
    assert lines[line - 1].count(old) == 1, f"{old!r} is not once on line {line} of {name}"
    lines[line - 1] = lines[line - 1].replace(old, new)
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


NIELSEN, NG, WORKED = "nielsen_regularization.md", "ng_regularization.md", "worked_example_decay.md"
BOOK = "book_objective.md"
CLEAN = {
    # name: (claims proved, what the model line says of the penalty)
    NIELSEN: (11, "objective C = E + R, R = lambda/(2*n) * (sum of the squares of 12 weights)"),
    NG: (14, "objective J = E + R, R = lambda/4 * (sum of the squares of 6 weights)"),
    WORKED: (19, "objective E_{reg} = E + R, R = lambda/2 * (sum of the squares of 8 weights)"),
    BOOK: (15, "objective J = E + s, s = lambda/2 * (sum of the squares of 12 weights), no biases"),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_each_document_with_weight_decay_checks_clean(name):
    code, report = run(PENALTY / name)
    claims, penalty = CLEAN[name]
    assert (code, not_proved(report)) == (0, [])
    assert report["summary"]["proved"] == claims
    assert penalty in report["model"]


def test_the_ng_notes_read_their_logistic_cost_under_the_penalty():
    code, report = run(PENALTY / NG)
    assert report["model"].startswith("2-2-1 sigmoid network, E = -sum_i (t_i log a_i + (1 - t_i) log(1 - a_i)), "
                                      "mini-batch of 2 examples")


def test_a_scalar_w_is_every_weight_and_is_checked_for_each():
    code, report = run(PENALTY / NIELSEN)
    by_line = {r["line"]: r for r in report["results"]}
    assert by_line[27]["verdict"] == "proved"
    assert by_line[27]["claim"].startswith(r"\frac{\partial C}{\partial w} = \frac{\partial C_0}{\partial w}")
    assert "12 instances" in by_line[27]["detail"]       # the 6 + 6 weights of a 2-3-2 network
    assert "5 instances" in by_line[29]["detail"]        # its 3 + 2 biases


MISTAKES = [
    # Nielsen: the decay term forgotten in the weight's gradient
    pytest.param(NIELSEN, 27, r"\frac{\partial C_0}{\partial w} + \frac{\lambda}{n} w",
                 r"\frac{\partial C_0}{\partial w}", [(27, "refuted")], id="nielsen-decay-forgotten"),
    # lambda where lambda/n is meant
    pytest.param(NIELSEN, 27, r"+ \frac{\lambda}{n} w", r"+ \lambda w", [(27, "refuted")], id="nielsen-lambda-for-lambda/n"),
    # the 1/2 of the penalty forgotten in its derivative: 2 lambda / n
    pytest.param(NIELSEN, 27, r"+ \frac{\lambda}{n} w", r"+ \frac{2 \lambda}{n} w", [(27, "refuted")], id="nielsen-two-lambda"),
    # the bias decayed, though the penalty is the weights'
    pytest.param(NIELSEN, 29, r"\frac{\partial C_0}{\partial b} \tag{89}",
                 r"\frac{\partial C_0}{\partial b} + \frac{\lambda}{n} b \tag{89}", [(29, "refuted")], id="nielsen-bias-decayed"),
    pytest.param(NIELSEN, 34, r"b - \eta", r"\left(1 - \frac{\eta \lambda}{n}\right) b - \eta", [(34, "refuted")],
                 id="nielsen-bias-update-decayed"),
    # the sign of the decay flipped in the update
    pytest.param(NIELSEN, 40, r"\left(1 - \frac{\eta \lambda}{n}\right)", r"\left(1 + \frac{\eta \lambda}{n}\right)",
                 [(40, "refuted")], id="nielsen-update-sign"),
    pytest.param(NIELSEN, 38, r"- \frac{\eta \lambda}{n} w", r"- \eta \lambda w", [(38, "refuted")],
                 id="nielsen-update-lambda-for-lambda/n"),
    # an instance for one weight without its decay term
    pytest.param(NIELSEN, 48, r" + \frac{\lambda}{n} w^3_{12}", "", [(48, "refuted")], id="nielsen-instance-decay-forgotten"),
    # Ng: dW without the penalty's derivative
    pytest.param(NG, 36, r" + \frac{\lambda}{m} W^{[2]}", "", [(36, "refuted")], id="ng-decay-forgotten"),
    pytest.param(NG, 42, r"+ \frac{\lambda}{m} W^{[1]}", r"+ \lambda W^{[1]}", [(42, "refuted")], id="ng-lambda-for-lambda/m"),
    pytest.param(NG, 36, r"+ \frac{\lambda}{m} W^{[2]}", r"+ \frac{2 \lambda}{m} W^{[2]}", [(36, "refuted")], id="ng-two-lambda"),
    pytest.param(NG, 38, r"\sum dZ^{[2]}", r"\sum dZ^{[2]} + \frac{\lambda}{m} b^{[2]}", [(38, "refuted")], id="ng-bias-decayed"),
    pytest.param(NG, 50, r"\left(1 - \frac{\alpha \lambda}{m}\right)", r"\left(1 + \frac{\alpha \lambda}{m}\right)",
                 [(50, "refuted")], id="ng-update-sign"),
    # the worked example: the gradient of w_5 without the decay, with 2 lambda, the bias decayed
    pytest.param(WORKED, 48, r" + \lambda w_5$$", "$$", [(48, "refuted")], id="worked-decay-forgotten"),
    pytest.param(WORKED, 44, r"+ \lambda w_5", r"+ 2 \lambda w_5", [(44, "refuted")], id="worked-two-lambda"),
    pytest.param(WORKED, 52, r"\frac{\partial E_{total}}{\partial b_2}$$",
                 r"\frac{\partial E_{total}}{\partial b_2} + \lambda b_2$$", [(52, "refuted")], id="worked-bias-decayed"),
    pytest.param(WORKED, 56, r"+ \lambda w_1", r"+ \lambda w_5", [(56, "refuted")], id="worked-decay-of-another-weight"),
    pytest.param(WORKED, 62, r"(1 - \eta \lambda)", r"(1 + \eta \lambda)", [(62, "refuted")], id="worked-update-sign"),
]


MISTAKES += [
    # the book: the penalty's own gradient with its 1/2 forgotten, dJ/ds, the decay forgotten in dJ/dW
    pytest.param(BOOK, 36, r"= \lambda w^2", r"= 2 \lambda w^2", [(36, "refuted")], id="book-two-lambda"),
    pytest.param(BOOK, 34, "= 1", r"= \lambda", [(34, "refuted")], id="book-dJ/ds"),
    pytest.param(BOOK, 40, r" + \lambda w^3", "", [(40, "refuted")], id="book-decay-forgotten"),
    pytest.param(BOOK, 44, r"x^T + \lambda w^2", r"x^T - \lambda w^2", [(44, "refuted")], id="book-sign"),
    # the update with an arrow: the decay's sign, and 2 lambda
    pytest.param(BOOK, 53, r"(1 - \eta \lambda)", r"(1 + \eta \lambda)", [(53, "refuted")], id="book-arrow-update-sign"),
    pytest.param(BOOK, 51, r"+ \lambda w\right)", r"+ 2 \lambda w\right)", [(51, "refuted")], id="book-arrow-two-lambda"),
]


@pytest.mark.parametrize("name, line, old, new, expected", MISTAKES)
def test_one_mistake_is_refuted_at_the_edited_line(tmp_path, name, line, old, new, expected):
    code, report = run(edited(tmp_path, name, line, old, new))
    assert (code, not_proved(report)) == (1, expected)


def test_the_flipped_sign_of_the_decay_is_repaired_in_the_documents_terms(tmp_path):
    path = edited(tmp_path, NG, 50, r"\left(1 - \frac{\alpha \lambda}{m}\right)", r"\left(1 + \frac{\alpha \lambda}{m}\right)")
    code, report = run(path)
    refuted = [r for r in report["results"] if r["verdict"] == "refuted"]
    assert len(refuted) == 1 and refuted[0]["line"] == 50
    assert [(r["old"], r["new"], r["kind"]) for r in refuted[0]["repairs"]] == [("+", "-", "sign")]
    assert set(refuted[0]["counterexample"]["point"]) >= {"\\lambda", "\\alpha"}
    assert "L" not in refuted[0]["counterexample"]["point"]      # the sum's upper limit is no coefficient


def test_a_penalty_derive_cannot_model_leaves_its_claims_not_checked(tmp_path):
    """L1 (|w|) is no polynomial: every claim about C is not checked, none is proved against a model
    without the penalty; the data loss's own claims are still checked."""
    path = edited(tmp_path, NIELSEN, 21, r"\frac{\lambda}{2n} \sum_w w^2", r"\frac{\lambda}{n} \sum_w |w|")
    code, report = run(path)
    verdicts = {r["line"]: r["verdict"] for r in report["results"]}
    assert code == 0 and report["summary"]["proved"] == 4 and report["summary"]["refuted"] == 0
    assert {verdicts[line] for line in (21, 27, 29, 34, 38, 40, 48)} == {"not checked"}
    assert "the penalty at line 21 is no polynomial in the weights and biases" in report["model"]
    code, report = run(path, "--strict")
    assert code == 1


def test_a_penalty_on_the_2_norm_of_a_matrix_is_not_checked(tmp_path):
    path = edited(tmp_path, NG, 26, r"\|W^{[l]}\|_F^2", r"\|W^{[l]}\|_2^2")
    code, report = run(path)
    assert report["summary"]["proved"] > 0 and report["summary"]["refuted"] == 0
    assert "2-norm of a matrix" in report["model"]
    assert {r["verdict"] for r in report["results"] if r["line"] in (36, 42, 50)} == {"not checked"}


REPAIRED = [
    # (document, line, old, new, the repair derive proves: (old, new, kind))
    pytest.param(NIELSEN, 27, r"+ \frac{\lambda}{n} w", r"+ \lambda w", (r"\lambda", r"\frac{\lambda}{n}", "wrong factor"),
                 id="nielsen-lambda-for-lambda/n"),
    pytest.param(NIELSEN, 27, r"+ \frac{\lambda}{n} w", r"+ \frac{2 \lambda}{n} w",
                 (r"\frac{2 \lambda}{n}", r"\frac{\lambda}{n}", "wrong factor"), id="nielsen-two-lambda"),
    pytest.param(NIELSEN, 27, r" + \frac{\lambda}{n} w", "",
                 (r"\frac{\partial C_0}{\partial w}", r"\frac{\partial C_0}{\partial w} + \frac{\lambda}{n} w", "missing term"),
                 id="nielsen-decay-forgotten"),
    pytest.param(NIELSEN, 29, r"\frac{\partial C_0}{\partial b} \tag{89}",
                 r"\frac{\partial C_0}{\partial b} + \frac{\lambda}{n} b \tag{89}", None, id="nielsen-bias-decayed"),
    pytest.param(NIELSEN, 38, r"- \frac{\eta \lambda}{n} w", r"- \eta \lambda w", (r"\lambda", r"\frac{\lambda}{n}", "wrong factor"),
                 id="nielsen-update-lambda"),
    pytest.param(NG, 42, r"+ \frac{\lambda}{m} W^{[1]}", r"+ \lambda W^{[1]}", (r"\lambda", r"\frac{\lambda}{m}", "wrong factor"),
                 id="ng-lambda-for-lambda/m"),
    pytest.param(NG, 36, r"+ \frac{\lambda}{m} W^{[2]}", r"+ \frac{2\lambda}{m} W^{[2]}",
                 (r"\frac{2\lambda}{m}", r"\frac{\lambda}{m}", "wrong factor"), id="ng-two-lambda"),
    pytest.param(WORKED, 44, r"+ \lambda w_5", r"+ 2 \lambda w_5", (r"2 \lambda", r"\lambda", "wrong factor"), id="worked-two-lambda"),
    # the decay term forgotten where no derivative names the parameter: written in the document's spelling
    pytest.param(NG, 36, r" + \frac{\lambda}{m} W^{[2]}", "",
                 (r"\frac{1}{m} dZ^{[2]} A^{[1]T}", r"\frac{1}{m} dZ^{[2]} A^{[1]T} + \frac{\lambda}{m} W^{[2]}", "missing term"),
                 id="ng-decay-forgotten"),
    pytest.param(WORKED, 48, r" + \lambda w_5", "",
                 (r"-(target_{o1} - out_{o1}) * out_{o1} (1 - out_{o1}) * out_{h1}",
                  r"-(target_{o1} - out_{o1}) * out_{o1} (1 - out_{o1}) * out_{h1} + \lambda w_5", "missing term"),
                 id="worked-decay-forgotten"),
    pytest.param(WORKED, 56, r" + \lambda w_1", "",
                 (r"\frac{\partial E_{total}}{\partial out_{h1}} * out_{h1} (1 - out_{h1}) * i_1",
                  r"\frac{\partial E_{total}}{\partial out_{h1}} * out_{h1} (1 - out_{h1}) * i_1 + \lambda w_1", "missing term"),
                 id="worked-hidden-decay-forgotten"),
]


@pytest.mark.parametrize("name, line, old, new, repair", REPAIRED)
def test_the_slips_of_weight_decay_are_repaired_in_the_documents_names(tmp_path, name, line, old, new, repair):
    code, report = run(edited(tmp_path, name, line, old, new))
    refuted = [r for r in report["results"] if r["verdict"] == "refuted"]
    assert [r["line"] for r in refuted] == [line]
    found = [(q["old"], q["new"], q["kind"]) for q in refuted[0]["repairs"]]
    if repair is None:                  # the decayed bias: the extra term dropped, in whichever proved form
        assert any(kind in ("extra term", "wrong factor") for *_, kind in found), found
    else:
        assert found[0] == repair


FORMS = [
    # Nielsen's penalty written the other ways books write the sum of the squared weights
    pytest.param(r"\|w\|^2", id="norm-of-every-weight"),
    pytest.param(r"\|w\|_2^2", id="2-norm-of-every-weight"),
    pytest.param(r"\sum_l \sum_{j,k} (w^l_{jk})^2", id="sum-over-layers-and-units"),
    pytest.param(r"\sum_{l} \|w^l\|_F^2", id="frobenius-per-layer"),
]


@pytest.mark.parametrize("penalty", FORMS)
def test_the_same_penalty_written_otherwise_reads_the_same(tmp_path, penalty):
    code, report = run(edited(tmp_path, NIELSEN, 21, r"\sum_w w^2", penalty))
    assert (code, not_proved(report)) == (0, [])
    assert report["summary"]["proved"] == CLEAN[NIELSEN][0]
    assert CLEAN[NIELSEN][1] in report["model"]


def test_ngs_frobenius_norm_defined_entry_by_entry_with_a_stated_batch(tmp_path):
    """m = 3 said in the document; \\|W^{[l]}\\|_F^2 = \\sum_i^{n^{[l]}} \\sum_j^{n^{[l-1]}} (w_{ij}^{[l]})^2 for every l."""
    text = (PENALTY / NG).read_text(encoding="utf-8").split("\n")
    text[28:28] = ["", "$$m = 3$$", "",
                   r"$$\|W^{[l]}\|_F^2 = \sum_{i=1}^{n^{[l]}} \sum_{j=1}^{n^{[l-1]}} (w_{ij}^{[l]})^2$$", ""]
    path = tmp_path / NG
    path.write_text("\n".join(text), encoding="utf-8")
    code, report = run(path)
    assert (code, not_proved(report)) == (0, [])
    assert "mini-batch of 3 examples" in report["model"] and "R = lambda/6 *" in report["model"]
    frobenius = next(r for r in report["results"] if r["line"] == 32)
    assert "l = 2, 3 (2 instances)" in frobenius["detail"]
    text[31] = text[31].replace("(w_{ij}^{[l]})^2", "w_{ij}^{[l]}")
    path.write_text("\n".join(text), encoding="utf-8")
    code, report = run(path)
    assert (code, not_proved(report)) == (1, [(32, "refuted")])


def test_a_total_error_defined_with_its_penalty_keeps_its_own_loss_terms(tmp_path):
    """E_{total} = E_{o1} + E_{o2} + \\frac{\\lambda}{2}(...): the loss is read from the terms beside the
    penalty (here squared errors without the 1/2), never left at derive's default."""
    text = (PENALTY / WORKED).read_text(encoding="utf-8")
    penalty = r" + \frac{\lambda}{2} (w_1^2 + w_2^2 + w_3^2 + w_4^2 + w_5^2 + w_6^2 + w_7^2 + w_8^2)"
    text = text.replace(r"$$E_{total} = E_{o1} + E_{o2}$$", r"$$E_{total} = E_{o1} + E_{o2}" + penalty + "$$")
    text = text.replace(r"$$E_{reg} = E_{total}" + penalty + "$$", "").replace("E_{reg}", "E_{total}")
    text = text.replace(r"= \frac{1}{2} (target", "= (target")
    path = tmp_path / WORKED
    path.write_text(text, encoding="utf-8")
    code, report = run(path)
    verdicts = {r["line"]: r["verdict"] for r in report["results"]}
    assert report["model"].startswith("2-2-2 sigmoid network, E = sum_i (t_i - a_i)^2")
    assert "objective E_{total} = E + R" in report["model"]
    assert [verdicts[line] for line in (29, 31, 33)] == ["proved"] * 3


def test_biases_are_decayed_only_where_the_penalty_writes_them(tmp_path):
    """With \\sum_b b^2 in the penalty, the chapter's own weight-only bias rules are the mistakes."""
    path = edited(tmp_path, NIELSEN, 21, r"\sum_w w^2", r"\left(\sum_w w^2 + \sum_b b^2\right)")
    code, report = run(path)
    assert (code, not_proved(report)) == (1, [(29, "refuted"), (34, "refuted")])
    assert "(sum of the squares of 12 weights and 5 biases)" in report["model"]


def test_two_equations_joined_by_and_are_two_claims(tmp_path):
    """The book writes `\\frac{\\partial J}{\\partial L} = 1 \\; \\textrm{and} \\; \\frac{\\partial J}{\\partial s} = 1`."""
    text = (PENALTY / BOOK).read_text(encoding="utf-8")
    for a, b in ((r"$$\frac{\partial J}{\partial L} = 1$$", r"$$\frac{\partial J}{\partial s} = 1$$"),
                 (r"$$\frac{\partial s}{\partial w^2} = \lambda w^2$$", r"$$\frac{\partial s}{\partial w^3} = \lambda w^3$$")):
        assert text.count(a + "\n\n" + b) == 1
        text = text.replace(a + "\n\n" + b, a[:-2] + r" \; \textrm{and} \; " + b[2:-2] + ".$$")
    path = tmp_path / BOOK
    path.write_text(text, encoding="utf-8")
    code, report = run(path)
    assert (code, not_proved(report)) == (0, [])
    assert report["summary"]["proved"] == CLEAN[BOOK][0]
    assert sorted(r["col"] for r in report["results"] if r["line"] == 32) == [35, 88]
    path.write_text(text.replace(r"\frac{\partial J}{\partial s} = 1.", r"\frac{\partial J}{\partial s} = \lambda."),
                    encoding="utf-8")
    code, report = run(path)
    assert (code, [(r["line"], r["col"]) for r in report["results"] if r["verdict"] != "proved"]) == (1, [(32, 88)])


GENERIC = "book_generic.md"


def test_a_books_penalty_reads_where_the_rest_of_its_network_is_generic(tmp_path):
    """A book's chapter with a generic activation and loss (φ, l(o, y)) and bold vectors: the penalty s
    and the objective J = L + s are part of its generic network (definitions, not claims), and the
    gradients of J and of s are proved for every φ and every loss, each at its own line."""
    code, report = run(PENALTY / GENERIC)
    assert code == 0
    assert [(r["line"], r["verdict"]) for r in report["results"]] == [
        (25, "proved"), (25, "proved"), (29, "proved"), (31, "proved")]
    assert "a generic loss L = l(o, y)" in report["model"]
    code, report = run(edited(tmp_path, GENERIC, 29, r"= \lambda \mathbf{W}^{(1)}", r"= 2 \lambda \mathbf{W}^{(1)}"))
    assert [(r["line"], r["verdict"]) for r in report["results"] if r["verdict"] == "refuted"] == [(29, "refuted")]
