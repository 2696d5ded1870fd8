"""Printing SymPy expressions in the lecture's notation.

Symbols carry short identifier names (`w3_1_2`), so that lambdify can use them as they are; the
lecture's spelling of each (`w_{12}^{(3)}`) is kept in DISPLAY and used by the printers here.
"""
from __future__ import annotations

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

DISPLAY: dict[sp.Symbol, str] = {}


def display_name(symbol: sp.Symbol) -> str:
    return DISPLAY.get(symbol, symbol.name)


class LectureStrPrinter(StrPrinter):
    """Plain text, with the lecture's names for symbols."""

    def _print_Symbol(self, expr):
        return display_name(expr)


class LectureLatexPrinter(LatexPrinter):
    """LaTeX in the lecture's notation: its names for symbols, sigmoid as \\text{sigmoid}."""

    printmethod = "_lecture_latex"

    def _print_Symbol(self, expr, style="plain"):
        return display_name(expr)

    def _print_sigmoid(self, expr, exp=None):
        inner = self._print(expr.args[0])
        out = r"\text{sigmoid}\left(" + inner + r"\right)"
        return out if exp is None else f"{out}^{{{exp}}}"


def text(expr) -> str:
    return LectureStrPrinter().doprint(expr)


def latex(expr, **settings) -> str:
    return LectureLatexPrinter(settings).doprint(expr)
