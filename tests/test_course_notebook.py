"""A course notebook's one-hidden-layer network in Ng's notation: sizes said as n_x, n_h, n_y, a
forward pass written per example (z^{[1] (i)} = W^{[1]} x^{(i)} + b^{[1]}: a column per example),
sizing commands (\\large, \\small) around the cost, and the vectorized backward pass."""
from __future__ import annotations

import pytest

from conftest import check_text, line_of

NOTEBOOK = r"""# A classifier with one hidden layer

The model, for one example $x^{(i)}$:

$$z^{[1] (i)} =  W^{[1]} x^{(i)} + b^{[1]}$$
$$a^{[1] (i)} = \tanh(z^{[1] (i)})$$
$$z^{[2] (i)} = W^{[2]} a^{[1] (i)} + b^{[2]}$$
$$\hat{y}^{(i)} = a^{[2] (i)} = \sigma(z^{ [2] (i)})$$

Over all the examples the cost is

$$J = - \frac{1}{m} \sum\limits_{i = 1}^{m} \large\left(\small y^{(i)}\log\left(a^{[2] (i)}\right) + (1-y^{(i)})\log\left(1- a^{[2] (i)}\right)  \large  \right) \small$$

Backpropagation over the $m$ examples at once:

$$dZ^{[2]} = A^{[2]} - Y$$
$$dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T}$$
$$db^{[2]} = \frac{1}{m} \sum_{i=1}^{m} dZ^{[2](i)}$$
$$dZ^{[1]} = W^{[2]T} dZ^{[2]} * (1 - (A^{[1]})^2)$$
$$dW^{[1]} = \frac{1}{m} dZ^{[1]} X^T$$
$$db^{[1]} = \frac{1}{m} \sum_{i=1}^{m} dZ^{[1](i)}$$

The data set has $n_x = 2$ input features; we take $n_h = 4$ hidden units and $n_y = 1$ output.
"""




def test_the_notebooks_network_is_read_from_n_x_n_h_n_y_and_proved(tmp_path):
    report = check(tmp_path, NOTEBOOK)
    assert report.exit_code == 0
    assert [r.verdict for r in report.results] == ["proved"] * 11
    assert report.model.startswith("2-4-1 tanh,sigmoid network, E = -sum_i (t_i log a_i + (1 - t_i) log(1 - a_i))")
    per_example = next(r for r in report.results if r.line == line_of(NOTEBOOK, "z^{[1] (i)} ="))
    assert "for every i = 1..2" in per_example.detail


@pytest.mark.parametrize("old, new, at", [
    (r"W^{[2]} a^{[1] (i)} + b^{[2]}", r"W^{[2]} a^{[1] (i)}", "z^{[2] (i)} ="),      # the bias forgotten, per example
    (r"\frac{1}{m} dZ^{[2]} A^{[1]T}", r"\frac{1}{m} dZ^{[2]} A^{[2]T}", "dW^{[2]} ="),  # the wrong layer's activations
    (r"(1 - (A^{[1]})^2)", r"A^{[1]} * (1 - A^{[1]})", "dZ^{[1]} ="),             # the sigmoid's derivative for tanh
])
def test_a_mistake_in_the_notebook_is_refuted_at_its_line(tmp_path, old, new, at):
    text = NOTEBOOK.replace(old, new)
    assert text != NOTEBOOK
    report = check(tmp_path, text)
    wrong = [(r.line, r.verdict) for r in report.results if r.verdict != "proved"]
    assert report.exit_code == 1 and wrong and set(wrong) == {(line_of(text, at), "refuted")}


def test_a_cost_summed_from_example_0_is_an_error_at_its_line_and_nothing_is_judged_under_it(tmp_path):
    text = NOTEBOOK.replace(r"\sum\limits_{i = 1}^{m}", r"\sum\limits_{i = 0}^{m}")
    report = check(tmp_path, text)
    assert report.exit_code == 2
    (error,) = [r for r in report.results if r.verdict == "error"]
    assert error.line == line_of(text, "J = ") and "there is no example 0" in error.detail
    backward = [r.verdict for r in report.results if r.line > error.line]
    assert backward and set(backward) == {"not checked"}


LECTURE_NOTES = r"""# Backpropagation for a two-layer network

The network is $z^{[1]} = W^{[1]} x + b^{[1]}$, $a^{[1]} = \sigma(z^{[1]})$, $z^{[2]} = W^{[2]} a^{[1]} + b^{[2]}$,
$\hat{y} = a^{[2]} = \sigma(z^{[2]})$, with the loss $L = -\left[y \log \hat{y} + (1 - y)\log(1 - \hat{y})\right]$.
Define $\delta^{[l]} = \frac{\partial L}{\partial z^{[l]}}$. Then

$$\delta^{[2]} = \hat{y} - y$$

and for the hidden layer

$$\delta^{[1]} = \left(W^{[2]T} \delta^{[2]}\right) \odot \sigma'(z^{[1]}).$$

The gradients of the parameters are

$$\frac{\partial L}{\partial W^{[l]}} = \delta^{[l]} a^{[l-1]T}, \qquad \frac{\partial L}{\partial b^{[l]}} = \delta^{[l]}$$

with $a^{[0]} = x$.
"""


def test_lecture_notes_with_one_examples_loss_and_a_named_output_are_proved_on_one_output_networks(tmp_path):
    """L is the cost when no J is written; ŷ = a^{[2]} names the output; a loss of one output (no sum)
    is checked on networks with one output unit, and says so."""
    report = check(tmp_path, LECTURE_NOTES)
    assert report.exit_code == 0
    assert {r.verdict for r in report.results} == {"proved"} and len(report.results) == 11
    assert report.model.startswith("sizes not stated, checked on 3 networks 2-2-1, 3-2-1, 2-4-1: sigmoid network, "
                                   "E = -sum_i (t_i log a_i + (1 - t_i) log(1 - a_i))")


@pytest.mark.parametrize("old, new, at", [
    (r"\delta^{[2]} = \hat{y} - y", r"\delta^{[2]} = y - \hat{y}", r"\delta^{[2]} ="),              # the sign
    (r"\right) \odot \sigma'(z^{[1]})", r"\right)", r"\delta^{[1]} ="),                            # σ' forgotten
    (r"= \delta^{[l]} a^{[l-1]T}", r"= a^{[l-1]} \delta^{[l]T}", r"\partial W^{[l]}}"),               # transposed
])
def test_a_mistake_in_the_lecture_notes_is_refuted_at_its_line(tmp_path, old, new, at):
    text = LECTURE_NOTES.replace(old, new)
    assert text != LECTURE_NOTES
    report = check(tmp_path, text)
    wrong = {(r.line, r.verdict) for r in report.results if r.verdict != "proved"}
    assert report.exit_code == 1 and wrong == {(line_of(text, at), "refuted")}


def check(tmp_path, text):
    return check_text(tmp_path, text, "notebook.md")
