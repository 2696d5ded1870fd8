"""Positions for tools: a notebook claim's line and column in the raw .ipynb JSON, and the report
format that an output file's extension implies."""
from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import entry

from cli import main
from derive.sources.notebooks import notebook_positions, read_notebook


def raw_char(text: str, line: int, col: int) -> str:
    return text.split("\n")[line - 1][col - 1:]


def test_every_span_of_a_notebook_maps_to_where_its_text_is_stored():
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": ["x = 1\n"]},
             {"cell_type": "markdown", "metadata": {"tags": ["a \"quoted\" tag"]},
              "source": ["# 은닉층 \"가중치\"\n", "\n", "Tab\there: $a_1^{(2)} = \\sigma(z_1^{(2)})$\n",
                         "\u00e9t\u00e9 $$E = E_1 + E_2$$"]},
             {"cell_type": "markdown", "metadata": {}, "source": "One string: $x_1$ and\n$x_2$"}]
    for ascii_only in (False, True):
        text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
                          indent=1, ensure_ascii=ascii_only)
        spans, _ = read_notebook(text, "n.ipynb")
        position = notebook_positions(text)
        found = [(s.cell, s.line, s.col, s.text, position(s.cell, s.line, s.col)) for s in spans]
        assert [f[:4] for f in found] == [(2, 3, 12, "a_1^{(2)} = \\sigma(z_1^{(2)})"), (2, 4, 7, "E = E_1 + E_2"),
                                          (3, 1, 14, "x_1"), (3, 2, 2, "x_2")]
        # each raw position holds the span's first character, after the (escaped) text before it
        lines = [raw_char(text, *f[4]) for f in found]
        assert lines[0].startswith("a_1^{(2)} = \\\\sigma") and lines[1].startswith("E = E_1")
        assert lines[2].startswith("x_1$ and\\n$x_2$") and lines[3].startswith("x_2$")
        assert found[2][4][0] == found[3][4][0]                  # one JSON string: one raw line
        assert found[0][4][0] == text.split("\n").index('    "Tab\\there: $a_1^{(2)} = \\\\sigma(z_1^{(2)})$\\n",') + 1


def test_not_a_notebook_has_no_positions():
    assert notebook_positions("{not json") is None
    assert notebook_positions('{"cells": 3}') is None


GOOD = entry(r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})", id="b1")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_output_extension_gives_the_format(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.toml").write_text(GOOD, encoding="utf-8")
    for name, start in [("r.json", "{"), ("r.xml", "<?xml"), ("r.html", "<!DOCTYPE html>"), ("r.htm", "<!DOCTYPE html>"),
                        ("r.txt", "model: "), ("r.md", "model: ")]:
        result = run("check", "f.toml", "-o", name)
        assert result.exit_code == 0, (name, result.output)
        assert (tmp_path / name).read_text(encoding="utf-8").lstrip().startswith(start), name
    assert run("check", "f.toml", "--format", "github", "-o", "notes.txt").exit_code == 0
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8").startswith("derive: 1 claim: 1 proved")
    assert run("check", "f.toml", "--format", "json", "-o", "x.json").exit_code == 0


def test_an_explicit_format_that_contradicts_the_extension_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.toml").write_text(GOOD, encoding="utf-8")
    result = run("check", "f.toml", "--format", "table", "-o", "report.html")
    assert result.exit_code == 2
    assert "Error: --format table does not fit -o report.html, whose extension means html" in result.stderr
    assert not (tmp_path / "report.html").exists()


def test_unreadable_notebook_math_is_annotated_in_the_notebook_file_at_its_raw_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cells = [{"cell_type": "markdown", "metadata": {},
              "source": ["# T\n", "\n", "$$a_1^{(3)} = \\sigma(z_1^{(3)}$$ and\n", "\n", "$$\\frac{a}{b} $$ $$ E\n"]}]
    (tmp_path / "bad.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                   "nbformat_minor": 5}, indent=1), encoding="utf-8")
    result = run("check", "bad.ipynb", "--format", "github")
    assert result.exit_code == 2
    where = [line.split("::")[1] for line in result.stdout.splitlines()[:-1]]
    # cell 1, line 3, col 21 (the parenthesis left open) is line 9 of the file, col 27 there (after
    # the JSON indent, the quote and the escaped backslash); cell line 5, col 18 is line 11, col 24
    assert where == ["error file=bad.ipynb,line=9,col=27,title=derive%3A error",
                     "error file=bad.ipynb,line=11,col=24,title=derive%3A error"]
    assert "bad.ipynb:cell 1:5:18: unclosed $$ display math" in result.stdout


def test_a_block_not_read_in_a_notebook_is_noticed_at_its_raw_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cells = [{"cell_type": "markdown", "metadata": {},
              "source": ["$$E = E_1 + E_2$$\n", "```{raw} html\n", "<b>$x$</b>\n", "```\n"]}]
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                   "nbformat_minor": 5}, indent=1), encoding="utf-8")
    result = run("check", "nb.ipynb", "--format", "github")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "::notice file=nb.ipynb,line=9,title=derive%3A not read::"
        "{raw} block not read: derive skipped it, nothing in it was checked",
        "derive: 1 claim: 1 proved, 0 refuted, 0 undecided, 0 errors",
        "derive: not read (skipped): nb.ipynb:cell 1:3: {raw} block not read"]
    assert (tmp_path / "nb.ipynb").read_text(encoding="utf-8").splitlines()[8] == '    "<b>$x$</b>\\n",'
