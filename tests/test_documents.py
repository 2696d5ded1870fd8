"""The document reader: where every math span is, in Markdown, LaTeX and notebooks."""
from __future__ import annotations

import json

import pytest

from derive.errors import DocumentError
from derive.sources.documents import DOCUMENT_SUFFIXES, read_document
from derive.sources.latex import read_latex
from derive.sources.markdown import read_markdown
from derive.sources.notebooks import read_notebook
from derive.sources.scan import find_files
from derive.sources.spans import Problem, Span


def texts(spans):
    return [s.text for s in spans]


def where(spans):
    return [(s.line, s.col) for s in spans]


# --------------------------------------------------------------------------- Markdown

def test_korean_prose_before_inline_math_counts_characters():
    doc = "# 제목\n\n은닉층 가중치  $W^{(2)}$ 업데이트\n"
    spans, problems = read_markdown(doc, "l.md")
    assert problems == []
    assert texts(spans) == ["W^{(2)}"]
    span = spans[0]
    # "은닉층 가중치  $" is 10 characters, so W is column 11 (bytes would say 23).
    assert (span.line, span.col) == (3, 11)
    assert span.display is False and span.skipped is False and span.cell is None
    assert span.file == "l.md"
    assert span.source_line == "은닉층 가중치  $W^{(2)}$ 업데이트"
    assert span.source_line[span.col - 1:].startswith(span.text)


def test_tab_separated_row_gives_one_span_per_dollar_pair():
    doc = "입력층 출력\t$a_2 = x_2$\t$a_1 = x_1$\n은닉층\t$z_1 = w$ $z_2 = v$\t\n"
    spans, problems = read_markdown(doc, "t.md")
    assert problems == []
    assert texts(spans) == ["a_2 = x_2", "a_1 = x_1", "z_1 = w", "z_2 = v"]
    assert where(spans) == [(1, 9), (1, 21), (2, 6), (2, 16)]
    assert all(not s.display for s in spans)


def test_pipe_table_cells_and_a_bar_inside_math():
    doc = "| a | b |\n|---|---|\n| $x$ | $|y| = z$ |\n"
    spans, problems = read_markdown(doc, "t.md")
    assert problems == []
    assert texts(spans) == ["x", "|y| = z"]
    assert where(spans) == [(3, 4), (3, 10)]


def test_display_dollars_spanning_lines():
    doc = "앞\n\n$$\\begin{aligned}\n a &= b \\\\\n c &= d\n\\end{aligned}$$\n뒤 $e$\n"
    spans, problems = read_markdown(doc, "d.md")
    assert problems == []
    assert texts(spans) == ["\\begin{aligned}\n a &= b \\\\\n c &= d\n\\end{aligned}", "e"]
    assert where(spans) == [(3, 3), (7, 4)]
    assert [s.display for s in spans] == [True, False]


def test_display_dollars_with_newlines_just_inside():
    doc = "$$\nx = 1\n$$\n"
    (span,), problems = read_markdown(doc, "d.md")
    assert problems == []
    assert span.text == "\nx = 1\n"
    assert (span.line, span.col) == (1, 3)
    assert span.position(1) == (2, 1)


def test_brackets_and_parens():
    doc = "보기 \\(a + b\\) 그리고\n\\[\nc = d\n\\]\n"
    spans, problems = read_markdown(doc, "b.md")
    assert problems == []
    assert texts(spans) == ["a + b", "\nc = d\n"]
    assert where(spans) == [(1, 6), (2, 3)]
    assert [s.display for s in spans] == [False, True]


def test_fenced_code_is_ignored():
    doc = ("$a$\n```python\nx = '$b$'\n$$c$$\n```\n"
           "  ~~~ text\n$d$\n~~~\n````\n```\n$e$\n````\n$f$\n")
    spans, problems = read_markdown(doc, "f.md")
    assert problems == []
    assert texts(spans) == ["a", "f"]
    assert where(spans) == [(1, 2), (13, 2)]


def test_unclosed_fence_runs_to_the_end():
    spans, problems = read_markdown("$a$\n```\n$b$\n$$\n", "f.md")
    assert texts(spans) == ["a"]
    assert problems == []


def test_inline_code_is_ignored_with_matching_run_lengths():
    doc = "`$a$` and ``x ` $b$`` then $c$ and `` `$d$` `` end $e$\n"
    spans, problems = read_markdown(doc, "c.md")
    assert problems == []
    assert texts(spans) == ["c", "e"]


