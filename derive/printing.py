"""Printing SymPy expressions in the lecture's notation.

Symbols carry short identifier names (`w3_1_2`), so that lambdify can use them as they are; the
lecture's spelling of each (`w_{12}^{(3)}`) is kept in DISPLAY and used by the printers here.
`LectureLatexPrinter` writes LaTeX as the lecture does; `tex_safe` and `tex_heading` make text that
pdflatex sets without Korean fonts (Hangul romanized), for `derive export`.
"""
from __future__ import annotations

import re
import unicodedata

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
    """LaTeX in the lecture's notation, one `_print_<Class>` per node it writes its own way.

    Symbols get the lecture's names (DISPLAY, or the `symbol_names` setting first: the export
    prints x_i as a_i^{(1)} that way); sigmoid is `\\text{sigmoid}(...)`; `\\bullet` is the matrix
    product (MatMul), `\\times` the elementwise one (HadamardProduct); `^T` transposes; explicit
    matrices are pmatrix; partial derivatives are `\\frac{\\partial E}{\\partial w_{11}^{(2)}}`;
    parentheses are plain `( )`, as the lecture writes them.

    Settings, besides LatexPrinter's own: `mul_symbol` (None: juxtaposition, as in the lecture's
    matrix entries; "times": `\\times` between factors, as in its chain-rule lines), where a node
    value and its `(1 - a)` stay side by side whatever the setting: `a_1^{(2)} (1 - a_1^{(2)})`.
    With `order="none"`, unevaluated sums and products print in the order they were built.
    """

    printmethod = "_lecture_latex"
    _default_settings = {**LatexPrinter._default_settings, "mul_symbol": None, "order": None}

    # -- names -------------------------------------------------------------------------------------
    def _print_Symbol(self, expr, style="plain"):
        names = self._settings["symbol_names"]
        return names[expr] if expr in names else display_name(expr)

    def _print_MatrixSymbol(self, expr, style="plain"):
        """A matrix by name: `A1`, `W3`; a bare `_` is written `\\_` (`loss_2` -> `loss\\_2`)."""
        names = self._settings["symbol_names"]
        if expr in names:
            return names[expr]
        name = DISPLAY.get(expr, expr.name)
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


def text(expr) -> str:
    return LectureStrPrinter().doprint(expr)


def latex(expr, **settings) -> str:
    """The expression in the lecture's LaTeX; settings as LectureLatexPrinter takes them."""
    return LectureLatexPrinter(settings).doprint(expr)


# -- text that pdflatex can set without Korean fonts ---------------------------------------------
# Debian's texlive-latex-base/-recommended have no Hangul fonts (no CJK, no kotex), so Korean is
# romanized syllable by syllable (Revised Romanization without its sound-change rules: 은닉층 ->
# eunnikcheung), Unicode math signs become commands, and what is left that is not ASCII becomes "?".
_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t",
             "p", "h"]
_VOWELS = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo",
           "we", "wi", "yu", "eu", "ui", "i"]
_FINALS = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p",
           "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"]
MATH_SIGNS = {"∂": r"\partial", "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta",
              "ε": r"\varepsilon", "η": r"\eta", "θ": r"\theta", "λ": r"\lambda", "μ": r"\mu",
              "π": r"\pi", "σ": r"\sigma", "τ": r"\tau", "φ": r"\varphi", "ω": r"\omega",
              "Δ": r"\Delta", "Σ": r"\Sigma", "∑": r"\sum", "∇": r"\nabla", "×": r"\times",
              "•": r"\bullet", "∙": r"\bullet", "·": r"\cdot", "⋅": r"\cdot", "≤": r"\le", "≥": r"\ge",
              "≠": r"\ne", "≈": r"\approx", "→": r"\to", "←": r"\leftarrow", "⇒": r"\Rightarrow",
              "∈": r"\in", "∞": r"\infty", "²": "^2", "³": "^3", "¹": "^1", "½": r"\tfrac12",
              "′": "'", "⊤": r"\top"}
TEXT_SIGNS = {"−": "-", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''",
              "…": r"\ldots{}", "\u00a0": "~", "ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O",
              "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L"}
TEXT_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\ensuremath{\$}", "&": r"\&", "#": r"\#",
                "%": r"\%", "_": r"\_", "^": r"\^{}", "~": r"\~{}", "<": r"\textless{}",
                ">": r"\textgreater{}", "|": r"\textbar{}"}


def romanize(syllable: str) -> str | None:
    """A precomposed Hangul syllable in Latin letters (김 -> gim), or None for anything else."""
    code = ord(syllable) - 0xAC00
    if not 0 <= code < 11172:
        return None
    return _INITIALS[code // 588] + _VOWELS[code % 588 // 28] + _FINALS[code % 28]


def _ascii(char: str) -> str | None:
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and base.isascii() else None


def tex_safe(source: str, plain: bool) -> tuple[str, bool]:
    """`source` made safe for pdflatex with inputenc utf8 alone; and whether non-Latin text was lost
    or romanized.  `plain`: source is plain text (its LaTeX specials are escaped), else LaTeX (math
    or text mode: Hangul becomes `\\text{...}`, math signs `\\ensuremath{...}`, fine in either)."""
    out, changed, k = [], False, 0
    while k < len(source):
        char = source[k]
        if romanize(char) is not None:
            end = k
            while end < len(source) and (romanize(source[end]) is not None or
                                         (source[end] == " " and end + 1 < len(source)
                                          and romanize(source[end + 1]) is not None)):
                end += 1
            latin = "".join(romanize(c) or " " for c in source[k:end])
            out.append(latin if plain else rf"\text{{{latin}}}")
            changed, k = True, end
            continue
        if char.isascii():
            out.append(TEXT_ESCAPES.get(char, char) if plain else char)
        elif char in MATH_SIGNS:
            out.append(rf"\ensuremath{{{MATH_SIGNS[char]}}}")
        elif char in TEXT_SIGNS:
            out.append(TEXT_SIGNS[char])
        elif _ascii(char) is not None:
            out.append(_ascii(char))
        else:
            out.append("?")
            changed = True
        k += 1
    return "".join(out), changed


_NAME = re.compile(r"(?<![A-Za-z\\])([A-Za-z][A-Za-z0-9]*)(?:_([A-Za-z0-9]+))?\^(?:\(([A-Za-z0-9+-]+)\)|T\b)")


def tex_heading(text: str) -> tuple[str, bool]:
    """Plain text (a title) as LaTeX, the lecture's names in it (w_11^(2), W^(2), A1^T) set as math;
    and whether non-Latin text was romanized or lost (as tex_safe)."""
    out, lost, k = [], False, 0
    for m in _NAME.finditer(text):
        safe, more = tex_safe(text[k:m.start()], plain=True)
        name, sub, layer = m.groups()
        out += [safe, "$" + name + (f"_{{{sub}}}" if sub else "") + (f"^{{({layer})}}" if layer else "^T") + "$"]
        lost, k = lost or more, m.end()
    safe, more = tex_safe(text[k:], plain=True)
    return "".join(out) + safe, lost or more
