"""A chain of one-neuron layers named from the last one, as 3Blue1Brown's "Backpropagation calculus"
writes it (derive/understand/chain.py): `a^{(L)} = \\sigma(z^{(L)})`, `z^{(L)} = w^{(L)} a^{(L-1)} + b^{(L)}`,
`C_0 = (a^{(L)} - y)^2` with no 1/2, and chain rules in those names.  The depth is not stated, so the
document is checked on chains of two depths, and says so; a depth the text or the front matter
states is the one used.  Documents in other notations are not read this way."""
from __future__ import annotations

from pathlib import Path

import pytest

import derive

BLOG = (Path(__file__).parent / "chain" / "one_neuron_blog.md").read_text(encoding="utf-8")

CHAINS = "depth not stated (layers named from the last, L), checked on one-unit chains of 4 and 5 layers 1-1-1-1, 1-1-1-1-1: "


def check(tmp_path, text: str, name: str = "post.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return derive.check(path)


def line_of(text: str, snippet: str) -> int:
    return next(k for k, line in enumerate(text.split("\n"), start=1) if snippet in line)


def not_proved(report) -> list[tuple[str, int]]:
    return [(r.verdict, r.line) for r in report.results if r.verdict != "proved"]


def test_a_blog_post_in_the_videos_notation_is_proved_on_chains_of_two_depths(tmp_path):
    report = check(tmp_path, BLOG)
    assert report.exit_code == 0
    assert [r.verdict for r in report.results] == ["proved"] * 14
    # L-2 is named: the shallowest chain in which a^{(L-2)} is a neuron's (not the input) has 4 layers
    assert report.model.startswith(CHAINS + "sigmoid network, E = sum_i (t_i - a_i)^2")
    assert {tuple(r.networks) for r in report.results} == {("1-1-1-1", "1-1-1-1-1")}
    proved = {r.claim: r.line for r in report.results}
    final = r"\frac{\partial C_0}{\partial w^{(L)}} = a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)"
    assert proved[final] == line_of(BLOG, final)
    back = r"\frac{\partial C_0}{\partial a^{(L-1)}} = w^{(L)} \sigma'(z^{(L)}) 2(a^{(L)} - y)"
    assert proved[back] == line_of(BLOG, back)


@pytest.mark.parametrize("old, new, line", [
    # the 2 of the square's derivative dropped
    (r"= a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)", r"= a^{(L-1)} \sigma'(z^{(L)}) (a^{(L)} - y)", 45),
    # the last activation where the one before it (the weight's input) is meant
    (r"= a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)", r"= a^{(L)} \sigma'(z^{(L)}) 2(a^{(L)} - y)", 45),
    # the weight that joins the two layers left out of the sensitivity to the earlier activation
    (r"= w^{(L)} \sigma'(z^{(L)}) 2(a^{(L)} - y)$$", r"= \sigma'(z^{(L)}) 2(a^{(L)} - y)$$", 57),
    # the factor 2 dropped in the cost's own derivative
    (r"{\partial a^{(L)}} = 2(a^{(L)} - y)$$", r"{\partial a^{(L)}} = (a^{(L)} - y)$$", 37),
    # the earlier layer's weight with the last layer's derivative
    (r"= a^{(L-2)} \sigma'(z^{(L-1)})", r"= a^{(L-2)} \sigma'(z^{(L)})", 61),
])
def test_a_single_mistake_is_refuted_at_its_line(tmp_path, old, new, line):
    assert BLOG.count(old) == 1 and line_of(BLOG, old) == line
    text = BLOG.replace(old, new)
    report = check(tmp_path, text)
    assert report.exit_code == 1
    assert not_proved(report) == [("refuted", line)]
    assert sum(r.verdict == "proved" for r in report.results) == 13


def test_a_missing_weight_is_named_in_the_documents_spelling(tmp_path):
    text = BLOG.replace(r"= w^{(L)} \sigma'(z^{(L)}) 2(a^{(L)} - y)$$", r"= \sigma'(z^{(L)}) 2(a^{(L)} - y)$$")
    report = check(tmp_path, text)
    (wrong,) = [r for r in report.results if r.verdict == "refuted"]
    assert wrong.mistake == "missing factor"
    assert (wrong.repairs[0].line, wrong.repairs[0].col) == (57, 63)
    assert (wrong.repairs[0].old, wrong.repairs[0].new) == ("(a^{(L)} - y)", "(a^{(L)} - y) w^{(L)}")
    assert wrong.difference_latex == "2 (a^{(L)} - y) a^{(L)} (1 - a^{(L)}) (-1 + w^{(L)})"


def test_the_squared_error_without_a_half_is_modelled_as_written(tmp_path):
    # with C_0 = 1/2 (a^{(L)} - y)^2 the 2 of the derivative is wrong, and only there
    text = BLOG.replace("$$C_0 = (a^{(L)} - y)^2$$", r"$$C_0 = \frac{1}{2}(a^{(L)} - y)^2$$")
    report = check(tmp_path, text)
    assert "E = 1/2 sum_i (t_i - a_i)^2" in report.model
    refuted = {r.line for r in report.results if r.verdict == "refuted"}
    assert refuted == {line_of(text, r"{\partial a^{(L)}} = 2(a^{(L)} - y)"),
                       line_of(text, r"= a^{(L-1)} \sigma'(z^{(L)}) 2(a^{(L)} - y)"),
                       line_of(text, r"{\partial b^{(L)}} = \sigma'(z^{(L)}) 2(a^{(L)} - y)"),
                       line_of(text, r"{\partial a^{(L-1)}} = w^{(L)} \sigma'(z^{(L)}) 2(a^{(L)} - y)"),
                       line_of(text, r"{\partial b^{(L-1)}} = \sigma'(z^{(L-1)}) w^{(L)}")}


def test_the_depth_the_text_says_is_the_one_checked(tmp_path):
    text = BLOG.replace("Picture the simplest network\nthere is:", "Picture a network\nwith five layers:")
    assert text != BLOG
    report = check(tmp_path, text)
    assert report.exit_code == 0
    assert [r.verdict for r in report.results] == ["proved"] * 14
    assert report.model.startswith("1-1-1-1-1 sigmoid network")
    assert all(not r.networks for r in report.results)


def test_the_depth_the_front_matter_states_is_the_one_checked(tmp_path):
    text = "---\nderive:\n  layers: [1, 1, 1, 1, 1, 1]\n---\n" + BLOG
    report = check(tmp_path, text)
    assert report.exit_code == 0
    assert [r.verdict for r in report.results] == ["proved"] * 14
    assert report.model.startswith("1-1-1-1-1-1 sigmoid network")


def test_the_videos_own_page_is_proved_on_chains_of_three_and_four_layers(tmp_path):
    text = "\n".join([
        "Consider a network with one neuron per layer, the last one $a^{(L)} = \\sigma(z^{(L)})$ with",
        "$z^{(L)} = w^{(L)} a^{(L-1)} + b^{(L)}$, and the cost of one example $C_0 = (a^{(L)} - y)^2$.",
        "",
        "$$\\frac{\\partial C_0}{\\partial w^{(L)}} = a^{(L-1)} \\sigma'(z^{(L)}) 2(a^{(L)} - y)$$",
        "",
        "$$\\frac{\\partial C_0}{\\partial a^{(L-1)}} = w^{(L)} \\sigma'(z^{(L)}) 2(a^{(L)} - y)$$",
        ""])
    report = check(tmp_path, text)
    assert report.exit_code == 0
    assert [(r.verdict, r.line) for r in report.results] == [("proved", 1), ("proved", 2), ("proved", 2),
                                                             ("proved", 4), ("proved", 6)]
    assert report.model.startswith("depth not stated (layers named from the last, L), checked on one-unit "
                                   "chains of 3 and 4 layers 1-1-1, 1-1-1-1: ")


def test_a_target_not_in_the_cost_stays_unknown(tmp_path):
    # y is the target only where the cost is written with it
    text = BLOG.replace("$$C_0 = (a^{(L)} - y)^2$$", "$$C_0 = (a^{(L)} - t)^2$$")
    report = check(tmp_path, text)
    assert report.exit_code == 2
    assert {r.verdict for r in report.results if "y" in r.claim} == {"error"}
    assert all("unknown name y" in r.detail for r in report.results if r.verdict == "error")


@pytest.mark.parametrize("text", [
    # units named: derive's own notation, the output layer L
    "$$\\delta_j^{(L)} = (a_j^{(L)} - t_j) a_j^{(L)} (1 - a_j^{(L)})$$\n\n"
    "$$\\frac{\\partial E}{\\partial w_{ji}^{(L)}} = \\delta_j^{(L)} a_i^{(L-1)}$$\n",
    # Nielsen's bare superscripts
    "$$\\delta^L_j = (a^L_j - y_j) \\sigma'(z^L_j)$$\n\n"
    "$$\\frac{\\partial C}{\\partial w^L_{jk}} = a^{L-1}_k \\delta^L_j$$\n",
])
def test_a_document_in_another_notation_is_not_read_as_a_chain(tmp_path, text):
    report = check(tmp_path, text)
    assert report.exit_code == 0
    assert {r.verdict for r in report.results} == {"proved"}
    assert "chain" not in report.model
    assert "1-1-1" not in report.model


def test_a_document_that_numbers_its_layers_is_not_read_as_a_chain(tmp_path):
    # a^{(2)} beside a^{(L)}: layers named by number, so L is not a chain's last layer to number
    text = "$$z^{(L)} = w^{(L)} a^{(2)} + b^{(L)}$$\n\n$$E = (a^{(L)} - y)^2$$\n"
    report = check(tmp_path, text)
    assert "chain" not in report.model
    assert report.exit_code == 2


def test_the_document_read_once_is_the_first_chain_it_is_checked_on(tmp_path):
    # derive example reads a document once: its network is the chain, not a default 2-2-2
    from derive.pipeline.lecture import read_lecture
    from derive.pipeline.options import Options
    path = tmp_path / "post.md"
    path.write_text(BLOG, encoding="utf-8")
    lecture = read_lecture(path, Options())
    assert lecture.spec.layers == (1, 1, 1, 1)
    assert lecture.spec.loss == "sse"
    assert lecture.sizes.instances == ((1, 1, 1, 1), (1, 1, 1, 1, 1))


def test_a_stated_network_too_shallow_for_the_layers_named_is_an_error_that_says_so(tmp_path):
    # L-2 in a network of 2 layers would be layer 0: no chain is read, and the first error says why
    text = "---\nderive:\n  layers: [1, 1]\n---\n" + BLOG
    report = check(tmp_path, text)
    assert report.exit_code == 2
    first = report.results[0]
    assert (first.verdict, first.line) == ("error", 1)
    assert "the network stated has 2 layers, but the document names layer L-2" in first.detail
    assert not any(r.verdict == "proved" and "w^{(L)}" in r.claim for r in report.results)
