"""The TeX side of `derive export --to tex`: which engine sets the handout, and text and math from a
document made safe to compile.

Engines, best first (`choose_engine`; `--engine` picks one by name):
- ``xelatex``: fontspec and kotex (xetexko) with Noto CJK fonts (Debian: texlive-xetex,
  texlive-lang-korean, fonts-noto-cjk): Hangul, hanja and kana as written; Greek and Cyrillic text in
  Noto Serif CJK too.
- ``pdflatex``: pdflatex, with kotex (texlive-lang-korean) when the text holds Hangul.
- ``ascii``: pdflatex with nothing but texlive-latex-base/-recommended: Hangul romanized syllable
  by syllable (the last fallback; the original kept in a ``%`` comment).
Anything an engine cannot set becomes ``?``, and the handout says so.

Inert: nothing from a document reaches the .tex as TeX it can act with.  Text (titles, headings,
labels, file names) is escaped character by character (`text`).  Math (a formula's members, as
written) passes `inert_math`, which rebuilds it token by token from a closed list of commands and
environments of the notation; `\\text{...}` contents are escaped as text; anything else (`\\input`,
`\\write18`, `\\openout`, `\\catcode`, `\\csname`, `\\def`, `^^` notation, `#`, `%`, `$`, control
characters, unbalanced groups) makes `inert_math` return None and the member is shown as escaped
text instead.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from functools import lru_cache

ENGINES = ("xelatex", "pdflatex", "ascii")
CJK_FONT = "Noto Serif CJK KR"


# -- engines -------------------------------------------------------------------------------------------
def _found(*command: str) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@lru_cache(maxsize=None)
def available(engine: str) -> bool:
    """Whether this machine has what `engine` needs (the program, and its fonts and packages)."""
    if engine == "xelatex":
        return bool(shutil.which("xelatex")) and _found("kpsewhich", "xetexko.sty") and \
            bool(shutil.which("fc-list")) and _found("fc-list", "-q", CJK_FONT)
    if engine == "pdflatex":
        return bool(shutil.which("pdflatex")) and _found("kpsewhich", "kotex.sty")
    return True


def needs_fonts(text: str) -> bool:
    """Whether text holds letters that plain pdflatex (Computer Modern) cannot set."""
    return any(not c.isascii() and c not in MATH_SIGNS and c not in TEXT_SIGNS and _ascii(c) is None
               for c in text)


def choose_engine(text: str, wanted: str = "auto") -> str:
    """The engine for a handout whose text is `text`: `wanted` when not "auto"; else pdflatex
    when nothing needs other fonts, else the first of xelatex, pdflatex (kotex), ascii this machine
    has."""
    if wanted != "auto":
        if wanted not in ENGINES:
            raise ValueError(f"unknown engine {wanted!r}; expected auto or one of {', '.join(ENGINES)}")
        return wanted
    if not needs_fonts(text):
        return "pdflatex"
    return next(e for e in ENGINES if available(e))


def engine_line(engine: str, kotex: bool) -> str:
    """The `% engine:` comment that opens the handout: the program to compile it with, and how."""
    how = {"xelatex": f"fontspec, kotex (xetexko), {CJK_FONT}",
           "pdflatex": "kotex" if kotex else "Computer Modern",
           "ascii": "Hangul romanized, no Korean fonts"}[engine]
    program = "pdflatex" if engine == "ascii" else engine
    return f"% engine: {program} ({how})"


def preamble(engine: str, kotex: bool) -> list[str]:
    """The engine's part of the preamble: input encoding and fonts."""
    if engine == "xelatex":
        return [r"\usepackage{fontspec}", r"\usepackage{kotex}",
                rf"\setmainhangulfont{{{CJK_FONT}}}", r"\setsanshangulfont{Noto Sans CJK KR}",
                r"\setmainhanjafont{" + CJK_FONT + "}",
                r"\newfontfamily\derivescript{" + CJK_FONT + "}"]
    return [r"\usepackage[utf8]{inputenc}"] + ([r"\usepackage{kotex}"] if kotex else [])


# -- text -------------------------------------------------------------------------------------------------
# The ascii engine romanizes Hangul syllable by syllable (Revised Romanization without its
# sound-change rules: 은닉층 -> eunnikcheung); every engine writes Unicode math signs as commands.
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


def _script(char: str) -> str:
    """hangul, cjk (hanja, kana, CJK punctuation), other (Greek, Cyrillic letters), or none."""
    code = ord(char)
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF:
        return "cjk"
    if 0x0370 <= code <= 0x03FF or 0x0400 <= code <= 0x04FF:
        return "other"
    return "none"


