"""Derivatives in a formula: \\frac{\\partial X}{\\partial Y}, \\nabla_a C, and the gradient step
X - alpha dE/dX of an update rule.  A derivative is one symbol in a value (`derivative_symbol`,
printed as the lecture's fraction); its two forms (normal and raw) come from the oracle and are
kept, symbol by symbol, in `Partials.found` for the decision.  A document's own error term
delta_j^{(l)} is kept there too, as a `DefinedTerm`, and put back in (`inlined`) before anything
is differentiated.
"""
from __future__ import annotations

import hashlib
from typing import Callable

import sympy as sp

from ..errors import MeaningError, ShapeError
from ..model import printing
from ..model.network import Network
from ..model.oracle import Derivative, Oracle
from ..notation import syntax as s
from .values import Value, fail, is_matrix, scalar, shape_text


class DefinedTerm:
    """A document's error term delta_j^{(l)} (a definition of delta or Delta for one unit of a layer),
    kept as a symbol in values: `value` is its definition's value, `z` the z it names the derivative
    by.  The decision puts the value back in (node values), or, once the definition is proved equal
    to the oracle's error term dE/dz, the oracle's atom for it (a claim checked at its own level)."""

    __slots__ = ("value", "z", "about", "name")

    def __init__(self, value, z, about, name):
        self.value, self.z, self.about, self.name = value, z, about, name

    def __repr__(self) -> str:
        return f"DefinedTerm({self.name} = {self.value})"


class Partials:
    """The derivatives one network's formulas name, each a symbol kept with the oracle's forms.

    value(node, env) -> the value of an expression; column(name, env) -> the column a name stands
    for in column-vector notation (or None)."""

    def __init__(self, network: Network, oracle: Oracle, value: Callable, column: Callable,
                 found: dict | None = None):
        self.net = network
        self.oracle = oracle
        self.value, self.column = value, column
        self.columns = network.spec.vectors == "column"
        self.found: dict[sp.Symbol, Derivative | DefinedTerm] = {} if found is None else found

    def partial(self, of: sp.Expr, wrt: sp.Expr, node) -> sp.Expr:
        """The symbol of d(of)/d(wrt), wrt a quantity of the network; its forms kept in `found`."""
        key = self.net.quantities.get(wrt)
        if key is None or key[0] == "alpha":
            raise fail(MeaningError, f"cannot differentiate with respect to {wrt}", node.wrt,
                       "a named quantity below \\partial (w, b, a, z, x, t, W^{(l)}, b^{(l)}, ...)")
        of = self.inlined(of)
        if any(sym in self.found for sym in of.free_symbols):
            raise fail(MeaningError, "a derivative of a derivative", node, "first derivatives only")
        derivative = self.oracle.partial(of, key)
        symbol = derivative_symbol(of, wrt, self.net.display)
        self.found[symbol] = derivative
        return symbol

    def gradient_step(self, target: Value, node) -> Value:
        """X - alpha dE/dX: one step of gradient descent for the weights or biases X (a scalar or a
        matrix of them) that an update rule written at `node` assigns."""
        E = self.net[self.net.objective]        # with a penalty: the objective J = E + R
        gradient = (target.applyfunc(lambda p: self.partial(E, p, node)) if is_matrix(target)
                    else self.partial(E, target, node))
        return target - self.net.alpha * gradient

    def inlined(self, v: sp.Expr) -> sp.Expr:
        """v with the error terms a document defines replaced by their definitions."""
        terms = {q: self.inlined(self.found[q].value) for q in v.free_symbols
                 if isinstance(self.found.get(q), DefinedTerm)}
        return v.xreplace(terms) if terms else v

    # -- the nodes of a derivative (evaluate.Evaluate hands them here) --------------------------
    def derivative(self, node: s.Derivative, env) -> Value:
        """\\frac{\\partial X}{\\partial Y}: a scalar by a scalar, or entry by entry when one is a matrix."""
        of = self.value(node.of, env)
        wrt = self.value(node.wrt, env)
        if is_matrix(of) and is_matrix(wrt):
            raise fail(ShapeError, f"derivative of a {shape_text(of)} matrix by a {shape_text(wrt)} matrix",
                       node, "a scalar on top or below")
        if is_matrix(wrt):
            return wrt.applyfunc(lambda y: self.partial(of, y, node))
        if is_matrix(of):
            return of.applyfunc(lambda x: self.partial(x, wrt, node))
        return self.partial(of, wrt, node)

    def gradient(self, node: s.Gradient, env) -> Value:
        """\\nabla_a C: the column of dC/da_j^{(L)} (of the layer the name gives, if it has one)."""
        of = scalar(self.value(node.of, env), node.of, "a scalar to take the gradient of")
        wrt = node.wrt
        if wrt.layer is None:
            wrt = s.Sym(wrt.name, None, "L" if wrt.name != "x" else None, start=wrt.start, end=wrt.end)
        column = self.column(wrt, env) if self.columns else None
        if column is None:
            values = self.value(wrt, env)
            column = values.T if is_matrix(values) and values.shape[0] == 1 else values
        if not is_matrix(column):
            raise fail(MeaningError, "a gradient by a scalar", node, "\\nabla_a C, a a vector")
        return column.applyfunc(lambda y: self.partial(of, y, node))

    @staticmethod
    def operator_alone(node) -> Value:
        raise fail(MeaningError, "\\frac{\\partial}{\\partial ...} with nothing to differentiate", node,
                   "an expression after the operator")

    @staticmethod
    def partial_alone(node) -> Value:
        raise fail(MeaningError, "\\partial outside a derivative", node,
                   "\\frac{\\partial X}{\\partial Y} or \\partial X / \\partial Y")


def derivative_symbol(of: sp.Expr, wrt: sp.Symbol, display: dict) -> sp.Symbol:
    """The symbol standing for d(of)/d(wrt) in a value; its printed form is the lecture's fraction."""
    if of.is_Symbol:
        ident, top = f"D_{of.name}__{wrt.name}", printing.display_name(of, display)
    else:
        digest = hashlib.sha1(sp.srepr(of).encode()).hexdigest()[:10]
        ident, top = f"D_{digest}__{wrt.name}", "(" + printing.latex(of, display) + ")"
    symbol = sp.Symbol(ident)
    display[symbol] = f"\\frac{{\\partial {top}}}{{\\partial {printing.display_name(wrt, display)}}}"
    return symbol
