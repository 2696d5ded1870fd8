r"""A Markdown lecture as a handout: the document itself -- headings, paragraphs, lists and its
formulas in order -- rather than its formulas alone.

`blocks` cuts the Markdown into blocks (front matter, code and raw HTML left out; MyST `{math}`
fences and `$$ … $$`, `\\[ … \\]`, `\\begin{…}` displays as math; `:label:` option lines and
comments dropped).  `body` sets each block through a `typeset.Typesetter`: prose escaped as text
with its inline `$…$` (and MyST `` {math}`…` ``) through `inert_math`, `**bold**`, `*emphasis*`,
`` `code` `` and links as their text; a display that holds checked formulas becomes those formulas
(set by the caller, with their proved mark and equation number); a display with no claim is set
as math when it is inert, as escaped text when not.  Nothing from the document reaches the .tex
as TeX that can act, as in the rest of the export.

Why not pandoc (weighed, 2026-12-05, this machine): it turns prose into TeX well, but it passes a
lecture's math through as TeX (`$\input{/etc/passwd}$` comes out as `\(\input{/etc/passwd}\)`), so
the math would still need `inert_math`; pypandoc-binary 1.17 is a 34 MB wheel, 155 MB installed, for
every user and CI; it took 0.17 s on the seed lecture (272 lines) where this reader takes 0.5 ms to
cut it into 114 blocks and 4.5 ms to set them; and the handout needs the blocks matched to derive's
formulas by line anyway.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*(\{([A-Za-z-]+)\})?")
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
ITEM = re.compile(r"^(\s*)([-*+]|\d{1,3}[.)])[ \t]+(.*)$")
OPTION = re.compile(r"^\s*:[A-Za-z-]+:")                        # a MyST directive's option line
DISPLAY_OPEN = re.compile(r"^\s*(\$\$|\\\\\[|\\\[|\\begin\{(equation|align|gather|multline|eqnarray)\*?\})")
DISPLAY_CLOSE = {"$$": re.compile(r"\$\$"), "\\[": re.compile(r"\\\]"), "\\\\[": re.compile(r"\\\\\]")}
TABLE = re.compile(r"^\s*\|")
INLINE = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$(?!\$)|\{math\}`([^`]*)`|\{eq\}`([^`]*)`|`([^`]+)`"
                    r"|\\\\\((.+?)\\\\\)|(?<!\\)\\\((.+?)\\\)")      # kramdown's \\( \\), and \( \)
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
STRONG = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|(?<![\w_])_(?!\s)(.+?)(?<!\s)_(?![\w_])")
TAGS = re.compile(r"<[^>\n]{1,200}>")
ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
LABEL = re.compile(r"\s*\(([A-Za-z][\w:.-]*)\)\s*$")            # $$ … $$ (eq-label), MyST


@dataclass
class Block:
    """A stretch of the document: heading, paragraph, item (of a list: `ordered`), math, table."""

    kind: str
    text: str
    first: int              # its first and last line, 1-based
    last: int
    level: int = 0          # a heading's level; an item's indent
    ordered: bool = False


def blocks(text: str) -> list[Block]:
    """The document's blocks in order (see the module's docstring)."""
    lines = text.split("\n")
    out: list[Block] = []
    k = 0
    if lines and lines[0].strip() == "---":                  # front matter
        k = next((j + 1 for j in range(1, len(lines)) if lines[j].strip() in ("---", "...")), 0)
    paragraph: list[tuple[int, str]] = []

    def flush():
        if paragraph:
            if any("\t" in t.strip() for _, t in paragraph):    # columns set apart by tabs: a row each
                out.extend(Block("row", t.strip(), n, n) for n, t in paragraph)
            else:
                out.append(Block("paragraph", " ".join(t.strip() for _, t in paragraph), paragraph[0][0],
                                 paragraph[-1][0]))
            paragraph.clear()
    while k < len(lines):
        line, number = lines[k], k + 1
        fence = FENCE.match(line)
        if fence:
            flush()
            end = k + 1
            while end < len(lines) and not (lines[end].strip().startswith(fence.group(1)[0] * len(fence.group(1)))
                                            and not lines[end].strip().lstrip(fence.group(1)[0])):
                end += 1
            if fence.group(3) == "math":
                body = [t for t in lines[k + 1:end] if not OPTION.match(t)]
                out.append(Block("math", "\n".join(body), number, end + 1))
            k = end + 1
            continue
        if not line.strip() or line.strip().startswith("<!--") or OPTION.match(line):
            flush()
            if line.strip().startswith("<!--"):
                while k < len(lines) and "-->" not in lines[k]:
                    k += 1
            k += 1
            continue
        heading = HEADING.match(line)
        if heading:
            flush()
            out.append(Block("heading", heading.group(2), number, number, len(heading.group(1))))
            k += 1
            continue
        display = DISPLAY_OPEN.match(line)
        if display:
            flush()
            k = _display(lines, k, display, out)
            continue
        if TABLE.match(line):
            flush()
            end = k
            while end < len(lines) and TABLE.match(lines[end]):
                end += 1
            out.append(Block("table", "\n".join(lines[k:end]), number, end))
            k = end
            continue
        item = ITEM.match(line)
        if item and not paragraph:
            out.append(Block("item", item.group(3), number, number, len(item.group(1)),
                             item.group(2)[0].isdigit()))
            k += 1
            while k < len(lines) and lines[k].strip() and lines[k].startswith(" ") and not ITEM.match(lines[k]) \
                    and not DISPLAY_OPEN.match(lines[k]):
                out[-1].text += " " + lines[k].strip()
                out[-1].last = k + 1
                k += 1
            continue
        if line.lstrip().startswith(">"):
            line = line.lstrip()[1:]
        if line.lstrip().startswith("<") and TAGS.fullmatch(line.strip()):
            k += 1                                          # a line of raw HTML: not the lecture's text
            continue
        paragraph.append((number, line))
        k += 1
    flush()
    return out


def _display(lines: list[str], k: int, opened: re.Match, out: list[Block]) -> int:
    """A display's block (its math without the delimiters); the line after it."""
    token = opened.group(1)
    start = lines[k].index(token) + len(token)
    if token.startswith("\\begin"):
        env = opened.group(2)
        close = re.compile(r"\\end\{" + env + r"\*?\}")
        end = k
        while end < len(lines) and not close.search(lines[end], start if end == k else 0):
            end += 1
        end = min(end, len(lines) - 1)
        text = "\n".join(lines[k:end + 1])
        out.append(Block("math", text, k + 1, end + 1))
        return end + 1
    close = DISPLAY_CLOSE[token]
    end, found = k, close.search(lines[k], start)
    while found is None and end + 1 < len(lines):
        end += 1
        found = close.search(lines[end])
    if found is None:
        out.append(Block("math", "\n".join(lines[k:]), k + 1, len(lines)))
        return len(lines)
    if end == k:
        text = lines[k][start:found.start()]
    else:
        text = "\n".join([lines[k][start:]] + lines[k + 1:end] + [lines[end][:found.start()]])
    out.append(Block("math", math_of_markdown(text, escaped=token == "\\\\["), k + 1, end + 1))
    return end + 1


