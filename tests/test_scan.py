"""Which files a folder scan reads: formula files among TOML files, exclusions, .gitignore."""
from __future__ import annotations

from pathlib import Path

from derive.sources.scan import find_files, is_formula_file

SUFFIXES = (".toml", ".md", ".ipynb")


def tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def names(root: Path, found) -> list[str]:
    return [p.relative_to(root).as_posix() for p in found]


def test_only_toml_files_with_formulas_or_a_model_are_formula_files(tmp_path):
    tree(tmp_path, {"a.toml": "[[formula]]\nid = 'x'\n", "b.toml": "[model]\nlayers = [2, 2, 2]\n",
                    "pyproject.toml": "[project]\nname = 'x'\n[tool.derive]\ntimeout = 3\n",
                    "broken.toml": "[[formula]]\nid = \n", "broken-other.toml": "[build\n",
                    "nested.toml": "[tool.formula]\nx = 1\n", "inline.toml": "formula = [{id = 'x'}]\n"})
    assert [n for n in sorted(p.name for p in tmp_path.iterdir()) if is_formula_file(tmp_path / n)] == [
        "a.toml", "b.toml", "broken.toml", "inline.toml"]
    assert names(tmp_path, find_files([tmp_path], SUFFIXES)) == ["a.toml", "b.toml", "broken.toml", "inline.toml"]
    # a file named explicitly is read whatever it holds (and reported if it is not a formula file)
    assert find_files([tmp_path / "pyproject.toml"], SUFFIXES) == [tmp_path / "pyproject.toml"]


def test_exclude_patterns_use_gitignore_syntax_and_apply_to_named_files(tmp_path, monkeypatch):
    tree(tmp_path, {"lectures/w1.md": "", "lectures/w1.draft.md": "", "drafts/w2.md": "",
                    "book/_build/html/w1.md": "", "book/intro.md": "", "notebooks/n.ipynb": "{}"})
    monkeypatch.chdir(tmp_path)
    found = find_files(["."], SUFFIXES, exclude=["drafts/", "*.draft.md", "book/_build"])
    assert names(tmp_path, [p.resolve() for p in found]) == ["book/intro.md", "lectures/w1.md", "notebooks/n.ipynb"]
    # relative to the folder scanned, too
    assert [p.as_posix() for p in find_files(["book"], SUFFIXES, exclude=["/_build"])] == ["book/intro.md"]
    assert find_files(["drafts/w2.md", "lectures/w1.md"], SUFFIXES, exclude=["drafts/"]) == [Path("lectures/w1.md")]
    assert [p.as_posix() for p in find_files(["."], SUFFIXES, exclude=["*.md"])] == ["notebooks/n.ipynb"]


def test_gitignore_files_outside_git_apply_below_their_folder(tmp_path):
    tree(tmp_path, {".gitignore": "_build/\n*.tmp.md\n!keep.tmp.md\n", "a.md": "", "x.tmp.md": "",
                    "keep.tmp.md": "", "_build/b.md": "", "sub/.gitignore": "local.md\n", "sub/local.md": "",
                    "sub/c.md": "", "local.md": ""})
    assert names(tmp_path, find_files([tmp_path], SUFFIXES)) == ["a.md", "keep.tmp.md", "local.md", "sub/c.md"]
    assert names(tmp_path, find_files([tmp_path], SUFFIXES, gitignore=False)) == [
        "_build/b.md", "a.md", "keep.tmp.md", "local.md", "sub/c.md", "sub/local.md", "x.tmp.md"]
    # named explicitly, an ignored file is checked
    assert find_files([tmp_path / "x.tmp.md"], SUFFIXES) == [tmp_path / "x.tmp.md"]


def test_bad_patterns_are_errors_and_bad_gitignore_lines_are_passed_over(tmp_path, monkeypatch):
    import pytest
    from click.testing import CliRunner

    from cli import main
    from derive.sources.scan import PatternError, exclusion
    with pytest.raises(PatternError) as info:
        exclusion(["drafts/", "!"])
    assert info.value.message == "not a valid exclude pattern: '!' (Invalid git pattern: '!')"
    tree(tmp_path, {".gitignore": "!\n\\\nskip.md\n", "a.md": "$$E = E_1 + E_2$$\n", "skip.md": ""})
    assert names(tmp_path, find_files([tmp_path], SUFFIXES)) == ["a.md"]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", ".", "--exclude", "!"])
    assert result.exit_code == 2 and "Invalid value for --exclude: not a valid exclude pattern: '!'" in result.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\nexclude = ["\\\\"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "."])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: pyproject.toml:2:1: [tool.derive]: exclude: not a valid exclude pattern")
