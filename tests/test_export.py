"""derive export: the LaTeX printer construct by construct, exact Markdown, unproved handling,
the oracle's gradients in the lecture's form, and .tex files that pdflatex compiles."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner

from cli import main
from derive import __version__
from derive.decide import Decider
from derive.derive import Oracle
from derive.export import derived_gradients, join_terms, specs_from_model, tex_heading
from derive.meaning import Meaning, derivative_symbol
from derive.model import LAYOUTS, LOSSES, Network, Spec, sigmoid
from derive.parse import parse
from derive.printing import latex, romanize, tex_safe
from derive.results import PROVED

from conftest import ROOT, entry, require_tool

NET = Network()
GOOD = entry(r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})", id="b1")
WRONG = entry(r"\frac{\partial E}{\partial b_1^{(3)}}" "\n" r"  = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)}", id="b1.wrong")
MODEL = ("2-2-2 sigmoid network, E = 1/2 sum_i (t_i - a_i)^2, row vectors Z = A.W + b, "
         "W^{(l)}[i][j] = w_{ji}^{(l)} (row = source unit i, column = target unit j)")
METHOD = ("exact: the difference of the two sides expands to 0 in node values; numeric cross-check at 8 "
          "seeded points (seed 20261128), tolerance 1e-09 relative")
LECTURE = r"""# 출력층 오차역전파 (Back Propagation)

출력층 바이어스에 대한 기울기는 체인 룰로 구한다.

$$\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \quad \text{출력층 바이어스 공식}$$

가중치 $w_{11}^{(3)}$ 에 대해서:

$$\frac{\partial E}{\partial w_{11}^{(3)}} = \frac{\partial E_1}{\partial a_1^{(3)}} \times \frac{\partial a_1^{(3)}}{\partial z_1^{(3)}} \times \frac{\partial z_1^{(3)}}{\partial w_{11}^{(3)}}$$

국소미분을 대입하면

$$= (a_1^{(3)} - t_1^{(3)}) \times \text{sigmoid}(z_1^{(3)}) (1 - \text{sigmoid}(z_1^{(3)})) \times a_1^{(2)}$$

출력층 손실	$\text{loss\_3} = \begin{pmatrix} (a_1^{(3)} - t_1^{(3)})a_1^{(3)}(1-a_1^{(3)}) & (a_2^{(3)} - t_2^{(3)})a_2^{(3)}(1-a_2^{(3)}) \end{pmatrix}$