def text(source: str, engine: str) -> tuple[str, bool]:
    """Plain text as TeX text for `engine`, every special character escaped; and whether anything
    was romanized or lost (shown as ?)."""
    out, lost, k = [], False, 0
    while k < len(source):
        char, script = source[k], _script(source[k])
        if char.isascii():
            out.append(TEXT_ESCAPES.get(char, char) if char.isprintable() or char == " " else " ")
        elif script == "hangul" and engine == "ascii" and romanize(char) is not None:
            end = k
            while end < len(source) and (romanize(source[end]) is not None or (
                    source[end] == " " and end + 1 < len(source) and romanize(source[end + 1]) is not None)):
                end += 1
            out.append("".join(romanize(c) or " " for c in source[k:end]))
            lost, k = True, end
            continue
        elif char in MATH_SIGNS:
            out.append(rf"\ensuremath{{{MATH_SIGNS[char]}}}")
        elif char in TEXT_SIGNS:
            out.append(TEXT_SIGNS[char])
        elif (script == "hangul" and engine != "ascii") or (script == "cjk" and engine == "xelatex"):
            out.append(char)
        elif script == "other" and engine == "xelatex":
            out.append(rf"{{\derivescript {char}}}")
        elif char.isspace():
            out.append(" ")
        elif engine == "xelatex" and unicodedata.category(char).startswith("L") and _ascii(char):
            out.append(char)                                     # accented Latin: Latin Modern has it
        elif _ascii(char) is not None:
            out.append(TEXT_ESCAPES.get(_ascii(char), _ascii(char)) if len(_ascii(char)) == 1 else
                       "".join(TEXT_ESCAPES.get(c, c) for c in _ascii(char)))
        else:
            out.append("?")
            lost = True
        k += 1
    return "".join(out), lost


UNESCAPE = re.compile(r"\\([_%&#${}])")


def text_of_latex(source: str, engine: str) -> tuple[str, bool]:
    """The text of LaTeX text-mode source (a label's `\\text{...}` content, a LaTeX heading):
    `\\_` and the like read as their characters, other commands and braces dropped, `$...$` math
    through `inert_math` (or as text when it is not inert), the rest escaped as text."""
    out, lost = [], False
    for k, piece in enumerate(re.split(r"(?<!\\)\$(.+?)(?<!\\)\$", source)):
        if k % 2:
            math = inert_math(piece, engine)
            if math is not None:
                out.append(f"${math}$")
                continue
        plain = UNESCAPE.sub(r"\1", piece) if k % 2 else \
            re.sub(r"[{}]", "", re.sub(r"\\[A-Za-z]+\*?\s*", "", UNESCAPE.sub(lambda m: {
                "{": "\x01", "}": "\x02"}.get(m.group(1), m.group(1)), piece)))
        done, more = text(plain.replace("\x01", "{").replace("\x02", "}"), engine)
        out.append(done)
        lost = lost or more
    return "".join(out), lost


# -- math ---------------------------------------------------------------------------------------------------
COMMANDS = {  # every control word the notation prints; nothing here reads, writes or defines
    "frac", "dfrac", "tfrac", "partial", "times", "cdot", "bullet", "left", "right", "quad", "qquad",
    "sum", "limits", "sigma", "exp", "top", "intercal", "displaystyle", "textstyle", "nonumber",
    "notag", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl",
    "Biggr", "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "eta", "theta", "lambda", "mu",
    "nu", "xi", "rho", "tau", "phi", "varphi", "psi", "omega", "Delta", "cdots", "ldots", "dots",
    "prime", "le", "ge", "ne", "approx", "to", "in", "infty", "nabla", "Sigma", "leftarrow",
    "Rightarrow",
    # operators: set upright as operators (\tanh, \max, \log ...), never as typewriter source
    "tanh", "sinh", "cosh", "max", "min", "log", "ln", "sin", "cos", "arg", "argmax", "argmin", "sup",
    "inf", "det", "dim", "lim", "sqrt", "odot", "otimes", "oplus", "circ", "ast", "star", "pm", "mp",
    "leq", "geq", "neq", "equiv", "sim", "propto", "mid", "coloneqq", "lvert", "rvert", "lVert", "rVert",
    "vert", "Vert", "langle", "rangle", "hat", "bar", "tilde", "vec", "dot", "ddot", "overline",
    "underline", "boldsymbol", "mathbf", "mathbb", "mathcal", "bm", "Theta", "Lambda", "Phi", "Psi",
    "Omega", "Gamma", "Pi", "pi", "zeta", "kappa", "chi", "varsigma", "vartheta", "ell", "forall",
    "exists", "cup", "cap", "subset", "subseteq", "leftrightarrow", "Leftarrow", "mapsto", "uparrow",
    "downarrow", "cdotp", "vdots", "ddots", "tag", "underbrace", "overbrace",
    # more operators, and the old font switches ({\rm th}): they set letters, nothing else
    "tan", "cot", "sec", "csc", "arcsin", "arccos", "arctan", "coth", "lg", "Pr", "gcd", "deg", "ker",
    "liminf", "limsup", "rm", "bf", "it", "sf", "cal", "mathit", "mathsf", "mathtt", "mathnormal", "mathscr",
    "upsilon", "Upsilon", "Xi", "varpi", "varrho", "iota", "omicron", "partial", "hbar", "emptyset",
    "setminus", "times", "div", "wedge", "vee", "neg", "lnot", "Leftrightarrow", "iff", "implies",
    "longrightarrow", "rightarrow", "gets", "ll", "gg", "simeq", "cong", "perp", "parallel", "angle",
    "lfloor", "rfloor", "lceil", "rceil", "prod", "int", "oint", "iint", "bigcup", "bigcap", "bigoplus",
    "widehat", "widetilde", "check", "breve", "acute", "grave", "mathring", "overrightarrow", "middle",
    "colon", "dagger", "circledast", "lbrack", "rbrack", "lbrace", "rbrace", "triangleq", "stackrel",
    "overset", "underset", "binom", "dbinom", "tbinom", "cfrac", "sqrt", "not", "limits", "nolimits",
    "scriptstyle", "scriptscriptstyle", "quad", "enspace", "thinspace", "negthinspace", "mathstrut"}
