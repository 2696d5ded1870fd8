r"""The handout of a LaTeX lecture or a notebook is that lecture: its title, sectioning, prose, lists
and displays in order, Korean included, each checked formula marked where it stands, equation
numbers as LaTeX gives them -- and nothing of the lecture's TeX that could read, write or run
anything reaches the handout (compiled with xelatex -no-shell-escape, openin_any=p, it reads and
writes nothing outside its folder: TeX's own record of its files says so)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from conftest import require_tool

from cli import main
from derive.export import typeset
from derive.export.latex_prose import read_latex_lecture

LECTURE = r"""\documentclass[11pt]{article}
\usepackage{kotex}
\usepackage{amsmath,amssymb}
\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}}
\title{신경망 강의 5: 은닉층이 \emph{tanh}인 역전파}
\author{김민준}
\begin{document}
\maketitle

\section{모형}
이 노트는 Nielsen의 책을 따라 2-2-2 신경망을 다룬다. The hidden layer uses $\tanh$ and the
output layer the logistic sigmoid; the loss is half the sum of squares % 주석: 나중에 고칠 것
(see \eqref{eq:loss}).

\begin{itemize}
  \item 입력: $x_1, x_2$
  \item \textbf{hidden}: $a_j^{(2)} = \tanh(z_j^{(2)})$
\end{itemize}

\begin{equation}\label{eq:loss}
E = \frac{1}{2} \sum_{k=1}^{2} (t_k - a_k^{(3)})^2
\end{equation}

\section{출력층 바이어스}
출력층 바이어스의 기울기는 체인 룰로 구한다.
\begin{align}
\frac{\partial E}{\partial b_1^{(3)}}
  &= \frac{\partial E}{\partial a_1^{(3)}} \times \frac{\partial a_1^{(3)}}{\partial z_1^{(3)}} \label{eq:chain} \\
  &= (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})
\end{align}

\subsection*{은닉층}
\begin{enumerate}
  \item The local derivative of a tanh unit is $1 - (a_j^{(2)})^2$.
  \item Every hidden error term multiplies by it, as in \eqref{eq:chain}.
\end{enumerate}
\begin{align*}
\frac{\partial a_1^{(2)}}{\partial z_1^{(2)}} &= 1 - (a_1^{(2)})^2
\end{align*}
A display that claims nothing is still shown:
\[ \max(0, z_1^{(2)}) + \log a_1^{(3)} + \ln(1 - a_1^{(3)}) + \exp(-z_1^{(2)}) + \operatorname{ReLU}(z_1^{(2)}) \]

