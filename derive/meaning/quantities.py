"""Which quantity of the network a name denotes: its layer (a number, or L), its unit indices, its
example in a mini-batch, and the key under which the network keeps it (`quantity_key`: a_j^{(l)}
-> ("a", l, j), w_{ji}^{(l)} -> ("w", l, j, i), E_i^{[n]} -> ("E", i, n)).  Functions of the network
and the name alone; the errors they raise say what the lecture would write instead.
"""
from __future__ import annotations

from ..errors import MeaningError, NotInNetwork, Unresolved
from ..model.network import Network
from ..notation import syntax as s
from .values import Value, fail


def spelled(node: s.Sym) -> str:
    """The name as the lecture writes it: w_{ji}^{(2)}, E^{[1]}."""
    text = node.name + (f"_{{{node.sub}}}" if node.sub else "")
    layer = f"({node.layer})" if node.layer else ""
    example = f"[{node.example}]" if node.example else ""
    return text + (f"^{{{layer}{example}}}" if layer or example else "")


def layer_of(net: Network, node: s.Sym, required: bool = False) -> int | None:
    """The layer a name carries, as a number in 1..L (None if it carries none and need not)."""
    if node.layer is None:
        if required:
            raise fail(Unresolved, f"{node.name} needs its layer", node,
                       f"{node.name}^{{(l)}} with l in 1..{net.L}")
        return None
    if node.layer == "L":
        return net.L
    if not node.layer.isdigit():
        raise fail(MeaningError, f"layer ({node.layer}) is not a number", node, "a layer such as (2)")
    layer = int(node.layer)
    if not 1 <= layer <= net.L:
        raise fail(NotInNetwork, f"there is no layer {layer}", node, f"a layer in 1..{net.L}")
    return layer


def layer_matrix(net: Network, kind: str, layer: int, node) -> Value:
    """A^{(l)}, W^{(l)}, Z^{(l)}, b^{(l)}: the layer's matrix (W, Z and b from layer 2 on)."""
    if not 1 <= layer <= net.L or (kind in ("W", "Z", "b") and layer == 1):
        low = 1 if kind == "A" else 2
        raise fail(NotInNetwork, f"{kind}^{{({layer})}} does not exist", node,
                   f"a layer in {low}..{net.L}")
    if kind == "b":
        no_bias(net, layer, node)
    return net.matrix(kind, layer)


def no_bias(net: Network, layer: int, node) -> None:
    """NotInNetwork for a bias of a layer the document's forward pass defines without one."""
    if layer in net.spec.no_bias:
        raise fail(NotInNetwork, f"layer {layer} has no bias: the document's forward pass defines its "
                   "weighted inputs without one", node, "a bias only where the forward pass adds one")


def unit_indices(node: s.Sym, count: int, env) -> list[int]:
    """The `count` unit indices of a name's subscript (w_{ji}: two), numbers or letters env binds."""
    sub = node.sub
    if sub is None:
        raise fail(Unresolved, f"{node.name} needs a subscript", node,
                   f"{node.name}_{{ji}}" if count == 2 else f"{node.name}_i")
    parts = sub.split(",") if "," in sub else ([sub] if count == 1 else list(sub))
    if len(parts) != count:
        raise fail(MeaningError, f"{node.name}_{{{sub}}} has {len(parts)} ind{'ex' if len(parts) == 1 else 'ices'}",
                   node, f"{count} ind{'ex' if count == 1 else 'ices'}"
                   + (" as in w_{ji}^{(l)}" if node.name == "w" else ""))
    out = []
    for p in parts:
        if p.isdigit():
            out.append(int(p))
        elif p in env:
            out.append(env[p])
        elif len(p) > 1 and p.isalpha():        # E_{total}, t_{target}: a word, no index — a name derive lacks
            raise fail(Unresolved, f"{node.name}_{{{p}}} is a name of the document's, of no quantity derive "
                       "reads from it", node, "a name the forward pass defines, or front matter names")
        else:
            raise fail(MeaningError, f"index {p} is not bound", node, "a number, or an index bound by \\sum")
    return out


def example_of(net: Network, node: s.Sym, env, text) -> tuple:
    """The example index a per-example quantity carries in a mini-batch (none for one example)."""
    m = net.m
    if text is None:
        if m > 1:
            raise fail(Unresolved, f"{spelled(node)} needs its example in a mini-batch of {m}",
                       node, f"{node.name}^{{[n]}} with n in 1..{m}")
        return ()
    n = int(text) if text.isdigit() else env.get(text)
    if n is None:
        raise fail(MeaningError, f"example index {text} is not bound", node, "\\sum_{n=1}^{m} around it")
    if not 1 <= n <= m:
        raise fail(NotInNetwork, f"there is no example {n}" + (" (one example: no mini-batch)" if m == 1
                   else f" (a mini-batch of {m})"), node, f"an example in 1..{m}")
    return (n,) if m > 1 else ()


def quantity_key(net: Network, node: s.Sym, env) -> tuple:
    """The network's key of the quantity a name denotes: a, z, w, b, x, t, E with their indices."""
    name, L = node.name, net.L
    if name == "x" and node.layer is not None and node.example is None and net.m > 1 \
            and node.layer != "1":           # x^{(n)}: the n-th example's input
        node = s.Sym(node.name, node.sub, None, node.layer, start=node.start, end=node.end)
    layer = layer_of(net, node)
    if name == "E":
        if layer is not None:
            raise fail(MeaningError, "E has no layer", node, "E or E_i")
        if node.sub is None:
            if node.example is not None and net.m > 1:
                return ("En",) + example_of(net, node, env, node.example)
            if node.example is not None:
                example_of(net, node, env, node.example)
            return ("E",)
        key = ("E", unit_indices(node, 1, env)[0])
        if node.example is not None:
            key += example_of(net, node, env, node.example)
    elif name == "x":
        if layer not in (None, 1):
            raise fail(MeaningError, "inputs x_i are layer 1", node, "x_i or a_i^{(1)}")
        key = ("x", unit_indices(node, 1, env)[0]) + example_of(net, node, env, node.example)
    elif name == "t":
        if layer not in (None, L):
            raise fail(MeaningError, f"targets t_i belong to the output layer {L}", node, f"t_i^{{({L})}}")
        key = ("t", unit_indices(node, 1, env)[0]) + example_of(net, node, env, node.example)
    elif name == "w":
        if layer is None or layer == 1:
            raise fail(Unresolved, "a weight needs its layer (2 or more)", node, "w_{ji}^{(l)}")
        key = ("w", layer) + tuple(unit_indices(node, 2, env))
    else:
        if layer is None:
            raise fail(Unresolved, f"{spelled(node)} needs its layer", node, f"{name}_i^{{(l)}}")
        if layer == 1 and name in ("z", "b"):
            raise fail(MeaningError, f"layer 1 has no {name}", node, f"a layer in 2..{L}")
        key = (name, layer, unit_indices(node, 1, env)[0])
        if name in ("a", "z"):
            key += example_of(net, node, env, node.example)
    if name == "b":
        no_bias(net, layer, node)
    if not net.has(key):
        raise fail(NotInNetwork, f"{spelled(node)} does not exist in the "
                   f"{'-'.join(map(str, net.spec.layers))} network", node,
                   "unit numbers within each layer's size")
    return key
