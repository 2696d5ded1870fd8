r"""The prose of a LaTeX lecture as inert TeX text, for its handout (`latex_prose` reads its blocks).

`words` sets a stretch of prose from a closed list of text commands (`\textbf`, `\emph`, `\texttt`,
`\url`, `\href`, `\footnote`, `\ref`, `\eqref`, `\cite`, `~`, `\\`, escapes such as `\%`); inline
math goes through `inert_math` (or is shown as text); a command that reads, writes, defines or
sets (`\input`, `\include`, `\write`, `\openout`, `\immediate`, `\catcode`, `\def`, `\csname`,
`\usepackage`, ...) is dropped with its arguments; any other command is dropped and its argument
read as text.  Every character of text is escaped (`typeset.text`): what is not understood is
shown, never run.
"""
from __future__ import annotations

import re

from .latex_prose import group, optional


# -- prose ------------------------------------------------------------------------------------------------
WRAPS = {"alert": "emph", "structure": "textbf", "textbf": "textbf", "bf": "textbf", "emph": "emph", "textit": "textit", "it": "textit", "em": "emph",
         "textsl": "textsl", "textsc": "textsc", "underline": "underline", "textsf": "textsf",
         "textrm": "textrm", "textup": "textup", "textmd": "textmd", "mbox": "mbox", "text": "textrm"}
CODE = ("texttt", "url", "path", "nolinkurl")
REFS = ("ref", "eqref", "autoref", "cref", "Cref", "pageref")
# read, write, define, or set: dropped with their arguments, never shown
DROPPED = {"input", "include", "includeonly", "InputIfFileExists", "IfFileExists", "write", "openout",
           "openin", "closeout", "closein", "read", "readline", "immediate", "catcode", "def", "edef", "gdef",
           "xdef", "let", "futurelet", "csname", "endcsname", "expandafter", "newcommand", "renewcommand",
           "providecommand", "DeclareRobustCommand", "newenvironment", "renewenvironment", "usepackage",
           "RequirePackage", "documentclass", "special", "label", "index", "hspace", "vspace", "includegraphics",
           "color", "pagestyle", "thispagestyle", "setlength", "addtolength", "setcounter", "addtocounter",
           "bibliography", "bibliographystyle", "newtheorem", "input@path", "lstinputlisting", "verbatiminput",
           "inputminted", "directlua", "luaexec", "pdfobj", "pdfliteral", "message", "typeout", "errmessage",
           "makeatletter", "makeatother", "title", "author", "date", "maketitle", "tableofcontents", "newpage",
           "clearpage", "noindent", "centering", "medskip", "bigskip", "smallskip", "vfill", "hfill", "par",
           "indent", "newline", "linebreak", "pagebreak", "caption", "footnotemark", "small", "large", "Large",
           "footnotesize", "normalsize", "scriptsize", "tiny", "huge", "Huge", "item", "textcolor", "phantom",
           "bibitem", "nocite", "protect", "relax", "ignorespaces", "scshape", "bfseries", "itshape", "ttfamily",
           "rmfamily", "sffamily", "normalfont", "thanks", "pause", "frametitle", "framesubtitle", "titlepage",
           "usetheme", "usecolortheme", "setbeamertemplate", "institute", "subtitle"}
DEPTH = 20                      # commands within commands set as such; deeper, their text is shown
PRIMITIVE = {"input", "write", "openout", "openin", "closeout", "closein", "read", "readline", "catcode",
             "def", "edef", "gdef", "xdef", "let", "futurelet", "special", "message", "typeout", "errmessage"}
SIGNS = {"LaTeX": "LaTeX", "TeX": "TeX", "ldots": "\u2026", "dots": "\u2026", "textendash": "\u2013",
         "textemdash": "\u2014", "checkmark": "\u2713", "ss": "ß",
         "textbackslash": "\\", "slash": "/", "quad": " ", "qquad": " "}