TEXT_GROUP = re.compile(r"(\\(?:text|textrm|textbf|textit|mbox|mathrm|operatorname)\s*\{[^{}]*\})")
KRAMDOWN = re.compile(r"\\\\[(\[]")


def math_of_markdown(math: str, escaped: bool = False) -> str:
    """Math as the page shows it: kramdown's escapes undone in `\\\\(`...`\\\\)` (`\\_` is `_`,
    `\\\\\\\\` is `\\\\`)."""
    return re.sub(r"\\([\\_*])", r"\1", math) if escaped else math


def markdown_escapes(text: str):
    """For a page written for kramdown (it writes `\\\\(`, `\\\\[`), whose math is Markdown too:
    a rewrite of its math reading `\\_` outside `\\text{...}` as the subscript the page shows;
    None for any other page, where `\\_` is the underscore it says."""
    if not KRAMDOWN.search(text):
        return None

    def rewrite(math: str) -> str:
        pieces = TEXT_GROUP.split(math)
        return "".join(p if k % 2 else p.replace("\\_", "_") for k, p in enumerate(pieces))
    return rewrite


def inline(tex, source: str, numbers: dict[str, int] | None = None, mark=None) -> str:
    """A line of Markdown prose as TeX text: escaped, its inline math set as math when inert (else
    as text), emphasis, code and links as their text, MyST `{eq}` references as numbers."""
    out, k = [], 0
    for m in INLINE.finditer(source):
        out.append(_words(tex, source[k:m.start()]))
        math, role, ref, code, kramdown, plain = m.groups()
        if ref is None and code is None:
            written = next(g for g in (math, role, kramdown, plain) if g is not None)
            written = math_of_markdown(written, escaped=kramdown is not None)
            out.append(tex.inline_math(written) + (mark(written) if mark else ""))
        elif ref is not None:
            number = (numbers or {}).get(ref.strip())
            out.append(f"({number})" if number else tex.text(ref))
        else:
            out.append(r"\texttt{" + tex.text(code) + "}")
        k = m.end()
    out.append(_words(tex, source[k:]))
    return "".join(out)


