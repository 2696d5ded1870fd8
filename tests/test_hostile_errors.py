"""Nothing injected, no "bug in derive" for bad input, nothing unbounded (issue 22, items 4-6).

Every name and message a person or a CI log reads is shown through one sanitizer; formulas that
have no value, exponents that are not numbers derive can bound, digits that are not 0-9 and model
tables of the wrong type are errors at their place with their cause; nbformat 3 notebooks are read;
the scans of headings and of `\\begin` are linear; the parse cache keeps no traceback alive.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, entry

from cli import main
from derive.errors import DeriveError, safe_lines, safe_text
from derive.notation.parse import parse
from derive.pipeline.options import Options
from derive.pipeline.run import check_paths
from derive.results import ERROR, PROVED, UNDECIDED

POST = """# The output layer, by hand

Ji-woo writes the loss as the sum of the two outputs' errors:

$$ E = E_1 + E_2 $$
"""


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, str(ROOT / "cli.py"), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, stdin=subprocess.DEVNULL)


# -- one sanitizer for everything read ----------------------------------------------------------------
def test_safe_text_shows_controls_escapes_and_direction_marks():
    assert safe_text("a\nb\rc\td\x1b[2Je\x07") == "a␊b␍c␉d␛[2Je␇"
    assert safe_text("\x9b31m x\u202egpj.exe \u200bzw \u2066i\u2069 \ufeff") == "\ufffd31m x\ufffdgpj.exe \ufffdzw \ufffdi\ufffd \ufffd"
    assert safe_lines("line one\n\tline two\x1b") == "line one\n\tline two␛"
    assert len(safe_text("é한\U0001d70e")) == 3 and safe_text("é한\U0001d70e") == "é한\U0001d70e"


HOSTILE_NAMES = ["lecture\n::error file=x.md,line=1::forged.md", "\x1b]0;pwned\x07\x1b[2J.md",
                 "ev\u202eil.md", "stop\n::stop-commands::token.md"]


def test_hostile_file_names_forge_no_workflow_command_and_send_no_escape(tmp_path):
    folder = tmp_path / "course"
    folder.mkdir()
    for name in HOSTILE_NAMES:
        (folder / name).write_text(POST + "\n$$ x_1 = {@ $$\n", encoding="utf-8")   # malformed: exit 2
    os.mkfifo(folder / "pipe\n::error::forged-note.md")
    for fmt in ("table", "github", "json", "junit", "html"):
        result = run_cli("check", str(folder), "--format", fmt)
        assert result.returncode == 2, (fmt, result.stderr[-500:])
        for stream in (result.stdout, result.stderr):
            assert not any(line.startswith(("::error file=x.md", "::stop-commands", "::error::forged"))
                           for line in stream.splitlines()), fmt
            assert "\x1b" not in stream and "\x07" not in stream and "\u202e" not in stream, fmt
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert notes == [f"note: {folder}/pipe␊::error::forged-note.md: skipped: a FIFO (named pipe), not a regular "
                     "file: not read"]
    report = json.loads(run_cli("check", str(folder), "--format", "json").stdout)
    assert sorted({r["file"] for r in report["results"]}) == sorted(f"{folder}/{safe_text(n)}" for n in HOSTILE_NAMES)


def test_a_quoted_line_and_a_message_never_carry_raw_controls(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("$$ x_1 = x_2 \x1b[2J @ $$\n", encoding="utf-8")
    (r,) = check_paths([str(path)]).results
    assert r.verdict == ERROR and "\x1b" not in r.detail and "␛[2J" in r.detail
    err = DeriveError("bad\x1b]0;t\x07", file="a\nb.md", line=1, col=1, expected="x\u202ey")
    assert err.describe() == "a␊b.md:1:1: bad␛]0;t␇\n    expected x\ufffdy"


# -- located errors where there were tracebacks --------------------------------------------------------
UNDEFINED_LECTURE = r"""# Where the chain rule divides by zero

Sam writes the loss as the sum of the outputs' errors,

$$ E = E_1 + E_2 $$

then adds a term with no value to the bias gradient:

$$ \frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)}) + (a_1^{(2)} - a_1^{(2)})^{-1} $$

and takes a logarithm of nothing:

$$ \frac{\partial E_1}{\partial a_1^{(3)}} = a_1^{(3)} - t_1^{(3)} + \log(0) $$

Dividing by a derivative that is zero everywhere has no value either:

$$ \frac{\partial E}{\partial w_{11}^{(3)}} = \frac{1}{\frac{\partial a_1^{(1)}}{\partial w_{11}^{(3)}}} $$

A power of a difference that can be negative is complex:

$$ \frac{\partial E_1}{\partial a_1^{(3)}} = (a_1^{(3)} - t_1^{(3)})^{e^4} $$

The sigmoid of an output is no quantity of the network:

