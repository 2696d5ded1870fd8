"""`derive init`: the workflow it writes runs the check (its command is run here), the pre-commit
hook takes the lecture files, and nothing is ever overwritten."""
from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from cli import main

FIXTURE = ROOT / "tests" / "fixtures" / "repo"
INSTALL = "git+https://example.org/derive@v0.1.0"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def steps(workflow: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^ +- run: (.*)$", workflow, re.M)]


def run_the_check_step(workflow: str):
    """Run the workflow's `derive check` step as the runner would (after `pip install`)."""
    install, check, report = steps(workflow)
    assert install == 'pip install "$DERIVE"'
    assert report == check.replace(" --format github", " -o derive-report.html || true")
    argv = shlex.split(check)
    assert argv[:2] == ["derive", "check"]
    return run(*argv[1:])


def test_in_a_lecture_repository_the_workflow_checks_every_lecture(tmp_path, monkeypatch):
    root = tmp_path / "lectures-repo"
    shutil.copytree(FIXTURE, root)
    git_repo(root)
    (root / "book" / "notes").mkdir()
    monkeypatch.chdir(root / "book")                 # from a subfolder: files go to the top
    result = run("init", "--install", INSTALL)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "wrote ../.github/workflows/derive.yml", "wrote ../.pre-commit-config.yaml",
        "the workflow runs: derive check book docs formulas lectures notebooks --format github"]
    workflow = (root / ".github" / "workflows" / "derive.yml").read_text(encoding="utf-8")
    assert f"      DERIVE: {json.dumps(INSTALL)}\n" in workflow
    assert "on: [push, pull_request]" in workflow
    monkeypatch.chdir(root)
    checked = run_the_check_step(workflow)
    assert checked.exit_code == 0
    assert checked.stdout.splitlines() == [
        "::notice file=book/loss.md,line=30,title=derive%3A not read::"
        "{code-cell} block not read: derive skipped it, nothing in it was checked",
        "derive: 19 claims: 19 proved, 0 refuted, 0 undecided, 0 errors",
        "derive: not read (skipped): book/loss.md:30: {code-cell} block not read"]
    # ... and it fails the job, with an annotation, when a formula is wrong
    lecture = root / "lectures" / "output_layer.md"
    lecture.write_text(lecture.read_text(encoding="utf-8").replace(r"\times a_1^{(2)}$$", r"\times x_1$$"),
                       encoding="utf-8")
    checked = run_the_check_step(workflow)
    assert checked.exit_code == 1
    assert checked.stdout.startswith("::error file=lectures/output_layer.md,line=15,col=69,title=derive%3A refuted::")

    config = (root / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "        entry: derive check\n" in config
    assert f"        additional_dependencies: [{json.dumps(INSTALL)}]\n" in config
    pattern = re.search(r"^        files: '(.*)'$", config, re.M).group(1)
    matched = [name for name in ["lectures/output_layer.md", "lectures/output_bias.tex",
                                 "notebooks/hidden_bias.ipynb", "book/loss.md",
                                 "docs/index.md", "formulas/update.toml", "pyproject.toml", "netlify.toml",
                                 "README.md", "book/_config.yml", "src/lecture.md"]
               if re.search(pattern, name)]
    assert matched == ["lectures/output_layer.md", "lectures/output_bias.tex", "notebooks/hidden_bias.ipynb",
                       "book/loss.md",
                       "docs/index.md", "formulas/update.toml"]


def test_in_an_empty_repository_the_workflow_runs_the_check(tmp_path, monkeypatch):
    monkeypatch.chdir(git_repo(tmp_path / "empty"))
    result = run("init")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "the workflow runs: derive check . --format github"
    workflow = Path(".github/workflows/derive.yml").read_text(encoding="utf-8")
    assert steps(workflow)[1] == "derive check . --format github"
    assert '      DERIVE: "derive-backprop==0.1.0"\n' in workflow       # its name on the package index
    assert result.stderr.startswith("DERIVE in .github/workflows/derive.yml is derive-backprop==0.1.0, from the "
                                    "package index")
    assert ("      - uses: actions/upload-artifact@v4\n        if: always()\n        with:\n"
            "          name: derive-report\n          path: derive-report.html\n") in workflow
    checked = run_the_check_step(workflow)
    assert (checked.exit_code, checked.stdout) == (0, "derive: 0 claims: 0 proved, 0 refuted, 0 undecided, 0 errors\n")
    # a lecture added later is checked by the same workflow
    Path("week1.md").write_text("$$E = E_1 + E_2 + 1$$\n", encoding="utf-8")
    assert run_the_check_step(workflow).exit_code == 1
    assert re.search(Path(".pre-commit-config.yaml").read_text(encoding="utf-8").split("files: '")[1][:-2],
                     "notes/week1.md")


def test_it_refuses_to_overwrite_either_file(tmp_path, monkeypatch):
    monkeypatch.chdir(git_repo(tmp_path / "r"))
    Path(".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    result = run("init", "--install", INSTALL)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "Error: .pre-commit-config.yaml: .pre-commit-config.yaml exists already; derive init writes nothing over it")
    assert not Path(".github").exists()
    assert Path(".pre-commit-config.yaml").read_text(encoding="utf-8") == "repos: []\n"
    Path(".pre-commit-config.yaml").unlink()
    assert run("init", "--install", INSTALL).exit_code == 0
    before = Path(".github/workflows/derive.yml").read_text(encoding="utf-8")
    again = run("init", "--install", "other")
    assert again.exit_code == 2 and "exist already; derive init writes nothing over them" in again.stderr
    assert Path(".github/workflows/derive.yml").read_text(encoding="utf-8") == before
