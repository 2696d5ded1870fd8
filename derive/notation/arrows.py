"""Update rules written with an arrow: `w \\rightarrow w - \\eta \\frac{\\partial C}{\\partial w}` (Nielsen),
`W^{[l]} := ...`, `w \\leftarrow w - \\eta(\\partial L/\\partial w + \\lambda w)`, `b \\gets ...`.

An arrow after a parameter's name, with a learning rate after it, assigns the parameter its updated
value: the same claim as `w = w - \\eta ...` (statements.classify reads it as an update rule).  The
arrow is written as `=` padded to its length, so every position in the text stays where it was.
Arrows anywhere else (`f: \\mathbb{R} \\to \\mathbb{R}`, a limit) keep their meaning: prose.
"""
from __future__ import annotations

import re

_NAME = (r"(?:\\(?:mathbf|boldsymbol|bm)\s*\{\s*[wbW]\s*\}|[wbW])"
         r"(?:\s*(?:[_^]\s*(?:\{[^{}]*\}|[A-Za-z0-9])))*")
ARROW = re.compile(r"^(\s*(?:&\s*)?" + _NAME + r"\s*(?:&\s*)?)"
                   r"(\\(?:rightarrow|longrightarrow|to|leftarrow|longleftarrow|gets)(?![A-Za-z]))")
RATE = re.compile(r"\\(?:eta|alpha)(?![A-Za-z])|\u03b7|\u03b1")


def update_arrow(text: str) -> str:
    """The text with an update rule's arrow written as `=` (same length), else the text itself."""
    m = ARROW.match(text)
    if m is None or not RATE.search(text, m.end()) or "=" in text[:m.start(2)]:
        return text
    arrow = m.group(2)
    return text[:m.start(2)] + "=" + " " * (len(arrow) - 1) + text[m.end(2):]