def test_escaped_dollar_is_text():
    doc = "costs \\$5, and $x$ is math; \\$y\\$ is not\n"
    spans, problems = read_markdown(doc, "e.md")
    assert texts(spans) == ["x"]
    assert where(spans) == [(1, 17)]


def test_lone_dollar_and_prices_are_not_problems():
    doc = "A book costs $5.\n\nIt was $5 or $6 then, and $y$ now.\n"
    spans, problems = read_markdown(doc, "p.md")
    assert problems == []
    assert texts(spans) == ["y"]
    assert where(spans) == [(3, 28)]


def test_inline_dollar_does_not_cross_a_blank_line():
    spans, problems = read_markdown("a $ b\n\nc $d$\n", "p.md")
    assert problems == []
    assert texts(spans) == ["d"]
    assert where(spans) == [(3, 4)]


def test_inline_dollar_may_cross_a_line_inside_a_paragraph():
    (span,), _ = read_markdown("a $x +\ny$ b\n", "p.md")
    assert span.text == "x +\ny"
    assert span.position(4) == (2, 1)


def test_html_comments_are_ignored():
    doc = "<!-- $a$ -->$b$\n<!--\n$$c$$\n-->\n$d$\n"
    spans, problems = read_markdown(doc, "h.md")
    assert problems == []
    assert texts(spans) == ["b", "d"]
    assert where(spans) == [(1, 14), (5, 2)]


def test_skip_directive_marks_exactly_the_next_span():
    doc = ("$a$\n<!--derive:skip-->\n$$b$$ $c$\n<!--   Derive :  skip   -->\n$d$\n$e$\n"
           "<!-- note -->$f$\n")
    spans, problems = read_markdown(doc, "s.md")
    assert problems == []
    assert [(s.text, s.skipped) for s in spans] == [
        ("a", False), ("b", True), ("c", False), ("d", True), ("e", False), ("f", False)]


def test_unclosed_display_is_one_problem_and_reading_goes_on():
    doc = "제목\n\n본문 $$x = 1\n\n$y$ 그리고 \\(z\\)\n"
    spans, problems = read_markdown(doc, "u.md")
    assert texts(spans) == ["y", "z"]
    assert where(spans) == [(5, 2), (5, 11)]
    assert problems == [Problem("u.md", 3, 4, "unclosed $$ display math", "a closing $$",
                                "본문 $$x = 1")]


def test_unclosed_bracket_is_a_problem():
    spans, problems = read_markdown("\\[ a\n\n\\[b\\]\n", "u.md")
    assert texts(spans) == ["b"]
    assert [(p.line, p.col, p.expected) for p in problems] == [(1, 1, "a closing \\]")]


def test_problem_as_error_points_at_the_opening():
    _, (problem,) = read_markdown("x $$ y\n", "u.md")
    error = problem.error()
    assert isinstance(error, DocumentError)
    assert error.where() == "u.md:1:3"
    assert "expected a closing $$" in str(error)


def test_crlf_line_endings_keep_positions():
    spans, _ = read_markdown("a\r\n$$x\r\ny$$ $z$\r\n", "w.md")
    assert texts(spans) == ["x\ny", "z"]
    assert where(spans) == [(2, 3), (3, 6)]


# --------------------------------------------------------------------------- positions

def test_position_across_newlines_in_a_multiline_span():
    doc = "머리말\n  $$\\begin{aligned}\n\t a &= b \\\\\n c &= d\n\\end{aligned}$$\n"
    (span,), _ = read_markdown(doc, "p.md")
    assert (span.line, span.col) == (2, 5)
    assert span.position(0) == (2, 5)
    assert span.position(span.text.index("a &")) == (3, 3)      # tab counts as one column
    assert span.position(span.text.index("c &")) == (4, 2)
    assert span.position(span.text.index("\\end")) == (5, 1)
    assert span.position(len(span.text)) == (5, 14)
    for offset, char in enumerate(span.text):
        line, col = span.position(offset)
        if char != "\n":
            assert span.line_text(line)[col - 1] == char
    assert span.line_text(4) == " c &= d"
    assert span.line_text(2) == span.source_line == "  $$\\begin{aligned}"
    assert span.line_text(1) == ""


def test_position_on_a_hand_made_span():
    span = Span("f.md", 7, 3, "ab\ncd\ne", True, False)
    assert [span.position(k) for k in (0, 1, 3, 4, 6, 7)] == [
        (7, 3), (7, 4), (8, 1), (8, 2), (9, 1), (9, 2)]


