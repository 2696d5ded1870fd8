"""Gradients written the seed's way on a deeper network: the chain rule spelled out as explicit sums
over units, decided sum by sum (meaning/sums.py) with the walks over shared sub-sums (decide/dag.py).
Exact verdicts, the slips a lecturer makes inside a sum refuted with a counterexample, and the parts
checked against SymPy's own operations."""
from __future__ import annotations

import json

import pytest
import sympy as sp
from click.testing import CliRunner

from cli import main
from derive.decide import dag
from derive.decide.normal_form import NormalForm, cancel_shared
from derive.decide.polynomials import polynomial
from derive.meaning.meaning import Meaning
from derive.model.network import Network
from derive.model.oracle import Oracle
from derive.model.spec import Spec
from derive.notation.parse import parse

POST = r"""---
title: "Backprop by hand, one layer deeper"
author: Mina Park
---

# Backprop by hand, one layer deeper

Last week we pushed the chain rule through one hidden layer. This week the network has two hidden
layers of three sigmoid units each, two inputs and two outputs, so every weight of the first layer
sits behind two sums: one over the output units (m) and one over the second hidden layer's units (k).

$$z_j^{(2)} = \sum_{i=1}^{2} w_{ji}^{(2)} x_i + b_j^{(2)}$$

$$a_j^{(2)} = \sigma(z_j^{(2)})$$

$$z_k^{(3)} = \sum_{j=1}^{3} w_{kj}^{(3)} a_j^{(2)} + b_k^{(3)}$$

$$a_k^{(3)} = \sigma(z_k^{(3)})$$

$$z_j^{(4)} = \sum_{k=1}^{3} w_{jk}^{(4)} a_k^{(3)} + b_j^{(4)}$$

$$a_j^{(4)} = \sigma(z_j^{(4)})$$

$$E = \frac{1}{2} \sum_{i=1}^{2} (t_i^{(4)} - a_i^{(4)})^2$$

## The output layer

Nothing to sum here: one path from the weight to the error.

$$\frac{\partial E}{\partial w_{12}^{(4)}} = (a_1^{(4)} - t_1^{(4)}) a_1^{(4)} (1 - a_1^{(4)}) a_2^{(3)}$$

## The second hidden layer

A weight into unit 2 of layer 3 reaches the error through both outputs.

$$\frac{\partial E}{\partial w_{21}^{(3)}} = \sum_{m=1}^{2} (a_m^{(4)} - t_m^{(4)}) a_m^{(4)} (1 - a_m^{(4)}) w_{m2}^{(4)} a_2^{(3)} (1 - a_2^{(3)}) a_1^{(2)}$$

## The first hidden layer

Every path runs through one unit k of layer 3 and one output m; we add them all up.

$$\frac{\partial E}{\partial w_{32}^{(2)}} = \sum_{m=1}^{2} \sum_{k=1}^{3} (a_m^{(4)} - t_m^{(4)}) a_m^{(4)} (1 - a_m^{(4)}) w_{mk}^{(4)} a_k^{(3)} (1 - a_k^{(3)}) w_{k3}^{(3)} a_3^{(2)} (1 - a_3^{(2)}) x_2$$

$$\frac{\partial E}{\partial b_1^{(2)}} = \sum_{m=1}^{2} \sum_{k=1}^{3} (a_m^{(4)} - t_m^{(4)}) a_m^{(4)} (1 - a_m^{(4)}) w_{mk}^{(4)} a_k^{(3)} (1 - a_k^{(3)}) w_{k1}^{(3)} a_1^{(2)} (1 - a_1^{(2)})$$
"""

FIRST_LAYER = r"\frac{\partial E}{\partial w_{32}^{(2)}}"


def run(tmp_path, text: str):
    path = tmp_path / "post.md"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--timeout", "60"])
    return result.exit_code, {r["line"]: r for r in json.loads(result.output)["results"]}


def line_of(text: str, fragment: str) -> int:
    return next(k for k, line in enumerate(text.split("\n"), 1) if fragment in line)


