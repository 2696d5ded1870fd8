"""A network's quantities composed down to what the oracle differentiates and the decision compares.

`expansions`: z, the outputs of identity and ReLU units and the losses in leaves and node values;
`compose`: any quantity as a function of the leaves alone (the activations applied to sums), with
one quantity kept as a free symbol if asked; `depends`: whether one quantity changes with another;
`node_map`: composed unit outputs back to node values.  Functions of a `Network` (see network.py).
"""
from __future__ import annotations

import sympy as sp

from .families import LEAKY_SLOPE, forward, softmax, step
from .penalty import COEFFICIENT


def expansions(net) -> dict[sp.Symbol, sp.Expr]:
    """What to put for z, the outputs of identity/ReLU units, E_i, E (and E^{[n]}, E_i^{[n]}) to
    reach leaves and node values (free atoms), fully: no value mentions a z or an expandable a."""
    out: dict = {}

    def value(l, i, e):                       # a_i^{(l)} in generators
        symbol = net["a", l, i, *e]
        return out.get(symbol, symbol)

    for n in net.examples:
        e = net.ex(n)
        for l in range(2, net.L + 1):
            act = net.activation(l)
            for j in net.units(l):
                below = [value(l - 1, i, e) for i in net.units(l - 1)]
                if all(v.is_Symbol for v in below):          # node values below: z as defined
                    z = net.definition(("z", l, j, *e))
                else:
                    z = sp.expand(sp.Add(*[v * net["w", l, j, i] for i, v in zip(net.units(l - 1), below)],
                                         net.bias(l, j)))
                out[net["z", l, j, *e]] = z
                a = net["a", l, j, *e]
                if act == "identity":
                    out[a] = z
                elif act == "relu":
                    out[a] = sp.expand(net["h", l, j, *e] * z)
                elif act == "leaky-relu":
                    out[a] = sp.expand((LEAKY_SLOPE + (1 - LEAKY_SLOPE) * net["h", l, j, *e]) * z)
    out_a = {i: [_output(net, out, i, n) for n in net.examples] for i in net.units(net.L)}
    for i in net.units(net.L):
        terms = [net.loss_term(net["t", i, *net.ex(n)], out_a[i][n - 1]) for n in net.examples]
        if net.m > 1:
            for n in net.examples:
                out[net["E", i, n]] = terms[n - 1]
        out[net["E", i]] = sp.Add(*terms) / net.m
    if net.m > 1:
        for n in net.examples:
            out[net["En", n]] = sp.Add(*[out[net["E", i, n]] for i in net.units(net.L)])
    out[net["E"]] = sp.Add(*[out[net["E", i]] for i in net.units(net.L)])
    penalty = net.spec.penalty
    if penalty is not None and penalty.value is not None:      # J = E + R (penalty.py)
        out[net["R"]] = penalty.value
        out[net["J"]] = out[net["E"]] + penalty.value
    return out


def _output(net, out, i, n):
    a = net["a", net.L, i, *net.ex(n)]
    return out.get(a, a)