def test_spans_are_hashable_and_compare_by_value():
    a, _ = read_markdown("$x$", "f.md")
    b, _ = read_markdown("$x$", "f.md")
    assert a == b and len({a[0], b[0]}) == 1


# --------------------------------------------------------------------------- LaTeX

LATEX = r"""\documentclass{article}
\newcommand{\pre}{$p$}
\begin{document}
본문 $a = b$ and 50\% % comment with $c$
% derive: skip
\begin{equation}
  E = E_1 + E_2 % total loss
\end{equation}
\begin{align*}
  x &= 1 \\ % first
  \begin{aligned} y \end{aligned}
\end{align*}
\begin{verbatim}
$v$ \[ w \]
\end{verbatim}
\verb|$q$| \(r\) $$s$$ \[t\]
\end{document}
$after$
"""


def test_latex_spans_texts_and_positions():
    spans, problems = read_latex(LATEX, "n.tex")
    assert problems == []
    assert [s.text.split("\n")[0] for s in spans] == [
        "a = b", "\\begin{equation}", "\\begin{align*}", "r", "s", "t"]
    assert where(spans) == [(4, 5), (6, 1), (9, 1), (16, 14), (16, 20), (16, 26)]
    assert [s.display for s in spans] == [False, True, True, False, True, True]
    assert [s.skipped for s in spans] == [False, True, False, False, False, False]


def test_latex_environment_text_is_whole_and_comments_become_spaces():
    spans, _ = read_latex(LATEX, "n.tex")
    equation, align = spans[1], spans[2]
    assert equation.text == "\\begin{equation}\n  E = E_1 + E_2             \n\\end{equation}"
    original = "\\begin{equation}\n  E = E_1 + E_2 % total loss\n\\end{equation}"
    assert len(equation.text) == len(original)
    assert equation.line_text(7) == "  E = E_1 + E_2 % total loss"
    assert align.text.endswith("\\end{aligned}\n\\end{align*}")
    assert "first" not in align.text
    assert align.position(align.text.index("\\begin{aligned}")) == (11, 3)


def test_latex_without_document_reads_everything():
    spans, problems = read_latex("$x$ % $y$\n\\(z\\)", "frag.tex")
    assert problems == []
    assert texts(spans) == ["x", "z"]
    assert where(spans) == [(1, 2), (2, 3)]


def test_latex_top_level_aligned_and_inline_math_environment():
    spans, _ = read_latex("\\begin{aligned}a\\end{aligned} \\begin{math}b\\end{math}", "f.tex")
    assert texts(spans) == ["\\begin{aligned}a\\end{aligned}", "\\begin{math}b\\end{math}"]
    assert [s.display for s in spans] == [True, False]


def test_latex_unclosed_align_is_a_problem_and_reading_goes_on():
    doc = "\\begin{document}\n\\begin{align}\n a &= b\n\nthen $c$ % \\end{align}\n\\end{document}\n"
    spans, problems = read_latex(doc, "u.tex")
    assert texts(spans) == ["c"]
    assert where(spans) == [(5, 7)]
    assert problems == [Problem("u.tex", 2, 1, "unclosed \\begin{align} environment",
                                "\\end{align}", "\\begin{align}")]


def test_latex_unclosed_display_dollars_is_a_problem():
    spans, problems = read_latex("$$ a\n\n\\[b\\]", "u.tex")
    assert [(p.line, p.col, p.expected) for p in problems] == [(1, 1, "a closing $$")]
    assert texts(spans) == ["b"]


def test_latex_unclosed_inline_dollar_is_a_problem_but_escapes_are_not():
    doc = "a \\$ b $c\n\nline \\\\% $not math$\n$d$"
    spans, problems = read_latex(doc, "u.tex")
    assert texts(spans) == ["d"]
    assert [(p.line, p.col, p.message) for p in problems] == [(1, 8, "unclosed $ inline math")]


def test_latex_second_bracket_before_closing_means_the_first_is_unclosed():
    spans, problems = read_latex("\\[ a \\[ b \\] \\begin {equation}c\\end{equation}", "u.tex")
    assert [(p.line, p.col) for p in problems] == [(1, 1)]
    assert texts(spans) == [" b ", "\\begin {equation}c\\end{equation}"]