def test_every_explicit_sum_of_the_post_is_proved(tmp_path):
    code, results = run(tmp_path, POST)
    assert code == 0
    assert [r["verdict"] for r in results.values()] == ["proved"] * 11      # 7 of the forward pass
    assert results[line_of(POST, FIRST_LAYER)]["detail"].startswith("exact: the difference expands to 0")


def test_sums_written_the_other_way_round_and_factors_reordered_are_proved(tmp_path):
    # the sum over k outside, the factors of the product in another order: the same number, nested
    # differently from the oracle's error terms, so the difference is expanded (and is 0)
    line = (r"$$\frac{\partial E}{\partial w_{32}^{(2)}} = \sum_{k=1}^{3} \sum_{m=1}^{2} x_2 w_{k3}^{(3)} "
            r"w_{mk}^{(4)} (a_m^{(4)} - t_m^{(4)}) a_k^{(3)} (1 - a_k^{(3)}) a_m^{(4)} (1 - a_m^{(4)}) "
            r"a_3^{(2)} (1 - a_3^{(2)})$$")
    text = POST.split("## The output layer")[0] + line + "\n"
    code, results = run(tmp_path, text)
    assert code == 0 and results[line_of(text, FIRST_LAYER)]["verdict"] == "proved"


def test_a_sum_written_with_its_sign_outside_is_proved_by_expanding_it(tmp_path):
    # -(t - a) for (a - t): the same number, built unlike the error terms, so FLINT multiplies it out
    text = POST.replace(r"(a_m^{(4)} - t_m^{(4)}) a_m^{(4)} (1 - a_m^{(4)}) w_{mk}^{(4)} a_k^{(3)} (1 - a_k^{(3)}) w_{k3}^{(3)}",
                        r"(-1)(t_m^{(4)} - a_m^{(4)}) a_m^{(4)} (1 - a_m^{(4)}) w_{mk}^{(4)} a_k^{(3)} (1 - a_k^{(3)}) w_{k3}^{(3)}")
    assert text != POST
    code, results = run(tmp_path, text)
    assert code == 0 and results[line_of(text, FIRST_LAYER)]["verdict"] == "proved"


@pytest.mark.parametrize("slip, wrong", [
    # a wrong index inside the sum: the derivative of the hidden unit k taken at unit m
    (r"a_k^{(3)} (1 - a_k^{(3)}) w_{k3}^{(3)}", r"a_k^{(3)} (1 - a_m^{(3)}) w_{k3}^{(3)}"),
    # the weight into layer 3 with its indices swapped
    (r"w_{k3}^{(3)} a_3^{(2)}", r"w_{3k}^{(3)} a_3^{(2)}"),
    # a unit's number where the summed letter belongs
    (r"w_{mk}^{(4)} a_k^{(3)} (1 - a_k^{(3)}) w_{k3}^{(3)}", r"w_{m3}^{(4)} a_k^{(3)} (1 - a_k^{(3)}) w_{k3}^{(3)}"),
    # the upper limit of the inner sum one short
    (r"\sum_{k=1}^{3} (a_m^{(4)} - t_m^{(4)}) a_m^{(4)} (1 - a_m^{(4)}) w_{mk}^{(4)} a_k^{(3)} (1 - a_k^{(3)}) w_{k3}^{(3)}",
     r"\sum_{k=1}^{2} (a_m^{(4)} - t_m^{(4)}) a_m^{(4)} (1 - a_m^{(4)}) w_{mk}^{(4)} a_k^{(3)} (1 - a_k^{(3)}) w_{k3}^{(3)}"),
])
def test_a_slip_inside_a_sum_is_refuted_with_a_counterexample(tmp_path, slip, wrong):
    text = POST.replace(slip, wrong, 1)
    assert text != POST
    code, results = run(tmp_path, text)
    r = results[line_of(text, FIRST_LAYER)]
    assert code == 1
    assert r["verdict"] == "refuted" and r["counterexample"] is not None
    others = [v["verdict"] for k, v in results.items() if k != line_of(text, FIRST_LAYER)]
    assert others == ["proved"] * 10


