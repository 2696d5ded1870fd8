"""The oracle: derivatives of the network's quantities, independent of any hand-written formula.

`Oracle.partial(X, Y)` is the derivative of X with respect to Y *through the network*, as the
lecture's notation means it: Y is made a free variable (its own inputs cut off), every quantity
downstream of it moves with it, every other independent quantity is held fixed.

For a loss X (E, E_i, E^{[n]}, E_i^{[n]}) and Y a weight, bias, z, a, input or target, the oracle
works in *reverse mode*, as the lectures themselves do: the error terms
delta_j^{(l)} = dX/dz_j^{(l)} are symbols (atoms), each with its one-level definition

    delta_j^{(L)} = sum_k dX/da_k^{(L)} * da_k^{(L)}/dz_j^{(L)}
    delta_j^{(l)} = sum_k (sum_m w_{mk}^{(l+1)} delta_m^{(l+1)}) * da_k^{(l)}/dz_j^{(l)}

(the local derivative da/dz in node values: a(1 - a), 1 - a^2, h, ... obtained by SymPy from each
family's forward rule; only k = j for all but softmax), and
dX/dw_{ji}^{(l)} = sum_n delta_j^{(l)[n]} a_i^{(l-1)[n]}, dX/db_j^{(l)} = sum_n delta_j^{(l)[n]}.
Only the error terms a claim needs are built (lazily), each once; nothing is expanded.  A
derivative's `level` form keeps the error terms as atoms; its `normal` form unfolds them into node
values (a rational function of leaves and node values, what the decision compares when a claim is
written without error terms); both are exact.  This is the chain rule applied to the network's own
definitions, so the result is the derivative of the composed loss; the numeric second opinion
(numeric.py) checks it against the forward pass alone by complex-step differentiation.

Any other derivative (local ones, dz_1^{(3)}/da_1^{(2)}, da/dz, of a compound expression) is taken by
SymPy's `diff` of the composed quantity, with each unit's function of its composed z put back as
the unit's symbol (a_j^{(l)}, the step h_j^{(l)}).
"""
from __future__ import annotations

import sympy as sp

from ..errors import MeaningError
from .families import forward, leaky, relu, sigmoid, softmax, step
from . import penalty
from .network import Network
from .printing import display_name

UNIT_FUNCTIONS = (sigmoid, sp.tanh, relu, step, leaky, softmax)
LOSS_KINDS = ("E", "En", "J")
REVERSE_WRT = ("w", "b", "z", "a", "x", "t")


class Derivative:
    """One derivative from the oracle: `level` (error terms as atoms), `normal` (node values)."""

    __slots__ = ("level", "_normal", "_raw", "about", "of", "wrt", "_oracle")

    def __init__(self, level, oracle=None, of=None, wrt=None, about=frozenset(), normal=None, raw=None):
        self.level, self._normal, self._raw = level, normal, raw
        self.about, self.of, self.wrt, self._oracle = about, of, wrt, oracle

    @property
    def normal(self) -> sp.Expr:
        if self._normal is None:
            self._normal = self._oracle.unfold(self.level)
        return self._normal

    @property
    def raw(self) -> sp.Expr:
        """SymPy's diff of the composed quantity (the old second opinion; slow on big networks)."""
        if self._raw is None:
            self._raw = self._oracle.raw(self.of, self.wrt)
        return self._raw

    def __repr__(self) -> str:
        return f"Derivative({self.level})"


class OracleError(Exception):
    """The oracle could not bring a derivative into node values (a bug, never a verdict)."""


class FunctionOfNodeValue(MeaningError):
    """A derivative of an activation applied to something that is no unit's net input (σ(a), the
    sigmoid of an output): no network derive builds holds that quantity, so it is not checked."""


