"""Network families read from the document: a correct lecture per family checks clean, and a
lecture with one mistake is refuted at the edited line (and only where the mistake propagates)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner

from cli import main
from derive.decide.decider import Decider
from derive.meaning.meaning import Meaning
from derive.model.network import Network
from derive.model.spec import Spec
from derive.notation.parse import parse

LECTURES = Path(__file__).resolve().parent / "lectures"
FAMILIES = {
    "tanh_hidden.md": "2-2-2 tanh,sigmoid network, E = 1/2 sum_i (t_i - a_i)^2,",
    "relu_mse.md": "2-2-3 relu,identity network, E = 1/n sum_i (t_i - a_i)^2,",
    "softmax_ce.md": "2-2-3 sigmoid,softmax network, E = -sum_i t_i log a_i (targets sum to 1, assumed),",
    "sigmoid_bce.md": "3-2-1 sigmoid network, E = -sum_i (t_i log a_i + (1 - t_i) log(1 - a_i)),",
    "minibatch.md": "2-2-2 sigmoid network, E = 1/2 sum_i (t_i - a_i)^2, mini-batch of 2 examples (E averaged),",
    "deep.md": "2-3-3-2 tanh,tanh,sigmoid network, E = 1/2 sum_i (t_i - a_i)^2,",
    "minibatch_matrix.md": "2-2-2 sigmoid network, E = 1/2 sum_i (t_i - a_i)^2, mini-batch of 3 examples",
}


def run(path: Path, *options: str):
    # a generous time bound: the verdicts, not the machine's load, are under test
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", "--timeout", "60", *options])
    return result.exit_code, json.loads(result.output)


def not_proved(report) -> list[tuple[int, str]]:
    return sorted({(r["line"], r["verdict"]) for r in report["results"] if r["verdict"] != "proved"})


def edited(tmp_path: Path, name: str, line: int, old: str, new: str, front: str = "") -> Path:
    lines = (LECTURES / name).read_text(encoding="utf-8").split("\n")
    if line:
        assert lines[line - 1].count(old) == 1, f"{old!r} is not once on line {line} of {name}"
        lines[line - 1] = lines[line - 1].replace(old, new)
    path = tmp_path / name
    path.write_text(front + "\n".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_a_correct_lecture_of_each_family_checks_clean(name):
    code, report = run(LECTURES / name)
    assert code == 0, not_proved(report)
    assert report["summary"]["proved"] >= 9
    assert not_proved(report) == []
    assert report["model"].startswith(FAMILIES[name])       # the family read from the forward pass


MISTAKES = [
    # the classic: the sigmoid's a(1 - a) carried into a tanh layer
    pytest.param("tanh_hidden.md", 34, r"(1 - (a_1^{(2)})^2)", r"a_1^{(2)} (1 - a_1^{(2)})",
                 [(34, "refuted"), (40, "refuted"), (42, "refuted")], id="tanh: a(1-a) in the error term"),
    pytest.param("tanh_hidden.md", 22, r"1 - (a_1^{(2)})^2", r"a_1^{(2)} (1 - a_1^{(2)})",
                 [(22, "refuted")], id="tanh: a(1-a) as the local derivative"),
    pytest.param("tanh_hidden.md", 12, r"\tanh(z_2^{(2)})", r"\tanh(z_1^{(2)})",
                 [(12, "refuted")], id="tanh: wrong unit in the forward pass"),
    pytest.param("tanh_hidden.md", 12, r"a_1^{(2)} = \tanh", r"a_1^{(2)} = \sigma",
                 [(12, "refuted")], id="tanh: one unit's definition says sigmoid (the local derivative breaks the tie)"),
    # ReLU and a linear output
    pytest.param("relu_mse.md", 32, r"\right) \mathbb{1}[z_j^{(2)} > 0]", r"\right)",
                 [(32, "refuted"), (40, "refuted"), (42, "refuted")], id="relu: missing step factor"),
    pytest.param("relu_mse.md", 30, r"(a_k^{(3)} - t_k^{(3)})$$", r"(a_k^{(3)} - t_k^{(3)}) a_k^{(3)} (1 - a_k^{(3)})$$",
                 [(30, "refuted"), (32, "refuted"), (36, "refuted"), (38, "refuted"), (40, "refuted"),
                  (42, "refuted")], id="linear output: a(1-a) carried over"),
    pytest.param("relu_mse.md", 26, r"\frac{2}{3} (a_1^{(3)} - t_1^{(3)})", r"(a_1^{(3)} - t_1^{(3)})",
                 [(26, "refuted")], id="mse: missing 2/n"),
    pytest.param("relu_mse.md", 22, r"\mathbb{1}[z_1^{(2)} > 0]", r"1",
                 [(22, "refuted")], id="relu: derivative written as 1"),
    # softmax and cross-entropy
    pytest.param("softmax_ce.md", 20, r"-a_1^{(3)} a_2^{(3)}", r"a_1^{(3)} a_2^{(3)}",
                 [(20, "refuted")], id="softmax: off-diagonal derivative without its sign"),
    pytest.param("softmax_ce.md", 18, r"a_1^{(3)} (1 - a_1^{(3)})", r"a_1^{(3)}",
                 [(18, "refuted")], id="softmax: diagonal derivative"),
    pytest.param("softmax_ce.md", 30, r"\delta_k^{(3)} = a_k^{(3)} - t_k^{(3)}",
                 r"\delta_k^{(3)} = (a_k^{(3)} - t_k^{(3)}) a_k^{(3)} (1 - a_k^{(3)})",
                 [(30, "refuted"), (32, "refuted"), (36, "refuted"), (40, "refuted")],
                 id="cross-entropy: a(1-a) carried into the output error term"),
    pytest.param("softmax_ce.md", 28, r"= a_1^{(3)} - t_1^{(3)}$$", r"= (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)})$$",
                 [(28, "refuted")], id="cross-entropy: a(1-a) at the end of a chain"),
    # binary cross-entropy
    pytest.param("sigmoid_bce.md", 26, r"\delta_1^{(3)} = a_1^{(3)} - t_1^{(3)}",
                 r"\delta_1^{(3)} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)})",
                 [(26, "refuted"), (28, "refuted"), (30, "refuted"), (32, "refuted"), (34, "refuted")],
                 id="bce: a(1-a) carried into the output error term"),
    # mini-batch
    pytest.param("minibatch.md", 27, r"= \frac{1}{m} \sum_{n=1}^{m} \delta_1^{(3)[n]}", r"= \sum_{n=1}^{m} \delta_1^{(3)[n]}",
                 [(27, "refuted")], id="batch: missing 1/m"),
    pytest.param("minibatch.md", 33, r"\delta_j^{(2)[n]} x_i^{[n]}", r"\delta_j^{(2)[n]} x_i^{[1]}",
                 [(33, "refuted")], id="batch: one example's input for every example"),
    pytest.param("minibatch_matrix.md", 18, r"\frac{1}{m} (A^{(3)} - T)", r"(A^{(3)} - T)",
                 [(18, "refuted")], id="batch, matrix form: missing 1/m in the error term"),
    pytest.param("minibatch_matrix.md", 24, r"= \mathbf{1}_m^T", r"= \frac{1}{m} \mathbf{1}_m^T",
                 [(24, "refuted")], id="batch, matrix form: 1/m twice"),
    # deeper
    pytest.param("deep.md", 20, r"(1 - (a_j^{(3)})^2)", r"a_j^{(3)} (1 - a_j^{(3)})",
                 [(20, "refuted"), (22, "refuted"), (28, "refuted"), (30, "refuted"), (32, "refuted")],
                 id="deep: a(1-a) in the second tanh layer"),
    pytest.param("deep.md", 30, r"\delta_1^{(2)} x_2", r"\delta_1^{(2)} x_1",
                 [(30, "refuted")], id="deep: wrong input"),
]


@pytest.mark.parametrize("name, line, old, new, expected", MISTAKES)
def test_one_mistake_is_refuted_at_the_edited_line(tmp_path, name, line, old, new, expected):
    code, report = run(edited(tmp_path, name, line, old, new))
    assert not_proved(report) == expected
    assert code == 1


def test_a_wrong_error_term_is_reported_at_its_definition_and_its_users_name_it(tmp_path):
    _, report = run(edited(tmp_path, "tanh_hidden.md", 34, r"(1 - (a_1^{(2)})^2)", r"a_1^{(2)} (1 - a_1^{(2)})"))
    wrong = {r["line"]: r for r in report["results"] if r["verdict"] == "refuted"}
    assert "names the error term" in wrong[34]["detail"]
    assert wrong[34]["counterexample"] is not None
    for line in (40, 42):
        assert r"uses \delta_1^{(2)} as defined at line 34" in wrong[line]["detail"]


def test_a_claim_for_active_units_only_says_which_case_fails(tmp_path):
    _, report = run(edited(tmp_path, "relu_mse.md", 32, r"\right) \mathbb{1}[z_j^{(2)} > 0]", r"\right)"))
    (wrong,) = [r for r in report["results"] if r["line"] == 32]
    assert "is inactive" in wrong["detail"]
    assert "holds only where these units are active" in wrong["detail"]


@pytest.mark.parametrize("setting, expected, code", [
    ("activations: [tanh, sigmoid]", [], 0),
    ("loss: half-sse", [], 0),
    ("loss: mse", [], 0),                              # over two outputs, the same function
    ("activation: tanh", [(21, "error")], 2),          # the output layer is a sigmoid
    ("activation: sigmoid", [(17, "error")], 2),       # the hidden layer is tanh
    ("loss: cross-entropy", [(23, "error")], 2),
])
def test_front_matter_agreeing_or_disagreeing_with_the_forward_pass(tmp_path, setting, expected, code):
    front = f"---\ntitle: tanh\nderive:\n  {setting}\n---\n"
    exit_code, report = run(edited(tmp_path, "tanh_hidden.md", 0, "", "", front=front))
    assert not_proved(report) == expected
    assert exit_code == code
    if expected:
        (error,) = [r for r in report["results"] if r["verdict"] == "error"]
        assert "but the model setting says" in error["detail"]


def test_an_activation_derive_cannot_model_leaves_what_depends_on_it_undecided():
    code, report = run(LECTURES / "softplus.md")
    verdicts = {r["line"]: r["verdict"] for r in report["results"]}
    assert verdicts == {5: "proved", 7: "not checked", 9: "not checked", 11: "not checked", 13: "not checked"}
    assert all("line 7 is none that derive models" in r["detail"] for r in report["results"] if r["line"] != 5)
    assert code == 0                            # listed and counted; a strict run fails on them


@pytest.mark.parametrize("loss, model, verdict", [
    # cross-entropy written with sigma(z): read as cross-entropy, nothing assumed of the targets
    (r"-\sum_{i=1}^{2} t_i^{(3)} \log \sigma(z_i^{(3)})", "E = -sum_i t_i log a_i, row", "refuted"),
    (r"\frac{1}{2} \sum_{i=1}^{2} (t_i^{(3)} - \sigma(z_i^{(3)}))^2", "E = 1/2 sum_i (t_i - a_i)^2, row", "proved"),
    (r"\frac{1}{2} (t_1^{(3)} - w_{11}^{(3)})^2", "not modelled: the loss defined at line 1", "not checked"),
    # an absolute-value loss is read, and is none of the losses derive models
    (r"\sum_i |t_i - a_i|", "not modelled: the loss defined at line 1 is none that derive models", "not checked"),
    (r"\sum_i \lfloor t_i - a_i \rfloor", "not modelled: the loss is defined at line 1, which could not be read", "not checked"),
])
def test_the_loss_is_read_from_its_definition_or_left_unmodelled(tmp_path, loss, model, verdict):
    path = tmp_path / "loss.md"
    path.write_text(f"$$E = {loss}$$\n\n$$\\frac{{\\partial E}}{{\\partial a_1^{{(3)}}}} = a_1^{{(3)}} - t_1^{{(3)}}$$\n",
                    encoding="utf-8")
    _, report = run(path)
    assert model in report["model"]
    assert [r["verdict"] for r in report["results"] if r["line"] == 3] == [verdict]


# -- the decision in each family, claim by claim --------------------------------------------------------
def decide(spec: Spec, lhs: str, rhs: str) -> str:
    net = Network(spec)
    meaning = Meaning(net)
    left = meaning.member_value(parse(lhs)[0].chains[0][0])
    right = meaning.member_value(parse(rhs)[0].chains[0][0])
    return Decider(net, meaning.derivatives).decide(left, right).verdict


TANH = Spec(activation=("tanh", "sigmoid"))
RELU = Spec(activation=("relu", "identity"), loss="mse")
SOFTMAX = Spec(activation=("sigmoid", "softmax"), loss="cross-entropy")
LEAKY = Spec(activation=("leaky-relu", "sigmoid"))


@pytest.mark.parametrize("spec, lhs, rhs, verdict", [
    (TANH, r"\frac{\partial a_1^{(2)}}{\partial z_1^{(2)}}", r"1 - (a_1^{(2)})^2", "proved"),
    (TANH, r"\frac{\partial a_1^{(2)}}{\partial z_1^{(2)}}", r"a_1^{(2)} (1 - a_1^{(2)})", "refuted"),
    (TANH, r"a_1^{(2)}", r"\frac{e^{z_1^{(2)}} - e^{-z_1^{(2)}}}{e^{z_1^{(2)}} + e^{-z_1^{(2)}}}", "proved"),
    (RELU, r"\frac{\partial a_1^{(2)}}{\partial z_1^{(2)}}", r"\mathbb{1}[z_1^{(2)} > 0]^2", "proved"),
    (RELU, r"a_1^{(2)}", r"\mathbb{1}[z_1^{(2)} > 0] z_1^{(2)}", "proved"),
    (RELU, r"a_1^{(2)}", r"z_1^{(2)}", "refuted"),
    (RELU, r"\frac{\partial a_1^{(2)}}{\partial z_1^{(2)}}", r"\text{ReLU}'(z_1^{(2)})", "proved"),
    (SOFTMAX, r"a_1^{(3)} + a_2^{(3)}", r"1", "proved"),
    (SOFTMAX, r"\frac{\partial E}{\partial z_2^{(3)}}", r"a_2^{(3)} - t_2^{(3)}", "proved"),
    (SOFTMAX, r"\frac{\partial a_2^{(3)}}{\partial z_1^{(3)}}", r"a_1^{(3)} a_2^{(3)}", "refuted"),
    (TANH, r"\frac{\partial a_2^{(2)}}{\partial z_2^{(2)}}", r"1 - \tanh^2(z_2^{(2)})", "proved"),
    (TANH, r"\frac{\partial E}{\partial z^{(3)}}", r"(a^{(3)} - t) \times a^{(3)} \times (1 - a^{(3)})", "proved"),
    (SOFTMAX, r"\frac{\partial a_i^{(3)}}{\partial z_j^{(3)}}", r"a_i^{(3)} (\delta_{ij} - a_j^{(3)})", "proved"),
    (SOFTMAX, r"\frac{\partial a_i^{(3)}}{\partial z_j^{(3)}}", r"a_i^{(3)} (1 - a_j^{(3)})", "refuted"),
    (Spec(batch=2), r"\frac{\partial E}{\partial b_1^{(3)}}",
     r"\frac{1}{m} \sum_{n=1}^{m} (a_1^{(3)[n]} - t_1^{(3)[n]}) a_1^{(3)[n]} (1 - a_1^{(3)[n]})", "proved"),
    (Spec(batch=2), r"\frac{\partial E}{\partial w_{11}^{(2)}}",
     r"\frac{1}{m} \sum_{n=1}^{m} \frac{\partial E^{[n]}}{\partial z_1^{(2)[n]}} x_1^{(n)}", "proved"),
    (LEAKY, r"a_1^{(2)}", r"\max(0.01 z_1^{(2)}, z_1^{(2)})", "proved"),
    (LEAKY, r"a_1^{(2)}", r"\max(0, z_1^{(2)})", "refuted"),
    (LEAKY, r"\frac{\partial a_1^{(2)}}{\partial z_1^{(2)}}", r"0.01 + 0.99 \mathbb{1}[z_1^{(2)} > 0]", "proved"),
    (Spec(loss="sse"), r"\frac{\partial E}{\partial a_1^{(3)}}", r"2 (a_1^{(3)} - t_1^{(3)})", "proved"),
    (Spec(loss="sse"), r"\frac{\partial E}{\partial a_1^{(3)}}", r"a_1^{(3)} - t_1^{(3)}", "refuted"),
])
def test_each_family_decides_its_local_facts(spec, lhs, rhs, verdict):
    assert decide(spec, lhs, rhs) == verdict


def test_relations_are_applied_before_the_zero_test():
    net = Network(SOFTMAX)
    a1, a2, t1, t2 = net["a", 3, 1], net["a", 3, 2], net["t", 1], net["t", 2]
    assert net.relations == {a2: 1 - a1, t2: 1 - t1}
    assert net.assumptions == ["the targets of each example sum to 1 (cross-entropy over a softmax)"]
    decider = Decider(net, {})
    assert decider.is_zero(decider.normal(a1 + a2 - 1))
    h = Network(RELU)["h", 2, 1]
    relu_decider = Decider(Network(RELU), {})
    assert relu_decider.is_zero(h ** 3 - h) and not relu_decider.is_zero(h - 1)


def test_the_oracle_differentiates_each_family():
    from derive.model.oracle import Oracle
    net = Network(Spec(activation=("tanh", "softmax"), loss="cross-entropy"))
    oracle = Oracle(net)
    d = oracle.partial(net["a", 2, 1], ("z", 2, 1)).normal
    assert sp.expand(d - (1 - net["a", 2, 1] ** 2)) == 0
    d = oracle.partial(net["a", 3, 1], ("z", 3, 2)).normal
    assert sp.expand(d + net["a", 3, 1] * net["a", 3, 2]) == 0


def test_spec_reads_activations_losses_and_batch_by_their_usual_names():
    spec = Spec.from_mapping({"activations": "[ReLU, linear]", "loss": "ce", "batch": "4"})
    assert spec.activations == ("relu", "identity") and spec.loss == "cross-entropy" and spec.batch == 4
    assert spec.stated == {"activation", "loss", "batch"}


def test_units_of_one_layer_defined_with_different_families_leave_it_unmodelled(tmp_path):
    path = tmp_path / "mixed.md"
    path.write_text("$$a_1^{(3)} = z_1^{(3)}, \\quad a_2^{(3)} = \\sigma(z_2^{(3)})$$\n\n"
                    "$$\\frac{\\partial E}{\\partial z_2^{(3)}} = (a_2^{(3)} - t_2^{(3)}) a_2^{(3)} (1 - a_2^{(3)})$$\n",
                    encoding="utf-8")
    code, report = run(path)
    assert [r["verdict"] for r in report["results"]] == ["not checked"] * 3
    assert "defined as identity and as sigmoid for different units" in report["results"][2]["detail"]
    assert code == 0
