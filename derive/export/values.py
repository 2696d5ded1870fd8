"""The values a worked example gives, for its handout: each binding the report lists ("file:line:
x_1 = 0.05, w_{11}^{(2)} = 0.15, ..."), by the line that gives it, each value typeset as math.

`bound_values` reads the report's binding lines of one file back into (line, [equations], note);
`values_tex` and `values_md` set them as the handout's "Values" section.  An equation that is not
inert math (it never should be: derive wrote it) is shown as escaped text, as everywhere else.
"""
from __future__ import annotations

import re

NOTE = re.compile(r"\s*\(([^()]*[A-Za-z][^()]*)\)\s*$")


def split_top(text: str) -> list[str]:
    """`text` cut at its commas outside braces and parentheses."""
    pieces, depth, start = [], 0, 0
    for k, c in enumerate(text):
        depth += c in "{([" and 1 or -(c in "})]")
        if c == "," and depth == 0:
            pieces.append(text[start:k])
            start = k + 1
    return [p.strip() for p in pieces + [text[start:]] if p.strip()]


def bound_values(bindings: list[str], file: str) -> list[tuple[int, list[str], str]]:
    """(line, equations, note) of each binding line the report gives for `file`, in order."""
    out = []
    for entry in bindings:
        if not entry.startswith(file + ":"):
            continue
        line, _, said = entry[len(file) + 1:].partition(": ")
        if not line.isdigit():
            continue
        note = NOTE.search(said)
        equations = split_top(said[:note.start()] if note else said)
        out.append((int(line), equations, note.group(1) if note else ""))
    return out


def values_tex(tex, bindings: list[str], file: str, level: str = "section") -> list[str]:
    """The "Values" section of one document's handout: one item per line that gives values."""
    found = bound_values(bindings, file)
    if not found:
        return []
    out = [rf"\{level}*{{Values}}",
           tex.text("The values the document gives, where it gives them; the numbers above are checked "
                    "at these values.") + r"\par",
           r"\begin{itemize}"]
    for line, equations, note in found:
        said = ", ".join(tex.inline_math(e) for e in equations)
        out.append(r"\item " + tex.text(f"line {line}: ") + said + (" " + tex.text(f"({note})") if note else ""))
    return out + [r"\end{itemize}"]


def values_md(bindings: list[str], file: str) -> list[str]:
    """The "Values" section in Markdown."""
    found = bound_values(bindings, file)
    if not found:
        return []
    return ["**Values** (as the document gives them; the numbers above are checked at these values)\n"] + \
        [f"- line {line}: " + ", ".join(f"${e}$" for e in equations) + (f" ({note})" if note else "")
         for line, equations, note in found] + [""]
