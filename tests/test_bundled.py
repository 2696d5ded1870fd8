"""Every bundled formula is proved; every single-edit mistake is refuted at its line with a
counterexample that really separates the sides; every equivalent rewrite is proved."""
import re

import pytest
from conftest import FORMULAS, Net, as_floats, bundled_text

from derive.pipeline.options import Options
from derive.pipeline.run import check_paths
from derive.results import PROVED, REFUTED

BUNDLED_CLAIMS = 100


@pytest.fixture(scope="module")
def bundled():
    return check_paths([str(FORMULAS)])


def test_every_bundled_claim_is_proved(bundled):
    assert bundled.summary() == {"proved": BUNDLED_CLAIMS, "refuted": 0, "undecided": 0, "errors": 0}
    assert bundled.exit_code == 0


def test_bundled_formulas_cover_the_lecture(bundled):
    ids = {r.id for r in bundled.results}
    for p in ("w11", "w21", "w12", "w22", "b1", "b2"):
        assert f"hidden.{p}" in ids and f"output.{p}" in ids
    for needed in ("hidden.W", "hidden.b", "output.W", "output.b", "hidden.update.W", "hidden.update.b",
                   "output.update.W", "output.update.b", "hidden.def.loss2", "hidden.def.loss3"):
        assert needed in ids


def mutate(tmp_path, name, old, new, count=1):
    text = bundled_text(name)
    assert text.count(old) >= count, f"{old!r} not in {name}"
    mutated = text.replace(old, new, count)
    path = tmp_path / name
    path.write_text(mutated, encoding="utf-8")
    pos = text.index(old) + len(old) - len(old.lstrip())
    line = text[:pos].count("\n") + 1
    return path, line


W11_PATH2 = r"\times w_{21}^{(3)} \times a_1^{(2)} (1 - a_1^{(2)}) \times a_1^{(1)}"
MUTATIONS = [
    # (kind of mistake, file, old, new)
    ("swapped weight indices", "hidden_layer.toml", W11_PATH2, W11_PATH2.replace("w_{21}", "w_{12}")),
    ("wrong input index", "hidden_layer.toml", W11_PATH2, W11_PATH2.replace("a_1^{(1)}", "a_2^{(1)}")),
    ("missing sigma' factor", "hidden_layer.toml", W11_PATH2, W11_PATH2.replace(r"\times a_1^{(2)} (1 - a_1^{(2)}) ", "")),
    ("sign error", "hidden_layer.toml",
     r"= (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \times w_{11}^{(3)}",
     r"= (t_1^{(3)} - a_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \times w_{11}^{(3)}"),
    ("missing transpose", "hidden_layer.toml", r"(loss\_3 \bullet W3^T)", r"(loss\_3 \bullet W3)"),
    ("wrong layer", "output_layer.toml", r"\times a_1^{(3)} (1 - a_1^{(3)}) \times a_1^{(2)}",
     r"\times a_1^{(3)} (1 - a_1^{(3)}) \times a_1^{(1)}"),
    ("dropped chain path", "hidden_layer.toml",
     "\n    + (a_2^{(3)} - t_2^{(3)}) \\times a_2^{(3)} (1 - a_2^{(3)}) \\times w_{21}^{(3)} \\times a_1^{(2)} (1 - a_1^{(2)}) \\times a_1^{(1)}\n", "\n"),
    ("wrong constant", "network.toml", r"E_1 = \frac{1}{2}", r"E_1 = \frac{1}{4}"),
    ("wrong loss in an update", "hidden_layer.toml", r"\alpha \times (A1^T \bullet loss\_2)", r"\alpha \times (A1^T \bullet loss\_3)"),
    ("wrong layer in an update", "hidden_layer.toml", r"W^{(2)} - \alpha \frac{\partial E}{\partial W^{(2)}}",
     r"W^{(2)} - \alpha \frac{\partial E}{\partial W^{(3)}}"),
    ("sign error in an update", "output_layer.toml", r"b^{(3)} - \alpha \times \text{loss\_3}", r"b^{(3)} + \alpha \times \text{loss\_3}"),
    ("wrong local derivative", "hidden_layer.toml",
     r"\times \frac{\partial z_2^{(3)}}{\partial a_1^{(2)}} \times \frac{\partial a_1^{(2)}}{\partial z_1^{(2)}} \times \frac{\partial z_1^{(2)}}{\partial w_{11}^{(2)}}",
     r"\times \frac{\partial z_2^{(3)}}{\partial a_2^{(2)}} \times \frac{\partial a_1^{(2)}}{\partial z_1^{(2)}} \times \frac{\partial z_1^{(2)}}{\partial w_{11}^{(2)}}"),
    ("sigmoid of the wrong unit", "output_layer.toml", r"\times \text{sigmoid}(z_1^{(3)}) (1 - \text{sigmoid}(z_1^{(3)})) \times a_1^{(2)}",
     r"\times \text{sigmoid}(z_2^{(3)}) (1 - \text{sigmoid}(z_1^{(3)})) \times a_1^{(2)}"),
    ("matrix entries in the wrong layout", "hidden_layer.toml",
     r"\frac{\partial E}{\partial w_{11}^{(2)}} & \frac{\partial E}{\partial w_{21}^{(2)}} \\ \frac{\partial E}{\partial w_{12}^{(2)}}",
     r"\frac{\partial E}{\partial w_{11}^{(2)}} & \frac{\partial E}{\partial w_{12}^{(2)}} \\ \frac{\partial E}{\partial w_{21}^{(2)}}"),
    ("wrong definition of loss_2", "hidden_layer.toml", r"loss\_2 = (loss\_3 \bullet W3^T) \times (A2 \times (1-A2))",
     r"loss\_2 = (loss\_3 \bullet W3^T) \times A2"),
    ("missing 1/2 in E_2", "network.toml", r"E_2 = \frac{1}{2} (t_2^{(3)} - a_2^{(3)})^2", r"E_2 = (t_2^{(3)} - a_2^{(3)})^2"),
    ("swapped z definition weights", "network.toml", r"z_1^{(3)} = a_1^{(2)}w_{11}^{(3)} + a_2^{(2)}w_{12}^{(3)}",
     r"z_1^{(3)} = a_1^{(2)}w_{11}^{(3)} + a_2^{(2)}w_{21}^{(3)}"),
]