def test_a_dropped_derivative_factor_inside_the_sum_is_refuted_not_proved(tmp_path):
    text = POST.replace(r"w_{mk}^{(4)} a_k^{(3)} (1 - a_k^{(3)}) w_{k1}^{(3)}", r"w_{mk}^{(4)} w_{k1}^{(3)}")
    code, results = run(tmp_path, text)
    r = results[line_of(text, r"\partial b_1^{(2)}")]
    assert code == 1 and r["verdict"] == "refuted"


# -- the parts ------------------------------------------------------------------------------------------
def _value(net: Network, latex: str):
    meaning = Meaning(net)
    return meaning.value(parse(latex)[0].chains[0][0].parts[0].expr, {})


def test_a_nested_sum_has_the_value_of_its_terms_added_one_by_one():
    net = Network(Spec(layers=(2, 3, 3, 2)))
    nested = _value(net, r"\sum_{m=1}^{2} \sum_{k=1}^{3} (a_m^{(4)} - t_m^{(4)}) w_{mk}^{(4)} a_k^{(3)} w_{k2}^{(3)} x_1")
    a, w, t = (lambda l, j: net["a", l, j]), (lambda l, j, i: net["w", l, j, i]), (lambda j: net["t", j])
    flat = sum((a(4, m) - t(m)) * w(4, m, k) * a(3, k) * w(3, k, 2) * net["x", 1]
               for m in (1, 2) for k in (1, 2, 3))
    assert sp.expand(nested - flat) == 0
    assert isinstance(nested, sp.Mul) and net["x", 1] in nested.args     # x_1 stands outside the sums


def test_a_sum_of_a_matrix_is_still_evaluated_as_written():
    net = Network(Spec(layers=(2, 2, 2)))
    value = _value(net, r"\sum_{k=1}^{2} W^{(2)}")
    assert value.shape == (2, 2) and value[0, 0] == 2 * net["w", 2, 1, 1]


def test_the_walks_over_shared_subexpressions_agree_with_sympy():
    x, y, z = sp.symbols("x y z")
    inner = x * (1 - y) + z
    e = (inner * y + inner ** 2) * (inner - x)
    assert dag.free_symbols(e, {}) == e.free_symbols
    rule = {y: z + 1, x: sp.Integer(2)}
    assert dag.xreplace(e, rule, {}) == e.xreplace(rule)
    assert dag.has(sp.exp(inner) * x, (sp.exp,), {}) and not dag.has(e, (sp.exp,), {})


def test_cancelling_a_shared_factor_never_proves_a_difference_that_is_not_zero():
    net = Network(Spec(layers=(2, 2, 2)))
    forms = NormalForm(net, {}, Oracle(net))
    x1, x2, w = net["x", 1], net["x", 2], net["w", 2, 1, 1]
    shared = w * (1 - x1)
    assert forms.is_zero(cancel_shared(shared * (x1 + x2), shared * (x2 + x1)))
    assert not forms.is_zero(cancel_shared(shared * (x1 + x2), shared * (x1 - x2)))
    assert not forms.is_zero(cancel_shared(shared * x1, w * x1))


def test_flint_polynomials_are_zero_exactly_when_the_expansion_is():
    x, y, z = sp.symbols("x y z")
    inner = x * (1 - y) + sp.Rational(1, 3) * z
    gens = (x, y, z)
    assert polynomial(inner ** 2 * y - sp.expand(inner ** 2 * y), gens) == 0
    assert polynomial(inner ** 2 - sp.expand(inner ** 2) + sp.Rational(1, 10 ** 30) * x, gens) != 0
    assert polynomial(x / y, gens) is None and polynomial(sp.exp(x), gens) is None
    assert polynomial(sp.Float(0.5) * x, gens) is None
