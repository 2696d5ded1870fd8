"""A worked example's handout: its checked numbers marked where they stand (in a display's tag, after
an inline `$...$`), a wrong number marked NOT PROVED in its sentence, and a "Values" section that
lists the values the document gives, line by line, typeset as math."""
from __future__ import annotations

from click.testing import CliRunner

from cli import main
from derive.export.values import bound_values, split_top

WORKED = r"""# One forward step, by hand

Take the inputs $x_1 = 0.05$ and $x_2 = 0.10$, and the first hidden unit's weights and bias:

$$w_{11}^{(2)} = 0.15, \quad w_{12}^{(2)} = 0.20, \quad b_1^{(2)} = 0.35$$

Its net input is then

$$z_1^{(2)} = w_{11}^{(2)} x_1 + w_{12}^{(2)} x_2 + b_1^{(2)} = 0.15 \times 0.05 + 0.20 \times 0.10 + 0.35 = 0.3775$$

and its output $a_1^{(2)} = \sigma(z_1^{(2)}) = 0.593269992$, as the logistic function gives.
"""
SLIP = "A slip in the margin: $z_1^{(2)} = 0.3875$.\n"


def export(tmp_path, text, *args):
    (tmp_path / "forward.md").write_text(text, encoding="utf-8")
    return CliRunner().invoke(main, ["export", str(tmp_path / "forward.md"), *args])


def test_binding_lines_are_read_back_with_their_note():
    lines = ["a.md:3: x_1 = 0.05, x_2 = 0.10", "b.md:4: x_1 = 1", "a.md:88: \\eta = 0.5 (the rate this update's arithmetic uses)",
             "a.md:9: W^{(2)}_{1, 2} = 0.5, b_1^{(2)} = 0.35"]
    assert bound_values(lines, "a.md") == [(3, ["x_1 = 0.05", "x_2 = 0.10"], ""),
                                           (88, ["\\eta = 0.5"], "the rate this update's arithmetic uses"),
                                           (9, ["W^{(2)}_{1, 2} = 0.5", "b_1^{(2)} = 0.35"], "")]
    assert split_top("f(a, b) = 1, c = 2") == ["f(a, b) = 1", "c = 2"]


def test_the_handout_lists_the_values_and_marks_the_numbers(tmp_path):
    result = export(tmp_path, WORKED, "--to", "tex", "--engine", "pdflatex")
    assert result.exit_code == 0, result.output
    tex = result.stdout.split(r"\begin{document}")[1]
    order = [r"\section*{One forward step, by hand}", r"Take the inputs $x_1 = 0.05$ and $x_2 = 0.10$, and",
             r"&= 0.3775 \tag*{$\checkmark$}",
             r"and its output $a_1^{(2)} = \sigma(z_1^{(2)}) = 0.593269992$\,{\small$\checkmark$}, as the logistic",
             r"\section*{Values}", r"\begin{itemize}", r"\item line 3: $x_1 = 0.05$, $x_2 = 0.10$",
             r"\item line 5: $w_{11}^{(2)} = 0.15$, $w_{12}^{(2)} = 0.20$, $b_1^{(2)} = 0.35$", r"\end{itemize}",
             r"\hrule"]
    positions = [tex.index(piece) for piece in order]
    assert positions == sorted(positions)
    assert tex.count(r"\checkmark") == 2 and "NOT PROVED" not in tex


def test_a_wrong_number_in_a_sentence_stays_marked(tmp_path):
    result = export(tmp_path, WORKED + "\n" + SLIP, "--to", "tex", "--engine", "pdflatex")
    assert result.exit_code == 1, result.output
    assert r"A slip in the margin: $z_1^{(2)} = 0.3875$ \textbf{[NOT PROVED (refuted)]}.\par" in result.stdout


def test_the_markdown_handout_lists_the_values_too(tmp_path):
    result = export(tmp_path, WORKED, "--to", "md")
    assert result.exit_code == 0, result.output
    assert "- line 3: $x_1 = 0.05$, $x_2 = 0.10$\n- line 5: $w_{11}^{(2)} = 0.15$, $w_{12}^{(2)} = 0.20$, " \
           "$b_1^{(2)} = 0.35$\n" in result.stdout


def test_a_document_without_values_has_no_values_section(tmp_path):
    result = export(tmp_path, "# Loss\n\n$$E_1 = \\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2$$\n", "--to", "tex")
    assert result.exit_code == 0, result.output
    assert "Values" not in result.stdout
