"""The network as SymPy expressions, in the lecture's convention.

A `Spec` says how many units each layer has, the activation, the loss and how W is laid out; a
`Network` builds from it every named quantity of the lecture:

    x_i = a_i^{(1)}                     inputs (layer 1)
    z_j^{(l)} = sum_i a_i^{(l-1)} w_{ji}^{(l)} + b_j^{(l)}
    a_j^{(l)} = f_l(z_j^{(l)})          l = 2..L, f_l the layer's family (see families.py)
    E_i = loss(t_i^{(L)}, a_i^{(L)}),   E = sum_i E_i   (averaged over the m examples of a batch)

and the matrices A^{(l)} (alias A1, A2, ...), Z^{(l)}, W^{(l)} (alias W2, W3, ...), b^{(l)}, T, all
row vectors as in Z^{(l)} = A^{(l-1)} . W^{(l)} + b^{(l)}; in the lecture's layout
W^{(l)}[i][j] = w_{ji}^{(l)} (row = source unit, column = target unit).

Each unit's output a_j^{(l)} (l >= 2) has a symbol of its own.  For sigmoid, tanh and softmax
units it is a free atom, the *node value*; identity and ReLU units expand to z (times a step symbol
h for ReLU).  Everything the decision procedure compares is a rational function of the leaves
(x, w, b, t, alpha) and the free atoms, after `relations` (softmax outputs and cross-entropy
targets sum to 1); `expansions` gives z, the expandable outputs and the losses in those terms, and
`compose` gives any quantity as a function of the leaves alone (the activations applied to sums),
which the oracle differentiates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy as sp

from . import composition
from .families import ACTIVATION_FAMILIES, loss_term
from .penalty import COEFFICIENT
from .spec import Spec


def index_text(*indices: int) -> str:
    """How the lecture writes a subscript: `1`, `{11}`, or `{10,2}` when an index has two digits."""
    if len(indices) == 1 and indices[0] < 10:
        return str(indices[0])
    if all(i < 10 for i in indices):
        return "{" + "".join(str(i) for i in indices) + "}"
    return "{" + ",".join(str(i) for i in indices) + "}"


def quantity_name(kind: str, *index: int, layer: int | None = None) -> str:
    """The LaTeX name of a quantity: quantity_name('w', 1, 2, layer=3) == 'w_{12}^{(3)}'."""
    name = kind if not index else f"{kind}_{index_text(*index)}"
    return name if layer is None else f"{name}^{{({layer})}}"


def identifier(key: tuple) -> str:
    """A Python-identifier name for a quantity: ('w', 3, 1, 2) -> 'w3_1_2' (lambdify uses them as is)."""
    kind, *index = key
    if not index:
        return kind
    if kind == COEFFICIENT:                 # a penalty's coefficient: coef_lambda (penalty.coefficient_symbol)
        return f"{kind}_{index[0]}"
    if kind in ("x", "t", "E", "En", "S"):
        return f"{kind}_" + "_".join(str(i) for i in index)
    return f"{kind}{index[0]}_" + "_".join(str(i) for i in index[1:])


@dataclass
class Network:
    """Every named quantity of the lecture's network, as SymPy symbols and expressions.

    With a mini-batch (spec.batch = m > 1) every per-example quantity (x, t, a, z, the steps h and
    softmax sums S) carries the example n as its last index: ('a', l, j, n), ('x', i, n); weights
    and biases are shared.  E_i is then (1/m) sum_n E_i^{[n]} and ('En', n) is example n's loss.
    """

    spec: Spec = field(default_factory=Spec)

    def __post_init__(self):
        self.L = len(self.spec.layers)
        self.display: dict[sp.Symbol, str] = {}     # symbol -> the lecture's spelling, in this network
        self.m = self.spec.batch
        self.symbols: dict[tuple, sp.Symbol] = {}
        self.quantities: dict[sp.Symbol, tuple] = {}
        self.dependence: dict[tuple, bool] = {}      # (key, cut) -> depends(key, cut), remembered
        self.alpha = self._symbol(("alpha",), r"\alpha")
        for n in self.examples:
            for i in self.units(1):
                self._symbol(("x", i) + self.ex(n), self.spelling("x", i, n=n))
            for i in self.units(self.L):
                self._symbol(("t", i) + self.ex(n), self.spelling("t", i, layer=self.L, n=n))
        for l in range(2, self.L + 1):
            act = self.activation(l)
            for j in self.units(l):
                for i in self.units(l - 1):
                    self._symbol(("w", l, j, i), quantity_name("w", j, i, layer=l))
                if l in self.spec.no_bias:                    # the document's forward pass has none
                    pass
                elif l in self.spec.shared_bias and j > 1:    # one bias for the layer: b_1^{(l)}
                    self.symbols[("b", l, j)] = self.symbols[("b", l, 1)]
                else:
                    self._symbol(("b", l, j), quantity_name("b", j, layer=l))
                for n in self.examples:
                    self._symbol(("z", l, j) + self.ex(n), self.spelling("z", j, layer=l, n=n))
                    self._symbol(("a", l, j) + self.ex(n), self.spelling("a", j, layer=l, n=n))
                    if act in ("relu", "leaky-relu"):
                        self._symbol(("h", l, j) + self.ex(n), f"\\mathbb{{1}}[{self.spelling('z', j, layer=l, n=n)} > 0]")
            if act == "softmax":
                for n in self.examples:
                    self._symbol(("S", l) + self.ex(n), f"\\sum_k e^{{{self.spelling('z', 0, layer=l, n=n).replace('_0', '_k')}}}")
        for i in self.units(self.L):
            self._symbol(("E", i), quantity_name("E", i))
            if self.m > 1:
                for n in self.examples:
                    self._symbol(("E", i, n), self.spelling("E", i, n=n))
        if self.m > 1:
            for n in self.examples:
                self._symbol(("En", n), self.spelling("E", n=n))
        self._symbol(("E",), "E")
        penalty = self.spec.penalty
        if penalty is not None:                 # J = E + R (penalty.py): R's coefficients are leaves
            for name, text in penalty.coefficients:
                self._symbol((COEFFICIENT, name), text)
            self._symbol(("R",), penalty.name)
            self._symbol(("J",), penalty.objective)

    # -- naming -------------------------------------------------------------------------------
    def _symbol(self, key: tuple, name: str) -> sp.Symbol:
        # targets are printed with the output layer (t_1^{(3)}): networks of other depths get their own
        s = sp.Symbol(identifier(key) + (f"_L{self.L}" if key[0] == "t" else ""))
        self.display[s] = name
        self.symbols[key] = s
        self.quantities[s] = key
        return s

    @property
    def examples(self) -> range:
        return range(1, self.m + 1)

    def ex(self, n: int | None) -> tuple:
        """The example index a per-example key carries: none for a single example."""
        return () if self.m == 1 else (n or 1,)

    def spelling(self, kind: str, *index: int, layer: int | None = None, n: int | None = None) -> str:
        """quantity_name with the example: a_1^{(3)[2]}, x_1^{[2]} (as with one example otherwise)."""
        name = quantity_name(kind, *index, layer=layer)
        if self.m == 1 or n is None:
            return name
        return name[:-1] + f"[{n}]}}" if layer is not None else name + f"^{{[{n}]}}"

    def activation(self, layer: int) -> str:
        return self.spec.activations[layer - 2]

    def units(self, layer: int) -> range:
        return range(1, self.spec.layers[layer - 1] + 1)

    def size(self, layer: int) -> int:
        return self.spec.layers[layer - 1]

    def bias(self, layer: int, unit: int) -> sp.Expr:
        """b_j^{(l)}, or 0 in a layer the document defines without biases."""
        return self.symbols.get(("b", layer, unit), sp.S.Zero)

    def has(self, key: tuple) -> bool:
        if key[0] == "a" and key[1] == 1:
            key = ("x",) + key[2:]
        return key in self.symbols

    def __getitem__(self, key: tuple) -> sp.Symbol:
        """The symbol of a quantity; a_i^{(1)} is x_i."""
        if isinstance(key, str):
            key = (key,)
        if key[0] == "a" and key[1] == 1:
            key = ("x",) + key[2:]
        return self.symbols[key]

    @cached_property
    def leaves(self) -> tuple[sp.Symbol, ...]:
        """Independent variables: inputs, weights, biases, targets, and the learning rate."""
        return tuple(dict.fromkeys(s for k, s in self.symbols.items()
                                   if k[0] in ("x", "w", "b", "t", "alpha", COEFFICIENT)))

    @property
    def objective(self) -> tuple:
        """What training minimises: E, or J = E + R with a penalty (the cost Ng's dW is the gradient of)."""
        return ("J",) if self.spec.penalty is not None else ("E",)

    @cached_property
    def node_values(self) -> tuple[sp.Symbol, ...]:
        """The free atoms besides the leaves: outputs of sigmoid, tanh and softmax units, ReLU steps
        h, softmax sums S."""
        return tuple(s for k, s in self.symbols.items()
                     if (k[0] == "a" and ACTIVATION_FAMILIES[self.activation(k[1])].independent)
                     or k[0] in ("h", "S"))

    @cached_property
    def steps(self) -> tuple[sp.Symbol, ...]:
        return tuple(s for k, s in self.symbols.items() if k[0] == "h")

    @cached_property
    def biases(self) -> dict[sp.Symbol, tuple]:
        return {s: k for k, s in self.symbols.items() if k[0] == "b" and self.quantities[s] == k}

    # -- definitions in node values -------------------------------------------------------------
    def definition(self, key: tuple) -> sp.Expr:
        """A quantity's defining expression in leaves and node values (z, E_i and E only)."""
        kind = key[0]
        if kind == "z":
            memo = self.__dict__.setdefault("_definitions", {})
            if key not in memo:
                l, j, n = key[1], key[2], (key[3] if len(key) > 3 else None)
                memo[key] = sp.Add(*[self["a", l - 1, i, *self.ex(n)] * self["w", l, j, i]
                                     for i in self.units(l - 1)], self.bias(l, j))
            return memo[key]
        raise KeyError(key)

    def loss_term(self, t: sp.Expr, a: sp.Expr) -> sp.Expr:
        return loss_term(self.spec.loss, t, a, self.size(self.L))

    @cached_property
    def expansions(self) -> dict[sp.Symbol, sp.Expr]:
        """z, the outputs of identity/ReLU units, E_i, E in leaves and node values (composition.py)."""
        return composition.expansions(self)

    def compose(self, key: tuple, cut: tuple | None = None, _memo: dict | None = None) -> sp.Expr:
        """The quantity as a function of the leaves, keeping `cut` as a free symbol (composition.py)."""
        return composition.compose(self, key, cut, _memo)

    def depends(self, key: tuple, cut: tuple) -> bool:
        """Does quantity `key` change when `cut` does? (composition.py)"""
        return composition.depends(self, key, cut)

    def node_map(self, cut: tuple | None, memo: dict) -> dict[sp.Expr, sp.Symbol]:
        """Composed unit outputs -> node values (composition.py)."""
        return composition.node_map(self, cut, memo)

    @cached_property
    def unit_of_bias(self) -> dict[sp.Symbol, list[tuple]]:
        """b_j^{(l)} -> [(layer, unit, example, z_j^{(l)} expanded)]: the units a bias feeds."""
        out: dict = {}
        for k, s in self.symbols.items():
            if k[0] == "z":
                n = k[3] if len(k) > 3 else None
                if k[1] in self.spec.no_bias:
                    continue
                out.setdefault(self["b", k[1], k[2]], []).append((k[1], k[2], n, self.expansions[s]))
        return out

    @cached_property
    def relations(self) -> dict[sp.Symbol, sp.Expr]:
        """Substitutions that apply the relations between atoms: a softmax layer's outputs sum to 1
        (its last unit is 1 minus the others), and a cross-entropy's targets sum to 1 (an assumption)."""
        out = {}
        for n in self.examples:
            for l in range(2, self.L + 1):
                if self.activation(l) == "softmax":
                    last = self.size(l)
                    out[self["a", l, last, *self.ex(n)]] = 1 - sp.Add(*[self["a", l, j, *self.ex(n)]
                                                                       for j in range(1, last)])
            if self.spec.targets_sum_to_one:
                last = self.size(self.L)
                out[self["t", last, *self.ex(n)]] = 1 - sp.Add(*[self["t", i, *self.ex(n)] for i in range(1, last)])
        return out

    @cached_property
    def assumptions(self) -> list[str]:
        """What the model assumes beyond the forward pass (stated in reports)."""
        if self.spec.targets_sum_to_one:
            return ["the targets of each example sum to 1 (cross-entropy over a softmax)"]
        return []

    # -- what the document defines but derive does not model ------------------------------------
    @cached_property
    def tainted(self) -> dict[sp.Symbol, str]:
        """Quantities downstream of an unmodelled definition -> the reason (a claim touching one is
        undecided): for a layer l, the outputs of l and everything after; for the loss, E."""
        out: dict = {}
        penalty = self.spec.penalty
        if penalty is not None and penalty.value is None:
            out.update({self.symbols[k]: penalty.reason for k in (("R",), ("J",))})
        for what, layer, reason in self.spec.unmodelled:
            for key, symbol in self.symbols.items():
                downstream = key[0] in ("E", "En", "J") or (
                    what == "layer" and key[0] in ("a", "h", "S", "z") and len(key) > 1
                    and (key[1] > layer or (key[1] == layer and key[0] != "z")))
                if downstream and symbol not in out:
                    out[symbol] = reason
        return out

    # -- matrices ---------------------------------------------------------------------------------
    def matrix(self, kind: str, layer: int | None = None) -> sp.ImmutableMatrix:
        """A^{(l)}, Z^{(l)} (m x n_l: a row per example), b^{(l)} (1 x n_l; zeros in a layer without
        biases), W^{(l)} (in the spec's layout), T (m x n_L)."""
        if kind == "T":
            return sp.ImmutableMatrix([[self["t", i, *self.ex(n)] for i in self.units(self.L)]
                                       for n in self.examples])
        if kind in ("A", "Z"):
            key = {"A": "a", "Z": "z"}[kind]
            return sp.ImmutableMatrix([[self[key, layer, j, *self.ex(n)] for j in self.units(layer)]
                                       for n in self.examples])
        if kind == "b":
            return sp.ImmutableMatrix([[self.bias(layer, j) for j in self.units(layer)]])
        if kind == "W":
            rows = [[self["w", layer, j, i] for j in self.units(layer)] for i in self.units(layer - 1)]
            m = sp.ImmutableMatrix(rows)
            return m if self.spec.layout == "source-major" else m.T
        raise KeyError(kind)

    def __repr__(self) -> str:
        return f"Network({self.spec.describe()})"
