"""The oracle against finite differences, and the network built from its spec."""
import numpy as np
import pytest
import sympy as sp
from conftest import Net

from derive.decide.second_opinion import forward
from derive.model.families import sigmoid
from derive.model.network import Network
from derive.model.oracle import Oracle
from derive.model.printing import display_name
from derive.model.spec import Spec


def random_point(net, seed):
    rng = np.random.default_rng(seed)
    return {s: float(rng.uniform(-1.5, 1.5)) for s in net.leaves}


@pytest.mark.parametrize("sizes", [(2, 2, 2), (2, 3, 1), (3, 2, 2, 2)])
def test_every_gradient_matches_finite_differences(sizes):
    net = Network(Spec(layers=sizes))
    oracle = Oracle(net)
    independent = Net(sizes)
    for seed in range(3):
        leaves = random_point(net, seed)
        values = forward(net, leaves, lambda u: 1 / (1 + np.exp(-u)), float)
        named = {display_name(s, net.display): v for s, v in leaves.items()}
        for key, derivative in oracle.all_gradients().items():
            exact = float(derivative.normal.xreplace({s: sp.Float(v) for s, v in values.items()}))
            fd = independent.gradient(named, display_name(net.symbols[key], net.display))
            assert exact == pytest.approx(fd, rel=1e-5, abs=1e-8), key


def test_local_derivatives_are_the_chain_rule_factors():
    net = Network()
    o = Oracle(net)
    a, z, w, t = (lambda *k: net["a", *k]), (lambda *k: net["z", *k]), (lambda *k: net["w", *k]), (lambda i: net["t", i])
    assert o.partial(net["E", 1], ("a", 3, 1)).normal == a(3, 1) - t(1)
    assert o.partial(net["E", 1], ("a", 3, 2)).normal == 0
    assert o.partial(a(2, 1), ("z", 2, 1)).normal == a(2, 1) * (1 - a(2, 1))
    assert o.partial(z(3, 1), ("a", 2, 1)).normal == w(3, 1, 1)
    assert o.partial(z(3, 2), ("a", 2, 1)).normal == w(3, 2, 1)
    assert o.partial(z(2, 1), ("w", 2, 1, 1)).normal == net["x", 1]
    assert o.partial(z(2, 1), ("b", 2, 1)).normal == 1
    assert o.partial(a(2, 1), ("z", 3, 1)).normal == 0          # downstream does not move upstream


def test_total_derivative_through_the_network_sums_the_paths():
    net = Network()
    o = Oracle(net)
    a, w, t = (lambda *k: net["a", *k]), (lambda *k: net["w", *k]), (lambda i: net["t", i])
    expected = sum((a(3, m) - t(m)) * a(3, m) * (1 - a(3, m)) * w(3, m, 1) for m in (1, 2))
    assert sp.expand(o.partial(net["E"], ("a", 2, 1)).normal - expected) == 0


def test_spec_sets_sizes_and_layout():
    net = Network(Spec(layers=(3, 4, 2), layout="target-major"))
    assert net.matrix("W", 2).shape == (4, 3)
    assert net.matrix("W", 3)[0, 1] == net["w", 3, 1, 2]
    assert Network().matrix("W", 3)[0, 1] == Network()["w", 3, 2, 1]
    assert net.matrix("A", 1).shape == (1, 3)


def test_sigmoid_derivative_is_sigmoid_times_one_minus_sigmoid():
    u = sp.Symbol("u")
    assert sp.diff(sigmoid(u), u) == sigmoid(u) * (1 - sigmoid(u))
    assert sigmoid(sp.Integer(0)) == sp.Rational(1, 2)


@pytest.mark.parametrize("bad", [dict(layers=[2]), dict(layers=[2, 0, 1]), dict(loss="hinge"),
                                 dict(activation="softplus"), dict(layout="diagonal"), dict(depth=3)])
def test_bad_specs_are_refused_with_what_was_expected(bad):
    from derive.errors import ModelError
    with pytest.raises(ModelError):
        Spec.from_mapping(bad)