TEXT_COMMANDS = {"text", "textrm", "textbf", "textit", "mbox"}      # their content is escaped as text
NAME_COMMANDS = {"mathrm", "operatorname", "mathit", "mathsf"}      # their content must be a name
ENVIRONMENTS = {"pmatrix", "bmatrix", "Bmatrix", "matrix", "smallmatrix", "aligned", "gathered", "split"}
SYMBOLS = set(",;:!> {}_|\\")                                      # \, \; ... \{ \} \_ \| \\
NAME = re.compile(r"\s*\{\s*([A-Za-z][A-Za-z0-9]*(?:\\_[A-Za-z0-9]+)*|T)\s*\}")
GROUP = re.compile(r"\s*\{([^{}]*)\}")


def inert_math(source: str, engine: str, matrix_fracs: bool = True) -> str | None:
    """Math LaTeX rebuilt from the notation's own commands only, or None when it holds anything
    else.  `\\text{...}` contents are escaped as text for `engine`; `\\label{...}` is dropped; with
    `matrix_fracs`, fractions inside a matrix are set as \\dfrac (display size, legible)."""
    out, k, depth, envs = [], 0, 0, []
    while k < len(source):
        c = source[k]
        if c == "\\":
            word = re.match(r"[A-Za-z]+", source[k + 1:])
            if word is None:
                if k + 1 >= len(source) or source[k + 1] not in SYMBOLS:
                    return None
                out.append(source[k:k + 2])
                k += 2
                continue
            name, k = word.group(0), k + 1 + len(word.group(0))
            if name in TEXT_COMMANDS or name == "label":
                group = GROUP.match(source, k)
                if group is None:
                    return None
                k = group.end()
                if name != "label":
                    out.append(rf"\{name}{{{text_of_latex(group.group(1), engine)[0]}}}")
            elif name in NAME_COMMANDS:
                group = NAME.match(source, k)
                if group is None:
                    return None
                out.append(rf"\{name}{{{group.group(1)}}}")
                k = group.end()
            elif name in ("begin", "end"):
                group = re.compile(r"\s*\{\s*([A-Za-z]+)\s*\}").match(source, k)
                if group is None or group.group(1) not in ENVIRONMENTS:
                    return None
                env = group.group(1)
                if name == "begin":
                    envs.append(env)
                elif not envs or envs.pop() != env:
                    return None
                out.append(rf"\{name}{{{env}}}")
                k = group.end()
            elif name in COMMANDS:
                if name == "frac" and matrix_fracs and any(e.endswith("matrix") for e in envs):
                    name = "dfrac"
                out.append("\\" + name + (" " if k < len(source) and source[k].isalpha() else ""))
            else:
                return None
            continue
        if c in "#%$" or (c == "^" and source.startswith("^^", k)) or (not c.isprintable() and not c.isspace()):
            return None
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return None
        if c.isascii():
            out.append(" " if c.isspace() else c)
        elif c in MATH_SIGNS:
            out.append(rf"{{{MATH_SIGNS[c]}}}")
        elif c == "\u2212":
            out.append("-")
        elif c.isspace():
            out.append(" ")
        else:
            return None
        k += 1
    return spaced("".join(out)) if depth == 0 and not envs else None


