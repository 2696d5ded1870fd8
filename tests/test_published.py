"""Documents as people publish them (issue 17, items 4 and 5): kramdown's escapes, math in block
quotes, LaTeX as textbooks write it (\\rm, \\tag, \\eqref, array vectors, \\underbrace, \\color),
\\approx read as an approximation, and the network a document states wherever its kind puts it
(a `% derive:` comment block, a notebook's metadata or first raw cell, --model FILE.toml or
--model 2-3-1:tanh,sigmoid).  The documents in tests/published/ are written the way public
material is written: prose around the formulas, the authors' own layout."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import ROOT

from cli import main
from derive import prove
from derive.notation import syntax as s
from derive.notation.parse import parse
from derive.sources.markdown import read_markdown
from derive.understand.front_matter import read_model

PUBLISHED = ROOT / "tests" / "published"
APPROXIMATION = "≈ states an approximation"


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def checked(*args):
    """(exit code, results as (line, verdict), the JSON report) of `derive check --format json ...`."""
    result = run("check", "--format", "json", *args)
    report = json.loads(result.output)
    return result.exit_code, [(r["line"], r["verdict"]) for r in report["results"]], report


def verdicts_at(results, line):
    return [v for at, v in results if at == line]


# -- kramdown / Jekyll ---------------------------------------------------------------------------

def test_jekyll_course_note_is_read_with_its_escapes_and_block_quotes():
    code, results, report = checked(str(PUBLISHED / "jekyll_course_note.md"))
    assert code == 1                                       # one refuted claim, nothing unreadable
    assert report["summary"]["errors"] == 0
    assert report["summary"]["proved"] == 16
    assert verdicts_at(results, 28) == ["proved"]          # \\[ z\_1^{(2)} = ... \\] is read
    assert verdicts_at(results, 54) == ["proved"]          # > $$ ... inside a block quote
    assert verdicts_at(results, 63) == verdicts_at(results, 64) == ["proved"]     # a \\[ chain
    assert verdicts_at(results, 73) == ["refuted"]         # the sign slip quoted in the note
    assert verdicts_at(results, 80) == ["proved"]          # the hidden gradient, \_ everywhere
    assert verdicts_at(results, 83) == []                  # \\( \sigma'(z\_1^{(3)}) \approx 0 \\): prose


def test_the_sign_slip_in_a_block_quote_is_located_in_the_raw_line():
    _, _, report = checked(str(PUBLISHED / "jekyll_course_note.md"))
    slip = next(r for r in report["results"] if r["verdict"] == "refuted")
    assert (slip["line"], slip["col"]) == (73, 46)
    assert slip["claim"].startswith(r"\frac{\partial E}{\partial b_2^{(3)}} = (t_2^{(3)} - a_2^{(3)})")


def test_kramdown_escaped_delimiters_are_spans_at_their_raw_positions():
    doc = "Unit \\\\(a\\_1^{(2)}\\\\) feeds\n\n\\\\[\nz\\_1^{(3)} = w\\_{11}^{(3)} a\\_1^{(2)}\n\\\\]\n"
    spans, problems = read_markdown(doc, "note.md")
    assert problems == []
    assert [(sp.line, sp.col, sp.display) for sp in spans] == [(1, 9, False), (3, 4, True)]
    assert spans[0].text == "a _1^{(2)}"                   # \_ read as _, the length kept
    assert spans[0].source_line == "Unit \\\\(a\\_1^{(2)}\\\\) feeds"   # the line as written
    assert spans[1].position(spans[1].text.index("w")) == (4, 14)


def test_an_escaped_opener_that_never_closes_is_text():
    spans, problems = read_markdown("Write \\\\(x to open and forget it.\n", "note.md")
    assert spans == [] and problems == []


def test_escaped_row_ends_and_braces_read_as_the_page_shows_them():
    spans, _ = read_markdown("\\\\[ \\\\{ a \\\\} \\\\\\\\ b = c \\\\]\n", "note.md")
    assert spans[0].text == r"  \{ a  \} \\   b = c "


def test_math_in_a_block_quote_spans_several_lines_without_the_markers():
    doc = "> Recall:\n>\n> $$\n> E = E_1\n>   + E_2\n> $$\n"
    spans, _ = read_markdown(doc, "note.md")
    assert [(sp.line, sp.col) for sp in spans] == [(3, 5)]
    assert ">" not in spans[0].text and "E_1" in spans[0].text and spans[0].display


def test_kramdown_dollars_inside_a_sentence_are_inline():
    spans, _ = read_markdown("The unit $$j$$ of layer $$l$$ is\n\n$$a = b$$\n", "note.md")
    assert [sp.display for sp in spans] == [False, False, True]


def test_escaped_subscripts_and_doubled_row_ends_in_dollar_math():
    rows = parse("\\begin{aligned} z\\_1 &= w\\_{11} x\\_1 \\\\\\\\ z\\_2 &= w\\_{21} x\\_1 \\end{aligned}")
    assert len(rows) == 2
    left = rows[0].chains[0][1].parts[0].expr
    assert left.left == s.Sym("w", "11") and left.right == s.Sym("x", "1")
    vector = parse("v = \\begin{pmatrix} 1 \\\\\\\\ 2 \\end{pmatrix}")[0].chains[0][1].parts[0].expr
    assert len(vector.rows) == 2                          # \\\\ is one row end, not an empty row


# -- LaTeX as textbooks write it --------------------------------------------------------------------

def test_textbook_chapter_states_its_network_in_a_comment_block():
    code, results, report = checked(str(PUBLISHED / "textbook_chapter.tex"))
    assert code == 1
    assert report["model"].startswith("2-3-2 sigmoid network")
    assert report["summary"] == {"proved": 27, "refuted": 1, "undecided": 0, "errors": 0,
                                 "spans": {"proved": 16, "refuted": 1, "no claim": 2, "prose": 17}}
    assert verdicts_at(results, 34) == verdicts_at(results, 36) == ["proved"]     # BP1, BP2 with \tag
    titles = {r["line"]: r["title"] for r in report["results"]}
    assert (titles[18], titles[26], titles[34]) == ("23", "26", "BP1")   # `. \label{eq:23} \tag{23}`
    assert verdicts_at(results, 43) == ["refuted"]         # delta^L_1 = a^L_1 - y_1 drops sigma'
    assert verdicts_at(results, 50) == ["proved"]          # \left[\begin{array}{c} ... \end{array}\right]
    assert verdicts_at(results, 54) == ["proved"]          # \underbrace{...}_{\text{...}}
    assert verdicts_at(results, 59) == ["proved", "proved"]   # {\color{red} ...} = ... = ...
    assert verdicts_at(results, 61) == []                  # $\sigma'(z^L_j) \approx 0$ in a sentence: prose


def test_the_chapter_proofs_are_proved_equation_by_equation():
    _, results, _ = checked(str(PUBLISHED / "textbook_chapter.tex"))
    proofs = [(line, v) for line, v in results if line >= 64]
    assert [line for line, _ in proofs] == [67, 72, 76, 77, 78, 82, 82, 86, 90, 94, 94, 96, 96]
    assert {v for _, v in proofs} == {"proved"}          # eqnarray's `& = &` rows included


def test_without_its_comment_block_the_chapter_is_another_network(tmp_path):
    text = (PUBLISHED / "textbook_chapter.tex").read_text(encoding="utf-8").replace("% derive:", "% notes:")
    (tmp_path / "chapter.tex").write_text(text, encoding="utf-8")
    code, _, report = checked(str(tmp_path / "chapter.tex"))
    assert not report["model"].startswith("2-3-2")       # the block, not the formulas, said 2-3-2
    assert code == 2


def test_a_model_file_with_a_notation_stands_for_the_comment_block(tmp_path):
    text = (PUBLISHED / "textbook_chapter.tex").read_text(encoding="utf-8").replace("% derive:", "% notes:")
    (tmp_path / "chapter.tex").write_text(text, encoding="utf-8")
    (tmp_path / "nielsen.toml").write_text('[model]\nnotation = "nielsen"\nlayers = [2, 3, 2]\nloss = "quadratic"\n',
                                           encoding="utf-8")
    code, _, report = checked("--model", str(tmp_path / "nielsen.toml"), str(tmp_path / "chapter.tex"))
    stated = checked(str(PUBLISHED / "textbook_chapter.tex"))[2]
    assert code == 1 and report["summary"] == stated["summary"] and report["model"] == stated["model"]


def test_a_model_mapping_reads_the_front_matter_keys():
    stated = read_model({"model": {"layers": "2-3-1", "activations": "tanh, sigmoid", "notation": "Nielsen",
                                   "names": {"y_1": "t_1^{(3)}"}}})
    assert stated.spec.layers == (2, 3, 1) and stated.spec.activations == ("tanh", "sigmoid")
    assert stated.notation == "nielsen" and [str(k.name) for k in stated.names] == ["y"]
    assert read_model("2-3-1:relu").spec.activations == ("relu", "relu")


def test_a_comment_block_with_activations_decides_a_tanh_claim(tmp_path):
    body = ("\\begin{document}\nThe hidden unit's gradient:\n\\begin{equation}\n"
            "\\frac{\\partial E}{\\partial b_1^{(2)}} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)}) "
            "w_{11}^{(3)} (1 - (a_1^{(2)})^2) \\label{eq:hidden}\n\\end{equation}\n\\end{document}\n")
    stated = "%% derive:\n%%   layers: 2-2-1\n%%   activations: tanh, sigmoid\n".replace("%%", "%")
    (tmp_path / "tanh.tex").write_text(stated + body, encoding="utf-8")
    (tmp_path / "plain.tex").write_text(body, encoding="utf-8")
    assert checked(str(tmp_path / "tanh.tex"))[:2] == (0, [(7, "proved")])
    assert checked(str(tmp_path / "plain.tex"))[:2] == (1, [(4, "refuted")])


def test_a_comment_block_that_cannot_be_read_is_an_error_at_its_line(tmp_path):
    text = ("\\documentclass{article}\n% derive:\n%   layers: 2-2-1\n%   loss: hinge\n\\begin{document}\n"
            "\\[ \\frac{\\partial E}{\\partial a_1^{(3)}} = a_1^{(3)} - t_1^{(3)} \\]\n\\end{document}\n")
    (tmp_path / "hinge.tex").write_text(text, encoding="utf-8")
    code, results, report = checked(str(tmp_path / "hinge.tex"))
    assert code == 2 and (2, "error") in results
    assert "unknown loss 'hinge'" in next(r["detail"] for r in report["results"] if r["line"] == 2)


def test_font_commands_and_tags_read_as_the_formula_they_decorate():
    claim = (r"\frac{\partial E}{\partial b_1^{(3)}} = \underbrace{(a_1^{(3)} - t_1^{(3)})}_{\rm error}"
             r"\, {\color{blue} a_1^{(3)}} \left(1 - \textcolor{red}{a_1^{(3)}}\right) . \tag{BP3}")
    assert prove(claim).verdict == "proved"
    assert prove(claim.replace(r"\left(1 - ", r"\left(")).verdict == "refuted"   # the underbrace is read
    assert prove(r"E \stackrel{\text{def}}{=} \frac{1}{2} \sum_i (t_i^{(3)} - a_i^{(3)})^2"
                 r" = E_1 + E_2 \quad \text{see} \eqref{eq:loss}").verdict == "proved"


def test_bold_greek_letters_are_the_letters():
    bold = parse(r"\boldsymbol{\delta}^{(3)} = \bm{\delta}^{(3)}")[0].chains[0]
    plain = parse(r"\delta^{(3)} = \delta^{(3)}")[0].chains[0]
    assert [m.parts[0].expr for m in bold] == [m.parts[0].expr for m in plain]
    assert parse(r"k^{\rm th}")[0].chains[0][0].parts[0].expr == parse(r"k^{th}")[0].chains[0][0].parts[0].expr


def test_eqnarray_rows_with_ampersands_around_the_equals_sign():
    rows = parse(r"\begin{eqnarray} a & = & b \\ & = & c \end{eqnarray}")
    assert [(p.lead, len(p.chains[0])) for p in rows] == [(None, 2), ("=", 1)]


def test_math_in_html_blocks_and_bare_environments_in_markdown(tmp_path):
    doc = ('<div class="theorem" markdown="0">\n'
           "<p>The output error is \\(\\frac{\\partial E}{\\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) "
           "a_1^{(3)} (1 - a_1^{(3)})\\).</p>\n</div>\n\n<details><summary>Proof</summary>\n\n"
           "\\begin{align}\n\\frac{\\partial E}{\\partial a_1^{(3)}} &= t_1^{(3)} - a_1^{(3)}\n\\end{align}\n\n</details>\n")
    (tmp_path / "html.md").write_text(doc, encoding="utf-8")
    assert checked(str(tmp_path / "html.md"))[:2] == (1, [(2, "proved"), (8, "refuted")])


def test_study_notes_in_bold_vector_notation():
    code, results, report = checked(str(PUBLISHED / "study_notes.md"))
    assert results == [(14, "proved"), (14, "proved"), (16, "proved"), (20, "proved"), (22, "proved"),
                       (26, "proved"), (30, "refuted")]                # the missing sigma' of the exam
    assert code == 1
    shown = [r["claim"] for r in report["results"]]
    assert shown[0] == r"\mathbf{z}^l = \mathbf{W}^l \mathbf{a}^{l-1} + \mathbf{b}^l"   # W^l is Nielsen's w^l
    assert shown[-1] == r"\boldsymbol{\delta}^2 = (\mathbf{W}^{3})^\top \boldsymbol{\delta}^{3}"    # as written


def test_newline_ends_a_row_like_a_double_backslash():
    assert len(parse(r"a_1^{(1)} = x_1 \newline a_2^{(1)} = x_2")) == 2


# -- \approx ---------------------------------------------------------------------------------------

def test_an_approximation_is_not_checked_as_an_equality():
    true = prove(r"\frac{\partial E}{\partial a_1^{(3)}} \approx a_1^{(3)} - t_1^{(3)}")
    false = prove(r"\frac{\partial a_1^{(3)}}{\partial z_1^{(3)}} \approx 0")
    assert (true.verdict, false.verdict) == ("not checked", "not checked")
    assert APPROXIMATION in false.results[0].detail
    assert false.results[0].claim == r"\frac{\partial a_1^{(3)}}{\partial z_1^{(3)}} \approx 0"


def test_an_equality_before_an_approximation_is_still_checked():
    proof = prove(r"\frac{\partial E}{\partial a_1^{(3)}} = a_1^{(3)} - t_1^{(3)} \approx 0")
    assert [r.verdict for r in proof.results] == ["proved", "not checked"]
    wrong = prove(r"\frac{\partial E}{\partial a_1^{(3)}} = t_1^{(3)} - a_1^{(3)} \approx 0")
    assert [r.verdict for r in wrong.results] == ["refuted", "not checked"]


def test_a_printed_approximate_number_is_checked_at_the_bindings(tmp_path):
    doc = ("---\nderive:\n  values: {x_1: 0.05, x_2: 0.10, w_{11}^{(2)}: 0.15, w_{12}^{(2)}: 0.20, "
           "b_1^{(2)}: 0.35}\n---\n\n$$z_1^{(2)} = w_{11}^{(2)} x_1 + w_{12}^{(2)} x_2 + b_1^{(2)} \\approx 0.3775$$\n\n"
           "$$z_1^{(2)} \\approx 0.37$$\n")
    (tmp_path / "step.md").write_text(doc, encoding="utf-8")
    code, results, _ = checked(str(tmp_path / "step.md"))
    assert verdicts_at(results, 6) == ["proved", "proved"]
    assert verdicts_at(results, 8) == ["refuted"]          # 0.37 is not z = 0.3775 rounded
    assert code == 1


# -- the network, stated wherever a document's kind puts it ---------------------------------------

def test_a_notebook_states_its_network_in_its_metadata():
    code, results, report = checked(str(PUBLISHED / "tanh_lab.ipynb"))
    assert report["model"].startswith("2-3-1 tanh,sigmoid network")
    assert [v for _, v in results] == ["proved", "proved", "proved", "refuted"]
    assert code == 1


def test_a_notebook_states_its_network_in_a_first_raw_cell():
    code, results, report = checked(str(PUBLISHED / "tanh_lab_raw_cell.ipynb"))
    assert report["model"].startswith("2-3-1 tanh,sigmoid network")
    assert [v for _, v in results] == ["proved", "proved", "proved", "refuted"]
    assert code == 1


def _without_metadata(tmp_path) -> Path:
    notebook = json.loads((PUBLISHED / "tanh_lab.ipynb").read_text(encoding="utf-8"))
    del notebook["metadata"]["derive"]
    path = tmp_path / "lab.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def test_model_on_the_command_line_gives_activations_too(tmp_path):
    path = _without_metadata(tmp_path)
    _, results, report = checked(str(path))
    assert not report["model"].startswith("2-3-1 tanh")        # sigmoid everywhere: tanh' is wrong
    code, results, report = checked("--model", "2-3-1:tanh,sigmoid", str(path))
    assert report["model"].startswith("2-3-1 tanh,sigmoid network")
    assert [v for _, v in results] == ["proved", "proved", "proved", "refuted"]
    assert code == 1


def test_a_model_with_an_unknown_activation_is_a_usage_error():
    result = run("check", "--model", "2-3-1:tanh,sigmod", str(PUBLISHED / "tanh_lab.ipynb"))
    assert result.exit_code == 2
    assert "unknown activation 'sigmod'" in result.output


def test_a_model_file_gives_names_and_values_as_a_front_matter_does():
    doc = str(PUBLISHED / "blog_targets.md")
    code, results, _ = checked(doc)
    assert code == 2 and verdicts_at(results, 13) == ["error"]     # y_1: a name derive does not know
    code, results, report = checked("--model", str(PUBLISHED / "blog_targets.toml"), doc)
    assert code == 0
    assert report["summary"]["proved"] == 6 and report["summary"]["errors"] == 0
    assert verdicts_at(results, 13) == ["proved"] and verdicts_at(results, 21) == ["proved", "proved"]


def test_a_model_file_values_are_said_to_stand_in_that_file():
    result = run("check", "--model", str(PUBLISHED / "blog_targets.toml"), str(PUBLISHED / "blog_targets.md"))
    assert f"bound at {PUBLISHED / 'blog_targets.toml'}:7: x_1 = 0.05" in " ".join(result.output.split())


# -- what stays unreadable ---------------------------------------------------------------------------

def test_an_unknown_command_is_reported_once_per_document(tmp_path):
    doc = ("Let $x \\in X$.\n\n$$a_1^{(2)} \\oplus z_1^{(2)} = 1$$\n\n$$a_1^{(2)} = \\sigma(z_1^{(2)})$$\n\n"
           "Also $$w_{11}^{(2)} \\oplus 1 = 2$$ here.\n")
    (tmp_path / "sets.md").write_text(doc, encoding="utf-8")
    code, results, report = checked(str(tmp_path / "sets.md"))
    unread = [r for r in report["results"] if r["verdict"] == "not checked"]
    assert [(r["line"], r["col"]) for r in unread] == [(3, 13)]               # \oplus once
    assert "the same command \\oplus stops 1 more formula (line 7)" in unread[0]["detail"]
    assert report["summary"]["spans"] == {"proved": 1, "unreadable": 2, "prose": 1}   # every span counted
    assert code == 0
