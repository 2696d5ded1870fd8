"""Layers named by their index letters, as textbooks write them (derive/understand/letters.py):
i the inputs, j the hidden units, k the outputs; `a` the weighted input and `z` the output (derive's
z and a swapped), `y_k` the outputs, `E_n` one pattern's error, sums from 0 that carry the bias."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import check_text as check, line_of

NOTE = (Path(__file__).parent / "letters" / "two_layer_note.md").read_text(encoding="utf-8")

TEXTBOOK = r"""\documentclass{article}
\begin{document}
\section{Error backpropagation: an example}
Take a two-layer network with a sum-of-squares error, linear output units ($y_k = a_k$) and
hidden units with $\tanh$ activation functions. With $x_0 = z_0 = 1$ the biases are the weights
$w_{j0}^{(1)}$ and $w_{k0}^{(2)}$, and the forward propagation is
\begin{align}
a_j &= \sum_{i=0}^{D} w_{ji}^{(1)} x_i \\
z_j &= \tanh(a_j) \\
y_k &= \sum_{j=0}^{M} w_{kj}^{(2)} z_j .
\end{align}
For pattern $n$ the error is
\begin{equation}
E_n = \frac{1}{2} \sum_{k=1}^{K} (y_k - t_k)^2 .
\end{equation}
The errors of the output units and of the hidden units are
\begin{equation}
\delta_k = y_k - t_k, \qquad \delta_j = (1 - z_j^2) \sum_{k=1}^{K} w_{kj} \delta_k ,
\end{equation}
so that
\begin{equation}
\frac{\partial E_n}{\partial w_{ji}^{(1)}} = \delta_j x_i, \qquad
\frac{\partial E_n}{\partial w_{kj}^{(2)}} = \delta_k z_j, \qquad
\frac{\partial E_n}{\partial w_{k0}^{(2)}} = \delta_k .
\end{equation}
\end{document}
"""




def test_a_course_note_in_the_textbooks_letters_is_proved(tmp_path):
    report = check(tmp_path, NOTE)
    assert report.exit_code == 0
    assert [r.verdict for r in report.results] == ["proved"] * 9
    # the note states no sizes: it is checked on several networks, and says so
    assert report.model.startswith("sizes not stated, checked on 3 networks 2-2-2, 3-2-4, 2-4-3: sigmoid network")
    proved = {r.claim for r in report.results}
    assert r"\frac{\partial E_n}{\partial w_{ji}^{(1)}} = \delta_j x_i" in proved


def test_a_textbook_section_with_biases_in_sums_from_zero_and_linear_outputs_is_proved(tmp_path):
    report = check(tmp_path, TEXTBOOK, "section.tex")
    assert report.exit_code == 0
    assert {r.verdict for r in report.results} == {"proved"}
    assert report.model.startswith("sizes not stated, checked on 3 networks 2-2-2, 3-2-4, 2-4-3: tanh,identity network")
    claims = {r.claim for r in report.results}
    assert r"y_k = a_k" in claims                              # the prose's own claim, in its letters
    assert r"\frac{\partial E_n}{\partial w_{k0}^{(2)}} = \delta_k" in claims     # w_{k0}: the bias


@pytest.mark.parametrize("old, new, at, kind", [
    # the sigmoid's derivative for a tanh layer
    (r"\delta_j = (1 - z_j^2)", r"\delta_j = z_j (1 - z_j)", r"\delta_j = z_j (1 - z_j)", "wrong activation"),
    # the hidden unit's own output where the input at the weight's tail is meant
    (r"= \delta_j x_i", r"= \delta_j z_j", r"= \delta_j z_j", None),
])
def test_a_textbook_mistake_is_refuted_at_its_line(tmp_path, old, new, at, kind):
    text = TEXTBOOK.replace(old, new)
    assert text != TEXTBOOK
    report = check(tmp_path, text, "section.tex")
    assert report.exit_code == 1
    wrong = [r for r in report.results if r.verdict != "proved"]
    assert wrong and {r.verdict for r in wrong} == {"refuted"}
    assert wrong[0].line == line_of(text, at)
    if kind:
        assert wrong[0].mistake == kind
        assert wrong[0].repairs[0].description == ("`z_j (1 - z_j)` is the sigmoid's derivative; "
                                                   "the tanh layer's is `1 - (z_j)^2`")
        # the difference and the counterexample in the section's names: z_1 for the hidden output,
        # t_1 for the target, w_{11}^{(2)} numbered as the section numbers its weights
        assert "z_1" in wrong[0].difference_latex and "a_1^{(2)}" not in wrong[0].difference_latex
        assert {"t_1", "w_{11}^{(2)}"} <= set(wrong[0].counterexample.point)


def test_an_output_error_with_its_sign_turned_refutes_the_gradients_that_use_it(tmp_path):
    # (t_k - y_k) is the error term of the texts that define delta as -dE/da: then dE/dw has a minus
    text = TEXTBOOK.replace(r"\delta_k = y_k - t_k", r"\delta_k = t_k - y_k")
    report = check(tmp_path, text, "section.tex")
    wrong = [r for r in report.results if r.verdict != "proved"]
    assert {r.verdict for r in wrong} == {"refuted"} and len(wrong) == 3
    assert {r.line for r in wrong} == {line_of(text, r"\frac{\partial E_n}{\partial w_{ji}^{(1)}}"),
                                       line_of(text, r"\frac{\partial E_n}{\partial w_{kj}^{(2)}}"),
                                       line_of(text, r"\frac{\partial E_n}{\partial w_{k0}^{(2)}}")}
    at = line_of(text, r"\delta_k = t_k - y_k")
    assert all(f"as defined at line {at}" in r.detail for r in wrong)


def test_the_note_with_a_forgotten_output_derivative_is_refuted(tmp_path):
    text = NOTE.replace(r"\delta_k = (y_k - t_k)\, y_k (1 - y_k).", r"\delta_k = (y_k - t_k).")
    assert text != NOTE
    report = check(tmp_path, text)
    wrong = [r for r in report.results if r.verdict != "proved"]
    assert wrong and {r.verdict for r in wrong} == {"refuted"}
    at = line_of(text, r"\delta_k = (y_k - t_k).")
    assert (wrong[0].line, wrong[0].claim) == (at, r"\frac{\partial E}{\partial z_{k}^{(3)}} = y_k - t_k")
    # the repair, for every k and in the note's names
    assert (wrong[0].mistake, wrong[0].repairs[0].description) == (
        "missing factor", "a factor `y_k (1 - y_k)` is missing after `(y_k - t_k)`")
    assert f"it uses \\delta_k^{{(3)}} as defined at line {at}" in wrong[2].detail


def test_weights_whose_layer_numbers_disagree_with_their_letters_build_nothing(tmp_path):
    text = NOTE.replace(r"w_{kj}^{(2)} z_j + b_k^{(2)}", r"w_{kj}^{(1)} z_j + b_k^{(1)}")
    report = check(tmp_path, text)
    assert not any(r.verdict == "proved" and ("delta" in r.claim or "partial" in r.claim) for r in report.results)
    assert any(r.verdict == "not checked" for r in report.results)


def test_a_document_in_derives_notation_is_not_read_by_letters(tmp_path):
    text = ("$$z_j^{(2)} = \\sum_i w_{ji}^{(2)} x_i + b_j^{(2)}$$\n\n$$a_j^{(2)} = \\sigma(z_j^{(2)})$$\n\n"
            "$$z_k^{(3)} = \\sum_j w_{kj}^{(3)} a_j^{(2)} + b_k^{(3)}$$\n\n$$a_k^{(3)} = \\sigma(z_k^{(3)})$$\n\n"
            "$$\\frac{\\partial E}{\\partial b_k^{(3)}} = (a_k^{(3)} - t_k) a_k^{(3)} (1 - a_k^{(3)})$$\n")
    report = check(tmp_path, text)
    assert report.exit_code == 0 and {r.verdict for r in report.results} == {"proved"}


NAMED_ACTIVATION = r"""\documentclass{article}
\begin{document}
\section{A simple example}
The output units are linear, so that $y_k = a_k$, while the hidden units have activation functions
given by
\begin{equation}
h(a) \equiv \tanh(a)
\end{equation}
whose derivative can be expressed in a particularly simple form:
\begin{equation}
h'(a) = 1 - h(a)^2.
\end{equation}
The forward propagation is
\begin{align}
a_j &= \sum_{i=0}^{D} w_{ji}^{(1)} x_i \\
z_j &= h(a_j) \\
y_k &= \sum_{j=0}^{M} w_{kj}^{(2)} z_j
\end{align}
with the error $E_n = \frac{1}{2}\sum_{k=1}^{K} (y_k - t_k)^2$. Then
\begin{equation}
\delta_k = y_k - t_k, \qquad \delta_j = h'(a_j) \sum_{k=1}^{K} w_{kj} \delta_k ,
\end{equation}
and
\begin{equation}
\frac{\partial E_n}{\partial w_{ji}^{(1)}} = \delta_j x_i, \qquad \frac{\partial E_n}{\partial w_{kj}^{(2)}} = \delta_k z_j.
\end{equation}
\end{document}
"""


def test_a_letter_the_textbook_defines_as_its_activation_is_that_function(tmp_path):
    """Bishop names the hidden activation h: h(a) ≡ tanh(a) defines it (no claim), h'(a) = 1 - h(a)^2
    is an identity in a, and z_j = h(a_j), h'(a_j) in the forward and backward passes are tanh's."""
    report = check(tmp_path, NAMED_ACTIVATION, "section.tex")
    assert report.exit_code == 0
    lines = [line_of(NAMED_ACTIVATION, snippet) for snippet in (
        "y_k = a_k", "h'(a) = 1", "a_j &=", "z_j &=", "y_k &=", "E_n =", r"\partial w_{ji}", r"\partial w_{ji}")]
    assert [(r.line, r.verdict) for r in report.results] == [(line, "proved") for line in lines]
    assert "tanh,identity network" in report.model


@pytest.mark.parametrize("old, new, wrong", [
    (r"h'(a) = 1 - h(a)^2", r"h'(a) = h(a)(1 - h(a))", ["h'(a) ="]),     # the sigmoid's derivative for h = tanh
    (r"h'(a) = 1 - h(a)^2", r"h'(a) = 1 - h(a^2)", ["h'(a) ="]),         # the square inside the function
    (r"\delta_j = h'(a_j)", r"\delta_j = h(a_j)", [r"\delta_j =", r"\partial w_{ji}"]),   # the prime dropped
])
def test_a_mistake_about_the_named_activation_is_refuted_at_its_line(tmp_path, old, new, wrong):
    text = NAMED_ACTIVATION.replace(old, new)
    assert text != NAMED_ACTIVATION
    report = check(tmp_path, text, "section.tex")
    assert report.exit_code == 1
    assert {r.line for r in report.results if r.verdict != "proved"} == {line_of(text, w) for w in wrong}
    assert {r.verdict for r in report.results if r.verdict != "proved"} == {"refuted"}


def test_a_letter_used_as_a_quantity_is_never_made_a_function(tmp_path):
    """h_j is a hidden unit here: h(1 - h) stays a product, and h(a) = ... defines nothing."""
    from derive.notation.parse import parse
    from derive.understand.functions import read_functions
    from derive.notation.statements import Assembler

    def statements(*texts):
        assembler = Assembler()
        for text in texts:
            for piece in parse(text):
                assembler.add(piece, display=True)
        return assembler.statements

    assert read_functions(statements(r"h(a) \equiv \tanh(a)", r"h_j = \tanh(z_j)")).letters == {}
    assert read_functions(statements(r"h(a) \equiv \tanh(a)")).letters == {"h": "tanh"}
    assert read_functions(statements(r"s(v) = \frac{1}{1 + e^{-v}}")).letters == {"s": None}