$$ \frac{\partial \sigma(a_1^{(2)})}{\partial w_{11}^{(2)}} = 0 $$
"""


def test_formulas_with_no_value_are_errors_at_their_place_and_the_rest_is_checked(tmp_path):
    path = tmp_path / "sam.md"
    path.write_text(UNDEFINED_LECTURE, encoding="utf-8")
    report = check_paths([str(path)], Options(timeout=20))
    assert [(r.line, r.col, r.verdict) for r in report.results] == [
        (5, 8, PROVED), (9, 44, ERROR), (13, 46, ERROR), (17, 47, ERROR), (21, 46, UNDECIDED), (25, 4, ERROR)]
    for r in report.results[1:3]:
        assert "this member is undefined: it divides by zero or takes the logarithm of 0" in r.detail
    assert "the formula divides by zero (a denominator that is 0, such as a derivative that is 0 everywhere)" \
        in report.results[3].detail
    assert "a complex number at the points tried (a non-integer power of a quantity that can be negative)" \
        in report.results[4].detail
    assert f"{path}:25:4: this derivative is of an activation applied to a quantity that is no unit's net input" \
        in report.results[5].detail
    assert not any("bug in derive" in r.detail for r in report.results)


@pytest.mark.parametrize("text, where, phrase", [
    (r"x_1 = x_2^{e^{5}}", 12, "the exponent is about 148.413: past the bound of 100"),
    (r"x_1 = x_2^{\exp(5)}", 12, "the exponent is about 148.413: past the bound of 100"),
    (r"x_1 = 2^{10 e^{4}}", 10, "the exponent is about 545.982: past the bound of 100"),
    (r"a_1^{(³)} = 0", 1, "the digit '³' (U+00B3) in an index or a layer"),
    (r"a_{１}^{(3)} = 0", 1, "the digit '１' (U+FF11) in an index or a layer"),
    ("x_1 = \u0430_1", 7, "unexpected character 'а' (U+0430 CYRILLIC SMALL LETTER A)"),
])
def test_hostile_notation_is_an_error_at_its_column(text, where, phrase):
    with pytest.raises(DeriveError) as e:
        parse(text)
    assert e.value.col == where and phrase in e.value.message


# -- model tables of the wrong type ---------------------------------------------------------------------
@pytest.mark.parametrize("table, phrase", [
    ("[[model]]\nlayers = [2, 2, 2]\n", "the model must be one table, not list ([[model]] is an array of tables)"),
    ("[model]\nlayers = [2, 2, 2]\nlayout = []\n", "layout must be a name, not []"),
    ("[model]\nlayers = [true, 2, 2]\n", "layers must be at least two positive unit counts, got [True, 2, 2]"),
    ("[model]\nlayers = [2, 2, 2]\nbatch = 2.5\n", "batch must be a whole number of examples, got 2.5"),
    ("[model]\nlayers = [2, 2, 2]\nloss = 3\n", "loss must be a name, not 3"),
])
def test_a_model_table_of_the_wrong_type_is_an_error_at_the_file(formula_file, table, phrase):
    path = formula_file(table + "\n" + entry("E = E_1 + E_2", id="e"))
    report = check_paths([str(path)])
    assert report.results[0].verdict == ERROR and f"{path}:1:1: [model]: {phrase}" in report.results[0].detail
    assert [(r.id, r.verdict) for r in report.results[1:]] == [("e", UNDECIDED)]     # judged in no other network
    assert "not checked: the file's [model] table (line 1) cannot be read" in report.results[1].detail
    assert not any("bug in derive" in r.detail for r in report.results)
    assert report.exit_code == 2


def test_a_model_file_of_the_wrong_type_is_a_usage_error(tmp_path):
    (tmp_path / "post.md").write_text(POST, encoding="utf-8")
    (tmp_path / "net.toml").write_text("[model]\nlayers = [2, 2, 2]\nbatch = 2.5\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "post.md"), "--model", str(tmp_path / "net.toml")])
    assert result.exit_code == 2 and "batch must be a whole number of examples, got 2.5" in result.output


# -- nbformat 3 ----------------------------------------------------------------------------------------------
def test_an_nbformat_3_notebook_is_read(tmp_path):
    notebook = {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "week3"}, "worksheets": [{"cells": [
        {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Week 3: the output layer"]},
        {"cell_type": "code", "language": "python", "input": ["import numpy as np"], "outputs": [],
         "metadata": {}},
        {"cell_type": "markdown", "metadata": {}, "source": ["The loss splits per output:\n", "\n",
                                                             "$$ E = E_1 + E_2 $$\n"]}]}]}
    path = tmp_path / "week3.ipynb"
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    (r,) = check_paths([str(path)]).results
    assert (r.verdict, r.cell, r.line, r.col) == (PROVED, 3, 3, 8)
    raw = path.read_text(encoding="utf-8").split("\n")[r.raw_line - 1]
    assert raw[r.raw_col - 1:].startswith("E_1 + E_2 $$")           # the place in the .ipynb file itself


# -- linear scans ----------------------------------------------------------------------------------------------
def test_a_heading_with_a_long_run_of_spaces_is_read_once_and_named(tmp_path):
    from derive.sources.markdown import atx_heading
    assert atx_heading("## Title ##") == (2, "Title") and atx_heading("### C#") == (3, "C#")
    assert atx_heading("#nospace") is None and atx_heading("    # code") is None and atx_heading("#") is None
    spaces = " " * 20_000
    assert atx_heading("#" + spaces + "Backprop" + spaces + "x") == (1, "Backprop" + spaces + "x")
    path = tmp_path / "spaces.md"
    claims = "\n\n".join(["$$ E = E_1 + E_2 $$"] * 40)
    path.write_text(f"#{spaces}Backprop{spaces}x\n\nSome prose.\n\n{claims}\n", encoding="utf-8")
    report = check_paths([str(path)])
    assert [r.verdict for r in report.results] == [PROVED] * 40
    assert report.results[-1].context["heading"] == "Backprop" + spaces + "x"


def test_a_line_of_unclosed_environments_is_read_in_one_pass(tmp_path):
    path = tmp_path / "begins.md"
    path.write_text("\\begin{align}" * 50_000 + "\n\n$$ E = E_1 + E_2 $$\n", encoding="utf-8")
    report = check_paths([str(path)])
    assert [r.verdict for r in report.results[:2]] == [ERROR, ERROR]
    assert "unclosed \\begin{align} environment" in report.results[0].detail
    assert report.results[-1].detail.endswith("the rest of this file is not read (--limit errors=N)")


def test_a_flood_of_errors_never_drops_the_formulas_before_it(tmp_path):
    path = tmp_path / "flood.md"
    path.write_text("# Week 1\n\n$$ E = E_1 + E_2 $$\n\n" + "\\begin{align}" * 1_500 + "\n", encoding="utf-8")
    report = check_paths([str(path)])
    assert [(r.line, r.verdict) for r in report.results[:2]] == [(3, PROVED), (5, ERROR)]
    assert len(report.results) == 1 + 1_000 + 1 and report.exit_code == 2
    assert report.results[-1].detail.endswith("more than 1,000 unreadable places: past the bound of 1,000; "
                                              "the rest of this file is not read (--limit errors=N)")


# -- fuzzing: token soup is data ---------------------------------------------------------------------------
TOKENS = ["a_1^{(2)}", "z_2^{(3)}", "w_{11}^{(2)}", "b_1^{(3)}", "E", "E_1", "t_1^{(3)}", "x_1", "0", "1", "2.5",
          "=", "+", "-", "\\times", "\\bullet", "/", "^", "_", "{", "}", "(", ")", "[", "]", "\\frac", "\\partial",
          "\\sigma", "\\log", "\\exp", "\\tanh", "\\sum_{i=1}^{2}", "e", "^{-1}", "^{e^4}", "^{(³)}", "\u0430",
          "\\begin{pmatrix}", "\\end{pmatrix}", "&", "\\\\", "|", "\\|", "\\left(", "\\right)", "\\text{loss}",
          "\x00", "\x1b[2J", "\u202e", "\u200b", "'", "T", "\\alpha", "\\delta", "\\nabla_a", "\\max", "\\quad"]


def test_seeded_token_soup_is_read_or_refused_never_a_crash():
    import random
    generator = random.Random(22)
    for _ in range(1_500):
        text = " ".join(generator.choice(TOKENS) for _ in range(generator.randint(1, 14)))
        try:
            parse(text)
        except DeriveError as e:
            assert e.describe() and "\x1b" not in e.describe() and "\u202e" not in e.describe(), text


def test_the_repair_search_never_cancels_a_huge_quotient():
    import sympy as sp

    from derive.repair.factors import _ratio
    x, y = sp.symbols("x y")
    assert _ratio(2 * (x + y), x + y) == 2
    huge = sp.Add(*[sp.exp(x + k) * y ** k for k in range(120)])
    assert _ratio(huge * (x + 1), huge) is None                 # past CANCEL_OPS: no candidate, no minutes


# -- the parse cache keeps no run alive ---------------------------------------------------------------------
def test_errors_in_the_parse_cache_hold_no_traceback():
    from derive.notation.parse import _parse_cached
    _parse_cached.cache_clear()
    with pytest.raises(DeriveError) as raised:
        parse("x_1 = @ + x_2")
    assert raised.value.__traceback__ is not None               # the error raised has one ...
    cached = _parse_cached("x_1 = @ + x_2", 120, 100, 100)
    assert isinstance(cached, DeriveError) and cached is not raised.value
    assert cached.__traceback__ is None and cached.__context__ is None     # ... the cached one none
