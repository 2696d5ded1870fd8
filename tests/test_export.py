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
from conftest import ROOT, entry, require_tool

from cli import main
from derive import __version__
from derive.decide.decider import Decider
from derive.export import typeset
from derive.export.handout import derived_gradients
from derive.export.outline import latex_headings, markdown_headings
from derive.meaning.derivatives import derivative_symbol
from derive.meaning.meaning import Meaning
from derive.model.families import sigmoid
from derive.model.lecture_form import join_terms
from derive.model.network import Network
from derive.model.oracle import Oracle
from derive.model.printing import latex
from derive.model.spec import Spec
from derive.notation.parse import parse
from derive.results import PROVED

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


def show(expr, **settings):
    """The printer, with the spellings of the test's network."""
    return latex(expr, NET.display, **settings)


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- the printer, one construct per test ------------------------------------------------------------
def test_sigmoid_node():
    assert show(sigmoid(NET["z", 2, 1])) == r"\text{sigmoid}(z_1^{(2)})"


def test_product_with_times_keeps_a_node_value_next_to_its_one_minus():
    a, w, x = NET["a", 2, 1], NET["w", 3, 1, 1], NET["x", 1]
    assert show(a * (1 - a) * w * x, mul_symbol="times") == r"a_1^{(2)} (1 - a_1^{(2)}) \times w_{11}^{(3)} \times x_1"
    assert show(a * (1 - a) * w * x) == r"a_1^{(2)} (1 - a_1^{(2)}) w_{11}^{(3)} x_1"


def test_matrix_product_is_bullet():
    A, loss = sp.MatrixSymbol("A1", 1, 2), sp.MatrixSymbol(r"loss\_2", 1, 2)
    assert show(sp.MatMul(A.T, loss)) == r"A1^T \bullet loss\_2"


def test_elementwise_product_is_times():
    loss, W, A = sp.MatrixSymbol("loss_3", 1, 2), sp.MatrixSymbol("W3", 2, 2), sp.MatrixSymbol("A2", 1, 2)
    assert show(sp.HadamardProduct(sp.MatMul(loss, W.T), A)) == r"(loss\_3 \bullet W3^T) \times A2"


def test_transpose():
    W, loss = sp.MatrixSymbol("W3", 2, 2), sp.MatrixSymbol(r"loss\_3", 1, 2)
    assert show(sp.Transpose(W)) == "W3^T"
    assert show(sp.Transpose(sp.MatMul(loss, W))) == r"(loss\_3 \bullet W3)^T"


def test_pmatrix():
    assert show(sp.ImmutableMatrix([[NET["a", 2, 1], NET["b", 2, 2]]])) == \
        r"\begin{pmatrix} a_1^{(2)} & b_2^{(2)} \end{pmatrix}"
    assert show(NET.matrix("W", 2)) == \
        r"\begin{pmatrix} w_{11}^{(2)} & w_{21}^{(2)} \\ w_{12}^{(2)} & w_{22}^{(2)} \end{pmatrix}"


def test_partial_derivative():
    E, w = NET["E",], NET["w", 2, 1, 1]
    assert show(sp.Derivative(E, w)) == r"\frac{\partial E}{\partial w_{11}^{(2)}}"
    assert show(derivative_symbol(E, w, NET.display)) == r"\frac{\partial E}{\partial w_{11}^{(2)}}"


def test_symbol_names_setting_writes_inputs_as_layer_one():
    assert show(NET["x", 2], symbol_names={NET["x", 2]: "a_2^{(1)}"}) == "a_2^{(1)}"


def test_korean_is_romanized_by_the_ascii_engine_and_math_signs_become_commands():
    assert typeset.romanize("층") == "cheung" and typeset.romanize("A") is None
    assert typeset.text("은닉층 가중치 공식", "ascii") == ("eunnikcheung gajungchi gongsik", True)
    assert typeset.text("은닉층 가중치 공식", "xelatex") == ("은닉층 가중치 공식", False)
    assert typeset.text("α × b_1 — 漢字 Привет ف", "xelatex") == (
        r"\ensuremath{\alpha} \ensuremath{\times} b\_1 --- 漢字 " + "".join(rf"{{\derivescript {c}}}" for c in "Привет")
        + " ?", True)
    assert typeset.text("a_1 & 50%", "pdflatex") == (r"a\_1 \& 50\%", False)
    assert typeset.inert_math(r"\text{출력} α × b_1", "ascii") == \
        r"\text{chulryeok} {\alpha} {\times} b_1"
    tex = typeset.Typesetter("pdflatex")
    assert tex.title("∂E/∂w_11^(2) (hidden.w11)") == \
        r"\ensuremath{\partial}E/\ensuremath{\partial}$w_{11}^{(2)}$ (hidden.w11)"


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
    assert run("export", "--bundled", "--to", "tex", "-o", str(tex)).exit_code == 0
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