\begin{verbatim}
a2 = np.tanh(z2)   # 100% \input{/etc/passwd}
\end{verbatim}
\end{document}
"""


def run(*args):
    return CliRunner().invoke(main, list(args))


def export(tmp_path, name, text, *args):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return run("export", str(path), *args)


def body(tex: str) -> str:
    return tex.split(r"\begin{document}")[1]


def test_blocks_of_a_latex_lecture():
    doc = read_latex_lecture(LECTURE)
    assert doc.title == r"신경망 강의 5: 은닉층이 \emph{tanh}인 역전파" and doc.author == "김민준"
    kinds = [(b.kind, b.first) for b in doc.blocks]
    assert kinds == [("paragraph", 8), ("heading", 10), ("paragraph", 11), ("item", 16), ("item", 17),
                     ("math", 20), ("heading", 24), ("paragraph", 25), ("math", 26), ("heading", 32),
                     ("item", 34), ("item", 35), ("math", 37), ("paragraph", 40), ("math", 41), ("code", 43)]
    assert doc.rows == {21: "1", 27: "2", 28: "2", 29: "3"}      # as LaTeX numbers: the equation, two align rows
    assert doc.labels == {"eq:loss": "1", "eq:chain": "2"}
    assert "주석" not in " ".join(b.text for b in doc.blocks)      # comments dropped


def test_the_handout_of_a_latex_lecture_is_the_lecture(tmp_path):
    result = export(tmp_path, "week5.tex", LECTURE, "--to", "tex", "--engine", "xelatex")
    assert result.exit_code == 0, result.output
    tex = body(result.stdout)
    order = [r"\begin{center}{\Large 신경망 강의 5: 은닉층이 \emph{tanh}인 역전파}\\[1ex]{\large 김민준}\end{center}",
             r"\section*{모형}", "이 노트는 Nielsen의 책을 따라 2-2-2 신경망을 다룬다. The hidden layer uses $\\tanh$ and the "
             "output layer the logistic sigmoid; the loss is half the sum of squares (see (1)).",
             r"\begin{itemize}", r"\item 입력: $x_1, x_2$", r"\item \textbf{hidden}: $a_j^{(2)} = \tanh(z_j^{(2)})$\,{\small$\checkmark$}",
             r"\end{itemize}", r"E &= \frac{1}{2} \sum_{k=1}^{2} (t_k - a_k^{(3)})^2 \tag*{$\checkmark$ (1)}",
             r"\section*{출력층 바이어스}", "출력층 바이어스의 기울기는 체인 룰로 구한다.",
             r"&= (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \tag*{$\checkmark$ (2)}",
             r"\subsection*{은닉층}", r"\begin{enumerate}",
             r"\item The local derivative of a tanh unit is $1 - (a_j^{(2)})^2$.",
             r"\item Every hidden error term multiplies by it, as in (2).", r"\end{enumerate}",
             r"&= 1 - (a_1^{(2)})^2 \tag*{$\checkmark$}", "A display that claims nothing is still shown:",
             r"\operatorname{ReLU}(z_1^{(2)})", r"\mbox{}a2~=~np.tanh(z2)~~~\#~100\%~\textbackslash{}input\{/etc/passwd\}",
             r"\hrule"]
    positions = [tex.index(piece) for piece in order]
    assert positions == sorted(positions)
    assert re.findall(r"\\((?:sub)*section)\*\{(.*?)\}", tex) == [
        ("section", "모형"), ("section", "출력층 바이어스"), ("subsection", "은닉층")]
    assert r"\max(0, z_1^{(2)}) + \log a_1^{(3)} + \ln(1 - a_1^{(3)}) + \exp(-z_1^{(2)})" in tex
    assert "주석" not in tex and r"\newcommand" not in tex and r"\pd" not in tex
    assert tex.count(r"\checkmark") == 4 and "NOT PROVED" not in tex
    prose = re.sub(r"\\begin\{quote\}\\ttfamily.*?\\end\{quote\}", "", tex, flags=re.S)     # all but the listing
    assert r"\textbackslash" not in prose and r"\ttfamily" not in prose          # no LaTeX source shown as text


def test_an_unproved_formula_of_the_prose_is_marked_where_it_stands(tmp_path):
    lecture = LECTURE.replace(r"is $1 - (a_j^{(2)})^2$.", r"is $\frac{\partial a_j^{(2)}}{\partial z_j^{(2)}} = a_j^{(2)} (1 - a_j^{(2)})$.")
    result = export(tmp_path, "week5.tex", lecture, "--to", "tex", "--engine", "xelatex")
    assert result.exit_code == 1, result.output
    assert r"= a_j^{(2)} (1 - a_j^{(2)})$ \textbf{[NOT PROVED (refuted)]}." in result.stdout


HOSTILE = r"""\documentclass{article}
\usepackage{shellesc}
\usepackage{/tmp/evil}
\immediate\write18{touch PWNED-PREAMBLE}
\title{Backprop \input{/etc/passwd} notes}
\begin{document}
\section{Loss \input{secret}}
\input{/etc/passwd}
\include{secret}
\InputIfFileExists{secret}{}{}
\immediate\write18{touch PWNED}
\immediate\openout3=written.txt \immediate\write3{x}
\catcode`\|=0 |input{secret}
\def\x{\input{secret}}\x
\csname input\endcsname{secret}
^^5cinput{secret}
\usepackage{catchfile}\CatchFileDef{\y}{secret.tex}{}
\newread\r \openin\r=secret.tex
The loss of one example is
\begin{equation}
E_1 = \frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2
\end{equation}
\begin{verbatim}
\end{verbatim} \input{secret}
\end{verbatim}
\end{document}
"""


def test_a_hostile_latex_lecture_gives_an_inert_handout(tmp_path):
    xelatex = require_tool("xelatex", "texlive-xetex")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    work = tmp_path / "out"
    work.mkdir()
    (work / "secret.tex").write_text("SECRETTOKEN\n", encoding="utf-8")
    result = export(tmp_path, "hostile.tex", HOSTILE, "--to", "tex", "--engine", "xelatex", "-o",
                    str(work / "handout.tex"))
    assert result.exit_code == 0, result.output
    text = (work / "handout.tex").read_text(encoding="utf-8")
    inert = body(text).replace(r"\textbackslash{}", "#")
    for payload in (r"\input", r"\include", r"\write", r"\openout", r"\openin", r"\catcode", r"\csname", r"\def",
                    r"\usepackage", r"\immediate", r"\CatchFileDef", r"\InputIfFileExists", "^^", "|input"):
        assert payload not in inert, payload
    assert r"E_1 &= \frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2 \tag*{$\checkmark$ (1)}" in text
    assert r"\emph{[/etc/passwd not included]}" in text and r"\emph{[secret not included]}" in text   # said, not read
    before = {p.name for p in work.iterdir()}
    env = {**os.environ, "openin_any": "p", "openout_any": "p", "shell_escape": "f"}
    done = subprocess.run([xelatex, "-no-shell-escape", "-recorder", "-interaction=nonstopmode", "-halt-on-error",
                           "handout.tex"], cwd=work, env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stdout.decode("utf-8", "replace")[-2000:]
    made = {p.name for p in work.iterdir()} - before
    assert made == {"handout.pdf", "handout.log", "handout.aux", "handout.fls"}, made
    record = (work / "handout.fls").read_bytes().decode("utf-8", "replace")
    read = [line.split(" ", 1)[1] for line in record.splitlines() if line.startswith("INPUT ")]
    written = [line.split(" ", 1)[1] for line in record.splitlines() if line.startswith("OUTPUT ")]
    own = {"handout.tex", "handout.aux", "./handout.tex", "./handout.aux"}
    outside = [p for p in read if p not in own and not p.startswith(tex_trees())]
    assert outside == [] and not any("secret" in p or "passwd" in p or "evil" in p for p in read), outside
    assert {os.path.basename(p) for p in written} <= {"handout.aux", "handout.log", "handout.pdf"}, written
    assert all(os.path.dirname(p) in ("", ".", str(work)) for p in written), written
    shown = subprocess.run([pdftotext, str(work / "handout.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "SECRETTOKEN" not in shown and "root:" not in shown
    assert not (tmp_path / "PWNED").exists() and not (work / "PWNED").exists() and not (work / "written.txt").exists()


def tex_trees() -> tuple[str, ...]:
    """Where the TeX installation keeps its own files (kpsewhich says), which TeX may read."""
    trees = {"/usr/share/texlive/", "/usr/share/texmf/", "/var/lib/texmf/", "/etc/texmf/"}
    for var in ("TEXMFDIST", "TEXMFMAIN", "TEXMFLOCAL", "TEXMFSYSVAR", "TEXMFSYSCONFIG", "TEXMFVAR", "TEXMFCONFIG"):
        found = subprocess.run(["kpsewhich", f"-var-value={var}"], capture_output=True, text=True).stdout.strip()
        trees |= {path.rstrip("/") + "/" for path in found.split(":") if path.startswith("/") and len(path) > 1}
    return tuple(sorted(trees))


NOTEBOOK = [
    ("markdown", "# 출력층의 역전파\n\nWe follow *Nielsen's* notation: the loss of one example is\n\n"
                 "$$E_1 = \\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2$$\n\n- inputs $x_1, x_2$\n- targets $t_1^{(3)}$"),
    ("code", "import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))  # \\input{/etc/passwd} 100%"),
    ("markdown", "## 바이어스\n\nThe bias gradient, where $a_1^{(3)} = \\sigma(z_1^{(3)})$:\n\n$$"
                 r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})" "$$"),
    ("raw", "\\input{/etc/passwd}"),
]


def notebook_text(cells=NOTEBOOK) -> str:
    return json.dumps({"cells": [{"cell_type": kind, "metadata": {}, "source": text.splitlines(True),
                                  **({"outputs": [{"output_type": "stream", "name": "stdout", "text": ["OUTPUT\n"]}],
                                      "execution_count": 1} if kind == "code" else {})}
                                 for kind, text in cells],
                       "metadata": {"title": "역전파 실습"}, "nbformat": 4, "nbformat_minor": 5}, ensure_ascii=False)


def test_the_handout_of_a_notebook_is_its_cells_in_order(tmp_path):
    result = export(tmp_path, "lab.ipynb", notebook_text(), "--to", "tex", "--engine", "xelatex")
    assert result.exit_code == 0, result.output
    tex = body(result.stdout)
    order = [r"\begin{center}{\Large 역전파 실습}\end{center}", r"\section*{출력층의 역전파}",
             r"We follow \emph{Nielsen's} notation: the loss of one example is",
             r"E_1 &= \frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2 \tag*{$\checkmark$}", r"\item inputs $x_1, x_2$",
             r"\begin{quote}\ttfamily\small \mbox{}import~numpy~as~np\\\mbox{}\\\mbox{}def~sigmoid(z):\\"
             r"\mbox{}~~~~return~1~/~(1~+~np.exp(-z))~~\#~\textbackslash{}input\{/etc/passwd\}~100\%\end{quote}",
             r"\subsection*{바이어스}", r"where $a_1^{(3)} = \sigma(z_1^{(3)})$\,{\small$\checkmark$}:",
             r"&= (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \tag*{$\checkmark$}", r"\hrule"]
    positions = [tex.index(piece) for piece in order]
    assert positions == sorted(positions)
    assert "OUTPUT" not in tex and r"\input{" not in tex
    prose = re.sub(r"\\begin\{quote\}\\ttfamily.*?\\end\{quote\}", "", tex, flags=re.S)     # all but the listing
    assert r"\textbackslash" not in prose and r"\ttfamily" not in prose          # no LaTeX source shown as text


def test_no_code_leaves_the_code_cells_out(tmp_path):
    result = export(tmp_path, "lab.ipynb", notebook_text(), "--to", "tex", "--engine", "xelatex", "--no-code")
    assert result.exit_code == 0, result.output
    assert r"\ttfamily" not in result.stdout and "numpy" not in result.stdout
    assert r"\subsection*{바이어스}" in result.stdout


def test_the_pdf_of_a_latex_lecture_shows_no_latex_source(tmp_path):
    require_tool("xelatex", "texlive-xetex texlive-lang-korean fonts-noto-cjk")
    pdftotext = require_tool("pdftotext", "poppler-utils")
    if not typeset.available("xelatex"):
        pytest.skip("xelatex without kotex or Noto CJK")
    result = export(tmp_path, "week5.tex", LECTURE, "--to", "pdf", "-o", str(tmp_path / "week5.pdf"))
    assert result.exit_code == 0, result.output
    text = subprocess.run([pdftotext, str(tmp_path / "week5.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    assert "이 노트는 Nielsen의 책을 따라 2-2-2 신경망을 다룬다." in flat and "김민준" in flat
    assert "(see (1))" in flat and "as in (2)" in flat
    assert "max(0," in flat and "ReLU(z" in flat
    assert not re.search(r"\\(tanh|frac|partial|sigma|max|log|ln|exp|operatorname|emph|textbf|section)\b",
                         flat.replace(r"\input{/etc/passwd}", ""))
    assert shutil.which("xelatex")


MACROS = r"""\documentclass{article}
\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}}
\newcommand\R{\mathbb{R}}
\DeclareMathOperator{\sgn}{sgn}
\newcommand{\loopy}{\loopy x}
\newcommand{\leak}{\input{/etc/passwd}}
\begin{document}
\section{Notation}
Inputs are $x \in \R^2$; the sign is $\sgn(z)$ and a gradient is written $\pd{E}{w}$.
\[ \pd{E}{b_1^{(3)}} = \sgn(t_1) \quad \loopy \]
\[ \leak \]
\end{document}
"""


def test_a_lectures_own_macros_are_expanded_and_stay_inert(tmp_path):
    result = export(tmp_path, "macros.tex", MACROS, "--to", "tex", "--engine", "pdflatex")
    tex = body(result.stdout)
    assert r"Inputs are $x \in \mathbb{R}^2$; the sign is $\operatorname{sgn}(z)$ and a gradient is written " \
           r"$\frac{\partial {E}}{\partial {w}}$." in tex
    assert r"\textbackslash{}loopy" in tex                           # recursing without end: shown as written
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex and r"\input{" not in tex   # a macro that reads: refused


def test_more_operators_and_old_font_switches_are_math():
    for written in (r"\arctan(x)", r"{\rm th}", r"\Pr(y)", r"\prod_{k} a_k", r"\lVert x \rVert", r"\binom{n}{k}"):
        assert typeset.inert_math(written, "pdflatex") == written


SLIDES = r"""\documentclass{beamer}
\usetheme{Madrid}
\title{Backpropagation}
\author{Lee}
\begin{document}
\begin{frame}
  \titlepage
\end{frame}
\section{Output layer}
\begin{frame}{The output layer's bias}
  \begin{itemize}
    \item<1-> The loss of one example:
    \item<2-> \alert{chain rule} gives
  \end{itemize}
  \pause
  \begin{align*}
    \frac{\partial E}{\partial b_1^{(3)}} &= (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})
  \end{align*}
\end{frame}
\begin{frame}
  \frametitle<2>{The hidden layer}
  \begin{columns}
    \begin{column}{0.5\textwidth}
      \begin{block}{Remember}
        $a_1^{(3)} = \sigma(z_1^{(3)})$
      \end{block}
    \end{column}
  \end{columns}
  \only<2>{Only on the second slide.}
\end{frame}
\end{document}
"""


def test_the_handout_of_beamer_slides_is_their_text(tmp_path):
    result = export(tmp_path, "slides.tex", SLIDES, "--to", "tex", "--engine", "pdflatex")
    assert result.exit_code == 0, result.output
    tex = body(result.stdout)
    assert tex.split(r"\bigskip\hrule")[0].strip().split("\n") == [
        r"\begin{center}{\Large Backpropagation}\\[1ex]{\large Lee}\end{center}",
        r"\section*{Output layer}", r"\subsection*{The output layer's bias}", r"\begin{itemize}",
        r"\item The loss of one example:", r"\item \emph{chain rule} gives", r"\end{itemize}", r"\begin{align*}",
        r"\frac{\partial E}{\partial b_1^{(3)}} &= (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)}) \tag*{$\checkmark$}",
        r"\end{align*}", r"\subsection*{The hidden layer}",
        r"\textbf{Remember.} $a_1^{(3)} = \sigma(z_1^{(3)})$\,{\small$\checkmark$}\par\smallskip",
        r"Only on the second slide.\par\smallskip"]


TAGS = r"""\documentclass{article}
\begin{document}
\section{Norms}
\begin{align}
\lVert x \rVert &= \sqrt{x_1^2 + x_2^2} \tag{N} \label{eq:n} \\
y &= \max(0, x_1) \nonumber
\end{align}
\[ r = \ln x_2 \tag{R} \]
See \eqref{eq:n} and \ref{sec:nowhere}.
\end{document}
"""


def test_displays_that_claim_nothing_keep_their_tags_and_compile(tmp_path):
    result = export(tmp_path, "norms.tex", TAGS, "--to", "tex", "--engine", "pdflatex")
    tex = body(result.stdout)
    assert r"\begin{align*} \lVert x \rVert &= \sqrt{x_1^2 + x_2^2} \tag{N}  \\ y &= \max(0, x_1) \nonumber \end{align*}" in tex
    assert r"\[ r = \ln x_2 \tag{R} \]" in tex and "See (N) and ??." in tex
    pdftotext = require_tool("pdftotext", "poppler-utils")
    require_tool("pdflatex", "texlive-latex-base")
    result = export(tmp_path, "norms.tex", TAGS, "--to", "pdf", "--engine", "pdflatex", "-o", str(tmp_path / "n.pdf"))
    assert result.exit_code == 0, result.output
    shown = subprocess.run([pdftotext, str(tmp_path / "n.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "(N)" in shown and "(R)" in shown and "max(0, x1 )" in shown


PUBLIC = r"""\documentclass[a4paper]{article}
\usepackage{amsmath,amsthm,hyperref,enumitem}
\newtheorem{definition}{Definition}
\title{CS 4xx Lecture Notes: Backpropagation\thanks{Based on Nielsen (2015).}}
\author{A.~Lecturer \and B.~Assistant}
\date{Spring 2026}
\begin{document}
\maketitle
\tableofcontents
\section{Setup}\label{sec:setup}
We use the notation of \href{http://neuralnetworksanddeeplearning.com}{Nielsen's book}\footnote{Chapter~2.},
see Section~\ref{sec:setup}.
``Quoted'' text --- with dashes -- and \S 2, 50\% \& more.\\[2pt]
A price of $5 and no closing dollar.

\begin{definition}[Sigmoid]
The logistic function is $\sigma(z) = \frac{1}{1 + e^{-z}}$.
\end{definition}
\begin{enumerate}[label=(\alph*)]
\item[(i)] first
\item second with \verb|x_1 = 2| inline
\end{enumerate}
\begin{tabular}{l|c}
\hline
Symbol & Meaning \\ \hline
$a_j^{(l)}$ & activation \\
\end{tabular}
\begin{description}
\item[Loss] half the sum of squares
\end{description}
\begin{figure}[h]\centering\includegraphics{net.png}\caption{The network}\end{figure}
\begin{proof}
Trivial.
\end{proof}
\end{document}
"""


def test_a_course_note_in_the_usual_latex_reads_as_written_and_compiles(tmp_path):
    result = export(tmp_path, "notes.tex", PUBLIC, "--to", "tex", "--engine", "pdflatex")
    assert result.exit_code == 2, result.output                     # the unclosed $ is reported where it stands
    assert "notes.tex:14:12: unclosed $ inline math" in result.stderr
    tex = body(result.stdout).split(r"\bigskip\hrule")[0].strip().split("\n")
    assert tex == [
        r"\begin{center}{\Large CS 4xx Lecture Notes: Backpropagation}\\[1ex]{\large A.~Lecturer \quad B.~Assistant}\end{center}",
        r"\section*{Setup}",
        r"We use the notation of Nielsen's book (Chapter~2.), see Section~1. ``Quoted'' text --- with dashes -- and "
        r"\S{}2, 50\% \& more.\newline{} A price of \ensuremath{\$}5 and no closing dollar.\par\smallskip",
        r"\textbf{Definition (Sigmoid).} The logistic function is $\sigma(z) = \frac{1}{1 + e^{-z}}$\,{\small$\checkmark$}.\par\smallskip",
        r"\begin{enumerate}", r"\item \textbf{(i)} first", r"\item second with \texttt{x\_1 = 2} inline", r"\end{enumerate}",
        r"Symbol\qquad Meaning\par\smallskip", r"$a_j^{(l)}$\qquad activation\par\smallskip",
        r"\begin{itemize}", r"\item \textbf{Loss} half the sum of squares", r"\end{itemize}",
        r"\textbf{Proof.} Trivial.\par\smallskip"]
    require_tool("pdflatex", "texlive-latex-base")
    result = export(tmp_path, "notes.tex", PUBLIC, "--to", "pdf", "--engine", "pdflatex", "-o", str(tmp_path / "n.pdf"))
    assert result.exit_code == 2 and (tmp_path / "n.pdf").read_bytes().startswith(b"%PDF-"), result.output


# -- inert, whatever the lecture: LaTeX soup through the whole LaTeX handout -------------------------------
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from derive.export import prose  # noqa: E402
from derive.export.latex_words import words  # noqa: E402

LATEX_SOUP = st.lists(st.sampled_from([
    "\\input", "\\include", "\\write18", "\\immediate", "\\openout", "\\read", "\\catcode", "\\csname", "\\endcsname",
    "\\def", "\\let", "\\usepackage", "\\newcommand", "\\section", "\\subsection*", "\\item", "\\textbf", "\\emph",
    "\\texttt", "\\verb|", "\\href", "\\footnote", "\\eqref", "\\label", "\\begin{itemize}", "\\end{itemize}",
    "\\begin{align}", "\\end{align}", "\\begin{verbatim}", "\\end{verbatim}", "\\begin{tabular}{cc}",
    "\\end{tabular}", "\\begin{theorem}", "\\end{theorem}", "\\[", "\\]", "$", "$$", "\\(", "\\)", "{", "}", "[",
    "]", "\\begin{frame}", "\\end{frame}", "\\frametitle", "<2->", "\\begin{block}", "\\\\", "\\", "&", "#", "%", "^", "^^", "_", "~", "`", "'", "\n", "\n\n", "\x00", "\x7f", "x", "a_1",
    "=", " ", "은닉층", "α", "×", "\\S", "\\and", "\\thanks", "\\begin{enumerate}[label=(\\alph*)]", "\\frac", "\\tanh", "/etc/passwd", "\\@", "\\%", "\\{"]), max_size=40).map("".join)
