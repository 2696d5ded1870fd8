"""The oracle in reverse mode, claims decided at the level they are written, index statements proved
by relabelling units, and the complex-step second opinion: the verdicts, and which method proved."""
from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from cli import main
from derive.decide.second_opinion import Evaluator
from derive.model.network import Network
from derive.model.oracle import Oracle
from derive.model.spec import Spec

FORWARD = r"""# A 3-4-2 network

$$z_j^{(2)} = \sum_{i=1}^{3} w_{ji}^{(2)} x_i + b_j^{(2)}$$

$$a_j^{(2)} = \sigma(z_j^{(2)})$$

$$z_k^{(3)} = \sum_{j=1}^{4} w_{kj}^{(3)} a_j^{(2)} + b_k^{(3)}$$

$$a_k^{(3)} = \sigma(z_k^{(3)})$$

$$E = \frac{1}{2} \sum_{k=1}^{2} (t_k^{(3)} - a_k^{(3)})^2$$

$$\delta_k^{(3)} = (a_k^{(3)} - t_k^{(3)}) a_k^{(3)} (1 - a_k^{(3)})$$

$$\delta_j^{(2)} = \left( \sum_{k=1}^{2} w_{kj}^{(3)} \delta_k^{(3)} \right) a_j^{(2)} (1 - a_j^{(2)})$$
"""


def run(tmp_path, text: str):
    path = tmp_path / "lecture.md"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--timeout", "60"])
    return result.exit_code, {r["line"]: r for r in json.loads(result.output)["results"]}


def line_of(text: str, fragment: str) -> int:
    return next(k for k, line in enumerate(text.split("\n"), 1) if fragment in line)


def test_a_delta_form_gradient_is_proved_with_the_error_terms_as_atoms(tmp_path):
    text = FORWARD + "\n$$\\frac{\\partial E}{\\partial w_{23}^{(2)}} = \\delta_2^{(2)} x_3$$\n" \
                     "\n$$\\frac{\\partial E}{\\partial w_{12}^{(3)}} = \\delta_1^{(3)} a_2^{(2)}$$\n"
    code, results = run(tmp_path, text)
    assert code == 0
    hidden = results[line_of(text, "w_{23}^{(2)}")]
    assert hidden["verdict"] == "proved"
    assert "exact at the level written: the difference is 0 with the error terms \u03b4^(2) as atoms" in hidden["detail"]
    assert "\u03b4^(3) as atoms" in results[line_of(text, "w_{12}^{(3)}")]["detail"]


def test_a_gradient_written_one_layer_down_unfolds_the_oracle_one_level(tmp_path):
    text = FORWARD + ("\n$$\\frac{\\partial E}{\\partial b_3^{(2)}} = \\left( \\sum_{k=1}^{2} w_{k3}^{(3)} "
                      "\\delta_k^{(3)} \\right) a_3^{(2)} (1 - a_3^{(2)})$$\n")
    code, results = run(tmp_path, text)
    r = results[line_of(text, "b_3^{(2)}")]
    assert code == 0 and r["verdict"] == "proved"
    assert "\u03b4^(3) as atoms" in r["detail"]


def test_a_wrong_error_term_is_not_an_atom_and_its_users_are_refuted(tmp_path):
    wrong = FORWARD.replace(r"\right) a_j^{(2)} (1 - a_j^{(2)})", r"\right) a_j^{(2)}")
    text = wrong + "\n$$\\frac{\\partial E}{\\partial w_{23}^{(2)}} = \\delta_2^{(2)} x_3$$\n"
    code, results = run(tmp_path, text)
    assert code == 1
    assert results[line_of(text, "\\delta_j^{(2)} =")]["verdict"] == "refuted"
    user = results[line_of(text, "w_{23}^{(2)}")]
    assert user["verdict"] == "refuted" and user["counterexample"] is not None


