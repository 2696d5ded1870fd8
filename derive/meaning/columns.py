"""Column-vector notation with the examples of a mini-batch as columns (Ng's `A^{[l]}`, `X`, `Y`),
and the gradients Ng writes as names (`dZ^{[l]}`, `dW^{[l]}`, `db^{[l]}`, `dA^{[l]}`).

In column notation a layer's outputs `a^l` are a column with a row per unit; with a mini-batch of m
examples they are the n_l x m matrix with a column per example (`A^{[l]}`, `Z^{[l]}`, `X`, `Y`),
and `a^{[l](i)}` is example i's column.  A column that is a single number (one unit, one example:
`a^{[2](i)}` of a one-unit output layer, its bias `b^{[2]}`) is that number, as the notes treat it.

Ng's gradient names, in the network's terms (E the cost J, averaged over the examples; E^{[n]}
example n's loss L^{(n)}):

    dW^{[l]} = dJ/dW^{[l]}, db^{[l]} = dJ/db^{[l]}   (the cost's gradient, the parameter's shape)
    dZ^{[l]}, dA^{[l]}: column n is dL^{(n)}/dz^{[l](n)}, dL^{(n)}/da^{[l](n)}   (each example's own)

so `dZ^{[2]} = A^{[2]} - Y` (sigmoid and cross-entropy) and `dW^{[2]} = \\frac{1}{m} dZ^{[2]} A^{[1]T}`
both hold, as in the notes; with one example the two kinds agree.
"""
from __future__ import annotations

from typing import Callable

import sympy as sp

from ..errors import MeaningError, NotInNetwork
from ..model.network import Network
from ..notation import syntax as s
from .values import Value, fail

GRADIENT_NAMES = {"dZ": "z", "dz": "z", "dW": "w", "dw": "w", "db": "b", "dA": "a", "da": "a"}


def one(v: sp.ImmutableMatrix) -> Value:
    """A 1 x 1 column is the number it holds."""
    return v[0, 0] if v.shape == (1, 1) else v


def example_index(net: Network, node: s.Sym, env) -> int | None:
    """The example a name's `^{(i)}` picks (a number, or a letter a sum binds), None for every example."""
    text = node.example
    if text is None:
        return None
    n = int(text) if text.isdigit() else env.get(text)
    if n is None:
        raise fail(MeaningError, f"example index {text} is not bound", node, "\\sum_{i=1}^{m} around it")
    if not 1 <= n <= net.m:
        raise fail(NotInNetwork, f"there is no example {n} (a mini-batch of {net.m})", node,
                   f"an example in 1..{net.m}")
    return n


def per_example(net: Network, entry: Callable[[int, tuple], sp.Expr], units, example: int | None) -> Value:
    """The matrix with a row per unit and a column per example (or example `example`'s column)."""
    examples = [example] if example is not None else list(net.examples)
    return one(sp.ImmutableMatrix([[entry(j, net.ex(n)) for n in examples] for j in units]))


def batch_column(net: Network, name: str, layer: int | None, node: s.Sym, env) -> Value | None:
    """a, z (layer given), x, t as n x m matrices of a mini-batch (or one example's column)."""
    if net.m == 1 and node.example is None:
        return None
    n = example_index(net, node, env)
    if name in ("x", "t"):
        key = name
        return per_example(net, lambda j, e: net[key, j, *e], net.units(1 if name == "x" else net.L), n)
    if name in ("a", "z") and layer is not None:
        return per_example(net, lambda j, e: net[name, layer, j, *e], net.units(layer), n)
    return None


def gradient(net: Network, node: s.Sym, layer: int, env, partial: Callable) -> Value:
    """dZ^{[l]}, dW^{[l]}, db^{[l]}, dA^{[l]} (see the module's docstring)."""
    kind = GRADIENT_NAMES[node.name]
    if layer == 1 and kind != "a":
        raise fail(NotInNetwork, f"layer 1 has no {kind}", node, f"a layer in 2..{net.L}")
    E = net[net.objective]                  # dW, db: the gradient of the cost (with its penalty)
    if kind == "w":
        return one(sp.ImmutableMatrix([[partial(E, net["w", layer, j, k], node) for k in net.units(layer - 1)]
                                       for j in net.units(layer)]))
    if kind == "b":
        return one(sp.ImmutableMatrix([[partial(E, net["b", layer, j], node)] for j in net.units(layer)]))
    n = example_index(net, node, env)

    def entry(j, e):
        loss = net["En", *e] if net.m > 1 else net["E",]
        return partial(loss, net[kind, layer, j, *e], node)
    return per_example(net, entry, net.units(layer), n)