def test_a_report_carries_the_networks_it_was_checked_in(tmp_path):
    """`--derived` prints the oracle's gradients of the networks the report was checked in: the
    report carries their Specs (no description text parsed back, no process-wide registry)."""
    from derive.pipeline.run import check_paths
    claim = r'''[[formula]]
id = "b"
kind = "chain"
latex = 'b_1^{(3)} = b_1^{(3)}'
'''
    specs = {"deep.toml": Spec((2, 3, 2, 1), activation="tanh", loss="sse"),
             "wide.toml": Spec((3, 4, 2), loss="mse", layout="target-major")}
    for name, spec in specs.items():
        layers = ", ".join(map(str, spec.layers))
        (tmp_path / name).write_text(f'[model]\nlayers = [{layers}]\nactivation = "{spec.activation}"\n'
                                     f'loss = "{spec.loss}"\nlayout = "{spec.layout}"\n\n' + claim,
                                     encoding="utf-8")
    report = check_paths([str(tmp_path / name) for name in specs])
    assert report.exit_code == 0
    expected = sorted(specs.values(), key=Spec.describe)
    assert [s.describe() for s in report.specs] == [s.describe() for s in expected]
    assert report.model == "; ".join(s.describe() for s in expected)
    assert check_paths([]).specs == [Spec()]                      # the bundled formulas: the lecture's network


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
    result = run("export", "--bundled", "--to", "tex", "--derived", "--engine", "ascii", "-o", str(tex))
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
    assert r"\tag*{$\checkmark$ chulryeokcheung baieoseu gongsik}" in text              # the label, romanized
    assert "% original: 출력층 바이어스 공식" in text                          # and kept verbatim
    assert "Hangul is romanized here" in text
    assert text.count(r"\begin{align*}") == 3          # loss_3's definition stands inline, in its sentence
    assert r"\text{loss\_3} = \begin{pmatrix}" in text
    compile_tex(tex)


