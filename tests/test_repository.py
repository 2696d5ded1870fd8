"""A lecture repository as a lecturer keeps one: lectures in Markdown and LaTeX, a notebook, a MyST
book with {math} directives and admonitions, MkDocs notes, a formula file, a pyproject.toml with
[project] and [tool.derive], other TOML files, a .gitignore'd build folder and excluded drafts.
`derive check .` checks every formula, skips nothing silently, and points tools at the raw line of
each mistake."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from cli import main

FIXTURE = ROOT / "tests" / "fixtures" / "repo"
CHECKED = ["book/loss.md", "docs/index.md", "formulas/update.toml", "lectures/output_bias.tex",
           "lectures/output_layer.md", "notebooks/hidden_bias.ipynb"]
WRONG = "$$\\frac{\\partial E}{\\partial w_{11}^{(3)}} = 42$$\n"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """The fixture repository, with a built book that .gitignore leaves out; cwd is its root."""
    root = tmp_path / "lectures-repo"
    shutil.copytree(FIXTURE, root)
    built = root / "book" / "_build" / "html" / "_sources"
    built.mkdir(parents=True)
    (built / "loss.md").write_text(WRONG, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def report_of(*args):
    result = run("check", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def swap(path: str, old: str, new: str) -> None:
    text = Path(path).read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    Path(path).write_text(text.replace(old, new), encoding="utf-8")


def check_every_formula_and_nothing_else(code, report):
    assert code == 0
    assert sorted({r["file"] for r in report["results"]}) == CHECKED
    assert report["summary"] == {
        "proved": 19, "refuted": 0, "undecided": 0, "errors": 0,
        "spans": {"proved": 16, "skipped": 1, "prose": 5},
        "unread": ["book/loss.md:30: {code-cell} block not read"]}
    books = [(r["line"], r["claim"]) for r in report["results"] if r["file"] == "book/loss.md"]
    assert [line for line, _ in books] == [8, 11, 16, 21, 25, 26]      # {math}, $$ (label), {note}, :::{tip}, align


def test_outside_git_the_gitignore_files_are_read(repo):
    check_every_formula_and_nothing_else(*report_of("."))


def test_in_a_git_work_tree_git_decides_what_is_ignored(repo):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", "."], check=True)
    check_every_formula_and_nothing_else(*report_of("."))
    # A subfolder scanned on its own still honours the repository's .gitignore.
    code, report = report_of("book")
    assert code == 0 and {r["file"] for r in report["results"]} == {"book/loss.md"}


def test_without_the_gitignore_and_exclusions_the_wrong_copies_are_found(repo):
    (repo / ".gitignore").unlink()
    swap("pyproject.toml", 'exclude = ["drafts/"]\n', "")
    code, report = report_of(".")
    wrong = sorted(r["file"] for r in report["results"] if r["verdict"] == "refuted")
    assert code == 1 and wrong == ["book/_build/html/_sources/loss.md", "drafts/wip.md"]
    code, report = report_of(".", "--exclude", "_build", "--exclude", "drafts/*.md")
    assert code == 0 and sorted({r["file"] for r in report["results"]}) == CHECKED


def test_with_no_paths_the_tool_derive_table_says_what_to_check(repo):
    code, report = report_of()
    assert code == 0 and sorted({r["file"] for r in report["results"]}) == CHECKED
    with open("pyproject.toml", "a", encoding="utf-8") as f:
        f.write('paths = ["lectures", "formulas"]\nformat = "github"\n')
    result = run("check")
    assert result.exit_code == 0
    assert result.stdout == "derive: 10 claims: 10 proved, 0 refuted, 0 undecided, 0 errors\n"
    assert run("check", "lectures", "--format", "json").stdout.startswith("{")     # the command line wins


def test_a_named_toml_file_that_is_not_a_formula_file_is_still_an_error(repo):
    result = run("check", "netlify.toml")
    assert result.exit_code == 2 and "unknown table(s) ['build']" in result.stdout


def test_one_mistake_in_each_kind_of_file_is_annotated_at_its_raw_line(repo):
    swap("lectures/output_layer.md", r"(1 - a_1^{(3)}) \times a_1^{(2)}$$", r"(1 - a_1^{(3)}) \times a_2^{(2)}$$")
    swap("notebooks/hidden_bias.ipynb", r"\\times w_{21}^{(3)}", r"\\times w_{12}^{(3)}")
    swap("book/loss.md", r"= a_1^{(3)} (1 - a_1^{(3)})", r"= a_1^{(3)} (1 + a_1^{(3)})")
    swap("formulas/update.toml", r"- \alpha \frac", r"+ \alpha \frac")
    swap("lectures/output_bias.tex", r"(1 - a_2^{(3)})" "\n", r"(1 - a_2^{(3)}) \times 2" "\n")
    result = run("check", ".", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    headings = [line.split("%0A")[0] for line in lines[:-3]]
    assert headings == [
        "::error file=book/loss.md,line=16,col=62,title=derive%3A refuted::"
        "\u2202a_1^{(3)}/\u2202z_1^{(3)} = a_1^{(3)} (1 + a_1^{(3)})",
        "::error file=formulas/update.toml,line=6,col=19,title=derive%3A refuted::output.update.b",
        "::error file=lectures/output_bias.tex,line=10,col=63,title=derive%3A refuted::"
        "\u2202E/\u2202b_2^{(3)} = (a_2^{(3)} - t_2^{(3)}) \u00d7 a_2^{(3)} (1 - a_2^{(3)}) \u00d7 2",
        "::error file=lectures/output_layer.md,line=15,col=69,title=derive%3A refuted::"
        "\u2202E/\u2202w_{11}^{(3)} = (a_1^{(3)} - t_1^{(3)}) \u00d7 a_1^{(3)} (1 - a_1^{(3)}) \u00d7 a_2^{(\u2026",
        # the repair: cell 3, line 5 of the notebook is line 30 of the .ipynb file, its character 76
        "::error file=notebooks/hidden_bias.ipynb,line=30,col=76,title=derive%3A refuted::"
        "\u2202E/\u2202b_1^{(2)} = (a_1^{(3)} - t_1^{(3)}) \u00d7 a_1^{(3)} (1 - a_1^{(3)}) \u00d7 w_{11}^{(\u2026"
        " (notebook cell 3, line 5)"]
    assert lines[-3:] == [
        "::notice file=book/loss.md,line=30,title=derive%3A not read::"
        "{code-cell} block not read: derive skipped it, nothing in it was checked",
        "derive: 19 claims: 14 proved, 5 refuted, 0 undecided, 0 errors",
        "derive: not read (skipped): book/loss.md:30: {code-cell} block not read"]
    raw = Path("notebooks/hidden_bias.ipynb").read_text(encoding="utf-8").splitlines()
    assert raw[29][75:87] == "w_{12}^{(3)}"
    assert Path("book/loss.md").read_text(encoding="utf-8").splitlines()[15][61:].startswith("+ a_1^{(3)})")
    # JUnit: the same lines, as attributes
    assert run("check", ".", "-o", "derive.xml").exit_code == 1
    xml = Path("derive.xml").read_text(encoding="utf-8")
    assert 'file="notebooks/hidden_bias.ipynb" line="30"' in xml
    assert 'file="book/loss.md" line="16"' in xml
    assert ('<testcase classname="book/loss.md" name="{code-cell} block not read" file="book/loss.md" '
            'line="30" time="0.000">\n      <skipped message="book/loss.md:30: {code-cell} block not read: '
            'derive skipped it" />') in xml
    assert '<testsuite name="derive" tests="20" failures="5" errors="0" skipped="1"' in xml


def test_a_bad_tool_derive_table_is_a_usage_error_with_its_line(repo):
    swap("pyproject.toml", "timeout = 10\n", "timeout = 10\ncolour = \"red\"\n")
    result = run("check", ".")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "Error: pyproject.toml:12:1: [tool.derive]: unknown key 'colour'"


def test_junit_names_of_a_book_use_its_equation_labels(repo):
    assert run("check", "book", "-o", "derive.xml").exit_code == 0
    xml = Path("derive.xml").read_text(encoding="utf-8")
    assert '<testcase classname="book/loss.md" name="eq-loss: E = E_1 + E_2" file="book/loss.md" line="8"' in xml
    assert 'name="eq-e1: E_1 = \\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2" file="book/loss.md" line="11"' in xml
