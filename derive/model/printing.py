"""Printing SymPy expressions in the lecture's notation.

Symbols carry short identifier names (`w3_1_2`), so that lambdify can use them as they are; the
lecture's spelling of each (`w_{12}^{(3)}`) belongs to the network that made the symbol
(`Network.display`), and the printers here take it as their `display` setting: two networks that
share a symbol never share its spelling.
`LectureLatexPrinter` writes LaTeX as the lecture does.  (Text and math from documents, made safe
for TeX, are `typeset`'s.)
"""
from __future__ import annotations

from types import MappingProxyType

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

NO_NAMES = MappingProxyType({})


def display_name(symbol: sp.Symbol, display=NO_NAMES) -> str:
    """The lecture's spelling of a symbol in `display` (a network's), else its identifier."""
    return display.get(symbol, symbol.name)


class LectureStrPrinter(StrPrinter):
    """Plain text, with the lecture's names for symbols (the `display` setting)."""

    _default_settings = {**StrPrinter._default_settings, "display": NO_NAMES}

    def _print_Symbol(self, expr):
        return display_name(expr, self._settings["display"])


class LectureLatexPrinter(LatexPrinter):
    """LaTeX in the lecture's notation, one `_print_<Class>` per node it writes its own way.

    Symbols get the lecture's names (the `display` setting, a network's spellings, or the
    `symbol_names` setting first: the export prints x_i as a_i^{(1)} that way); sigmoid is `\\text{sigmoid}(...)`; `\\bullet` is the matrix
    product (MatMul), `\\times` the elementwise one (HadamardProduct); `^T` transposes; explicit
    matrices are pmatrix; partial derivatives are `\\frac{\\partial E}{\\partial w_{11}^{(2)}}`;
    parentheses are plain `( )`, as the lecture writes them.

    Settings, besides LatexPrinter's own: `mul_symbol` (None: juxtaposition, as in the lecture's
    matrix entries; "times": `\\times` between factors, as in its chain-rule lines), where a node
    value and its `(1 - a)` stay side by side whatever the setting: `a_1^{(2)} (1 - a_1^{(2)})`.
    With `order="none"`, unevaluated sums and products print in the order they were built.
    """

    printmethod = "_lecture_latex"
    _default_settings = {**LatexPrinter._default_settings, "mul_symbol": None, "order": None, "display": NO_NAMES}

    # -- names -------------------------------------------------------------------------------------
    def _print_Symbol(self, expr, style="plain"):
        names = self._settings["symbol_names"]
        return names[expr] if expr in names else display_name(expr, self._settings["display"])

    def _print_MatrixSymbol(self, expr, style="plain"):
        """A matrix by name: `A1`, `W3`; a bare `_` is written `\\_` (`loss_2` -> `loss\\_2`)."""
        names = self._settings["symbol_names"]
        if expr in names:
            return names[expr]
        name = self._settings["display"].get(expr, expr.name)
        return name if "\\" in name else name.replace("_", r"\_")

    def _add_parens(self, s) -> str:
        return f"({s})"

    # -- functions and derivatives ----------------------------------------------------------------
    def _print_sigmoid(self, expr, exp=None):
        out = r"\text{sigmoid}(" + self._print(expr.args[0]) + ")"
        return out if exp is None else f"{out}^{{{exp}}}"

    def _print_Derivative(self, expr):
        """d expr / d v... as the lecture's fraction of partials."""
        total = sum(count for _, count in expr.variable_count)
        top = r"\partial" if total == 1 else rf"\partial^{{{total}}}"
        inner = expr.expr
        body = self._print(inner) if inner.is_Atom or inner.is_Function else self._add_parens(self._print(inner))
        bottom = " ".join(rf"\partial {self._print(v)}" if n == 1 else rf"\partial {self._print(v)}^{{{n}}}"
                          for v, n in expr.variable_count)
        return rf"\frac{{{top} {body}}}{{{bottom}}}"

    # -- products --------------------------------------------------------------------------------
    def _factors(self, expr) -> list:
        """The factors in print order: as built under order="none", else SymPy's order with each
        `(1 - a)` moved next to its node value `a`."""
        if self.order in ("none", "old"):
            return list(expr.args)
        args = list(expr.as_ordered_factors())
        for left in [a for a in args if isinstance(a, sp.Symbol)]:
            pair = next((a for a in args if _node_pair(left, a)), None)
            if pair is not None:
                args.remove(pair)
                args.insert(args.index(left) + 1, pair)
        return args

    def _as_ordered_terms(self, expr, order=None):
        """SymPy's order, except that a sum starts with a positive term: `t - a`, not `- a + t`."""
        terms = list(super()._as_ordered_terms(expr, order=order))
        if (order or self.order) != "none" and terms and terms[0].could_extract_minus_sign():
            k = next((k for k, t in enumerate(terms) if not t.could_extract_minus_sign()), None)
            if k is not None:
                terms.insert(0, terms.pop(k))
        return terms

    def _print_Mul(self, expr):
        args = self._factors(expr)
        if any(a.is_Pow and a.exp.is_negative and not a.base.is_Number for a in args):
            return super()._print_Mul(expr)            # a fraction: SymPy's layout
        sign = ""
        if args and args[0].is_Number and args[0].is_negative:
            sign = "- "
            args = ([-args[0]] if args[0] != -1 else []) + args[1:]
        out, previous = "", None
        for k, arg in enumerate(args):
            tex = self._print(arg)
            if arg.is_Add or (k and arg.is_Number and arg.is_negative) or (arg.is_Rational and not arg.is_Integer and k):
                tex = self._add_parens(tex)
            if k:
                out += self._separator(previous, arg)
            out += tex
            previous = arg
        return sign + (out or "1")

    def _separator(self, left, right) -> str:
        if left.is_Number and right.is_Number:
            return self._settings["mul_symbol_latex_numbers"]
        if _node_pair(left, right):
            return " "
        return self._settings["mul_symbol_latex"]

    def _print_MatMul(self, expr):
        """Matrices multiplied with `\\bullet`; a scalar in front takes the ordinary product."""
        out, previous = "", None
        for arg in expr.args:
            tex = self._print(arg)
            if isinstance(arg, (sp.MatAdd, sp.HadamardProduct, sp.MatMul)) or arg.is_Add:
                tex = self._add_parens(tex)
            if previous is not None:
                both = getattr(previous, "is_Matrix", False) and getattr(arg, "is_Matrix", False)
                out += r" \bullet " if both else self._settings["mul_symbol_latex"]
            out += tex
            previous = arg
        return out

    def _print_HadamardProduct(self, expr):
        """The lecture's `\\times` between matrices is elementwise."""
        parts = []
        for arg in expr.args:
            tex = self._print(arg)
            if isinstance(arg, (sp.MatAdd, sp.MatMul)):
                tex = self._add_parens(tex)
            parts.append(tex)
        return r" \times ".join(parts)

    def _print_Transpose(self, expr):
        base = expr.arg
        tex = self._print(base)
        if not isinstance(base, (sp.MatrixSymbol, sp.Symbol)):
            tex = self._add_parens(tex)
        return f"{tex}^T"

    def _print_MatrixBase(self, expr):
        rows = [" & ".join(self._print(expr[i, j]) for j in range(expr.cols)) for i in range(expr.rows)]
        return r"\begin{pmatrix} " + r" \\ ".join(rows) + r" \end{pmatrix}"


def _node_pair(left, right) -> bool:
    """Is `right` the factor (1 - left), so that `left (1 - left)` is written side by side?"""
    return (isinstance(left, sp.Symbol) and right.is_Add and len(right.args) == 2
            and set(right.args) == {sp.S.One, -left})


def text(expr, display=NO_NAMES) -> str:
    """The expression as plain text, symbols spelled as in `display` (a network's spellings)."""
    return LectureStrPrinter({"display": display}).doprint(expr)


def latex(expr, display=NO_NAMES, **settings) -> str:
    """The expression in the lecture's LaTeX, symbols spelled as in `display` (a network's
    spellings); settings as LectureLatexPrinter takes them."""
    return LectureLatexPrinter({**settings, "display": display}).doprint(expr)
