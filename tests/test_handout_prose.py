"""The handout of a Markdown lecture is the lecture: its title, headings, prose, lists and formulas
in order (Korean included), each formula checked marked, labelled equations numbered, operators and
the closing note's model set as math -- and still inert."""
from __future__ import annotations

import re
import subprocess

import pytest
from click.testing import CliRunner
from conftest import require_tool

from cli import main
from derive.export import typeset
from derive.export.prose import blocks

LECTURE = r"""---
title: 역전파 7강
---

# tanh 은닉층의 역전파

이번 강의에서는 **tanh** 은닉층을 가진 2-2-2 신경망을 다룬다. The hidden units use
$\tanh(z)$, the outputs the sigmoid $\sigma(z)$, and the loss is *half* the sum of squares.

- 입력: $x_1, x_2$
- hidden: $a_j^{(2)} = \tanh(z_j^{(2)})$, see `tanh_layer.py`

## Forward pass

$$a_j^{(2)} = \tanh(z_j^{(2)}), \qquad a_k^{(3)} = \sigma(z_k^{(3)})$$

$$
E = \frac{1}{2} \sum_{k=1}^{2} (t_k - a_k^{(3)})^2 \quad \text{(loss)}
$$

## The derivative

1. The local derivative of a tanh unit is
2. what every hidden error term multiplies by:

$$\frac{\partial a_j^{(2)}}{\partial z_j^{(2)}} = 1 - (a_j^{(2)})^2$$

A display that claims nothing is still shown:

$$\max(0, z_1^{(2)}) + \tanh(z_1^{(2)})$$

<!-- a note to myself: \input{/etc/passwd} -->
Nothing here is TeX that acts: \input{/etc/passwd}, \write18{rm -rf} and 100% of `$HOME`.
"""


def export(tmp_path, *args):
    (tmp_path / "week7.md").write_text(LECTURE, encoding="utf-8")
    return CliRunner().invoke(main, ["export", str(tmp_path / "week7.md"), *args])


def test_blocks_of_a_lecture():
    kinds = [(b.kind, b.first) for b in blocks(LECTURE)]
    assert kinds == [("heading", 5), ("paragraph", 7), ("item", 10), ("item", 11), ("heading", 13),
                     ("math", 15), ("math", 17), ("heading", 21), ("item", 23), ("item", 24), ("math", 26),
                     ("paragraph", 28), ("math", 30), ("paragraph", 33)]


def test_a_line_of_tab_separated_columns_is_a_row_of_its_own():
    assert [(b.kind, b.text) for b in blocks("입력층 출력 값 (A1)\t$a_1^{(1)} = x_1$\nnext\trow\n\nprose\n")] == [
        ("row", "입력층 출력 값 (A1)\t$a_1^{(1)} = x_1$"), ("row", "next\trow"), ("paragraph", "prose")]


def test_the_tex_handout_keeps_the_prose_in_order_and_is_inert(tmp_path):
    result = export(tmp_path, "--to", "tex", "--engine", "xelatex")
    assert result.exit_code == 0, result.output
    tex = result.stdout
    body = tex.split(r"\begin{document}")[1]
    order = [r"\begin{center}{\Large 역전파 7강}\end{center}", r"\section*{tanh 은닉층의 역전파}", r"이번 강의에서는 \textbf{tanh} 은닉층을",
             r"The hidden units use $\tanh(z)$, the outputs the sigmoid $\sigma(z)$, and the loss is \emph{half}",
             r"\begin{itemize}", r"\item 입력: $x_1, x_2$", r"\texttt{tanh\_layer.py}", r"\end{itemize}",
             r"\subsection*{Forward pass}", r"a_k^{(3)} &= \sigma(z_k^{(3)})", r"\subsection*{The derivative}",
             r"\begin{enumerate}", r"\item The local derivative of a tanh unit is", r"\end{enumerate}",
             r"&= 1 - (a_j^{(2)})^2 \tag*{$\checkmark$}", r"\[\max(0, z_1^{(2)}) + \tanh(z_1^{(2)})\]",
             r"Nothing here is TeX that acts: \textbackslash{}input\{/etc/passwd\}"]
    positions = [body.index(piece) for piece in order]
    assert positions == sorted(positions)
    assert r"\write18" not in body.replace(r"\textbackslash{}write18", "") and "a note to myself" not in body
    assert r"100\% of \texttt{\ensuremath{\$}HOME}" in body
    assert r"\ttfamily" not in body                            # every formula set as math
    note = body.split(r"\hrule")[1]
    assert r"$E = \frac{1}{2} \sum_i (t_i - a_i)^2$" in note and r"$W^{(l)}_{ij} = w_{ji}^{(l)}$" in note
    assert "[i][j]" not in note