def words(tex, source: str, labels: dict[str, str] | None = None, mark=None, depth: int = 0) -> str:
    """A stretch of a LaTeX lecture's prose as inert TeX text (see the module's docstring);
    `mark(math)`: the mark of the checked formula an inline math holds; `depth`: how many commands
    it stands inside (past DEPTH, their text is shown as it is written, escaped)."""
    if depth > DEPTH:
        return tex.text(" ".join(source.split()))
    out, plain, i, n = [], [], 0, len(source)

    def emit(piece: str) -> None:
        if plain:
            out.append(tex.text("".join(plain)))
            plain.clear()
        out.append(piece)
    while i < n:
        c = source[i]
        if c == "$" or source.startswith("\\(", i):
            opener = "$" if c == "$" else "\\("
            close = source.find("$" if c == "$" else "\\)", i + len(opener))
            while c == "$" and close > 0 and source[close - 1] == "\\":
                close = source.find("$", close + 1)
            if close < 0:                          # never closed: a dollar sign, as the text says
                plain.append(source[i:i + len(opener)])
                i += len(opener)
                continue
            math = source[i + len(opener):close]
            emit(tex.inline_math(math) + (mark(math) if mark else ""))
            i = close + len(opener)
        elif c == "\\":
            i = _command(tex, source, i, labels or {}, mark, plain, emit, depth)
        elif c in "{}":
            i += 1
        elif c == "~":
            emit("~")
            i += 1
        else:
            plain.append(c)
            i += 1
    emit("")
    return "".join(out)


def _command(tex, source: str, i: int, labels, mark, plain: list, emit, depth: int = 0) -> int:
    """One control sequence of prose at `i`: what it sets emitted; the offset after it."""
    word = re.match(r"\\([A-Za-z@]+)\*?\s*|\\(.)", source[i:i + 60], re.S)
    if word is None:
        return i + 1
    name, symbol, after = word.group(1), word.group(2), i + len(word.group(0))
    if name is not None:                       # a beamer overlay, \only<2>{...}: not shown
        overlay = re.compile(r"<[^<>\n]{0,20}>").match(source, after)
        after = overlay.end() if overlay else after
    if symbol is not None:
        if symbol == "\\":
            emit(r"\newline{}")
            return optional(source, after)
        if symbol in "%&#$_{}":
            plain.append(symbol)
        elif symbol in " ,;:!>\n\t":
            plain.append(" ")
        return after
    if name in WRAPS or name in CODE or name in REFS or name in ("href", "footnote", "cite", "verb"):
        if name == "verb":
            start = i + 5 + (source[i + 5:i + 6] == "*")
            delim, close = source[start:start + 1], source.find(source[start:start + 1], start + 1)
            if delim.strip() and close > 0:
                emit(r"\texttt{" + tex.text(source[start + 1:close]) + "}")
                return close + 1
            return after
        arg = group(source, optional(source, after))
        if arg is None:
            return after
        content, end = arg
        if name in WRAPS:
            emit("\\" + WRAPS[name] + "{" + words(tex, content, labels, mark, depth + 1) + "}")
        elif name in CODE:
            emit(r"\texttt{" + tex.text(content) + "}")
        elif name in REFS:
            number = labels.get(content.strip())
            shown = (f"({number})" if name == "eqref" else number) if number else "??"
            emit(tex.text(shown))
        elif name == "href":
            second = group(source, end)
            return (emit(words(tex, second[0], labels, mark, depth + 1)) or second[1]) if second else end
        elif name == "footnote":
            emit(" (" + words(tex, content, labels, mark, depth + 1) + ")")
        else:
            emit(tex.text("[" + ", ".join(k.strip() for k in content.split(",")) + "]"))
        return end
    if name in ("S", "P", "copyright", "dag", "ddag", "pounds"):
        emit("\\" + name + "{}")
        return after
    if name == "and":                               # between a title's authors
        emit(r"\quad ")
        return after
    if name in SIGNS:
        plain.append(SIGNS[name])
        return after
    if name in ("input", "include", "subfile") and group(source, after) is not None:
        arg = group(source, after)                    # another file of the lecture: said, never read
        emit(r"\emph{" + tex.text(f"[{' '.join(arg[0].split())[:100]} not included]") + "}")
        return arg[1]
    if name in DROPPED:
        return _skip_arguments(source, after, name in PRIMITIVE, name)
    return after                                   # any other command: dropped, its arguments read as text


def _skip_arguments(source: str, i: int, primitive: bool, name: str) -> int:
    """The offset after a dropped command's arguments: `*`, `[...]`, `{...}` groups; for a TeX
    primitive also what it reads (a number, `=`, a control sequence, a file name)."""
    if name == "csname":
        end = source.find("\\endcsname", i)
        return len(source) if end < 0 else end + len("\\endcsname")
    if primitive:
        token = re.compile(r"\s*(?:\\[A-Za-z@]+|\\.|`\\?.|[0-9=#\-]+)")
        while True:
            m = token.match(source, i)
            if m is None or m.end() == i:
                break
            i = m.end()
        if group(source, i) is None:
            m = re.compile(r"\s*[^\s{}\\$]+").match(source, i)
            return m.end() if m else i
    while True:
        k = optional(source, i)
        arg = group(source, k)
        if arg is None:
            return k
        i = arg[1]
