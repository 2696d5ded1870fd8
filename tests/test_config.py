"""[tool.derive] in pyproject.toml: found from a subfolder, paths relative to it, bad tables are
errors with their line, the command line wins."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import entry

from cli import main
from derive.project.config import ConfigError, load_config

GOOD = entry(r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})", id="b1")


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_found_from_a_subfolder_with_paths_relative_to_the_pyproject(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.derive]\npaths = ["lectures"]\n'
                                       'exclude = "drafts/"\nmodel = "net.toml"\ntimeout = 2\n')
    write(tmp_path / "net.toml", "[model]\nlayers = [2, 3, 2]\n")
    (tmp_path / "lectures").mkdir()
    monkeypatch.chdir(tmp_path / "lectures")
    config = load_config()
    assert (config.path_args(), config.exclude, config.model_arg(), config.timeout) == (
        ["."], ["drafts/"], "../net.toml", 2.0)
    write(tmp_path / "lectures" / ".git" / "HEAD", "")          # a work tree's top: not searched above
    assert load_config() is None


def test_no_table_means_no_settings(tmp_path):
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n[tool.ruff]\nline-length = 99\n')
    assert load_config(tmp_path) is None


@pytest.mark.parametrize("line, message", [
    ('paths = "a", "b"', None),
    ("paths = [1]", "[tool.derive]: paths must be a list of strings"),
    ("timeout = 0", "[tool.derive]: timeout must be a number of seconds (at least 0.1), not 0"),
    ("timeout = true", "[tool.derive]: timeout must be a number of seconds (at least 0.1), not True"),
    ('format = "pdf"', "[tool.derive]: unknown format 'pdf'"),
    ("model = 3", "[tool.derive]: model must be a string"),
    ("fail-fast = true", "[tool.derive]: unknown key 'fail-fast'"),
])
def test_bad_values_are_errors_at_the_line_of_their_key(tmp_path, line, message):
    write(tmp_path / "pyproject.toml", f'[project]\nname = "x"\n\n[tool.derive]\n{line}\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, formats=("table", "json"))
    e = info.value
    if message is None:                                      # not TOML at all
        assert e.message.startswith("not valid TOML")
        return
    assert (e.message, e.line, e.col, e.source_line) == (message, 5, 1, line)


def test_the_command_line_wins_and_the_output_file_beats_the_table_format(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "pyproject.toml", '[tool.derive]\nformat = "json"\nmodel = "2-2-1"\n')
    write(tmp_path / "f.toml", GOOD)
    runner = CliRunner()
    by_table = runner.invoke(main, ["check", "f.toml"])
    assert by_table.exit_code == 0 and json.loads(by_table.stdout)["model"].startswith("2-2-1 ")
    given = runner.invoke(main, ["check", "f.toml", "--model", "2-2-2", "--format", "table"])
    assert given.exit_code == 0 and given.stdout.startswith("model: 2-2-2 ")     # the table: all proved
    assert runner.invoke(main, ["check", "f.toml", "--model", "2-2-2", "-o", "r.xml"]).exit_code == 0
    assert (tmp_path / "r.xml").read_text(encoding="utf-8").startswith("<?xml")


def test_a_broken_pyproject_matters_only_when_it_has_a_tool_derive_table(tmp_path):
    write(tmp_path / "pyproject.toml", '[project\nname = "x"\n')
    assert load_config(tmp_path) is None
    write(tmp_path / "pyproject.toml", '[project\n[tool.derive]\ntimeout = 3\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert info.value.message.startswith("not valid TOML")


def test_a_misspelled_key_is_reported_at_its_line_with_a_suggestion(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", '[project]\nname = "course"\n\n[tool.derive]\nexclude = ["drafts/"]\n'
                                       'pahts = ["lectures"]\ntimeout = 10\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:4] == [
        "Error: pyproject.toml:6:1: [tool.derive]: unknown key 'pahts' (did you mean 'paths'?)",
        '    pahts = ["lectures"]',
        "    ^",
        "    expected keys among paths, exclude, timeout, model, format, run-code, strict"]
    write(tmp_path / "pyproject.toml", '[tool.derive]\nformat = "jsno"\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, formats=("table", "json"))
    assert (info.value.message, info.value.line) == ("[tool.derive]: unknown format 'jsno' (did you mean 'json'?)", 2)