def test_the_pdf_handout_reads_as_the_lecture(tmp_path):
    require_tool("xelatex", "texlive-xetex texlive-lang-korean fonts-noto-cjk")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    if not typeset.available("xelatex"):
        pytest.skip("xelatex without kotex or Noto CJK")
    result = export(tmp_path, "--to", "pdf", "-o", str(tmp_path / "week7.pdf"))
    assert result.exit_code == 0, result.output
    text = subprocess.run([pdftotext, str(tmp_path / "week7.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    assert "이번 강의에서는 tanh 은닉층을 가진 2-2-2 신경망을 다룬다." in flat
    assert "The hidden units use tanh(z), the outputs the sigmoid σ(z)" in flat
    assert "Nothing here is TeX that acts: \\input{/etc/passwd}" in flat
    assert not re.search(r"\\(tanh|frac|partial|sigma|max)\b", flat)
    assert "✓" in text or "\u2713" in text or "X" in text


KRAMDOWN = r"""---
layout: page
title: Backpropagation, a course note
mathjax: true
---

### Notation

We write \\(a\_j^{(l)}\\) for the activation of unit \\(j\\) in layer \\(l\\), the \\(l^{\rm th}\\) layer.
The forward pass is

$$
z\_1^{(2)} = w\_{11}^{(2)} x\_1 + w\_{12}^{(2)} x\_2 + b\_1^{(2)}, \qquad a\_1^{(2)} = \sigma(z\_1^{(2)})
$$

and the sigmoid satisfies \\(\sigma'(z) = \sigma(z)(1-\sigma(z))\\).

\\[ \frac{\partial z\_1^{(2)}}{\partial x\_1} \\]
"""


def test_a_kramdown_page_shows_its_math_as_math(tmp_path):
    (tmp_path / "note.md").write_text(KRAMDOWN, encoding="utf-8")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "note.md"), "--to", "tex", "--engine", "pdflatex"])
    assert result.exit_code == 0, result.output
    tex = result.stdout.split(r"\begin{document}")[1]
    assert r"We write $a_j^{(l)}$ for the activation of unit $j$ in layer $l$, the $l^{\rm th}$ layer." in tex
    assert r"z_1^{(2)} &= w_{11}^{(2)} x_1 + w_{12}^{(2)} x_2 + b_1^{(2)} \tag*{$\checkmark$}" in tex
    assert r"$\sigma'(z) = \sigma(z)(1-\sigma(z))$\,{\small$\checkmark$}." in tex
    assert r"\[ \frac{\partial z_1^{(2)}}{\partial x_1} \]" in tex
    assert r"\textbackslash" not in tex and r"\_" not in tex.split(r"\hrule")[0]


def test_an_underscore_a_markdown_page_escapes_in_text_stays_an_underscore(tmp_path):
    page = "# Loss\n\n$$" + r"\text{loss\_3} = a\_1 \quad E_1 = \frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2" + "$$\n"
    (tmp_path / "loss.md").write_text(page, encoding="utf-8")
    result = CliRunner().invoke(main, ["export", str(tmp_path / "loss.md"), "--to", "tex"])
    assert r"\text{loss\_3} = a\_1" in result.stdout        # no kramdown here: \_ is the underscore it says