def compose(net, key: tuple, cut: tuple | None = None, _memo: dict | None = None) -> sp.Expr:
    """The quantity as a function of the leaves, keeping `cut` (a quantity) as a free symbol."""
    memo = {} if _memo is None else _memo
    if key[0] == "a" and key[1] == 1:
        key = ("x",) + key[2:]
    if key in memo:
        return memo[key]
    kind = key[0]
    if key == cut or kind in ("x", "w", "b", "t", "alpha") or (cut and not depends(net, key, cut)):
        out = net.symbols[key]
    elif kind == "a":
        l, j, e = key[1], key[2], key[3:]
        act = net.activation(l)
        if act == "softmax":
            out = softmax(j, *[compose(net, ("z", l, k) + e, cut, memo) for k in net.units(l)])
        else:
            out = forward(act, compose(net, ("z",) + key[1:], cut, memo))
    elif kind == "z":
        l, j, e = key[1], key[2], key[3:]
        out = sp.Add(*[compose(net, ("a", l - 1, i) + e, cut, memo) * net["w", l, j, i]
                       for i in net.units(l - 1)], net.bias(l, j))
    elif kind == "E" and len(key) == 3:
        out = net.loss_term(net["t", key[1], key[2]], compose(net, ("a", net.L, key[1], key[2]), cut, memo))
    elif kind == "En":
        out = sp.Add(*[compose(net, ("E", i, key[1]), cut, memo) for i in net.units(net.L)])
    elif kind == "E" and len(key) == 2:
        if net.m > 1:
            out = sp.Add(*[compose(net, ("E", key[1], n), cut, memo) for n in net.examples]) / net.m
        else:
            out = net.loss_term(net["t", key[1]], compose(net, ("a", net.L, key[1]), cut, memo))
    elif kind == "E":
        out = sp.Add(*[compose(net, ("E", i), cut, memo) for i in net.units(net.L)])
    elif kind == "R" and net.spec.penalty.value is not None:
        out = net.spec.penalty.value
    elif kind == "J" and net.spec.penalty.value is not None:      # dJ/ds: R kept free when it is the cut
        out = compose(net, ("R",), cut, memo) + compose(net, ("E",), cut, memo)
    elif kind in (COEFFICIENT, "R", "J"):
        out = net.symbols[key]
    else:
        raise KeyError(key)
    memo[key] = out
    return out


def depends(net, key: tuple, cut: tuple) -> bool:
    """Does quantity `key` change when `cut` does (is cut upstream of it)?"""
    memo = net.dependence
    if (key, cut) in memo:
        return memo[key, cut]
    if key[0] == "a" and key[1] == 1:
        key = ("x",) + key[2:]
    kind = key[0]
    if key == cut:
        out = True
    elif kind == "a":
        l, e = key[1], key[3:]
        units = net.units(l) if net.activation(l) == "softmax" else (key[2],)
        out = any(depends(net, ("z", l, k) + e, cut) for k in units)
    elif kind == "z":
        l, j, e = key[1], key[2], key[3:]
        out = (cut[0] == "b" and net.symbols.get(cut) == net.bias(l, j)) or any(cut == ("w", l, j, i) or depends(net, ("a", l - 1, i) + e, cut)
                                        for i in net.units(l - 1))
    elif kind == "E" and len(key) == 3:
        out = cut == ("t", key[1], key[2]) or depends(net, ("a", net.L, key[1], key[2]), cut)
    elif kind == "En":
        out = any(depends(net, ("E", i, key[1]), cut) for i in net.units(net.L))
    elif kind == "E" and len(key) == 2:
        if net.m > 1:
            out = any(depends(net, ("E", key[1], n), cut) for n in net.examples)
        else:
            out = cut == ("t", key[1]) or depends(net, ("a", net.L, key[1]), cut)
    elif kind == "E":
        out = any(depends(net, ("E", i), cut) for i in net.units(net.L))
    elif kind in ("R", "J"):
        value = net.spec.penalty.value
        out = (value is not None and net.symbols[cut] in value.free_symbols) or (
            kind == "J" and (depends(net, ("E",), cut) or cut == ("R",)))
    else:
        out = False
    memo[key, cut] = out
    return out


def node_map(net, cut: tuple | None, memo: dict) -> dict[sp.Expr, sp.Symbol]:
    """Composed unit outputs -> node values (sigmoid(composed z) -> a, step(composed z) -> h,
    softmax(j, composed zs) -> a_j, ...), for putting the oracle's results back into node values."""
    out = {}
    for key, symbol in net.symbols.items():
        if key[0] != "a" or key == cut or (cut and not depends(net, key, cut)):
            continue
        l, j, e = key[1], key[2], key[3:]
        act = net.activation(l)
        if act == "identity":
            continue
        z = compose(net, ("z", l, j) + e, cut, memo)
        if act == "softmax":
            out[softmax(j, *[compose(net, ("z", l, k) + e, cut, memo) for k in net.units(l)])] = symbol
            continue
        out[forward(act, z)] = symbol
        if act in ("relu", "leaky-relu"):
            out[step(z)] = net["h", l, j, *e]
    return out
