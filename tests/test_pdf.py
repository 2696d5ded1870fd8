"""`derive export --to pdf`: the handout compiled here by the engine its first line names, with no
shell escape and TeX's file access paranoid; and the operators a lecture writes (tanh, max, log, ln)
set as math in the handout, never as typewriter source."""
from __future__ import annotations

import subprocess

import pytest
from click.testing import CliRunner
from conftest import require_tool

from cli import main
from derive.export import typeset
from derive.export.pdf import PdfError, compile_pdf

LECTURE = r"""# 은닉층이 tanh인 신경망

The hidden units use tanh, the output units the sigmoid:

$$a_j^{(2)} = \tanh(z_j^{(2)}), \qquad a_k^{(3)} = \sigma(z_k^{(3)})$$

so a hidden unit passes the gradient through

$$\frac{\partial a_j^{(2)}}{\partial z_j^{(2)}} = 1 - (a_j^{(2)})^2$$
"""


def run(*args):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("written", [r"\tanh(z_j^{(2)})", r"\max(0, z_1^{(2)})", r"\log a_1^{(3)}",
                                     r"\ln(1 - a_1^{(3)})", r"\exp(-z)", r"\operatorname{ReLU}(z)", r"\hat{y}_1"])
def test_operators_are_math(written):
    assert typeset.inert_math(written, "xelatex") == written


@pytest.mark.parametrize("hostile", [r"\input{/etc/passwd}", r"\write18{ls}", r"\openout1", r"\csname x\endcsname"])
def test_nothing_that_reads_or_writes_is_math(hostile):
    assert typeset.inert_math(hostile, "xelatex") is None


def test_the_handout_sets_tanh_as_math(tmp_path):
    (tmp_path / "tanh.md").write_text(LECTURE, encoding="utf-8")
    result = run("export", str(tmp_path / "tanh.md"), "--to", "tex", "--engine", "xelatex")
    assert result.exit_code == 0, result.output
    assert r"a_j^{(2)} &= \tanh(z_j^{(2)})" in result.stdout
    assert r"\ttfamily" not in result.stdout


def test_pdf_needs_an_output_file(tmp_path):
    (tmp_path / "tanh.md").write_text(LECTURE, encoding="utf-8")
    result = run("export", str(tmp_path / "tanh.md"), "--to", "pdf")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: --to pdf writes a file: name it with -o, e.g. -o handout.pdf"


def test_the_pdf_is_compiled_by_xelatex_with_the_korean_title(tmp_path):
    require_tool("xelatex", "texlive-xetex texlive-lang-korean fonts-noto-cjk")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    if not typeset.available("xelatex"):
        pytest.skip("xelatex without kotex or Noto CJK")
    (tmp_path / "tanh.md").write_text(LECTURE, encoding="utf-8")
    out = tmp_path / "handout.pdf"
    result = run("export", str(tmp_path / "tanh.md"), "--to", "pdf", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"{out}: compiled by engine: xelatex")
    assert out.read_bytes().startswith(b"%PDF-")
    text = subprocess.run([pdftotext, str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "은닉층이 tanh인 신경망" in text and "tanh(z" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.pdf", "tanh.md"]     # nothing else left


def test_the_compiler_runs_no_shell_and_reads_nothing_outside(tmp_path):
    require_tool("pdflatex", "texlive-latex-base")
    shell = tmp_path / "pwned"
    tex = ("\\documentclass{article}\\begin{document}\\immediate\\write18{touch " + str(shell) + "}"
           "x\\end{document}\n")
    assert compile_pdf(tex, "pdflatex").startswith(b"%PDF-")
    assert not shell.exists()                                         # no shell escape
    secret = tmp_path / "secret.tex"
    secret.write_text("SECRET\n", encoding="utf-8")
    with pytest.raises(PdfError) as info:                             # no file read outside its folder
        compile_pdf("\\documentclass{article}\\begin{document}\\input{" + str(secret) + "}\\end{document}\n",
                    "pdflatex")
    assert info.value.message.startswith("pdflatex failed: ")
