"""The command line: exact exit codes, the JSON contract, errors with file:line:col, help."""
import json
import re

from click.testing import CliRunner
from conftest import ROOT, entry

from cli import main

GOOD = entry(r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)} (1 - a_1^{(3)})", id="b1")
WRONG = entry(r"\frac{\partial E}{\partial b_1^{(3)}}" "\n" r"  = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)}", id="b1.wrong")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_bundled_checks_the_bundled_formulas_and_exits_0():
    result = run("check", "--bundled")
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"100 claims: 100 proved, 0 refuted, 0 undecided, 0 errors \(3 files, [0-9.]+ s\)", last)
    assert "hidden.w11" not in result.output            # failures only, by default
    verbose = run("check", "--bundled", "--verbose")
    assert verbose.exit_code == 0 and "hidden.w11" in verbose.output
    assert verbose.output.count("  proved  ") == 100


def test_all_proved_exits_0_refuted_exits_1(formula_file):
    assert run("check", str(formula_file(GOOD))).exit_code == 0
    result = run("check", str(formula_file(WRONG, "wrong.toml")))
    assert result.exit_code == 1
    assert "refuted" in result.output and "counterexample at " in result.output


def test_json_report_keeps_the_contract(formula_file):
    path = formula_file(GOOD + "\n" + WRONG)
    result = run("check", str(path), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["summary"] == {"proved": 1, "refuted": 1, "undecided": 0, "errors": 0}
    good, wrong = report["results"]
    assert set(good) >= {"file", "line", "id", "claim", "verdict", "detail", "counterexample"}
    assert (good["id"], good["verdict"], good["counterexample"], good["line"]) == ("b1", "proved", None, 6)
    assert (wrong["id"], wrong["verdict"], wrong["line"]) == ("b1.wrong", "refuted", 15)
    assert wrong["file"] == str(path)
    c = wrong["counterexample"]
    assert set(c) == {"point", "lhs", "rhs", "difference"}
    assert abs(c["lhs"] - c["rhs"]) > 1e-6 and "x_1" in c["point"]


def test_broken_latex_exits_2_with_file_line_col_and_the_rest_is_checked(formula_file):
    broken = entry(r"\frac{\partial E}{\partial b_1^{(3)}}" "\n" r"  = (a_1^{(3)} - t_1^{(3)} \times a_1^{(3)}", id="broken")
    path = formula_file(broken + "\n" + GOOD)
    result = run("check", str(path))
    assert result.exit_code == 2
    assert f"{path}:7:44: unexpected end of formula" in result.output
    assert "expected" in result.output and "^" in result.output
    assert "1 proved" in result.output


def test_unknown_command_and_shape_mismatch_are_errors_with_positions(formula_file):
    text = (entry(r"E_1 = \frac{1}{2} \sqrt{t_1^{(3)} - a_1^{(3)}}", id="sqrt") + "\n"
            + entry(r"\frac{\partial E}{\partial W^{(2)}} = A1 \bullet loss\_2", id="shape"))
    result = run("check", str(formula_file(text)), "--format", "json")
    assert result.exit_code == 2
    errors = json.loads(result.output)["results"]
    assert [(e["id"], e["verdict"], e["line"]) for e in errors] == [("sqrt", "error", 6), ("shape", "error", 14)]
    assert "unknown command \\sqrt" in errors[0]["detail"]
    assert "matrix product of 1\u00d72 and 1\u00d72" in errors[1]["detail"]


def test_unreadable_file_and_bad_toml_exit_2(formula_file, tmp_path):
    assert run("check", str(tmp_path / "missing.toml")).exit_code == 2
    result = run("check", str(formula_file("[[formula]]\nid = \n")))
    assert result.exit_code == 2 and "not valid TOML" in result.output


def test_usage_error_exits_2():
    assert run("check", "--format", "yaml").exit_code == 2
    assert run("check", "--timeout", "-1").exit_code == 2


def test_timeout_option_makes_claims_undecided_not_passed(formula_file, monkeypatch):
    import time

    import derive.decide.decider as decide_module
    original = decide_module.Decider.decide
    monkeypatch.setattr(decide_module.Decider, "decide", lambda self, l, r: (time.sleep(0.4), original(self, l, r))[1])
    result = run("check", str(formula_file(GOOD)), "--timeout", "0.1")
    assert result.exit_code == 1
    assert "undecided" in result.output and "no decision within 0.1 s" in result.output


def test_model_option_changes_the_network(formula_file):
    text = entry(r"z_1^{(2)} = a_1^{(1)} w_{11}^{(2)} + a_2^{(1)} w_{12}^{(2)} + a_3^{(1)} w_{13}^{(2)} + b_1^{(2)}")
    path = str(formula_file(text))
    assert run("check", path).exit_code == 2                 # a_3^{(1)} does not exist in 2-2-2
    assert run("check", path, "--model", "3-2-1").exit_code == 0


def test_help_explains_with_an_example():
    for args in (["--help"], ["check", "--help"]):
        result = run(*args)
        assert result.exit_code == 0
        assert "Example" in result.output and "derive check" in result.output


def test_every_command_has_help_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help, name
        assert f"derive {name}" in readme, name


def test_the_cli_offers_exactly_the_report_formats_the_library_renders():
    import cli
    from derive.report.formats import FORMATS
    assert cli.FORMATS == FORMATS
    assert set(cli.FORMAT_OF_SUFFIX.values()) <= set(FORMATS)


LECTURE = r"""# The output layer

The error reaching the output unit is

$$\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) \times a_1^{(3)}$$
"""


def test_in_a_repository_with_no_paths_its_lectures_are_checked(tmp_path, monkeypatch):
    root = tmp_path / "course"
    (root / "week1").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "course"\n', encoding="utf-8")   # no [tool.derive]
    (root / "week1" / "lecture.md").write_text(LECTURE, encoding="utf-8")
    (root / "week1" / "reading.md").write_text("# Reading\n\nChapter 2 of the book.\n", encoding="utf-8")
    monkeypatch.chdir(root / "week1")                # from a subfolder: the whole repository
    result = CliRunner().invoke(main, ["check", "--format", "json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["summary"]["refuted"] == 1
    assert {r["file"] for r in data["results"]} == {"../week1/lecture.md"}   # named from here
    table = CliRunner().invoke(main, ["check"])
    assert table.exit_code == 1 and "no math in 1 file: ../week1/reading.md" in table.stdout
    bundled = CliRunner().invoke(main, ["check", "--bundled"])      # only when asked
    assert bundled.exit_code == 0 and "100 claims: 100 proved" in bundled.stdout
    assert CliRunner().invoke(main, ["export", "--to", "md"]).exit_code == 1      # the export reads the same
    # a .git marks a repository too
    (root / "pyproject.toml").unlink()
    (root / ".git").mkdir()
    assert CliRunner().invoke(main, ["check"]).exit_code == 1


def test_outside_any_repository_the_bundled_formulas_are_checked_and_said(tmp_path, monkeypatch):
    import derive.project.config as config
    monkeypatch.setattr(config, "find_repository", lambda start=None: None)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0 and "100 claims: 100 proved" in result.stdout
    assert result.stderr.startswith("note: not in a repository (no pyproject.toml or .git here or above): "
                                    "reading the formulas bundled with derive")


def test_a_missing_path_is_a_usage_error_before_any_work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for command in ("check", "export"):
        result = CliRunner().invoke(main, [command, "lecture.md"])
        assert result.exit_code == 2
        assert result.stderr.splitlines()[-1] == "Error: Invalid value for '[PATHS]...': Path 'lecture.md' does not exist."
    (tmp_path / "pyproject.toml").write_text('[tool.derive]\npaths = ["lectures", "notes.md"]\n', encoding="utf-8")
    (tmp_path / "notes.md").write_text(LECTURE, encoding="utf-8")
    result = CliRunner().invoke(main, ["check"])
    assert (result.exit_code, result.stderr) == (2, "Error: pyproject.toml: [tool.derive] paths: 'lectures' does not exist\n")
    result = CliRunner().invoke(main, ["check", "--bundled", "notes.md"])
    assert result.exit_code == 2 and "--bundled checks the formulas bundled with derive and takes no PATHS" in result.stderr
