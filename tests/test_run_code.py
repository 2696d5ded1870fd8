"""derive check --run-code: lecture code against derive's exact values, in the sandbox (docs/code.md)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import derive
from derive.code import check as code_check
from derive.code import sandbox
from derive.code.check import check_code
from derive.code.sandbox import Limits
from derive.model.spec import Spec
from derive.results import AGREES, REFUTED, UNDECIDED

HERE = Path(__file__).parent / "code"
SEED = (HERE / "two_layer_train.md").read_text()
NG = (HERE / "ng_vectorised.md").read_text()


def line_of(text: str, snippet: str) -> int:
    return next(k for k, line in enumerate(text.split("\n"), start=1) if snippet in line)


def run(tmp_path, text: str, name: str = "lecture.md", *args):
    path = tmp_path / name
    path.write_text(text)
    result = CliRunner().invoke(cli.main, ["check", "--run-code", "--format", "json", str(path), *args])
    return result.exit_code, json.loads(result.stdout), path


def code_results(data):
    return [r for r in data["results"] if "code" in r]


def test_seed_style_train_agrees_line_by_line(tmp_path):
    code, data, _ = run(tmp_path, SEED)
    found = code_results(data)
    assert code == 0
    assert [r["verdict"] for r in found] == [AGREES] * 11
    assert found[0]["line"] == line_of(SEED, "Z2 = A1 @ W2 + b2")
    assert data["summary"]["agrees"] == 11 and data["summary"]["proved"] == 4


@pytest.mark.parametrize("old, new, at, mistake", [
    ("    loss_2 = (loss_3 @ W3.T) * A2 * (1 - A2)\n    W3 = W3 - lr * A2.T @ loss_3\n",
     "    W3 = W3 - lr * A2.T @ loss_3\n    loss_2 = (loss_3 @ W3.T) * A2 * (1 - A2)\n",
     "loss_2 = (loss_3 @ W3.T)", "weight after update"),
    ("loss_2 = (loss_3 @ W3.T)", "loss_2 = (loss_3 @ W3)", "loss_2 = (loss_3 @ W3)", "missing .T"),
    ("loss_3 = (A3 - T) * A3 * (1 - A3)", "loss_3 = (A3 - T) * Z3 * (1 - Z3)", "loss_3 =", "derivative of z"),
    ("E = 0.5 * np.sum((T - A3) ** 2)", "E = -np.sum(T * np.log(A3) + (1 - T) * np.log(1 - A3))", "E = -np.sum",
     "wrong loss"),
    ("loss_3 = (A3 - T) * A3 * (1 - A3)", "loss_3 = (A3 - T)", "loss_3 =", "missing factor"),
])
def test_seed_style_single_bugs_are_refuted_at_their_line(tmp_path, old, new, at, mistake):
    text = SEED.replace(old, new)
    assert text != SEED
    code, data, _ = run(tmp_path, text)
    refuted = [r for r in code_results(data) if r["verdict"] == REFUTED]
    assert code == 1
    assert len(refuted) == 1
    assert refuted[0]["line"] == line_of(text, at)
    assert refuted[0]["mistake"] == mistake
    assert data["summary"]["proved"] == 4           # the math is still checked, and right


def test_forward_bug_is_refuted_with_what_it_should_compute(tmp_path):
    text = SEED.replace("Z3 = A2 @ W3 + b3", "Z3 = A2 @ W3 + b2")
    code, data, _ = run(tmp_path, text)
    refuted = [r for r in code_results(data) if r["verdict"] == REFUTED]
    assert code == 1 and [r["line"] for r in refuted] == [line_of(text, "Z3 = A2 @ W3 + b2")]
    assert "should be Z^(3): Z^(3) = A^(2) W^(3) + b^(3)" in refuted[0]["detail"]


def test_in_place_update_looks_wrong_but_agrees(tmp_path):
    text = SEED.replace("W3 = W3 - lr * A2.T @ loss_3", "W3 -= lr * A2.T @ loss_3")
    code, data, _ = run(tmp_path, text)
    assert code == 0 and all(r["verdict"] == AGREES for r in code_results(data))


def test_relu_mask_taken_from_the_output_agrees(tmp_path):
    text = SEED.replace("# Training", "---\nderive:\n  activations: [relu, sigmoid]\n---\n# Training")
    text = text.replace("default_rng(7)", "default_rng(2)")           # a hidden unit alive
    text = text.replace("    A2 = sigmoid(Z2)", "    A2 = np.maximum(Z2, 0)")
    text = text.replace("loss_2 = (loss_3 @ W3.T) * A2 * (1 - A2)", "loss_2 = (loss_3 @ W3.T) * (A2 > 0)")
    text = text.replace("$loss\\_2 = (loss\\_3 \\bullet W3^T) \\times (A2 \\times (1 - A2))$", "the hidden layer is ReLU")
    code, data, _ = run(tmp_path, text)
    found = code_results(data)
    assert [r["verdict"] for r in found] == [AGREES] * 11, found
    wrong = text.replace("* (A2 > 0)", "* A2")
    code, data, _ = run(tmp_path, wrong)
    assert [r["line"] for r in code_results(data) if r["verdict"] == REFUTED] == [line_of(wrong, "loss_2 =")]


def test_a_mistake_hidden_at_the_codes_own_values_is_refuted_at_a_seeded_point(tmp_path):
    """With default_rng(2) every hidden ReLU unit is alive at the code's own values, so a forgotten
    mask computes the right numbers there; the code run again with its draws moved to seed 1 has a
    dead unit, and the line is refuted there, saying so."""
    text = SEED.replace("# Training", "---\nderive:\n  activations: [relu, sigmoid]\n---\n# Training")
    text = text.replace("default_rng(7)", "default_rng(2)")
    text = text.replace("    A2 = sigmoid(Z2)", "    A2 = np.maximum(Z2, 0)")
    text = text.replace("loss_2 = (loss_3 @ W3.T) * A2 * (1 - A2)", "loss_2 = (loss_3 @ W3.T)")
    text = text.replace("$loss\\_2 = (loss\\_3 \\bullet W3^T) \\times (A2 \\times (1 - A2))$", "the hidden layer is ReLU")
    code, data, _ = run(tmp_path, text)
    refuted = [r for r in code_results(data) if r["verdict"] == REFUTED]
    assert code == 1
    assert [r["line"] for r in refuted] == [line_of(text, "loss_2 =")]
    assert "at seeded point 1, where the code's random draws start from seed 1" in refuted[0]["detail"]
    assert "(at its own values no line differed)" in refuted[0]["detail"]


def test_agreements_hold_at_the_seeded_points_too_or_say_there_is_one_point(tmp_path):
    code, data, _ = run(tmp_path, SEED)
    assert code == 0
    assert all(r["detail"].endswith("(at the code's own values and at 2 seeded points)")
               for r in code_results(data))
    fixed = SEED.replace("rng.normal(size=(2, 2))", "np.array([[0.15, 0.25], [0.20, 0.30]])", 1)
    fixed = fixed.replace("rng.normal(size=(1, 2))", "np.array([[0.35, 0.35]])", 1)
    fixed = fixed.replace("rng.normal(size=(2, 2))", "np.array([[0.40, 0.50], [0.45, 0.55]])", 1)
    fixed = fixed.replace("rng.normal(size=(1, 2))", "np.array([[0.60, 0.60]])", 1)
    code, data, _ = run(tmp_path, fixed)
    assert code == 0
    assert all(r["detail"].endswith("(at the code's own values)") for r in code_results(data))
    assert any("the code's weights and inputs are written in it: compared at that one point" in n
               for n in data["notes"])


def test_a_step_function_defined_and_never_called_is_called_once(tmp_path):
    text = SEED.replace("for epoch in range(100):\n    train()\n", "")
    assert "train()" not in text.split("def train")[1].split("return E")[1]
    code, data, _ = run(tmp_path, text)
    assert code == 0 and [r["verdict"] for r in code_results(data)] == [AGREES] * 11
    assert any(n.endswith("the document defines train() but never calls it: derive called it once")
               for n in data["notes"])
    # its parameters are given the code's globals of the same names, and a mistake in it is found
    takes = text.replace("def train():", "def train(x, T):").replace("loss_2 = (loss_3 @ W3.T)", "loss_2 = (loss_3 @ W3)")
    code, data, _ = run(tmp_path, takes)
    assert code == 1
    assert [r["line"] for r in code_results(data) if r["verdict"] == REFUTED] == [line_of(takes, "loss_2 =")]
    assert any(n.endswith("derive called it once with the code's x, T") for n in data["notes"])
    # a parameter the code's globals do not name: not called, and nothing is compared
    unknown = text.replace("def train():", "def train(batch):")
    code, data, _ = run(tmp_path, unknown)
    assert [r["verdict"] for r in code_results(data)] == [UNDECIDED]
    assert "computes nothing derive can name beyond the values it starts from" in code_results(data)[0]["detail"]
    assert any(n.endswith("the document defines train() but never calls it, and derive has no value for its "
                          "parameter batch: not called") for n in data["notes"])


def test_ng_vectorised_columns_and_transposed_layout(tmp_path):
    code, data, _ = run(tmp_path, NG)
    found = code_results(data)
    assert code == 0 and len(found) == 15 and all(r["verdict"] == AGREES for r in found)
    assert any("your code uses the transposed layout" in n for n in data["notes"])


@pytest.mark.parametrize("old, new, mistake", [
    ("dW2 = dZ2 @ A1.T / m", "dW2 = dZ2 @ A1.T", "missing / m"),
    ("db1 = np.sum(dZ1, axis=1, keepdims=True) / m", "db1 = np.sum(dZ1, axis=0, keepdims=True) / m", "wrong axis"),
    ("dZ1 = (W2.T @ dZ2) * A1 * (1 - A1)", "dZ1 = (W2.T @ dZ2) * Z1 * (1 - Z1)", "derivative of z"),
])
def test_ng_single_bugs(tmp_path, old, new, mistake):
    text = NG.replace(old, new)
    code, data, _ = run(tmp_path, text)
    refuted = [r for r in code_results(data) if r["verdict"] == REFUTED]
    assert code == 1 and [r["line"] for r in refuted] == [line_of(text, new)]
    assert refuted[0]["mistake"] == mistake


def test_nielsen_backprop_with_lists_and_columns(tmp_path):
    text = (HERE / "nielsen_backprop.md").read_text()
    code, data, _ = run(tmp_path, text)
    found = code_results(data)
    assert code == 0 and len(found) == 8 and all(r["verdict"] == AGREES for r in found)
    assert not any("transposed" in n for n in data["notes"])       # the document's own column layout
    bug = text.replace("delta = (activations[-1] - y)", "delta = (y - activations[-1])")
    code, data, _ = run(tmp_path, bug)
    refuted = [r for r in code_results(data) if r["verdict"] == REFUTED]
    assert code == 1 and [r["line"] for r in refuted] == [line_of(bug, "delta = (y - activations[-1])")]
    assert refuted[0]["mistake"] == "sign" and "it is `delta`" in refuted[0]["detail"]


def test_from_scratch_two_layer_net_with_dicts_and_its_own_a_and_z(tmp_path):
    text = (HERE / "two_layer_net_scratch.md").read_text()
    code, data, _ = run(tmp_path, text)
    found = code_results(data)
    assert code == 0 and len(found) == 8 and all(r["verdict"] == AGREES for r in found)
    assert any("a names the weighted inputs" in n for n in data["notes"])
    for old, new in [("da1 = sigmoid(a1) * (1 - sigmoid(a1)) * dz1", "da1 = a1 * (1 - a1) * dz1"),
                     ("grads['W2'] = np.dot(z1.T, dy)", "grads['W2'] = np.dot(z1.T, dy) * batch_num")]:
        bug = text.replace(old, new)
        code, data, _ = run(tmp_path, bug)
        refuted = [r for r in code_results(data) if r["verdict"] == REFUTED]
        assert code == 1 and [r["line"] for r in refuted] == [line_of(bug, new)]


def test_notebook_class_with_cell_line_and_raw_line(tmp_path):
    text = (HERE / "network_class.ipynb").read_text()
    code, data, _ = run(tmp_path, text, "net.ipynb")
    found = code_results(data)
    assert code == 0 and len(found) == 11 and {r["cell"] for r in found} == {3}
    first = found[0]
    assert first["line"] == 12 and first["code"]["source"] == "self.Z2 = self.A1 @ self.W2 + self.b2"
    raw = text.split("\n")[first["raw_line"] - 1]
    assert "self.Z2 = self.A1 @ self.W2 + self.b2" in raw
    notebook = json.loads(text)
    source = notebook["cells"][2]["source"]
    update = next(k for k, line in enumerate(source) if "self.W3 -=" in line)
    back = next(k for k, line in enumerate(source) if "delta2 =" in line)
    source.insert(back, source.pop(update))             # W3 updated before the hidden error uses it
    bug = json.dumps(notebook, indent=1)
    assert bug != text
    code, data, _ = run(tmp_path, bug, "net.ipynb")
    refuted = [r for r in code_results(data) if r["verdict"] == REFUTED]
    assert code == 1 and refuted[0]["cell"] == 3 and refuted[0]["mistake"] == "weight after update"
    assert refuted[0]["code"]["source"].startswith("delta2 =")


def test_without_the_option_no_code_runs(tmp_path, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("code ran without --run-code")
    monkeypatch.setattr(code_check, "run_blocks", forbidden)
    path = tmp_path / "lecture.md"
    path.write_text(SEED)
    result = CliRunner().invoke(cli.main, ["check", "--format", "json", str(path)])
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and not code_results(data) and "agrees" not in data["summary"]
    assert not code_results(derive.check(str(path)).to_json())


def test_run_code_setting_in_pyproject(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\npaths = ["lecture.md"]\nrun-code = true\n')
    (tmp_path / "lecture.md").write_text(SEED.replace("(loss_3 @ W3.T)", "(loss_3 @ W3)"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.main, ["check", "--format", "json"])
    assert result.exit_code == 1
    assert [r["verdict"] for r in code_results(json.loads(result.stdout)) if r["verdict"] != AGREES] == [REFUTED]
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nrun-code = "yes"\n')
    result = CliRunner().invoke(cli.main, ["check"])
    assert result.exit_code == 2 and "run-code must be true or false" in result.output


def test_code_that_names_nothing_is_undecided():
    report = check_code("# x\n\n```python\nprint(1 + 1)\n```\n", ".md", "x.md", Spec())
    assert [(r.verdict, r.line) for r in report.results] == [(UNDECIDED, 4)]
    assert "computes nothing derive can name" in report.results[0].detail


HOSTILE = {
    "passwd": ("print(open('/etc/passwd').read())", "raised"),
    "socket": ("import socket\ns = socket.create_connection(('127.0.0.1', 22), timeout=1)", "raised"),
    "subprocess": ("import subprocess\nsubprocess.run(['sh', '-c', 'echo pwned > {marker}'])", "raised"),
    "fork": ("import os\nwhile True:\n    os.fork()", "raised"),
    "alloc": ("import numpy as np\nx = np.ones(50 * 2**30 // 8)", "MemoryError"),
    "loop": ("while True:\n    pass", "CPU time"),
    "write": ("open('big', 'w').write('x' * (200 << 20))", "File too large"),
}


NAMESPACES = pytest.mark.skipif(sandbox.bubblewrap() is None, reason="bubblewrap cannot make namespaces here")


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_code_is_stopped_and_reported(tmp_path, name):
    if name == "passwd" and sandbox.bubblewrap() is None:
        pytest.skip("without bubblewrap the files the user can read are readable (stated in the notes)")
    source, said = HOSTILE[name]
    marker = tmp_path / "marker"
    text = f"# x\n\n```python\n{source.format(marker=marker)}\n```\n"
    report = check_code(text, ".md", "x.md", Spec(), Limits(cpu_seconds=2, wall_seconds=8))
    assert [r.verdict for r in report.results] == [UNDECIDED]
    assert said in report.results[0].detail
    assert "root:" not in report.results[0].detail and not marker.exists()


@NAMESPACES
def test_hostile_cell_leaves_the_math_checked(tmp_path):
    text = SEED.replace("rng = np.random.default_rng(7)", "print(open('/etc/passwd').read())\nrng = 1")
    code, data, _ = run(tmp_path, text)
    assert code == 1 and data["summary"]["proved"] == 4 and data["summary"]["refuted"] == 0
    assert any("raised FileNotFoundError" in r["detail"] for r in code_results(data))
    assert "root:x" not in json.dumps(data)


def test_without_bubblewrap_the_missing_layer_is_stated(monkeypatch):
    monkeypatch.setattr(sandbox, "bubblewrap", lambda: None)
    report = check_code(SEED, ".md", "x.md", Spec())
    assert any("bubblewrap is not available" in n for n in report.notes)
    assert {r.verdict for r in report.results} == {AGREES}


@NAMESPACES
def test_the_sandbox_sees_no_home_no_network_and_only_numpy():
    outcome = sandbox.run_blocks(["import os\nroot = len(os.listdir('/'))\nimport socket\n"
                                  "socket.socket(socket.AF_INET).connect(('10.0.0.1', 80))\n",
                                  "import scipy\n"])
    assert not outcome.stopped
    assert [e["block"] for e in outcome.errors] == [1, 2]
    assert "Operation not permitted" in outcome.errors[0]["error"] or "unreachable" in outcome.errors[0]["error"]
    assert outcome.errors[1]["error"].startswith("ModuleNotFoundError")
    assert not os.path.exists("/tmp/work/job.json")                      # the job's folder was private


def test_relu_exactly_at_its_kink_is_no_false_alarm(tmp_path):
    text = SEED.replace("# Training", "---\nderive:\n  activations: [relu, sigmoid]\n---\n# Training")
    text = text.replace("x = np.array([[0.05, 0.10]])", "x = np.array([[0.0, 0.0]])")
    text = text.replace("b2 = rng.normal(size=(1, 2))", "b2 = np.zeros((1, 2))")
    text = text.replace("    A2 = sigmoid(Z2)", "    A2 = np.maximum(Z2, 0)")
    text = text.replace("loss_2 = (loss_3 @ W3.T) * A2 * (1 - A2)", "loss_2 = (loss_3 @ W3.T) * (Z2 >= 0)")
    text = text.replace("$loss\\_2 = (loss\\_3 \\bullet W3^T) \\times (A2 \\times (1 - A2))$", "the hidden layer is ReLU")
    code, data, _ = run(tmp_path, text)
    verdicts = {r["line"]: r["verdict"] for r in code_results(data)}
    assert REFUTED not in verdicts.values()
    assert verdicts[line_of(text, "loss_2 =")] == UNDECIDED and code == 1
    assert "exactly at 0" in next(r["detail"] for r in code_results(data) if r["verdict"] == UNDECIDED)


def test_code_results_in_every_report_format(tmp_path):
    text = SEED.replace("loss_2 = (loss_3 @ W3.T)", "loss_2 = (loss_3 @ W3)")
    path = tmp_path / "lecture.md"
    path.write_text(text)
    at = line_of(text, "loss_2 = (loss_3 @ W3)")
    runner = CliRunner()
    github = runner.invoke(cli.main, ["check", "--run-code", "--format", "github", str(path)]).stdout
    errors = [line for line in github.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and f"line={at}," in errors[0] and "missing .T" not in errors[0]
    assert "code: loss_2 = (loss_3 @ W3)" in errors[0] and "add `.T`" in errors[0]
    junit = runner.invoke(cli.main, ["check", "--run-code", "--format", "junit", str(path)]).stdout
    assert 'tests="13" failures="1" errors="0"' in junit
    html = runner.invoke(cli.main, ["check", "--run-code", "--format", "html", str(path)]).stdout
    assert "<code>loss_2 = (loss_3 @ W3) * A2 * (1 - A2)</code>" in html and 'data-verdict="agrees"' in html
    table = runner.invoke(cli.main, ["check", "--run-code", str(path)])
    assert table.exit_code == 1 and f"lecture.md:{at}:1" in table.stdout
    assert "code lines: 8 agree with derive's exact values (--run-code)" in table.stdout


def test_a_network_too_large_to_compare_exactly_is_undecided():
    text = SEED.replace("W2 = rng.normal(size=(2, 2))", "W2 = rng.normal(size=(2, 600))").replace(
        "b2 = rng.normal(size=(1, 2))", "b2 = rng.normal(size=(1, 600))").replace(
        "W3 = rng.normal(size=(2, 2))", "W3 = rng.normal(size=(600, 2))")
    report = check_code(text, ".md", "x.md", Spec())
    assert [r.verdict for r in report.results] == [UNDECIDED]
    assert report.results[0].line == line_of(text, "W2 = rng.normal") and "past the 1,000" in report.results[0].detail
