r"""A LaTeX lecture as a handout: the document itself -- its title, sectioning, paragraphs, lists,
tables and displays in order -- cut into the blocks `prose.set_blocks` sets.

Nothing of the lecture's TeX is copied as TeX.  Its preamble (`\documentclass`, `\usepackage`,
`\newcommand`, ...) is not copied, only its `\title` and `\author` read as text (and its math
macros, by `macros`); the handout's own preamble is fixed.  `read_latex_lecture` reads the body's
structure -- `\section` and its kin, `itemize`, `enumerate`, `description`, `tabular`, math
environments, `\[ \]`, `$$ $$`, `verbatim` and `lstlisting` (a listing, every character escaped
when set), theorem-like environments (their name in bold), beamer frames (their title a heading)
-- and drops comments, `figure`, `tikzpicture` and the like.  The text of each block stays LaTeX
source here: `latex_words.words` sets it from a closed list of text commands, escaping the rest.

Equations are numbered as LaTeX numbers them: each row of an unstarred `align`, `gather`,
`eqnarray` (not `\nonumber`/`\notag`), each `equation` and `multline`; `\tag{...}` as written.
`\label` names that number, so `\eqref` in the prose prints it, and a checked formula carries the
number of the row it starts on.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ..sources.spans import find_env_end
from .prose import Block

VERBATIM = ("verbatim", "verbatim*", "Verbatim", "lstlisting", "minted")
SKIPPED = ("comment", "figure", "figure*", "table", "table*", "tikzpicture", "picture", "wrapfigure",
           "thebibliography", "filecontents", "filecontents*")
LISTS = {"itemize": False, "enumerate": True, "description": False}
TABULAR = ("tabular", "tabular*", "tabularx", "longtable")
MATH = ("equation", "equation*", "align", "align*", "gather", "gather*", "multline", "multline*",
        "eqnarray", "eqnarray*", "flalign", "flalign*", "alignat", "alignat*", "displaymath")
ROWED = ("align", "gather", "eqnarray", "flalign", "alignat")
NAMED = {"theorem": "Theorem", "lemma": "Lemma", "proposition": "Proposition", "corollary": "Corollary",
         "definition": "Definition", "example": "Example", "remark": "Remark", "proof": "Proof",
         "exercise": "Exercise", "note": "Note", "abstract": "Abstract"}
LEVELS = {"part": 1, "chapter": 1, "section": 1, "subsection": 2, "subsubsection": 3, "paragraph": 4}
HEADING = re.compile(r"\\(part|chapter|section|subsection|subsubsection|paragraph)(\*?)")
BEGIN = re.compile(r"\\begin\s*\{([^{}\n]{1,40})\}")
END = re.compile(r"\\end\s*\{([^{}\n]{1,40})\}")
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
OVERLAY = re.compile(r"(?:\s*<[^<>\n]{0,20}>)?")
DOLLAR = re.compile(r"(?<!\\)\$")
ROW_END = re.compile(r"((?:[^\\]|\\[^\\])*?)\\\\(?:\s*\[[^\]\n]*\])?", re.S)
RULES = re.compile(r"\\(?:hline|toprule|midrule|bottomrule|cline\s*\{[^}]*\}|cmidrule\s*(?:\([^)]*\))?\s*\{[^}]*\})")
PLAIN = re.compile(r"[^\\$\n]+|.", re.S)


@dataclass
class LatexLecture:
    """A LaTeX lecture read for its handout: title, author, blocks, and its equation numbers
    (`rows`: a line of the file -> the number of the equation row standing there; `labels`: a
    `\\label` -> its number)."""

    title: str | None
    author: str | None
    blocks: list[Block]
    rows: dict[int, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def uncommented(text: str) -> str:
    """The text with every `%` comment blanked (same length, newlines kept); verbatim environments
    and `\\verb` keep theirs."""
    chars, i, n = list(text), 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            begin = BEGIN.match(text, i)
            if begin and begin.group(1) in VERBATIM + ("comment",):
                close = text.find("\\end{" + begin.group(1) + "}", begin.end())
                i = n if close < 0 else close + len(begin.group(1)) + 6
                continue
            verb = re.match(r"\\verb\*?([^A-Za-z*\s])", text[i:i + 8])
            if verb:
                close = text.find(verb.group(1), i + verb.end(), text.find("\n", i) % (n + 1))
                i = i + verb.end() if close < 0 else close + 1
                continue
            i += 2
        elif c == "%":
            end = text.find("\n", i)
            end = n if end < 0 else end
            chars[i:end] = " " * (end - i)
            i = end
        else:
            i += 1
    return "".join(chars)


def group(text: str, i: int) -> tuple[str, int] | None:
    """The braced group at `i` (after spaces): its content and the offset after it."""
    while i < len(text) and text[i] in " \t\n":
        i += 1
    if i >= len(text) or text[i] != "{":
        return None
    depth, k = 0, i
    while k < len(text):
        if text[k] == "\\":
            k += 2
            continue
        depth += {"{": 1, "}": -1}.get(text[k], 0)
        if depth == 0:
            return text[i + 1:k], k + 1
        k += 1
    return None


def optional(text: str, i: int) -> int:
    """The offset after an optional `[...]` argument at `i` (after spaces), or `i`."""
    k = i
    while k < len(text) and text[k] in " \t":
        k += 1
    if k < len(text) and text[k] == "[":
        close = text.find("]", k)
        if 0 < close < k + 300:
            return close + 1
    return i


def read_latex_lecture(text: str) -> LatexLecture:
    """The lecture's title, author, blocks in order and equation numbers (see the module's docstring)."""
    clean = uncommented(text.replace("\r\n", "\n").replace("\r", "\n"))
    starts = [0] + [m.end() for m in re.finditer("\n", clean)]

    def line(offset: int) -> int:
        return bisect.bisect_right(starts, offset)
    begin = re.search(r"\\begin\s*\{document\}", clean)
    start = begin.end() if begin else 0
    end = re.compile(r"\\end\s*\{document\}").search(clean, start)
    limit = end.start() if end else len(clean)
    meta = {}
    for name in ("title", "author"):
        found = re.search(r"\\" + name + r"\s*(?=[\[{])", clean)
        arg = group(clean, optional(clean, found.end())) if found else None
        meta[name] = " ".join(arg[0].split()) if arg else None
    reader = _Reader(clean, line)
    reader.read(start, limit)
    return LatexLecture(meta["title"], meta["author"], reader.blocks, reader.rows, reader.labels)


class _Reader:
    """The body's blocks, one pass from left to right."""

    def __init__(self, text: str, line):
        self.text, self.line = text, line
        self.blocks: list[Block] = []
        self.rows: dict[int, str] = {}
        self.labels: dict[str, str] = {}
        self.pending: list[str] = []          # the paragraph or item being read
        self.started = False                  # whether it holds more than spaces yet
        self.first = self.last = 0
        self.kind, self.ordered, self.lists = "paragraph", False, []
        self.equation, self.sections = 0, [0, 0, 0, 0]
        self.last_number = ""

    def flush(self, kind: str = "paragraph") -> None:
        words = " ".join("".join(self.pending).split())
        if words or self.kind == "item":
            self.blocks.append(Block(self.kind, words, self.line(self.first), self.line(self.last),
                                     len(self.lists), self.ordered))
        self.pending, self.kind, self.started = [], kind, False

    def add(self, piece: str, at: int, end: int) -> None:
        if not self.started and piece.strip():
            self.first, self.started = at, True
        elif not self.started and not self.pending:
            self.first = at
        self.pending.append(piece)
        self.last = max(end - 1, at)

    def read(self, i: int, limit: int) -> None:
        text = self.text
        while i < limit:
            c = text[i]
            if c == "\n":
                brk = PARAGRAPH_BREAK.match(text, i)
                if brk and self.kind != "item":
                    self.flush()
                    i = brk.end()
                    continue
                self.add(" ", i, i + 1)
                i += 1
            elif c == "\\":
                i = self.command(i, limit)
            elif text.startswith("$$", i):
                close = text.find("$$", i + 2, limit)
                close = limit if close < 0 else close
                self.math(text[i + 2:close], i, close + 2)
                i = close + 2
            elif c == "$":
                brk = PARAGRAPH_BREAK.search(text, i, limit)        # inline math ends in its paragraph
                close = DOLLAR.search(text, i + 1, brk.start() if brk else limit)
                close_at = (brk.start() if brk else limit) - 1 if close is None else close.start()
                self.add(text[i:close_at + 1], i, close_at + 1)
                i = close_at + 1
            else:
                run = PLAIN.match(text, i, limit)
                self.add(run.group(0), i, run.end())
                i = run.end()
        self.flush()

    def command(self, i: int, limit: int) -> int:
        text = self.text
        heading = HEADING.match(text, i)
        if heading and not text[heading.end():heading.end() + 1].isalpha():
            arg = group(text, optional(text, heading.end()))
            if arg is not None:
                self.flush()
                level = LEVELS[heading.group(1)]
                if not heading.group(2) and level <= 3:
                    self.sections[level - 1:] = [self.sections[level - 1] + 1] + [0] * (4 - level)
                    self.last_number = ".".join(str(n) for n in self.sections[:level] if n)
                self.blocks.append(Block("heading", " ".join(arg[0].split()), self.line(i), self.line(arg[1] - 1),
                                         level))
                return arg[1]
        begin, end = BEGIN.match(text, i), END.match(text, i)
        if begin:
            return self.environment(begin, limit)
        if end:
            name = end.group(1).strip()
            if name in LISTS and self.lists:
                self.flush()
                self.lists.pop()
                self.ordered = bool(self.lists) and self.lists[-1]
            elif name not in ("document",):
                self.flush()
            return end.end()
        if text.startswith("\\frametitle", i) and group(text, OVERLAY.match(text, i + 11).end()) is not None:
            arg = group(text, OVERLAY.match(text, i + 11).end())
            self.flush()
            self.blocks.append(Block("heading", " ".join(arg[0].split()), self.line(i), self.line(arg[1] - 1), 2))
            return arg[1]
        if text.startswith("\\item", i) and not text[i + 5:i + 6].isalpha() and self.lists:
            self.flush("item")
            start = OVERLAY.match(text, i + 5).end()
            after = optional(text, start)
            self.ordered = self.lists[-1]
            self.first = i
            if after > start:                   # \item[term]: the term in bold
                self.add(r"\textbf{" + text[text.index("[", start) + 1:after - 1] + "} ", i, after)
            return after
        if text.startswith("\\[", i):
            close = text.find("\\]", i + 2, limit)
            close = limit if close < 0 else close
            self.math(text[i + 2:close], i, close + 2)
            return close + 2
        if text.startswith("\\label", i) and not text[i + 6:i + 7].isalpha():
            arg = group(text, i + 6)
            if arg is not None:
                self.labels.setdefault(arg[0].strip(), self.last_number)
                return arg[1]
        if text.startswith("\\(", i):
            close = text.find("\\)", i + 2, limit)
            close = limit if close < 0 else close + 2
            self.add(text[i:close], i, close)
            return close
        word = re.match(r"\\([A-Za-z@]+|.)", text[i:i + 60], re.S)
        step = len(word.group(0)) if word else 1
        self.add(text[i:i + step], i, i + step)
        return i + step

    def environment(self, begin: re.Match, limit: int) -> int:
        text, name = self.text, begin.group(1).strip()
        if name in MATH or name in VERBATIM or name in SKIPPED or name in TABULAR:
            close = find_env_end(text, begin.end(), limit, name)
            close = limit if close < 0 else close
            ending = re.search(r"\\end\s*\{" + re.escape(name) + r"\}\Z", text[begin.end():close])
            inner = text[begin.end():begin.end() + ending.start()] if ending else text[begin.end():close]
            self.flush()
            if name in MATH:
                self.number(name, inner, begin.end())
                self.blocks.append(Block("math", inner, self.line(begin.start()), self.line(close - 1)))
            elif name in VERBATIM:
                body = re.sub(r"\A(\s*\[[^\]\n]*\])?(\s*\{[^}\n]*\})?[ \t]*\n?", "", inner) if name != "verbatim" else \
                    inner.lstrip("\n")
                self.blocks.append(Block("code", body, self.line(begin.start()), self.line(close - 1)))
            elif name in TABULAR:
                self.table(inner, begin.end())
            return close
        self.flush()
        if name in LISTS:
            self.lists.append(LISTS[name])
            self.ordered = LISTS[name]
            return optional(text, begin.end())          # enumitem's [label=(\alph*)]: not text
        elif name in ("frame", "block", "alertblock", "exampleblock", "column", "minipage"):
            return self.slide(name, begin, limit)
        elif name.rstrip("*") in NAMED:
            after = optional(text, begin.end())
            title = text[text.index("[", begin.end()) + 1:after - 1] if after > begin.end() else ""
            self.add(r"\textbf{" + NAMED[name.rstrip("*")] + (f" ({title})" if title else "") + ".} ",
                     begin.start(), after)
            return after
        return begin.end()

    def slide(self, name: str, begin: re.Match, limit: int) -> int:
        """Beamer: a frame's title (`{...}` on its line, or a later `\\frametitle`) as a heading, a
        block's in bold; a column's or minipage's width left out."""
        text = self.text
        k = optional(text, OVERLAY.match(text, begin.end()).end())
        while text[k:k + 1] in (" ", "\t"):
            k += 1
        arg = group(text, k) if text[k:k + 1] == "{" else None
        if arg is None:
            return k
        title = " ".join(arg[0].split())
        if name == "frame" and title:
            self.blocks.append(Block("heading", title, self.line(begin.start()), self.line(arg[1] - 1), 2))
        elif name in ("block", "alertblock", "exampleblock") and title:
            self.add(r"\textbf{" + title + ".} ", begin.start(), arg[1])
        return arg[1]

    def math(self, inner: str, at: int, end: int) -> None:
        self.flush()
        self.blocks.append(Block("math", inner, self.line(at), self.line(end - 1)))

    def table(self, inner: str, at: int) -> None:
        spec = group(inner, 0)
        offset = spec[1] if spec else 0
        for piece in ROW_END.finditer(inner[offset:] + "\\\\"):
            row = RULES.sub(" ", piece.group(1))
            cells = [" ".join(c.split()) for c in re.split(r"(?<!\\)&", row)]
            if any(cells):
                first = self.line(at + offset + piece.start() + len(piece.group(1)) - len(piece.group(1).lstrip()))
                self.blocks.append(Block("row", "\t".join(c or " " for c in cells), first, first))

    def number(self, name: str, inner: str, at: int) -> None:
        """Equation numbers of a math environment's rows, as LaTeX gives them."""
        if name.endswith("*") or name == "displaymath":
            return
        rowed = name in ROWED
        pieces = re.split(r"(?<!\\)\\\\", inner) if rowed else [inner]
        offset = 0
        for piece in pieces:
            tag = re.search(r"\\tag\*?\s*\{([^{}]*)\}", piece)
            label = re.search(r"\\label\s*\{([^{}]*)\}", piece)
            if not piece.strip() and piece is pieces[-1]:
                break
            number = None
            if tag:
                number = tag.group(1).strip()
            elif not re.search(r"\\(nonumber|notag)\b", piece):
                self.equation += 1
                number = str(self.equation)
            if number is not None:
                head = re.match(r"\s*(?:\\label\s*\{[^{}]*\}\s*)*", piece).end()
                for k in range(self.line(at + offset + head), self.line(at + offset + max(len(piece) - 1, head)) + 1):
                    self.rows.setdefault(k, number)
                if label:
                    self.labels.setdefault(label.group(1).strip(), number)
            offset += len(piece) + 2