def test_refuted_and_unreadable_formulas_marked_in_tex_compile_too(formula_file, tmp_path):
    broken = entry(r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} \times {", id="broken")
    wrong = WRONG.replace('title = "t"', 'title = "틀린 공식 $ & # % _ ^ ~ < > | \\\\ {: b_1^(3)"')
    path = formula_file(GOOD + "\n" + wrong + "\n" + broken.replace('title = "t"', 'title = "깨진 식"'))
    require_kotex()
    for engine in ("pdflatex",):                                   # (xelatex: the hostile document's test)
        tex = tmp_path / f"marked-{engine}.tex"
        assert run("export", str(path), "--to", "tex", "--allow-unproved", "--engine", engine,
                   "-o", str(tex)).exit_code == 2
        text = tex.read_text(encoding="utf-8")
        assert r"\textbf{NOT PROVED (refuted)}" in text and r"\textbf{NOT PROVED (error)}" in text
        compile_tex(tex)
        assert "틀린 공식" in pdf_text(tex.with_suffix(".pdf"))


# -- the handout: headings, each formula once, Hangul typeset --------------------------------------------
HANDOUT = r"""# 출력층 오차역전파

출력 값과 손실 값을 다시 정리한다.

$$E_1 = \frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2$$

$$a_1^{(3)} = \text{sigmoid}(z_1^{(3)})$$

## 출력층 바이어스의 기울기

$$\frac{\partial E}{\partial b_1^{(3)}} = \frac{\partial E_1}{\partial a_1^{(3)}} \times \frac{\partial a_1^{(3)}}{\partial z_1^{(3)}} \times \frac{\partial z_1^{(3)}}{\partial b_1^{(3)}}$$

$$= (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \quad \text{출력층 바이어스 공식}$$

[필요 수식]

$$E_1 = \frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2$$

$$a_1^{(3)} = \text{sigmoid}(z_1^{(3)})$$

## 출력층 가중치 행렬 $W^{(3)}$

```python
# 코드 블록 안의 제목은 제목이 아니다
```

$$\frac{\partial E}{\partial W^{(3)}} = \begin{pmatrix} \frac{\partial E}{\partial w_{11}^{(3)}} & \frac{\partial E}{\partial w_{21}^{(3)}} \\ \frac{\partial E}{\partial w_{12}^{(3)}} & \frac{\partial E}{\partial w_{22}^{(3)}} \end{pmatrix} = A2^T \bullet \text{loss\_3}$$

### 업데이트

$$W^{(3)} = W^{(3)} - \alpha \frac{\partial E}{\partial W^{(3)}} = W^{(3)} - \alpha \times (A2^T \bullet \text{loss\_3})$$

$$E_1 = \frac{1}{2}(t_1^{(3)} - a_1^{(3)})^2$$
"""
HANDOUT_HEADINGS = ["출력층 오차역전파", "출력층 바이어스의 기울기", "출력층 가중치 행렬", "업데이트"]


def formula_bodies(tex: str) -> list[str]:
    return [" ".join(b.split()) for b in re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", tex, re.S)]


@pytest.fixture
def handout(tmp_path):
    lecture = tmp_path / "강의.md"
    lecture.write_text(HANDOUT, encoding="utf-8")
    return lecture


def test_handout_sections_are_the_documents_headings_and_each_formula_is_shown_once(handout, tmp_path):
    tex = tmp_path / "handout.tex"
    result = run("export", str(handout), "--to", "tex", "--engine", "xelatex", "-o", str(tex))
    assert result.exit_code == 0, result.output
    text = tex.read_text(encoding="utf-8")
    assert text.startswith("% engine: xelatex (fontspec, kotex (xetexko), Noto Serif CJK KR)\n")
    assert re.findall(r"\\((?:sub)*section)\*\{(.*)\}", text) == [
        ("section", "출력층 오차역전파"), ("subsection", "출력층 바이어스의 기울기"),
        ("subsection", "출력층 가중치 행렬 $W^{(3)}$"), ("subsubsection", "업데이트")]
    bodies = formula_bodies(text)
    assert len(bodies) == 5 and len(set(bodies)) == 5                 # the [필요 수식] restatements: once
    assert text.count("Checked by derive") == 1 and text.count("Model: ") == 1
    assert "3 restatements of a formula shown before are not repeated." in text
    assert r"\tag*{$\checkmark$ 출력층 바이어스 공식}" in text            # proved, and its label
    assert r"\begin{pmatrix} \dfrac{\partial E}{\partial w_{11}^{(3)}}" in text   # fractions at full size,
    assert r"\\ \noalign{\vskip 6pt} \dfrac{\partial E}{\partial w_{12}^{(3)}}" in text  # rows set apart


def test_handout_compiles_with_xelatex_and_shows_hangul(handout, tmp_path):
    tex = tmp_path / "handout.tex"
    assert run("export", str(handout), "--to", "tex", "--engine", "xelatex", "-o", str(tex)).exit_code == 0
    compile_tex(tex)
    pdf = tex.with_suffix(".pdf")
    shown = pdf_text(pdf)
    for heading in HANDOUT_HEADINGS + ["출력층 바이어스 공식"]:
        assert heading in shown
    assert "?" not in shown and "chulryeok" not in shown
    assert "NotoSerifCJK" in pdf_fonts(pdf).replace(" ", "")        # the glyphs come from Noto CJK
    inked_png(pdf)


def require_kotex():
    require_tool("kpsewhich", TOOLS["pdflatex"])
    if subprocess.run(["kpsewhich", "kotex.sty"], capture_output=True).returncode != 0:
        if os.environ.get("CI"):
            pytest.fail("kotex.sty is missing on CI: .ci/system-packages.sh should install texlive-lang-korean")
        pytest.skip("kotex is not installed (apt-get install texlive-lang-korean)")


def test_handout_compiles_with_pdflatex_and_kotex(handout, tmp_path):
    require_kotex()
    tex = tmp_path / "handout.tex"
    assert run("export", str(handout), "--to", "tex", "--engine", "pdflatex", "-o", str(tex)).exit_code == 0
    text = tex.read_text(encoding="utf-8")
    assert text.startswith("% engine: pdflatex (kotex)\n") and "\\usepackage{kotex}" in text
    compile_tex(tex)
    shown = pdf_text(tex.with_suffix(".pdf"))
    assert all(heading in shown for heading in HANDOUT_HEADINGS) and "?" not in shown


def test_engine_is_chosen_and_named():
    assert typeset.choose_engine("no Hangul here, a_1 & x") == "pdflatex"
    assert typeset.choose_engine("은닉층", "ascii") == "ascii"
    assert typeset.choose_engine("은닉층") in typeset.ENGINES
    with pytest.raises(ValueError, match="unknown engine 'lualatex'"):
        typeset.choose_engine("x", "lualatex")
    assert typeset.engine_line("pdflatex", kotex=False) == "% engine: pdflatex (Computer Modern)"


def test_md_handout_keeps_headings_and_shows_each_formula_once(handout):
    result = run("export", str(handout), "--to", "md")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert re.findall(r"^#+ .*$", out, re.M) == [
        "# 출력층 오차역전파", "## 출력층 바이어스의 기울기", "## 출력층 가중치 행렬 $W^{(3)}$", "### 업데이트"]
    assert out.count("$$E_1 = ") == 1 and out.count("$$a_1^{(3)} = ") == 1
    assert out.count("*Proved by derive") == 1 and out.rstrip().endswith("gradient step.*")
    assert r"(1 - a_1^{(3)}) \quad \text{출력층 바이어스 공식}" in out


def test_headings_outside_code_and_front_matter_latex_sections_too():
    md = "---\nderive:\n  layers: [2, 2, 2]\n---\n# 하나\n~~~\n# 아님\n~~~\n## 둘 ##\n    # 들여쓴 코드\n"
    assert [(h.level, h.text, h.line) for h in markdown_headings(md)] == [(1, "하나", 5), (2, "둘", 9)]
    tex = "% \\section{not}\n\\section{은닉층 $W^{(2)}$}\n\\subsection*[short]{b \\emph{c}}\n"
    assert [(h.level, h.text, h.line) for h in latex_headings(tex)] == [(1, "은닉층 $W^{(2)}$", 2),
                                                                         (2, "b \\emph{c}", 3)]


# -- inert: nothing from a document acts when the export is compiled ---------------------------------------
@pytest.mark.parametrize("math", [
    r"x_1 \input{/etc/hostname}", r"x_{\input /etc/hostname}", r"a^{(\immediate\write18{touch x})}",
    r"\openout3=x", r"\catcode`\|=0", r"\csname input\endcsname", r"\def\x{y}", r"^^5cinput{x}",
    r"x # y", r"x % y", r"x $ y", r"\begin{document}", r"x_1 }{", r"\text{a}\read16 to\x", "\\\x00",
    r"\begin{pmatrix} a \end{aligned}", r"\expandafter\x", r"\@@input x"])
def test_math_that_is_not_the_notations_is_refused(math):
    assert typeset.inert_math(math, "xelatex") is None


def test_math_of_the_notation_is_rebuilt_as_written():
    assert typeset.inert_math(r"\frac{\partial E}{\partial w_{11}^{(2)}} = a_1^{(2)} \times \text{loss\_3}",
                              "pdflatex") == r"\frac{\partial E}{\partial w_{11}^{(2)}} = a_1^{(2)} \times \text{loss\_3}"
    assert typeset.inert_math(r"x \label{eq:\input x} \quad \text{은닉층 \input y 50% \_ <}", "xelatex") == \
        r"x  \quad \text{은닉층 y 50\% \_ \textless{}}"                        # commands in text are dropped
    assert typeset.inert_math(r"\text{은닉층}", "ascii") == r"\text{eunnikcheung}"
    assert typeset.text("\\input{/etc/hostname} ^^5c %\n#", "pdflatex") == \
        (r"\textbackslash{}input\{/etc/hostname\} \^{}\^{}5c \% \#", False)


HOSTILE = r"\input{/etc/hostname} \immediate\write18{touch pwned} \openout5=made.txt \catcode`\|=0 \csname input\endcsname{secret} ^^5cinput{secret} \def\x{y}"
HOSTILE_TEXT = r"\input secret \immediate\write18 touch \openout5=made.txt \catcode`\|=0 ^^5cinput secret \csname input\endcsname"
B1 = r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})"
HOSTILE_TOML = ("[[formula]]\nid = '" + HOSTILE + "'\ntitle = '" + HOSTILE + "'\nkind = \"chain\"\nlatex = '''\n"
                + B1 + r" \quad \text{" + HOSTILE_TEXT + "}\n'''\n")