def _words(tex, source: str) -> str:
    source = TAGS.sub("", LINK.sub(r"\1", source))
    out, k = [], 0
    for m in STRONG.finditer(source):
        out.append(_emphasis(tex, source[k:m.start()]))
        out.append(r"\textbf{" + _emphasis(tex, m.group(1) or m.group(2)) + "}")
        k = m.end()
    out.append(_emphasis(tex, source[k:]))
    return "".join(out)


def _emphasis(tex, source: str) -> str:
    out, k = [], 0
    for m in EMPHASIS.finditer(source):
        out.append(tex.text(ESCAPED.sub(r"\1", source[k:m.start()])))
        out.append(r"\emph{" + tex.text(ESCAPED.sub(r"\1", m.group(1) or m.group(2))) + "}")
        k = m.end()
    out.append(tex.text(ESCAPED.sub(r"\1", source[k:])))
    return "".join(out)


FRONT_TITLE = re.compile(r"\A---[ \t]*\n(?:.*\n)*?title:[ \t]*[\"']?(.+?)[\"']?[ \t]*\n(?:.*\n)*?---[ \t]*\n")


def front_title(text: str) -> str | None:
    """The `title:` of a Markdown document's front matter."""
    m = FRONT_TITLE.match(text)
    return " ".join(m.group(1).split())[:200] if m else None


CONTINUES = re.compile(r"\s*(?:&\s*)?[=+]")
IDENTIFIER = re.compile(r"[A-Za-z][\w:.-]*[-_:.0-9][\w:.-]*|eq[0-9]*")
SECTIONS = ("section", "subsection", "subsubsection", "paragraph")
DISPLAY_ENV = re.compile(r"\A\s*\\begin\{(equation|align|gather|multline|eqnarray|flalign|displaymath)\*?\}"
                         r"(.*)\\end\{\1\*?\}\s*\Z", re.S)
SPACING = re.compile(r"\\[,;:!> ]|\\(left|right)\b|\\(displaystyle|textstyle)\b|\s+")


def body(tex, text: str, shown: list, every: list, formula, shift: int = 0, cell: int | None = None,
         numbers: dict[str, int] | None = None) -> list[str]:
    """The document's blocks as TeX: `shown` are the formulas to set (each once: `formula(f, number)`
    sets one), `every` all of the document's formulas (a display holding one not shown -- not proved,
    or a restatement -- is left out, as the outline handout leaves it out); `cell`: the notebook
    cell `text` is (its formulas only), `numbers` the notebook's equation numbers."""
    numbers = label_numbers(shown) if numbers is None else numbers
    return set_blocks(tex, blocks(text), shown, every, lambda f: formula(f, numbers.get(f.label)),
                      lambda source, mark: inline(tex, source, numbers, mark),
                      lambda source: tex.heading(_Heading(source)), shift, cell)