class Oracle:
    """Derivatives of the network's quantities, built as claims ask for them and cached."""

    def __init__(self, network: Network):
        self.net = network
        self._cache: dict[tuple, Derivative] = {}
        self._composed: dict[tuple | None, dict] = {}
        self._terms: dict[tuple, sp.Expr] = {}          # (loss, layer, unit, example) -> atom or 0
        self.levels: dict[sp.Symbol, sp.Expr] = {}       # error-term atom -> its one-level definition
        self.layer_of: dict[sp.Symbol, int] = {}
        self.z_of: dict[sp.Symbol, sp.Symbol] = {}        # atom -> the z it is the derivative by
        self.loss_of: dict[sp.Symbol, sp.Symbol] = {}
        self._full: dict[sp.Symbol, sp.Expr] = {}
        self._locals: dict[tuple, sp.Expr] = {}

    # -- entry points ------------------------------------------------------------------------------
    def partial(self, expr: sp.Expr, wrt: tuple) -> Derivative:
        """d expr / d wrt through the network; expr is written in quantity symbols."""
        key = (expr, wrt)
        if key not in self._cache:
            about = frozenset(expr.free_symbols | {self.net[wrt]})
            loss = self.net.quantities.get(expr) if expr.is_Symbol else None
            if loss and loss[0] in LOSS_KINDS and wrt[0] in REVERSE_WRT:
                d = Derivative(self._reverse(loss, wrt), self, expr, wrt, about)
            else:
                normal, raw = self._differentiate(expr, wrt)
                d = Derivative(normal, self, expr, wrt, about, normal=normal, raw=raw)
            self._cache[key] = d
        return self._cache[key]

    def gradient(self, parameter: tuple) -> Derivative:
        """dE / d parameter (dJ/d parameter with a penalty), the oracle for a weight or bias."""
        return self.partial(self.net[self.net.objective], parameter)

    def all_gradients(self) -> dict[tuple, Derivative]:
        """dE/dp for every weight and bias, in the order of the network's symbols."""
        return {k: self.gradient(k) for k in self.net.symbols if k[0] in ("w", "b")}

    def prepare(self) -> None:
        """The error terms of E for every unit (cheap: one level each); what claims about E share."""
        E = self.net.quantities[self.net["E",]]
        for n in self.net.examples:
            for l in range(2, self.net.L + 1):
                for j in self.net.units(l):
                    self.error_term(E, l, j, self.net.ex(n))

    # -- reverse mode --------------------------------------------------------------------------------
    def loss_value(self, loss: tuple) -> sp.Expr:
        """The loss quantity in the output layer's symbols (a_i^{(L)}, t_i)."""
        net, L = self.net, self.net.L

        def term(i, n):
            e = net.ex(n)
            return net.loss_term(net["t", i, *e], net["a", L, i, *e])
        outputs, examples = list(net.units(L)), list(net.examples)
        if loss[0] == "En":
            return sp.Add(*[term(i, loss[1]) for i in outputs])
        if len(loss) == 3:
            return term(loss[1], loss[2])
        if len(loss) == 2:
            return sp.Add(*[term(loss[1], n) for n in examples]) / net.m
        return sp.Add(*[term(i, n) for i in outputs for n in examples]) / net.m

    def _reverse(self, loss: tuple, wrt: tuple) -> sp.Expr:
        net = self.net
        kind = wrt[0]
        if loss == ("J",):                      # J = E + R: R depends on the parameters alone (penalty.py)
            return self._reverse(("E",), wrt) + penalty.partial(net.spec.penalty.value, net[wrt])
        if kind == "w":
            _, l, j, i = wrt
            return sp.Add(*[self.error_term(loss, l, j, net.ex(n)) * net["a", l - 1, i, *net.ex(n)]
                            for n in net.examples])
        if kind == "b":
            _, l, j = wrt
            bias = net.symbols[wrt]                 # one bias shared by a layer feeds each of its units
            fed = [k for k in net.units(l) if net.symbols[("b", l, k)] == bias]
            return sp.Add(*[self.error_term(loss, l, k, net.ex(n)) for k in fed for n in net.examples])
        if kind == "z":
            return self.error_term(loss, wrt[1], wrt[2], tuple(wrt[3:]))
        if kind == "a":
            return self._by_output(loss, wrt[1], wrt[2], tuple(wrt[3:]))
        if kind == "x":
            return self._by_output(loss, 1, wrt[1], tuple(wrt[2:]))
        return sp.diff(self.loss_value(loss), net[wrt])         # a target: only the loss has it

    def _by_output(self, loss, l, k, e) -> sp.Expr:
        """dX/da_k^{(l)} with a_k^{(l)} made free."""
        net = self.net
        if l == net.L:
            return sp.diff(self.loss_value(loss), net["a", l, k, *e])
        return sp.Add(*[net["w", l + 1, m, k] * self.error_term(loss, l + 1, m, e) for m in net.units(l + 1)])

    def error_term(self, loss: tuple, l: int, j: int, e: tuple) -> sp.Expr:
        """The atom standing for dX/dz_j^{(l)} (0 when X does not depend on that z)."""
        key = (loss, l, j, e)
        if key not in self._terms:
            net = self.net
            if net.activation(l) == "softmax":
                level = sp.Add(*[self._by_output(loss, l, k, e) * self.local(l, k, j, e) for k in net.units(l)])
            else:
                level = self._by_output(loss, l, j, e) * self.local(l, j, j, e)
            if level == 0:
                self._terms[key] = sp.S.Zero
            else:
                z = net["z", l, j, *e]
                ident = "_".join(str(x) for x in loss) + f"__z{l}_{j}" + "".join(f"_{x}" for x in e)
                atom = sp.Symbol(f"delta_{ident}")
                if loss == ("E",):
                    net.display[atom] = net.spelling("\\delta", j, layer=l, n=e[0] if e else None)
                else:
                    net.display[atom] = (f"\\frac{{\\partial {display_name(net[loss], net.display)}}}"
                                         f"{{\\partial {display_name(z, net.display)}}}")
                self.levels[atom], self.layer_of[atom] = level, l
                self.z_of[atom], self.loss_of[atom] = z, net[loss]
                self._terms[key] = atom
        return self._terms[key]

    def local(self, l: int, k: int, j: int, e: tuple) -> sp.Expr:
        """da_k^{(l)}/dz_j^{(l)} in node values, from the family's forward rule by SymPy's diff."""
        net = self.net
        act = net.activation(l)
        key = (act, l, k, j, e)
        if key not in self._locals:
            if act == "softmax":
                us = [sp.Dummy(f"u{q}") for q in net.units(l)]
                d = sp.diff(softmax(k, *us), us[j - 1])
                d = d.xreplace({softmax(q, *us): net["a", l, q, *e] for q in net.units(l)})
            elif k != j:
                d = sp.S.Zero
            else:
                u = sp.Dummy("u")
                d = sp.diff(forward(act, u), u)
                back = {forward(act, u): net["a", l, j, *e]}
                if act in ("relu", "leaky-relu"):
                    back[step(u)] = net["h", l, j, *e]
                d = d.xreplace(back)
            if d.has(sp.Dummy):
                raise OracleError(f"the local derivative of a {act} unit kept its argument: {d}")
            self._locals[key] = d
        return self._locals[key]

    def full(self, atom: sp.Symbol) -> sp.Expr:
        """An error term unfolded into node values (shared subexpressions, never expanded)."""
        if atom not in self._full:
            level = self.levels[atom]
            below = {s: self.full(s) for s in level.free_symbols if s in self.levels}
            self._full[atom] = level.xreplace(below) if below else level
        return self._full[atom]

    def unfold(self, expr: sp.Expr) -> sp.Expr:
        """expr with every error-term atom unfolded into node values."""
        atoms = {s: self.full(s) for s in expr.free_symbols if s in self.levels}
        return expr.xreplace(atoms) if atoms else expr

    # -- SymPy's diff of the composed quantity ------------------------------------------------------
    def _memo(self, cut):
        return self._composed.setdefault(cut, {})

    def raw(self, expr: sp.Expr, wrt: tuple) -> sp.Expr:
        net, memo = self.net, self._memo(wrt)
        composed = expr.xreplace({s: net.compose(q, wrt, memo) for s, q in net.quantities.items()
                                  if s in expr.free_symbols})
        return sp.diff(composed, net[wrt])

    def _differentiate(self, expr: sp.Expr, wrt: tuple):
        raw = self.raw(expr, wrt)
        normal = raw.xreplace(self.net.node_map(wrt, self._memo(wrt)))
        if any(f.free_symbols for f in normal.atoms(*UNIT_FUNCTIONS)):
            if any(f.free_symbols for f in expr.atoms(*UNIT_FUNCTIONS)):    # written so: σ(a) in the formula
                raise FunctionOfNodeValue(
                    "this derivative is of an activation applied to a quantity that is no unit's net input "
                    "(such as σ(a), the sigmoid of a unit's output): derive cannot model it, so it is not checked",
                    expected="derivatives of the network's own quantities (a, z, E, w, b)")
            raise OracleError(f"d/d{self.net[wrt]} of {expr} kept a unit's function: {normal}")
        return normal, raw

    def __repr__(self) -> str:
        return f"Oracle({self.net!r}, {len(self._cache)} cached, {len(self.levels)} error terms)"