$$W^{(3)} = W^{(3)} - \alpha \frac{\partial E}{\partial W^{(3)}} = W^{(3)} - \alpha \times (A2^T \bullet \text{loss\_3})$$
"""


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- the printer, one construct per test ------------------------------------------------------------
def test_sigmoid_node():
    assert latex(sigmoid(NET["z", 2, 1])) == r"\text{sigmoid}(z_1^{(2)})"


def test_product_with_times_keeps_a_node_value_next_to_its_one_minus():
    a, w, x = NET["a", 2, 1], NET["w", 3, 1, 1], NET["x", 1]
    assert latex(a * (1 - a) * w * x, mul_symbol="times") == r"a_1^{(2)} (1 - a_1^{(2)}) \times w_{11}^{(3)} \times x_1"
    assert latex(a * (1 - a) * w * x) == r"a_1^{(2)} (1 - a_1^{(2)}) w_{11}^{(3)} x_1"


def test_matrix_product_is_bullet():
    A, loss = sp.MatrixSymbol("A1", 1, 2), sp.MatrixSymbol(r"loss\_2", 1, 2)
    assert latex(sp.MatMul(A.T, loss)) == r"A1^T \bullet loss\_2"


def test_elementwise_product_is_times():
    loss, W, A = sp.MatrixSymbol("loss_3", 1, 2), sp.MatrixSymbol("W3", 2, 2), sp.MatrixSymbol("A2", 1, 2)
    assert latex(sp.HadamardProduct(sp.MatMul(loss, W.T), A)) == r"(loss\_3 \bullet W3^T) \times A2"


def test_transpose():
    W, loss = sp.MatrixSymbol("W3", 2, 2), sp.MatrixSymbol(r"loss\_3", 1, 2)
    assert latex(sp.Transpose(W)) == "W3^T"
    assert latex(sp.Transpose(sp.MatMul(loss, W))) == r"(loss\_3 \bullet W3)^T"


def test_pmatrix():
    assert latex(sp.ImmutableMatrix([[NET["a", 2, 1], NET["b", 2, 2]]])) == \
        r"\begin{pmatrix} a_1^{(2)} & b_2^{(2)} \end{pmatrix}"
    assert latex(NET.matrix("W", 2)) == \
        r"\begin{pmatrix} w_{11}^{(2)} & w_{21}^{(2)} \\ w_{12}^{(2)} & w_{22}^{(2)} \end{pmatrix}"


def test_partial_derivative():
    E, w = NET["E",], NET["w", 2, 1, 1]
    assert latex(sp.Derivative(E, w)) == r"\frac{\partial E}{\partial w_{11}^{(2)}}"
    assert latex(derivative_symbol(E, w)) == r"\frac{\partial E}{\partial w_{11}^{(2)}}"


def test_symbol_names_setting_writes_inputs_as_layer_one():
    assert latex(NET["x", 2], symbol_names={NET["x", 2]: "a_2^{(1)}"}) == "a_2^{(1)}"


def test_korean_is_romanized_and_math_signs_become_commands():
    assert romanize("층") == "cheung" and romanize("A") is None
    assert tex_safe("은닉층 가중치 공식", plain=True) == ("eunnikcheung gajungchi gongsik", True)
    assert tex_safe(r"\text{출력} α × b_1", plain=False) == \
        (r"\text{\text{chulryeok}} \ensuremath{\alpha} \ensuremath{\times} b_1", True)
    assert tex_safe("a_1 & 50%", plain=True) == (r"a\_1 \& 50\%", False)
    assert tex_heading("∂E/∂w_11^(2) (hidden.w11)") == \
        (r"\ensuremath{\partial}E/\ensuremath{\partial}$w_{11}^{(2)}$ (hidden.w11)", False)


# -- Markdown and the exit status -------------------------------------------------------------------
def test_md_export_of_one_formula_is_exact(formula_file):
    path = formula_file(GOOD)
    result = run("export", str(path), "--to", "md")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "**t (b1)**\n\n"
        r"$$\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})$$"
        "\n\n"
        f"*Proved by derive {__version__}. Model: `{MODEL}`. Method: {METHOD}.*\n")
    assert result.stderr == ""


def test_unproved_formulas_are_listed_on_stderr_left_out_and_exit_1(formula_file):
    path = formula_file(GOOD + "\n" + WRONG)
    result = run("export", str(path), "--to", "md")
    assert result.exit_code == 1
    assert result.stderr == ("1 formula(s) not proved (left out; --allow-unproved includes them, marked):\n"
                             f"  {path}:14 b1.wrong refuted\n")
    assert "(b1)" in result.stdout and "b1.wrong" not in result.stdout


def test_allow_unproved_includes_them_marked_and_exits_0(formula_file, tmp_path):
    path = formula_file(GOOD + "\n" + WRONG)
    result = run("export", str(path), "--to", "md", "--allow-unproved")
    assert result.exit_code == 0
    assert "**t (b1.wrong) — NOT PROVED (refuted)**" in result.stdout
    assert r"= (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)}$$" in result.stdout
    out = tmp_path / "marked.tex"
    assert run("export", str(path), "--to", "tex", "--allow-unproved", "-o", str(out)).exit_code == 0
    assert r"\textbf{NOT PROVED (refuted)}" in out.read_text(encoding="utf-8")


def test_unreadable_formula_exits_2_even_when_unproved_are_allowed(formula_file):
    broken = entry(r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)} \times a_1^{(3)}", id="broken")
    result = run("export", str(formula_file(GOOD + "\n" + broken)), "--to", "md", "--allow-unproved")
    assert result.exit_code == 2
    assert "could not be read" in result.stderr and "NOT PROVED (error)" in result.stdout


def test_bundled_handout_has_a_section_per_file_and_one_note_at_the_end(tmp_path):
    tex = tmp_path / "p.tex"
    assert run("export", "--to", "tex", "-o", str(tex)).exit_code == 0
    text = tex.read_text(encoding="utf-8")
    assert text.count(r"\section*{") == 3                       # one per formula file, by its title line
    assert r"\section*{Back propagation into the hidden layer: dE/$dW^{(2)}$ and dE/$db^{(2)}$ as" in text
    assert text.count(r"\textbf{") == 44                        # one title per formula shown, and
    assert "(net.E\\_sum)" not in text                           # E = E_1 + E_2 is a member of net.E
    assert "1 restatement of a formula shown before is not repeated." in text
    assert text.count("Checked by derive") == 1 and "Proved: " not in text
    assert text.count("In an update rule the first = assigns") == 1
    assert f"derive {__version__}" in text and "seed 20261128" in text


# -- the oracle's gradients -------------------------------------------------------------------------
@pytest.mark.parametrize("layers", [(2, 2, 2), (2, 3, 2, 1)])
def test_derived_gradients_equal_the_oracle_when_read_back(layers):
    net = Network(Spec(layers))
    oracle = Oracle(net)
    meaning = Meaning(net, oracle)
    params = [net.quantities[p] for l in range(2, net.L + 1)
              for p in list(net.matrix("W", l)) + list(net.matrix("b", l))]
    rows = derived_gradients(net)
    assert len(rows) == len(params)
    for key, (lhs, terms) in zip(params, rows):
        text = f"{lhs} = {join_terms(terms)}"
        assert "x_" not in text                                  # inputs are a_i^{(1)}
        left, right = parse(text)[0].chains[0]
        lv, rv = meaning.member_value(left), meaning.member_value(right)
        assert sp.expand(rv - oracle.gradient(key).normal) == 0, text
        assert Decider(net, meaning.derivatives).decide(lv, rv).verdict == PROVED


def test_derived_gradient_reads_like_the_lecture():
    lhs, terms = derived_gradients(NET)[0]
    assert lhs == r"\frac{\partial E}{\partial w_{11}^{(2)}}"
    assert terms == [
        r"(a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \times w_{11}^{(3)} \times a_1^{(2)} (1 - a_1^{(2)}) \times a_1^{(1)}",
        r"(a_2^{(3)} - t_2^{(3)}) \times a_2^{(3)} (1 - a_2^{(3)}) \times w_{21}^{(3)} \times a_1^{(2)} (1 - a_1^{(2)}) \times a_1^{(1)}"]


def test_derived_output_is_the_same_bytes_every_run(formula_file):
    path = str(formula_file(GOOD))
    first, second = run("export", path, "--to", "md", "--derived"), run("export", path, "--to", "md", "--derived")
    assert first.exit_code == 0 and first.stdout == second.stdout
    assert r"$$\frac{\partial E}{\partial b_2^{(3)}} = (a_2^{(3)} - t_2^{(3)}) \times a_2^{(3)} (1 - a_2^{(3)})$$" \
        in first.stdout
    outputs = set()
    for seed in ("1", "2"):                                      # across processes and hash seeds too
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, str(ROOT / "cli.py"), "export", path, "--to", "tex", "--derived"],
                              capture_output=True, env=env, cwd=ROOT, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_specs_come_back_from_the_model_description():
    specs = [Spec((2, 3, 1), loss=loss, layout=layout) for loss in LOSSES for layout in LAYOUTS]
    assert specs_from_model("; ".join(s.describe() for s in specs)) == specs
    assert specs_from_model("") == [Spec()]


# -- compiling: pdflatex, xelatex ------------------------------------------------------------------------
TOOLS = {"pdflatex": "texlive-latex-base texlive-latex-recommended texlive-lang-korean",
         "xelatex": "texlive-xetex texlive-lang-korean fonts-noto-cjk",
         "pdftotext": "poppler-utils", "pdftoppm": "poppler-utils", "pdffonts": "poppler-utils"}


def engine_of(text: str) -> str:
    m = re.match(r"% engine: (\w+) ", text)
    assert m, text[:200]
    return m.group(1)


def compile_tex(tex: Path, engine: str | None = None) -> str:
    """Compile with the engine the file names (or `engine`), shell escape off; the log."""
    engine = engine or engine_of(tex.read_text(encoding="utf-8"))
    program = require_tool(engine, TOOLS[engine])
    done = subprocess.run([program, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                          cwd=tex.parent, capture_output=True, timeout=300)
    log = tex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-3000:]
    assert "Undefined control sequence" not in log and "Missing character" not in log
    assert [line for line in log.splitlines() if line.startswith("! ")] == []
    if engine == "pdflatex" and "kotex" not in tex.read_text(encoding="utf-8"):
        assert not re.search(r"\.\d+pk>", log), "bitmap (pk) fonts were generated: a glyph outside the CM Type 1 fonts"
    assert tex.with_suffix(".pdf").exists()
    return log


def pdf_text(pdf: Path) -> str:
    done = subprocess.run([require_tool("pdftotext", TOOLS["pdftotext"]), "-layout", pdf.name, "-"],
                          cwd=pdf.parent, capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8")


def pdf_fonts(pdf: Path) -> str:
    done = subprocess.run([require_tool("pdffonts", TOOLS["pdffonts"]), pdf.name],
                          cwd=pdf.parent, capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8")


def inked_png(pdf: Path) -> Path:
    """Page 1 rendered to PNG by pdftoppm (the picture a reader sees); asserted not blank."""
    import struct
    import zlib
    subprocess.run([require_tool("pdftoppm", TOOLS["pdftoppm"]), "-png", "-gray", "-r", "40", "-f", "1", "-l", "1",
                    pdf.name, "page"], cwd=pdf.parent, check=True, timeout=60)
    png = next(pdf.parent.glob("page*.png"))
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, k = [], 8
    while k < len(data):
        size, kind = struct.unpack(">I4s", data[k:k + 8])
        if kind == b"IDAT":
            chunks.append(data[k + 8:k + 8 + size])
        k += 12 + size
    pixels = zlib.decompress(b"".join(chunks))
    assert sum(1 for b in pixels if b < 100) > 500, "page 1 is blank"
    return png


def test_bundled_formulas_compile_with_pdflatex(tmp_path):
    tex = tmp_path / "proofs.tex"
    result = run("export", "--to", "tex", "--derived", "--engine", "ascii", "-o", str(tex))
    assert result.exit_code == 0, result.output
    assert tex.read_text(encoding="utf-8").startswith("% engine: pdflatex (Hangul romanized")
    compile_tex(tex)


def test_korean_lecture_romanized_as_the_last_fallback(tmp_path):
    lecture = tmp_path / "lecture.md"
    lecture.write_text(LECTURE, encoding="utf-8")
    tex = tmp_path / "lecture.tex"
    result = run("export", str(lecture), "--to", "tex", "--engine", "ascii", "-o", str(tex))
    assert result.exit_code == 0, result.output
    text = tex.read_text(encoding="utf-8")
    assert r"\section*{chulryeokcheung ochayeokjeonpa (Back Propagation)}" in text
    assert r"\tag*{chulryeokcheung baieoseu gongsik}" in text               # the label, romanized
    assert "% original: 출력층 바이어스 공식" in text                          # and kept verbatim
    assert "Hangul is romanized here" in text
    assert text.count(r"\begin{align*}") == 4
    compile_tex(tex)


def test_refuted_and_unreadable_formulas_marked_in_tex_compile_too(formula_file, tmp_path):
    broken = entry(r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} \times {", id="broken")
    wrong = WRONG.replace('title = "t"', 'title = "틀린 공식 $ & # % _ ^ ~ < > | \\\\ {: b_1^(3)"')
    path = formula_file(GOOD + "\n" + wrong + "\n" + broken.replace('title = "t"', 'title = "깨진 식"'))
    for engine in ("xelatex", "pdflatex"):
        tex = tmp_path / f"marked-{engine}.tex"
        assert run("export", str(path), "--to", "tex", "--allow-unproved", "--engine", engine,
                   "-o", str(tex)).exit_code == 2
        text = tex.read_text(encoding="utf-8")
        assert r"\textbf{NOT PROVED (refuted)}" in text and r"\textbf{NOT PROVED (error)}" in text
        compile_tex(tex)
        assert "틀린 공식" in pdf_text(tex.with_suffix(".pdf"))