HOSTILE_MD = ("# " + HOSTILE + r" $\input{secret}$ $x_{\csname input\endcsname{secret}}$ $a_1^{(3)}$" + "\n\n"
              "$$" + B1 + r" \label{\input /etc/hostname} \quad \text{" + HOSTILE_TEXT + "}$$\n\n"
              r"$$a_1^{(3)} = \text{sigmoid}(z_1^{(3)}) \tag{" + HOSTILE_TEXT + "}$$\n\n"
              r"$$x_{\input /etc/hostname} = a_1^{(1)}$$" + "\n")


def test_export_of_a_hostile_document_is_inert_when_compiled(formula_file, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    files = [formula_file(HOSTILE_TOML, "in/a\\input{secret}%.toml"), folder / "b$\\input{secret}.md"]
    files[1].write_text(HOSTILE_MD, encoding="utf-8")
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    for engine in ("pdflatex", "xelatex"):
        work = tmp_path / engine
        work.mkdir()
        (work / "secret.tex").write_text("SECRETTOKEN\n", encoding="utf-8")
        tex = work / "handout.tex"
        result = run("export", *map(str, files), "--to", "tex", "--allow-unproved", "--engine", engine, "-o", str(tex))
        assert result.exit_code == 2, result.output                 # $\input{secret}$ is not the notation
        text = tex.read_text(encoding="utf-8")
        assert text.count(r"\begin{align*}") == 4 and text.count(r"\section*{") == 2    # one per file
        assert text.count(r"\subsection*{") == 1
        inert = text.replace(r"\textbackslash{}", "#")
        for payload in (r"\input", r"\write18", r"\openout", r"\catcode", r"\csname", r"\def", "^^"):
            assert payload not in inert, payload
        before = {p.name for p in work.iterdir()}
        compile_tex(tex)
        made = {p.name for p in work.iterdir()} - before
        assert made <= {"handout.pdf", "handout.log", "handout.aux"}, made
        shown = pdf_text(tex.with_suffix(".pdf"))
        assert "SECRETTOKEN" not in shown and (not hostname or hostname not in shown.split())
        assert "input{/etc/hostname}" in shown.replace("\\", "")    # the title shown as text, not run
    from derive.pipeline.run import check_paths
    from derive.report.html import render_html
    page = render_html(check_paths(list(map(str, files))))
    assert "\\input{/etc/hostname}" in page and "<script" not in page.lower()


# -- the shared lecture -----------------------------------------------------------------------------------
SHARED = ROOT.parent / "shared" / "lecture" / "backprop_hidden_layer.md"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/lecture is not here")
def test_shared_lecture_handout_compiles_with_its_korean_headings(tmp_path):
    tex = tmp_path / "lecture.tex"
    result = run("export", str(SHARED), "--to", "tex", "-o", str(tex))
    assert result.exit_code == 0, result.output
    text = tex.read_text(encoding="utf-8")
    headings = [h.text for h in markdown_headings(SHARED.read_text(encoding="utf-8"))]
    assert len(headings) == 4
    assert len(re.findall(r"\\section\*\{", text)) == len(headings)
    bodies = formula_bodies(text)
    assert len(bodies) == len(set(bodies))
    assert text.count("Checked by derive") == 1
    if engine_of(text) == "pdflatex" and "kotex" not in text:
        pytest.fail("neither xelatex with Noto CJK nor kotex found: the handout would be romanized")
    compile_tex(tex)
    shown = " ".join(pdf_text(tex.with_suffix(".pdf")).split())
    for heading in headings:
        korean = " ".join(re.sub(r"\$[^$]*\$", " ", heading).split()).split(" - ")[0]
        assert korean in shown, korean
    assert "?" not in shown


def test_notebook_handout_files_each_formula_under_its_cells_heading(tmp_path):
    import json
    cells = [("markdown", "# 출력층\n\n$$E_1 = \\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2$$"),
             ("code", "# 코드 셀의 주석은 제목이 아니다\nx = 1"),
             ("markdown", "## 바이어스\n\n설명\n\n$$" + r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})" + "$$"),
             ("markdown", "$$E_1 = \\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2$$")]
    notebook = {"cells": [{"cell_type": kind, "metadata": {}, "source": text.splitlines(True),
                           **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                          for kind, text in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "lecture.ipynb"
    path.write_text(json.dumps(notebook, ensure_ascii=False), encoding="utf-8")
    result = run("export", str(path), "--to", "md")
    assert result.exit_code == 0, result.output
    blocks = [line for line in result.stdout.splitlines() if line.startswith(("#", "$$"))]
    assert blocks == ["# 출력층", "$$E_1 = \\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2$$", "## 바이어스",
                      "$$" + r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})" + "$$"]


# -- inert, whatever the input: text and math from random soup -------------------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st

SOUP = st.lists(st.sampled_from([
    "\\input", "\\write18", "\\openout", "\\read", "\\catcode", "\\csname", "\\endcsname", "\\def", "\\let",
    "\\frac", "\\text", "\\mathrm", "\\label", "\\tag", "\\begin", "\\end", "{pmatrix}", "{document}", "\\\\",
    "\\", "{", "}", "^", "^^", "_", "#", "%", "$", "&", "~", "`", "'", "\n", "\r", "\x00", "\x7f", "\u2028",
    "x", "a_1", "=", " ", "은닉층", "α", "×", "Ж", "ف", "[", "]", "(", ")", "\\{", "\\_", "\\quad", "@", "\\@"]),
    max_size=30).map("".join)
OURS = {"textbackslash", "textless", "textgreater", "textbar", "ensuremath", "derivescript", "ldots", "noalign",
        "vskip", "ttfamily"}


def control_words(tex: str) -> set:
    return set(re.findall(r"\\([A-Za-z]+)", tex.replace("\\\\", " ")))


@settings(max_examples=150, deadline=None)
@given(SOUP)
def test_random_text_comes_out_escaped(source):
    for engine in typeset.ENGINES:
        out, _ = typeset.text(source, engine)
        assert control_words(out) <= OURS | {c.lstrip("\\") for c in typeset.MATH_SIGNS.values()} | {"tfrac"}
        bare = re.sub(r"\\ensuremath\{[^{}]*\}|\{\\derivescript .\}|\\[A-Za-z]+(\{\})?|\\[{}_&#%$^~](\{\})?", "", out)
        assert not re.search(r"[\\{}#%$&^_~\x00-\x1f\x7f\u2028]", bare), (source, out)


@settings(max_examples=150, deadline=None)
@given(SOUP)
def test_random_math_is_refused_or_rebuilt_from_the_notation(source):
    for engine in typeset.ENGINES:
        out = typeset.inert_math(source, engine)
        if out is None:
            out = typeset.verbatim(source, engine)
        allowed = typeset.COMMANDS | typeset.TEXT_COMMANDS | typeset.NAME_COMMANDS | {"begin", "end", "dfrac"} | OURS
        assert control_words(out) <= allowed | {c.lstrip("\\") for c in typeset.MATH_SIGNS.values()}, (source, out)
        assert not re.search(r"\^\^|[#%$\x00-\x1f\x7f\u2028]", out.replace(r"\#", "").replace(r"\%", "")
                             .replace(r"\$", "")), (source, out)
        for env in re.findall(r"\\(?:begin|end)\{(\w+)\}", out):
            assert env in typeset.ENVIRONMENTS


def test_latex_lecture_handout_takes_its_sections(tmp_path):
    lecture = tmp_path / "lecture.tex"
    lecture.write_text("\\documentclass{article}\n\\begin{document}\n\\section{출력층}\n"
                       "\\begin{align}\nE_1 &= \\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2\n\\end{align}\n"
                       "\\subsection*{바이어스 $b^{(3)}$} % 주석\n\\[" + GOOD.split("'''")[1].strip() + "\\]\n"
                       "\\end{document}\n", encoding="utf-8")
    tex = tmp_path / "handout.tex"
    assert run("export", str(lecture), "--to", "tex", "--engine", "xelatex", "-o", str(tex)).exit_code == 0
    text = tex.read_text(encoding="utf-8")
    assert re.findall(r"\\((?:sub)*section)\*\{(.*)\}", text) == [("section", "출력층"),
                                                                 ("subsection", "바이어스 $b^{(3)}$")]
    assert len(formula_bodies(text)) == 2
    assert text.index(r"\subsection*") < text.index(r"\partial b_1^{(3)}")
