"""The decision procedure's paths: exact proof, exact refutation, opaque parts, the bug guard."""
import pytest

from derive.decide.decider import Decider
from derive.meaning.meaning import Meaning
from derive.model.network import Network
from derive.notation.parse import parse
from derive.results import ERROR, PROVED, REFUTED, UNDECIDED


@pytest.fixture(scope="module")
def decide():
    net = Network()
    meaning = Meaning(net)
    decider = Decider(net, meaning.derivatives)

    def run(text):
        members = parse(text)[0].chains[0]
        left, right = (meaning.member_value(m) for m in members)
        return decider.decide(left, right)
    return run


def test_polynomial_identity_is_proved_exactly(decide):
    d = decide(r"\frac{\partial a_1^{(2)}}{\partial z_1^{(2)}} = a_1^{(2)} - (a_1^{(2)})^2")
    assert d.verdict == PROVED and d.detail.startswith("exact")


def test_a_nonzero_difference_is_refuted_with_a_confirmed_point(decide):
    d = decide(r"\frac{\partial z_2^{(3)}}{\partial a_1^{(2)}} = w_{12}^{(3)}")
    assert d.verdict == REFUTED
    c = d.counterexample
    assert c.lhs == pytest.approx(float(c.point["w_{21}^{(3)}"]))
    assert c.rhs == pytest.approx(float(c.point["w_{12}^{(3)}"]))
    assert c.difference in ("w_{21}^{(3)} - w_{12}^{(3)}", "-w_{12}^{(3)} + w_{21}^{(3)}")


def test_counterexamples_are_reproducible(decide):
    first = decide(r"E_1 = (t_1^{(3)} - a_1^{(3)})^2").counterexample
    net = Network()
    meaning = Meaning(net)
    members = parse(r"E_1 = (t_1^{(3)} - a_1^{(3)})^2")[0].chains[0]
    again = Decider(net, meaning.derivatives).decide(*(meaning.member_value(m) for m in members)).counterexample
    assert first.point == again.point and first.lhs == again.lhs


def test_exp_forms_are_brought_to_node_values(decide):
    assert decide(r"\frac{1}{1 + e^{-z_2^{(3)}}} = a_2^{(3)}").verdict == PROVED
    assert decide(r"e^{z_1^{(2)}} = \frac{a_1^{(2)}}{1 - a_1^{(2)}}").verdict == PROVED
    assert decide(r"\text{sigmoid}(-z_1^{(3)}) = 1 - a_1^{(3)}").verdict == PROVED


def test_opaque_parts_prove_when_they_cancel_and_refute_only_with_a_point(decide):
    assert decide(r"\text{sigmoid}(w_{11}^{(2)}) + x_1 = x_1 + \text{sigmoid}(w_{11}^{(2)})").verdict == PROVED
    d = decide(r"\text{sigmoid}(w_{11}^{(2)}) = \text{sigmoid}(w_{12}^{(2)})")
    assert d.verdict == REFUTED and d.counterexample is not None


def test_opaque_identity_goes_to_simplify(decide):
    d = decide(r"\text{sigmoid}(2 z_1^{(2)}) = \frac{1}{1 + e^{-2 z_1^{(2)}}}")
    assert d.verdict == PROVED and d.detail.startswith("simplify")


def test_exact_proof_contradicted_numerically_is_undecided_never_proved(decide, monkeypatch):
    import derive.decide.decider as module
    monkeypatch.setattr(module, "agree", lambda l, r, rtol=1e-9: l != l)   # every point "disagrees"
    d = decide(r"\frac{\partial E_2}{\partial a_2^{(3)}} = a_2^{(3)} - t_2^{(3)}")
    assert d.verdict == UNDECIDED and "bug in derive" in d.detail


def test_shape_mismatch_between_sides_is_refuted(decide):
    d = decide(r"\frac{\partial E}{\partial b^{(3)}} = \frac{\partial E}{\partial W^{(3)}}")
    assert d.verdict == REFUTED and "1\u00d72" in d.detail and "2\u00d72" in d.detail


def test_an_internal_error_is_an_error_at_the_claim_never_a_crash_or_a_pass(formula_file, monkeypatch):
    from conftest import entry

    import derive.decide.decider as module
    from derive.pipeline.run import check_paths

    def broken(self, lhs, rhs):
        raise KeyError("no numeric value")
    monkeypatch.setattr(module.Decider, "_decide", broken)
    report = check_paths([str(formula_file(entry(r"E = E_1 + E_2")))])
    (r,) = report.results
    assert r.verdict == ERROR and "deciding: internal error (KeyError" in r.detail
    assert "this is a bug in derive" in r.detail
    assert report.exit_code == 2


def test_the_difference_is_factored_by_flint_as_sympy_writes_it():
    import sympy as sp
    from derive.decide.polynomials import factored
    a, b, t, x, y = sp.symbols("a b t x y")
    for e in [sp.expand(-(a - t) * (1 + a**2 - a) * b), sp.expand(sp.Rational(2, 3) * (x + 1)**2 * (y - 3)),
              sp.expand((x + y) * (x - y) * 7), x + 1, sp.Integer(0), sp.Integer(5)]:
        f = factored(e)
        assert sp.expand(f - e) == 0
        assert sp.factor(f) == sp.factor(e)
    assert factored(sp.expand(sp.Rational(2, 3) * (x + 1)**2 * (y - 3))) == sp.Rational(2, 3) * (x + 1)**2 * (y - 3)
    assert factored(1 / (x + 1)) is None and factored(sp.sin(x) * x) is None     # not polynomials: SymPy's turn
