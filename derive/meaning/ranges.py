"""How far an index runs: the range of a sum with no upper limit (or with n, N, m as its limit) and
of an index no sum binds, read off the quantities it indexes (x_i: the inputs, w_{ji}^{(l)}: j over
layer l and i over layer l-1, an example index over the mini-batch)."""
from __future__ import annotations

from ..errors import MeaningError, Unresolved
from ..model.network import Network
from ..notation import syntax as s
from ..notation.indices import SUM_BOUNDS
from ..notation.syntax import walk
from .values import fail


def bind_sum_bounds(net: Network, expr: s.Node, env: dict) -> dict:
    """Bind `n` in \\sum_{i=1}^{n} (and 1/n beside it) to the size of the layer the sum runs over."""
    env = dict(env)
    for node in walk(expr):
        if isinstance(node, s.Sum) and isinstance(node.upper, s.Sym) and node.upper.name in SUM_BOUNDS \
                and node.upper.sub is None and node.upper.layer is None:        # n^{[l]}: a layer's size
            size = index_range(net, node.body, node.var, node)
            bound = node.upper.name
            if env.get(bound, size) != size:
                raise fail(MeaningError, f"{bound} stands for two sizes here ({env[bound]} and {size})", node)
            env[bound] = size
    return env


def index_range(net: Network, body: s.Node, var: str, node) -> int:
    """The number of values `var` takes in `body`: the size of the one layer (or of the mini-batch)
    whose quantities it indexes there."""
    sizes = set()
    for n in walk(body):
        if isinstance(n, s.Sym) and (n.example == var or (n.name == "x" and n.layer == var and net.m > 1)):
            sizes.add(net.m)
            continue
        if not isinstance(n, s.Sym) or not n.sub:
            continue
        parts = n.sub.split(",") if "," in n.sub else (list(n.sub) if n.name == "w" else [n.sub])
        if var not in parts:
            continue
        layer = int(n.layer) if n.layer and n.layer.isdigit() else None
        if n.name in ("x",):
            sizes.add(net.size(1))
        elif n.name in ("t", "E"):
            sizes.add(net.size(net.L))
        elif n.name == "w" and layer and 2 <= layer <= net.L:
            sizes.add(net.size(layer if parts.index(var) == 0 else layer - 1))
        elif layer and 1 <= layer <= net.L:
            sizes.add(net.size(layer))
    if len(sizes) != 1:
        raise fail(Unresolved, f"cannot tell how far the sum over {var} runs"
                   + (f" (sizes {sorted(sizes)})" if sizes else ""), node,
                   f"quantities indexed by {var} from one layer, or explicit limits \\sum_{{{var}=1}}^{{2}}")
    return sizes.pop()