ALLOWED = (typeset.COMMANDS | typeset.TEXT_COMMANDS | typeset.NAME_COMMANDS | {c.lstrip("\\") for c in typeset.MATH_SIGNS.values()}
           | {"begin", "end", "dfrac", "textbackslash", "textless", "textgreater", "textbar", "ensuremath", "derivescript",
              "ldots", "noalign", "vskip", "ttfamily", "textbf", "emph", "textit", "textsl", "textsc", "underline",
              "textsf", "textrm", "textup", "textmd", "mbox", "texttt", "newline", "section", "subsection",
              "subsubsection", "paragraph", "item", "par", "smallskip", "qquad", "checkmark", "small", "tfrac",
              "S", "P", "copyright", "dag", "ddag", "pounds"})
ENVIRONMENTS = set(typeset.ENVIRONMENTS) | {"itemize", "enumerate", "quote", "center", "align*", "gather*"}


@settings(max_examples=150, deadline=None)
@given(LATEX_SOUP)
def test_random_latex_comes_out_inert(source):
    tex = typeset.Typesetter("xelatex")
    doc = read_latex_lecture("\\begin{document}\n" + source + "\n\\end{document}\n")
    out = "\n".join(prose.set_blocks(tex, doc.blocks, [], [], None, lambda s, m: words(tex, s, doc.labels, m),
                                     lambda s: words(tex, s, doc.labels)))
    words_used = set(re.findall(r"\\([A-Za-z]+)", out.replace("\\\\", " ")))
    assert words_used <= ALLOWED, (source, words_used - ALLOWED)
    bare = re.sub(r"\\[{}_&#%$^~]|\\\\", "", out)
    assert not re.search(r"\^\^|[#%\x00-\x08\x0b-\x1f\x7f]", bare), (source, out)
    environments = re.findall(r"\\(?:begin|end)\{([\w*]+)\}", out.replace("\\\\", " "))   # \\begin: a row's end, letters
    assert set(environments) <= ENVIRONMENTS, (source, out)
    assert out.count("{") - out.count("\\{") - out.count("\\}") + 0 >= 0


