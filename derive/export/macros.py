r"""A LaTeX lecture's own math macros, expanded in its handout: `\newcommand{\pd}[2]{\frac{\partial
#1}{\partial #2}}`, `\renewcommand`, `\providecommand`, `\DeclareMathOperator{\sgn}{sgn}` and a
`\def\R{\mathbb{R}}` without parameters, read from the whole document.

Expansion is text substitution, bounded (`ROUNDS` rounds, `GROWTH` times the math's length): a
macro that recurses or grows without end is left unexpanded.  It makes nothing run: what it gives
is math like any other, rebuilt by `typeset.inert_math` from the notation's own commands or shown as
escaped text -- a macro whose body reads or writes a file expands to math that is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ROUNDS = 20
GROWTH = 20
DEFINE = re.compile(r"\\(?:re|provide)?newcommand\*?\s*(?:\{\s*\\([A-Za-z]+)\s*\}|\\([A-Za-z]+))"
                    r"\s*(?:\[\s*([0-9])\s*\])?\s*(?:\[([^\]]*)\])?\s*\{")
OPERATOR = re.compile(r"\\DeclareMathOperator(\*?)\s*\{\s*\\([A-Za-z]+)\s*\}\s*\{([A-Za-z ]{1,30})\}")
DEF = re.compile(r"\\def\s*\\([A-Za-z]+)\s*\{")
WORD = re.compile(r"\\([A-Za-z]+)")


@dataclass
class Macro:
    arguments: int
    body: str
    default: str | None = None          # the first argument's default, when it is optional


def _braced(text: str, i: int) -> tuple[str, int] | None:
    """The group whose `{` is at text[i-1]: its content and the offset after its `}`."""
    depth, k = 1, i
    while k < len(text):
        if text[k] == "\\":
            k += 2
            continue
        depth += {"{": 1, "}": -1}.get(text[k], 0)
        if depth == 0:
            return text[i:k], k + 1
        k += 1
    return None


def read_macros(text: str) -> dict[str, Macro]:
    """The math macros a document defines (uncommented text), by name."""
    found: dict[str, Macro] = {}
    for m in DEFINE.finditer(text):
        body = _braced(text, m.end())
        if body is not None:
            found[m.group(1) or m.group(2)] = Macro(int(m.group(3) or 0), body[0].strip(), m.group(4))
    for m in DEF.finditer(text):
        body = _braced(text, m.end())
        if body is not None and "#" not in body[0]:
            found.setdefault(m.group(1), Macro(0, body[0].strip()))
    for m in OPERATOR.finditer(text):
        found[m.group(2)] = Macro(0, r"\operatorname{" + m.group(3).replace(" ", "") + "}")
    return found


def _argument(math: str, i: int) -> tuple[str, int] | None:
    while i < len(math) and math[i] in " \t\n":
        i += 1
    if i >= len(math):
        return None
    if math[i] == "{":
        return _braced(math, i + 1)
    if math[i] == "\\":
        word = WORD.match(math, i)
        end = word.end() if word else i + 2
        return math[i:end], end
    return math[i], i + 1


def expand(math: str, macros: dict[str, Macro]) -> str:
    """`math` with the macros expanded; `math` itself when expansion does not end within bounds."""
    if not macros:
        return math
    current = math
    for _ in range(ROUNDS):
        out, k, changed = [], 0, False
        for m in WORD.finditer(current):
            if m.start() < k or m.group(1) not in macros:
                continue
            macro, end, args = macros[m.group(1)], m.end(), []
            if macro.default is not None:
                if current[end:end + 1] == "[":
                    close = current.find("]", end)
                    if close < 0:
                        continue
                    args.append(current[end + 1:close])
                    end = close + 1
                else:
                    args.append(macro.default)
            while len(args) < macro.arguments:
                arg = _argument(current, end)
                if arg is None:
                    break
                args.append(arg[0])
                end = arg[1]
            if len(args) < macro.arguments:
                continue
            body = re.sub(r"#([1-9])", lambda g: "{" + args[int(g.group(1)) - 1] + "}"
                          if int(g.group(1)) <= len(args) else g.group(0), macro.body)
            out += [current[k:m.start()], body if macro.arguments else body + (" " if current[end:end + 1].isalpha() else "")]
            k, changed = end, True
        if not changed:
            return current
        current = "".join(out) + current[k:]
        if len(current) > GROWTH * max(len(math), 50):
            return math
    return math