def test_latex_skip_directive_only_once_and_comment_ignored():
    doc = "%derive:skip\n$a$ $b$\n% DERIVE : SKIP please\n$c$\n"
    spans, _ = read_latex(doc, "s.tex")
    assert [(s.text, s.skipped) for s in spans] == [("a", True), ("b", False), ("c", False)]


def test_latex_lstlisting_minted_comment_ignored():
    doc = ("\\begin{lstlisting}\n$a$\n\\end{lstlisting}\n\\begin{minted}{python}\n$b$\n"
           "\\end{minted}\n\\begin{comment}\n$c$\n\\end{comment}\n$d$\n")
    spans, problems = read_latex(doc, "v.tex")
    assert problems == [] and texts(spans) == ["d"] and where(spans) == [(10, 2)]


# --------------------------------------------------------------------------- notebooks

def notebook(*cells):
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                       "cells": [{"cell_type": kind, "metadata": {}, "source": source}
                                 for kind, source in cells]}, ensure_ascii=False, indent=1)


def test_notebook_markdown_cells_only_with_cell_numbers_and_lines():
    doc = notebook(
        ("markdown", ["# 제목\n", "본문 $a$\n"]),
        ("code", "x = '$b$'\n# $$c$$"),
        ("raw", "$r$"),
        ("markdown", "first\n\n$$\nd = e\n$$ and $f$"),
    )
    spans, problems = read_notebook(doc, "n.ipynb")
    assert problems == []
    assert [(s.cell, s.line, s.col, s.text) for s in spans] == [
        (1, 2, 5, "a"), (4, 3, 3, "\nd = e\n"), (4, 5, 9, "f")]
    assert spans[0].source_line == "본문 $a$"
    assert spans[1].position(1) == (4, 1)


def test_notebook_problem_carries_its_cell():
    doc = notebook(("code", ""), ("markdown", ["x\n", "$$ y"]))
    spans, problems = read_notebook(doc, "n.ipynb")
    assert spans == []
    assert [(p.cell, p.line, p.col) for p in problems] == [(2, 2, 1)]


def test_invalid_notebook_json_is_a_document_error_with_position():
    with pytest.raises(DocumentError) as info:
        read_notebook('{\n "cells": [,]\n}', "bad.ipynb")
    assert (info.value.file, info.value.line, info.value.col) == ("bad.ipynb", 2, 12)


# --------------------------------------------------------------------------- files

def test_read_document_dispatches_on_suffix(tmp_path):
    (tmp_path / "a.md").write_text("$x$ % $y$", encoding="utf-8")
    (tmp_path / "a.tex").write_text("$x$ % $y$", encoding="utf-8")
    (tmp_path / "a.ipynb").write_text(notebook(("markdown", "$x$ % $y$")), encoding="utf-8")
    assert texts(read_document(tmp_path / "a.md")[0]) == ["x", "y"]
    assert texts(read_document(str(tmp_path / "a.tex"))[0]) == ["x"]
    assert [s.cell for s in read_document(tmp_path / "a.ipynb")[0]] == [1, 1]
    spans, _ = read_document("given.tex", text="$z$")
    assert texts(spans) == ["z"] and spans[0].file == "given.tex"


def test_read_document_unreadable_file_raises(tmp_path):
    with pytest.raises(DocumentError) as info:
        read_document(tmp_path / "missing.md")
    assert info.value.file == str(tmp_path / "missing.md")
    (tmp_path / "latin.md").write_bytes(b"caf\xe9 $x$")
    with pytest.raises(DocumentError):
        read_document(tmp_path / "latin.md")


def test_find_documents_walks_folders_sorted(tmp_path):
    for name in ["b.md", "a.tex", "sub/c.ipynb", "sub/d.markdown", "sub/notes.txt",
                 ".hidden/x.md", ".git/y.md", "node_modules/z.md", "__pycache__/w.md",
                 ".venv/v.md", "sub/.ipynb_checkpoints/c-checkpoint.ipynb"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")
    found = find_files([tmp_path], DOCUMENT_SUFFIXES)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.tex", "b.md", "sub/c.ipynb", "sub/d.markdown"]
    explicit = tmp_path / "sub" / "notes.txt"
    assert find_files([explicit, tmp_path / "sub"], DOCUMENT_SUFFIXES) == [
        explicit, tmp_path / "sub" / "c.ipynb", tmp_path / "sub" / "d.markdown"]
    assert DOCUMENT_SUFFIXES == (".md", ".markdown", ".tex", ".ipynb")