@pytest.mark.parametrize("kind, name, old, new", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_single_edit_mistake_is_refuted_at_its_line(tmp_path, kind, name, old, new):
    path, line = mutate(tmp_path, name, old, new)
    report = check_paths([str(path)])
    refuted = [r for r in report.results if r.verdict != PROVED]
    assert len(refuted) == 1, [(r.line, r.verdict, r.detail) for r in refuted]
    (r,) = refuted
    assert r.verdict == REFUTED
    if r.repairs:                       # reported where the part to change is
        assert r.line == (line if new.strip() else line - 1), r.repairs
    else:
        assert r.line == member_start(path.read_text(encoding="utf-8"), line if new.strip() else line - 1)
    assert report.exit_code == 1
    c = r.counterexample
    assert c is not None and c.difference and c.difference != "0"
    _assert_separates(c)
    _assert_reference_is_the_truth(r)


def member_start(text, line):
    """The line where the member holding `line` starts (members begin with '= ' or open the chain)."""
    lines = text.split("\n")
    k = line - 1
    while k > 0 and not lines[k].lstrip().startswith("= ") and not lines[k - 1].lstrip().startswith("latex ="):
        k -= 1
    return k + 1


def _flat(v):
    return [x for row in v for x in row] if isinstance(v, list) else [v]


def _assert_separates(c):
    assert set(c.point) >= {"x_1", "x_2", "t_1^{(3)}", "w_{11}^{(2)}", "b_2^{(3)}"}
    gaps = [abs(a - b) for a, b in zip(_flat(c.lhs), _flat(c.rhs))]
    assert max(gaps) > 1e-6


def _assert_reference_is_the_truth(r):
    """Where the reference side is a gradient dE/dp, finite differences at the point must agree."""
    m = re.fullmatch(r"\\frac\{\\partial E\}\{\\partial ([wb]_\{?\d+\}?\^\{\(\d\)\})\}", r.lhs.strip())
    if not m:
        return
    name = m.group(1).replace("{1}", "1").replace("{2}", "2")
    point = as_floats(r.counterexample.point)
    assert r.counterexample.lhs == pytest.approx(Net().gradient(point, name), rel=1e-5, abs=1e-9)


W11_AFORM = r"= (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \times w_{11}^{(3)} \times a_1^{(2)} (1 - a_1^{(2)}) \times a_1^{(1)}"
W11_SIGMOID = r"\times \text{sigmoid}(z_1^{(2)}) (1 - \text{sigmoid}(z_1^{(2)})) \times a_1^{(1)}"
REWRITES = [
    ("reordered factors", W11_AFORM,
     r"= a_1^{(1)} \times a_1^{(2)} (1 - a_1^{(2)}) \times w_{11}^{(3)} \times (1 - a_1^{(3)}) a_1^{(3)} \times (a_1^{(3)} - t_1^{(3)})"),
    ("a - a^2 for a(1-a)", W11_AFORM, W11_AFORM.replace(r"a_1^{(2)} (1 - a_1^{(2)})", r"(a_1^{(2)} - (a_1^{(2)})^2)")),
    ("e^-z/(1+e^-z)^2 for sigma'", W11_SIGMOID,
     r"\times \frac{e^{-z_1^{(2)}}}{(1+e^{-z_1^{(2)}})^2} \times a_1^{(1)}"),
    ("\\cdot for \\times", W11_AFORM, W11_AFORM.replace(r"\times", r"\cdot")),
    ("two cancelling sign flips", W11_AFORM,
     W11_AFORM.replace(r"(a_1^{(3)} - t_1^{(3)})", r"(t_1^{(3)} - a_1^{(3)})").replace(r"w_{11}^{(3)}", r"(-w_{11}^{(3)})")),
    ("sigma' written as \\sigma'", W11_SIGMOID, r"\times \sigma'(z_1^{(2)}) \times a_1^{(1)}"),
    ("1/(1+e^-z) for sigmoid", W11_SIGMOID,
     r"\times \frac{1}{1+e^{-z_1^{(2)}}} (1 - \text{sigmoid}(z_1^{(2)})) \times a_1^{(1)}"),
    ("sigmoid(-z) for 1 - sigmoid(z)", W11_SIGMOID, r"\times \text{sigmoid}(z_1^{(2)}) \text{sigmoid}(-z_1^{(2)}) \times a_1^{(1)}"),
    ("loss_3 as (A3 - T) x A3 x (1 - A3)", r"= A1^T \bullet loss\_2",
     r"= A1^T \bullet ( ((A3 - T) \times A3 \times (1 - A3) \bullet W3^T) \times (A2 - A2 \times A2) )"),
]


@pytest.mark.parametrize("kind, old, new", REWRITES, ids=[r[0] for r in REWRITES])
def test_equivalent_rewrite_is_proved(tmp_path, kind, old, new):
    path, _ = mutate(tmp_path, "hidden_layer.toml", old, new)
    report = check_paths([str(path)])
    assert [(r.line, r.detail) for r in report.results if r.verdict != PROVED] == []
    assert report.exit_code == 0


def test_a_claim_past_the_time_bound_is_undecided_and_the_run_goes_on(tmp_path):
    import time as time_module

    import derive.decide.decider as decide_module
    original = decide_module.Decider.decide

    def slow(self, lhs, rhs):
        time_module.sleep(0.5)
        return original(self, lhs, rhs)
    decide_module.Decider.decide = slow
    try:
        report = check_paths([str(FORMULAS / "network.toml")], Options(timeout=0.2))
    finally:
        decide_module.Decider.decide = original
    assert report.summary()["undecided"] == len(report.results) > 0
    assert all("no decision within 0.2 s" in r.detail for r in report.results)
    assert report.exit_code == 1