MATRIX = re.compile(r"\\begin\{(\w*matrix)\}((?:(?!\\begin\{).)*?)\\end\{\1\}", re.S)


def spaced(math: str) -> str:
    """Rows of a matrix of fractions set apart (`\\[dim]` would not: it only deepens a row to the
    strut's depth plus dim), so that a denominator never touches the numerator below it."""
    def apart(m: re.Match) -> str:
        body = m.group(2)
        if r"\dfrac" in body:
            body = re.sub(r"\\\\(?!\s*\[)", lambda _: r"\\ \noalign{\vskip 6pt}", body)
        return rf"\begin{{{m.group(1)}}}{body}\end{{{m.group(1)}}}"
    return MATRIX.sub(apart, math)


def verbatim(source: str, engine: str) -> str:
    """Math that `inert_math` refused, as escaped typewriter text (for math mode)."""
    return r"\text{\ttfamily " + text(" ".join(source.split()), engine)[0] + "}"


# -- one handout's text and math ---------------------------------------------------------------------------
TITLE_NAME = re.compile(r"(?<![A-Za-z\\])([A-Za-z][A-Za-z0-9]*)(?:_([A-Za-z0-9]+))?\^(?:\(([A-Za-z0-9+-]+)\)|T\b)")


class Typesetter:
    """Text and math of one handout for one engine; remembers whether anything was romanized or
    lost, and keeps the originals of what was (ascii engine only) for `%` comments."""

    def __init__(self, engine: str):
        self.engine, self.lost, self.originals = engine, False, []
        self.rewrite = None         # the current document's reading of its math (macros, escapes), or None

    def _read(self, source: str) -> str:
        return self.rewrite(source) if self.rewrite is not None else source

    def _keep(self, source: str, done: tuple[str, bool]) -> str:
        if done[1]:
            self.lost = True
            if self.engine == "ascii":
                self.originals.append(" ".join(source.split()))
        return done[0]

    def text(self, source: str) -> str:
        return self._keep(source, text(source, self.engine))

    def latex_text(self, source: str) -> str:
        return self._keep(source, text_of_latex(source, self.engine))

    def math(self, source: str) -> str:
        source = self._read(source)
        found = inert_math(source, self.engine)
        if found is None:
            return verbatim(source, self.engine)
        if needs_fonts(source) and self.engine == "ascii":
            self._keep(source, (found, True))
        return found

    def inline_math(self, source: str) -> str:
        """Inline math of prose: `$...$` when inert, else its source as escaped text."""
        source = self._read(source)
        found = inert_math(source, self.engine)
        if found is None:
            return self.text("$" + source + "$")
        if needs_fonts(source) and self.engine == "ascii":
            self._keep(source, (found, True))
        return f"${found}$"

    def display_math(self, source: str) -> str:
        """A display that claims nothing, as math when inert (rows set in `align*`, or `gather*`
        when they align at nothing), else as text."""
        source = self._read(source)
        found = inert_math(source, self.engine)
        if found is None:
            return r"\begin{center}" + self.text(" ".join(source.split())) + r"\end{center}"
        if ("\\\\" in found or "&" in found) and not re.match(r"\s*\\begin", found):
            rows = "align*" if "&" in found else "gather*"     # rows, each of which may carry its \tag
            return rf"\begin{{{rows}}}" + found + rf"\end{{{rows}}}"
        return r"\[" + found + r"\]"

    def title(self, source: str) -> str:
        """Plain text (a formula file's title), the lecture's names in it (w_11^(2)) set as math."""
        out, k = [], 0
        for m in TITLE_NAME.finditer(source):
            name, sub, layer = m.groups()
            out += [self.text(source[k:m.start()]),
                    "$" + name + (f"_{{{sub}}}" if sub else "") + (f"^{{({layer})}}" if layer else "^T") + "$"]
            k = m.end()
        return "".join(out) + self.text(source[k:])

    def heading(self, h) -> str:
        """A document's heading: LaTeX text, or Markdown with its `$...$` math and emphasis marks."""
        if h.latex:
            return self.latex_text(h.text)
        out = []
        for k, piece in enumerate(re.split(r"(?<!\\)\$(.+?)(?<!\\)\$", h.text)):
            math = inert_math(piece, self.engine) if k % 2 else None
            out.append(f"${math}$" if math is not None else
                       self.text(re.sub(r"\*\*|__|`", "", re.sub(r"\\([\\`*_{}\[\]()#+\-.!$])", r"\1", piece))))
        return "".join(out)