def test_commands_nested_thousands_deep_give_a_handout_not_a_traceback(tmp_path):
    deep = "\\begin{document}\nThe loss: $E_1 = \\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2$.\n\n" + "\\emph{" * 3000 + "x" + "}" * 3000 + "\n\n" + "\\footnote{" * 3000 + "y" + \
        "}" * 3000 + "\n\\end{document}\n"
    result = export(tmp_path, "deep.tex", deep, "--to", "tex", "--engine", "pdflatex")
    assert result.exit_code == 0, result.output
    tex = body(result.stdout)
    assert tex.count(r"\emph{") == 21 and r"\textbackslash{}emph\{" in tex           # deeper: shown as written


def test_a_file_with_no_math_is_no_part_of_the_handout(tmp_path):
    (tmp_path / "README.md").write_text("# Course repository\n\nRun `make` to build the notes.\n", encoding="utf-8")
    (tmp_path / "loss.tex").write_text("\\begin{document}\n\\section{Loss}\nThe loss:\n\\[ E_1 = \\frac{1}{2} "
                                       "(t_1^{(3)} - a_1^{(3)})^2 \\]\n\\end{document}\n", encoding="utf-8")
    (tmp_path / "draft.tex").write_text("\\begin{document}\nNothing proved here: $E = E_9$.\n\\end{document}\n",
                                        encoding="utf-8")
    result = run("export", str(tmp_path), "--to", "tex", "--engine", "pdflatex")
    tex = body(result.stdout)
    assert "Course repository" not in tex and "make" not in tex
    assert "The loss:" in tex and r"Nothing proved here: $E = E_9$ \textbf{[NOT PROVED (error)]}." in tex