def test_an_expanded_chain_rule_claim_is_proved_in_node_values(tmp_path):
    text = FORWARD + ("\n$$\\frac{\\partial E}{\\partial w_{11}^{(3)}} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} "
                      "(1 - a_1^{(3)}) a_1^{(2)}$$\n")
    code, results = run(tmp_path, text)
    r = results[line_of(text, "w_{11}^{(3)}")]
    assert code == 0 and r["detail"].startswith("exact: the difference expands to 0")


def test_an_index_statement_is_proved_once_for_every_index(tmp_path):
    text = FORWARD + "\n$$\\frac{\\partial E}{\\partial w_{ji}^{(2)}} = \\delta_j^{(2)} x_i$$\n"
    code, results = run(tmp_path, text)
    r = results[line_of(text, "partial w_{ji}^{(2)}")]
    assert code == 0 and r["verdict"] == "proved"
    assert r["detail"].startswith("for every i, j (12 instances): proved at the first and the last instance")


def test_a_wrong_index_statement_is_refuted_at_an_instance(tmp_path):
    text = FORWARD + "\n$$\\frac{\\partial E}{\\partial w_{ji}^{(2)}} = \\delta_j^{(2)} a_j^{(2)} x_i$$\n"
    code, results = run(tmp_path, text)
    r = results[line_of(text, "partial w_{ji}^{(2)}")]
    assert code == 1 and r["verdict"] == "refuted" and r["counterexample"] is not None
    assert "proved at the first and the last instance" not in r["detail"]


def test_an_index_statement_naming_one_unit_is_checked_at_every_instance(tmp_path):
    # w_{j1}: unit 1 of layer 1 is named by number, so relabelling units does not carry it: the
    # statement is decided instance by instance (and fails only where j = 1 ... here at none)
    text = FORWARD + "\n$$\\frac{\\partial E}{\\partial w_{j1}^{(2)}} = \\delta_j^{(2)} x_1$$\n"
    code, results = run(tmp_path, text)
    r = results[line_of(text, "w_{j1}^{(2)}")]
    assert code == 0 and r["verdict"] == "proved" and "the first and the last instance" not in r["detail"]
    assert r["detail"].endswith("; proved for every j = 1..4 (4 instances)")     # each instance decided


def test_the_oracle_keeps_error_terms_as_atoms_and_unfolds_them_exactly():
    net = Network(Spec(layers=(2, 3, 2)))
    oracle = Oracle(net)
    g = oracle.gradient(("w", 2, 1, 2))
    (atom,) = g.level.free_symbols - {net["x", 2]}
    assert g.level == atom * net["x", 2] and oracle.layer_of[atom] == 2
    a = lambda l, j: net["a", l, j]
    expected = sum(net["w", 3, k, 1] * (a(3, k) - net["t", k]) * a(3, k) * (1 - a(3, k)) for k in (1, 2)) \
        * a(2, 1) * (1 - a(2, 1)) * net["x", 2]
    assert sp.expand(g.normal - expected) == 0


@pytest.mark.parametrize("activation, loss", [("sigmoid", "half-sse"), ("tanh", "cross-entropy"),
                                              ("relu", "mse"), (("tanh", "softmax"), "cross-entropy")])
def test_complex_steps_agree_with_the_oracle(activation, loss):
    net = Network(Spec(layers=(2, 3, 3), activation=activation, loss=loss))
    oracle = Oracle(net)
    derivatives = {sp.Symbol(f"d{k}"): oracle.gradient(k) for k in net.symbols if k[0] in ("w", "b")}
    derivatives[sp.Symbol("dz")] = oracle.partial(net["E"], ("z", 2, 2))
    evaluator = Evaluator(net, derivatives)
    symbols = list(derivatives)
    numeric = evaluator.evaluate(symbols)
    exact = evaluator.evaluate([derivatives[s].normal for s in symbols])
    assert np.allclose(numeric, exact, rtol=1e-9, atol=1e-12)
    high = evaluator.exact_point(symbols[:3], 0)
    assert [float(v) for v in high] == pytest.approx(list(exact[:3, 0]), rel=1e-12)