def label_numbers(shown: list) -> dict[str, int]:
    """A label that is a name (eq-loss), not words, numbered in the order the formulas stand."""
    numbers: dict[str, int] = {}
    for f in sorted(shown, key=lambda f: (f.cell or 0, f.line)):
        if f.label and IDENTIFIER.fullmatch(f.label) and f.label not in numbers:
            numbers[f.label] = len(numbers) + 1
    return numbers


def set_blocks(tex, found: list[Block], shown: list, every: list, formula, words, heading, shift: int = 0,
               cell: int | None = None) -> list[str]:
    """Blocks (of Markdown or LaTeX) as TeX: `formula(f)` sets a checked formula, `words(source,
    mark)` a stretch of prose (`mark(math)` giving the mark of an inline formula it holds),
    `heading(source)` a heading's text."""
    out, placed, listing = [], set(), None
    for b in found:
        if listing and b.kind != "item":
            out.append(rf"\end{{{listing}}}")
            listing = None
        inside = [f for f in shown if f.cell == cell and b.first <= f.line <= b.last and id(f) not in placed]
        mark = marker([f for f in every if f.cell == cell and b.first <= f.line <= b.last])
        if b.kind == "heading":
            level = SECTIONS[min(b.level - 1 + shift, len(SECTIONS) - 1)]
            out.append(rf"\{level}*{{{heading(b.text)}}}")
        elif b.kind == "paragraph":
            said = words(b.text, mark)
            out += [said + r"\par\smallskip"] if said.strip() else []
        elif b.kind == "row":
            cells = [words(piece.strip(), mark) for piece in b.text.split("\t") if piece.strip()]
            out.append(r"\qquad ".join(cells) + r"\par\smallskip")
        elif b.kind == "code":
            out.append(listing_tex(tex, b.text))
        elif b.kind == "item":
            wanted = "enumerate" if b.ordered else "itemize"
            if listing != wanted:
                if listing:
                    out.append(rf"\end{{{listing}}}")
                out.append(rf"\begin{{{wanted}}}")
                listing = wanted
            out.append(r"\item " + words(b.text, mark))
        elif inside:
            out += [formula(f) for f in sorted(inside, key=lambda f: (f.line, f.members))]
        elif b.kind == "math" and not any(b.first <= f.line <= b.last for f in every if f.cell == cell) \
                and not CONTINUES.match(b.text):        # `= ...` goes on a chain set whole above
            display = DISPLAY_ENV.match(b.text)
            out.append(tex.display_math(display.group(2) if display else b.text))
        placed |= {id(f) for f in inside}
    if listing:
        out.append(rf"\end{{{listing}}}")
    rest = [f for f in shown if f.cell == cell and id(f) not in placed]     # a formula no block held: never dropped
    return out + [formula(f) for f in rest]


def marker(candidates: list):
    """mark(math): the mark of the checked formulas an inline `$...$` holds -- a check mark when all
    are proved, NOT PROVED and their verdicts when one is not -- or ""."""
    left = list(candidates)

    def mark(math: str) -> str:
        key, held = SPACING.sub("", math).replace("\\_", "_"), []
        for f in list(left):
            at = 0
            for member in f.members:
                at = key.find(SPACING.sub("", member).replace("\\_", "_"), at)
                if at < 0:
                    break
            if at >= 0:
                held.append(f)
                left.remove(f)
        if not held:
            return ""
        if all(f.proved for f in held):
            return r"\,{\small$\checkmark$}"
        bad = sorted({v for f in held for v in f.verdicts if v != "proved"}) or ["no claim"]
        return r" \textbf{[NOT PROVED (" + ", ".join(bad) + ")]}"
    return mark


def listing_tex(tex, code: str) -> str:
    """Code as a listing: typewriter lines, every character escaped, indentation kept."""
    lines = code.rstrip("\n").split("\n")
    rows = [r"\mbox{}" + tex.text(line.expandtabs(4)).replace(" ", "~") for line in lines]
    return r"\begin{quote}\ttfamily\small " + r"\\".join(rows) + r"\end{quote}"


@dataclass
class _Heading:
    text: str
    latex: bool = False
