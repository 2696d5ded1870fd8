"""Hostile and broken input: nothing lost, nothing run, everything bounded.

The corpus in tests/hostile/ holds small files a careless or hostile author could write; the cases
that need a size (a 1 GB file, a 72 KB paragraph), a kind of file (a FIFO, /dev/zero, a symbolic
link loop) or a depth (a notebook nested 100,000 deep) are made here.  Each gets its exact verdict,
its message (naming the bound it met) and the exit code; all of them together with a valid lecture
give every file its result, the lecture's all proved, exit 2, and no traceback.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from cli import main
from derive.errors import DeriveError, cut_line
from derive.notation.parse import parse
from derive.pipeline.options import Options
from derive.pipeline.run import check_paths
from derive.results import ERROR, PROVED, UNDECIDED
from derive.runtime.bounds import Bounds, check_network, parse_limit

CORPUS = ROOT / "tests" / "hostile"
LECTURE = ROOT / "tests" / "fixtures" / "output_layer_lecture.md"

# file: (verdicts of its results in order (None: any number of this one verdict), a phrase of the first detail)
EXPECTED = {
    "bad_utf8.md": ([ERROR], "5:15: not UTF-8 text: byte 0xff cannot be decoded"),
    "binary.md": ([ERROR], "1:1: not UTF-8 text: byte 0x89"),
    "utf16_bom.md": ([PROVED], "exact: the difference expands to 0"),
    "power_10_309.md": ([ERROR], "1:10: this power is a number of about 310 digits: past the bound of 100 digits"),
    "power_2_20000.md": ([ERROR], "3:10: this power is a number of about 6021 digits: past the bound of 100"),
    "digits_4000.md": ([ERROR], "1:10: a number of 4000 digits: past the bound of 100 digits"),
    "nested_400.md": ([ERROR], "the formula is nested 400 levels deep: past the bound of 120 levels"),
    "layer_8000.md": ([ERROR], "1:4: the document names layer 8000: past the bound of 20 layers"),
    "exponent_1000.md": ([ERROR], "1:35: the exponent 1000 is past the bound of 100"),
    "front_matter_huge.md": ([ERROR], "the network has 3,000 units: past the bound of 2,000 units"),
    "huge_layers.toml": ([ERROR], "past the bound of 2,000 units"),
    "bad.toml": ([ERROR], "not valid TOML: Unterminated string"),
    "not_a_notebook.ipynb": ([ERROR], "not a Jupyter notebook: no list of cells"),
    "notebook_odd_cells.ipynb": ([PROVED], "exact: the difference expands to 0"),
    "control_chars.md": ([ERROR, ERROR], "1:8: a control character U+0000 in the formula"),
    "unclosed_commands.md": ([ERROR] * 4, "1:9: a brace { is never closed"),     # malformed LaTeX
    "unclosed_envs.tex": ([ERROR] * 300, "2:1: unclosed \\begin{equation} environment"),
    "long_sum_bound.md": ([UNDECIDED], "this member could not be read within 0.5 s (--timeout)"),
    "empty.md": ([], None),
    # issue 22: bad input is an error with its cause, never "a bug in derive"
    "undefined_terms.md": ([PROVED, ERROR, ERROR, ERROR], "exact: the difference expands to 0"),
    "superscript_digit.md": (["not checked"], "3:4: the digit '³' (U+00B3) in an index or a layer"),
    "cyrillic_a.md": (["not checked"], "3:45: unexpected character 'а' (U+0430 CYRILLIC SMALL LETTER A)"),
    "irrational_exponent.md": ([ERROR], "3:15: the exponent is about 148.413: past the bound of 100"),
    "model_array.toml": ([ERROR, UNDECIDED], "2:1: [model]: the model must be one table, not list"),
    "nbformat3.ipynb": ([PROVED], "exact: the difference expands to 0"),
    "heading_spaces.md": ([PROVED], "exact: the difference expands to 0"),
}


def by_file(report) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in report.results:
        out.setdefault(Path(r.file).name, []).append(r)
    return out


def test_the_corpus_lists_every_case():
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


def test_every_corpus_file_gets_its_exact_result_and_message():
    report = check_paths([str(CORPUS)], Options(timeout=0.5))
    found = by_file(report)
    for name, (verdicts, phrase) in EXPECTED.items():
        results = found.get(name, [])
        assert [r.verdict for r in results] == verdicts, name
        if phrase:
            assert phrase in results[0].detail, (name, results[0].detail)
    assert report.exit_code == 2
    assert not any("bug in derive" in r.detail for r in report.results)
    for r in found["undefined_terms.md"][1:]:
        assert "this member is undefined: it divides by zero or takes the logarithm of 0" in r.detail


def made_cases(tmp_path: Path) -> dict[str, tuple[list, str]]:
    """The cases that need a size, a kind of file or a depth, made in tmp_path."""
    folder = tmp_path / "made"
    folder.mkdir()
    with open(folder / "one_gigabyte.md", "wb") as f:
        f.truncate(1 << 30)                                     # sparse: nothing is written
    (folder / "parens_72k.md").write_text("\\(" * 36_000, encoding="utf-8")
    (folder / "parens_72k.tex").write_text("\\(" * 36_000, encoding="utf-8")
    (folder / "long_line.md").write_text("$$ " + "x_1 + @ " * 21_000 + " $$\n" + "$x_{$ " * 40_000 + "\n",
                                         encoding="utf-8")
    (folder / "nested.ipynb").write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    (folder / "nested.toml").write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    (folder / "front_matter_deep.md").write_text("---\nderive:\n  layers: " + "[" * 100_000 + "]" * 100_000
                                                 + "\n---\n\n$$ E = E_1 + E_2 $$\n", encoding="utf-8")
    os.mkfifo(folder / "pipe.md")
    os.symlink("loop_b.md", folder / "loop_a.md")
    os.symlink("loop_a.md", folder / "loop_b.md")
    os.symlink("..", folder / "up")                            # a folder loop: not followed
    return {
        "one_gigabyte.md": ([ERROR], "the file has 1,073,741,824 bytes or more: past the bound of 10,000,000 bytes"),
        "parens_72k.md": ([], None),                            # unclosed \( in Markdown is text
        "parens_72k.tex": ([ERROR] * 1_001, "1:1: unclosed \\( inline math"),        # then: past the bound
        "long_line.md": ([ERROR] * 1_001, "1:3: a formula of 168,002 characters: past the bound of 20,000"),
        "nested.ipynb": ([ERROR], "its JSON is nested too deeply to read"),
        "nested.toml": ([ERROR], "not valid TOML: nested too deeply"),
        "front_matter_deep.md": ([ERROR, PROVED], "1:1: front matter: cannot read layers '[[[["),
    }


def test_made_cases_each_fail_alone_within_their_bounds(tmp_path):
    expected = made_cases(tmp_path)
    report = check_paths([str(tmp_path / "made")])
    found = by_file(report)
    for name, (verdicts, phrase) in expected.items():
        results = found.get(name, [])
        assert [r.verdict for r in results] == verdicts, name
        if phrase:
            assert phrase in results[0].detail, (name, results[0].detail[:300])
    assert all(len(r.detail) < 1_000 for r in report.results)      # a 168 KB line is cut, not repeated
    for name in ("parens_72k.tex", "long_line.md"):                  # 36,000 and 40,001 unreadable places
        assert found[name][-1].detail.endswith("more than 1,000 unreadable places: past the bound of 1,000; "
                                               "the rest of this file is not read (--limit errors=N)")
    assert sorted(report.notes) == sorted([
        f"{tmp_path}/made/loop_a.md: skipped: a symbolic link loop: not followed",
        f"{tmp_path}/made/loop_b.md: skipped: a symbolic link loop: not followed",
        f"{tmp_path}/made/pipe.md: skipped: a FIFO (named pipe), not a regular file: not read"])
    assert report.exit_code == 2


def test_a_non_regular_file_named_on_the_command_line_is_an_error_never_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.md")
    report = check_paths([str(tmp_path / "pipe.md"), "/dev/zero"])
    assert [(r.file, r.verdict, r.detail) for r in report.results] == [
        (f"{tmp_path}/pipe.md", ERROR, f"{tmp_path}/pipe.md: a FIFO (named pipe), not a regular file: not read"),
        ("/dev/zero", ERROR, "/dev/zero: a character device, not a regular file: not read")]
    assert report.exit_code == 2


def test_everything_together_with_a_valid_lecture_in_one_run_exits_2_without_a_traceback(tmp_path):
    made_cases(tmp_path)
    shutil.copy(LECTURE, tmp_path / "lecture.md")
    alone = check_paths([str(LECTURE)])
    assert alone.exit_code == 0 and len(alone.results) > 20
    run = subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", str(CORPUS), str(tmp_path), "/dev/zero",
                          "--timeout", "0.5", "--format", "json"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 2, run.stderr[-2000:]
    assert "Traceback" not in run.stdout + run.stderr
    report = json.loads(run.stdout)
    lecture = [(r["line"], r["col"], r["verdict"]) for r in report["results"] if r["file"].endswith("lecture.md")]
    assert lecture == [(r.line, r.col, PROVED) for r in alone.results]
    files = {Path(r["file"]).name for r in report["results"]}
    assert files >= {n for n, (v, _) in EXPECTED.items() if v} | {"one_gigabyte.md", "nested.ipynb", "zero"}
    assert len(report["notes"]) == 3


# -- bounds, one at a time ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, phrase", [
    (r"x_1 = 2^{2^{2^{2^{2^{2}}}}}", "past the bound of 100 digits"),
    (r"x_1 = 10^{60} \times 10^{60}", "a number of about 121 digits"),
    (r"x_1 = ((x_2^{2})^{2})^{40}", "the exponent 160 is past the bound of 100"),
    (r"x_1 = e^{1000}", "the exponent 1000 is past the bound of 100"),
    ("x_1 = " + " + ".join(["x_2"] * 200), "nested 199 levels deep: past the bound of 120"),
    ("x_1 = " + "-" * 200 + "x_2", "nested 200 levels deep"),
])
def test_number_and_nesting_bounds_are_errors_at_the_place(text, phrase):
    with pytest.raises(DeriveError) as e:
        parse(text)
    assert phrase in e.value.describe()


@pytest.mark.parametrize("text", [r"x_1 = 10^{99}", r"x_1 = x_2^{100}", r"x_1 = 2^{-10} x_2^{-1}",
                                  "x_1 = " + "(" * 110 + "x_2" + ")" * 110, r"x_1 = x_2^{1/2}"])
def test_just_inside_the_bounds_is_read(text):
    assert parse(text)


def test_the_default_network_bounds_let_784_30_10_through_and_stop_absurd_ones():
    check_network([784, 30, 10], Bounds())
    check_network([2] * 20, Bounds())
    for layers, phrase in [([1000, 1000, 1000], "3,000 units"), ([2] * 21, "21 layers"),
                           ([200, 200, 200, 200], "120,600 weights and biases")]:
        with pytest.raises(DeriveError) as e:
            check_network(layers, Bounds())
        assert phrase in e.value.message


def test_a_formula_past_the_length_bound_is_an_error_and_the_rest_is_checked(tmp_path):
    path = tmp_path / "long.md"
    path.write_text("$$ x_1 = " + " + ".join(["x_1"] * 6_000) + " $$\n\n$$ E = E_1 + E_2 $$\n", encoding="utf-8")
    report = check_paths([str(path)])
    assert [(r.line, r.verdict) for r in report.results] == [(1, ERROR), (3, PROVED)]
    assert "a formula of 36,005 characters: past the bound of 20,000" in report.results[0].detail


def test_a_file_past_the_size_bound_is_not_read(tmp_path):
    path = tmp_path / "big.md"
    path.write_text("$$ E = E_1 + E_2 $$\n" + "x" * 2_000, encoding="utf-8")
    (r,) = check_paths([str(path)], Options(bounds=Bounds(file_size=1_000))).results
    assert r.verdict == ERROR and "past the bound of 1,000 bytes; not read" in r.detail
    assert "--limit file-size=BYTES" in r.detail


def test_long_lines_are_cut_around_the_column_in_messages():
    line = "a" * 500 + "@" + "b" * 500
    cut, col = cut_line(line, 501, 41)
    assert len(cut) == 41 and cut[0] == "…" and cut[-1] == "…" and cut[col - 1] == "@"
    assert cut_line("short", 2, 41) == ("short", 2)


def test_limits_are_set_by_name_and_must_be_finite_and_positive():
    b = parse_limit("file-size=20MB", Bounds())
    assert b.file_size == 20_000_000
    assert parse_limit("budget=1.5", b).budget == 1.5
    for bad in ("file-size=-1", "depth=nan", "depth=inf", "color=3", "depth", "memory=0"):
        with pytest.raises(ValueError):
            parse_limit(bad, Bounds())


# -- time: per claim, per run ------------------------------------------------------------------------
def slow_decisions(monkeypatch, seconds=30):
    import derive.decide.decider as decide_module

    def slow(self, lhs, rhs):
        time.sleep(seconds)
    monkeypatch.setattr(decide_module.Decider, "decide", slow)


def test_the_run_budget_makes_the_claims_left_undecided_naming_it(monkeypatch):
    slow_decisions(monkeypatch)
    report = check_paths([str(LECTURE)], Options(timeout=60, bounds=Bounds(budget=1)))
    assert report.results and all(r.verdict == UNDECIDED for r in report.results)
    assert all("the run's budget of 1 s was used up (--budget)" in r.detail for r in report.results)


def test_preparation_is_not_charged_to_the_first_claim_of_a_short_file(formula_file, monkeypatch):
    """Issue 13, item 4: the oracle is built before any claim's deadline starts, whatever the number
    of formulas, so that a tight per-claim bound does not turn a correct claim undecided."""
    import importlib
    check_module = importlib.import_module("derive.decide.workspace")
    from conftest import entry
    real = check_module.Workspace.warm
    calls = []

    def slow_warm(self):
        calls.append(1)
        time.sleep(0.6)                 # more than the claim's bound below
        real(self)
    monkeypatch.setattr(check_module.Workspace, "warm", slow_warm)
    path = formula_file(entry(r"\frac{\partial E}{\partial b_1^{(3)}} = (a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)})"))
    report = check_paths([str(path)], Options(timeout=0.5))
    assert calls == [1] and [r.verdict for r in report.results] == [PROVED]


# -- workers: memory, deaths, bugs -------------------------------------------------------------------
def test_past_the_memory_bound_a_claim_is_undecided_and_the_rest_is_checked(formula_file, monkeypatch):
    from conftest import entry

    import derive.decide.decider as decide_module
    real = decide_module.Decider.decide

    def greedy(self, lhs, rhs):
        if lhs == self.net["E",]:
            bytearray(50_000_000_000)    # far past any bound
        return real(self, lhs, rhs)
    monkeypatch.setattr(decide_module.Decider, "decide", greedy)
    path = formula_file(entry("E = E_1 + E_2", id="e") + entry(r"E_1 = \frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2", id="e1"))
    report = check_paths([str(path)])
    assert [(r.id, r.verdict) for r in report.results] == [("e", UNDECIDED), ("e1", PROVED)]
    assert "past the memory bound (--limit memory=BYTES)" in report.results[0].detail


def test_a_worker_that_dies_loses_only_its_claim(formula_file, monkeypatch):
    from conftest import entry

    import derive.decide.decider as decide_module
    real = decide_module.Decider.decide

    def deadly(self, lhs, rhs):
        if lhs == self.net["E",]:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, lhs, rhs)
    monkeypatch.setattr(decide_module.Decider, "decide", deadly)
    formulas = [entry(r"E_1 = \frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2", id=f"e1.{k}") for k in range(3)]
    path = formula_file("".join(formulas[:2]) + entry("E = E_1 + E_2", id="e") + formulas[2])
    report = check_paths([str(path)])
    assert [(r.id, r.verdict) for r in report.results] == [
        ("e1.0", PROVED), ("e1.1", PROVED), ("e", UNDECIDED), ("e1.2", PROVED)]
    assert "stopped by SIGKILL" in report.results[2].detail


def test_a_worker_stuck_where_no_alarm_reaches_it_is_stopped_and_the_rest_checked(formula_file, monkeypatch):
    from conftest import entry

    import derive.decide.decider as decide_module
    import derive.runtime.parallel as parallel
    real = decide_module.Decider.decide

    def stuck(self, lhs, rhs):
        if lhs == self.net["E",]:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})    # as if deep in C code
            time.sleep(60)
        return real(self, lhs, rhs)
    monkeypatch.setattr(decide_module.Decider, "decide", stuck)
    monkeypatch.setattr(parallel, "SLACK", 0.5)
    path = formula_file(entry("E = E_1 + E_2", id="e") + entry(r"E_1 = \frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2", id="e1"))
    report = check_paths([str(path)], Options(timeout=0.2))
    assert [(r.id, r.verdict) for r in report.results] == [("e", UNDECIDED), ("e1", PROVED)]
    assert "no result within 2.5 s: it did not stop at its deadlines (--timeout), so its worker was stopped" \
        in report.results[0].detail


def test_a_bug_in_derive_while_reading_one_file_is_an_error_there_and_the_others_are_checked(tmp_path, monkeypatch):
    import derive.sources.documents as documents
    real = documents.read_markdown

    def buggy(text, file, **kw):
        if file.endswith("bad.md"):
            raise ZeroDivisionError("a bug")
        return real(text, file, **kw)
    monkeypatch.setattr(documents, "read_markdown", buggy)
    monkeypatch.setitem(documents._READERS, ".md", buggy)
    (tmp_path / "bad.md").write_text("$$ E = E_1 + E_2 $$\n", encoding="utf-8")
    (tmp_path / "good.md").write_text("$$ E = E_1 + E_2 $$\n", encoding="utf-8")
    report = check_paths([str(tmp_path)])
    assert [(Path(r.file).name, r.verdict) for r in report.results] == [("bad.md", ERROR), ("good.md", PROVED)]
    assert "internal error (ZeroDivisionError: a bug); this is a bug in derive" in report.results[0].detail
    assert report.exit_code == 2


# -- the command line ---------------------------------------------------------------------------------
def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("option", [("--timeout", "nan"), ("--timeout", "inf"), ("--timeout", "-1"),
                                    ("--budget", "nan"), ("--budget", "0"), ("--limit", "depth=0"),
                                    ("--model", "1000-1000-1000"), ("--model", "/dev/zero")])
def test_bad_bounds_are_usage_errors(option):
    result = run("check", str(LECTURE), *option)
    assert result.exit_code == 2 and "Error: Invalid value for" in result.output


def test_output_never_overwrites_an_input_and_never_needs_a_missing_folder(tmp_path):
    lecture = tmp_path / "v.md"
    shutil.copy(LECTURE, lecture)
    before = lecture.read_bytes()
    for target in (str(lecture), str(tmp_path / "." / "v.md")):
        result = run("check", str(lecture), "-o", target)
        assert result.exit_code == 2 and "is one of the inputs" in result.output
    result = run("check", str(tmp_path), "-o", str(lecture))
    assert result.exit_code == 2 and "is one of the inputs" in result.output
    os.link(lecture, tmp_path / "hard.json")
    assert run("check", str(lecture), "-o", str(tmp_path / "hard.json")).exit_code == 2
    result = run("check", str(lecture), "-o", str(tmp_path / "missing" / "x.json"))
    assert result.exit_code == 2 and "does not exist" in result.output
    assert lecture.read_bytes() == before
    result = run("check", str(lecture), "-o", str(tmp_path / "out.json"), "--format", "json")
    assert result.exit_code == 0 and json.loads((tmp_path / "out.json").read_text())["summary"]["errors"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.json", "out.json", "v.md"]   # no temporary left


def test_ctrl_c_stops_every_worker_at_once_and_exits_130(tmp_path):
    slow = tmp_path / "slow.md"
    slow.write_text("$$ x_1 = (x_1 + x_2 + w_{11}^{(2)} + w_{12}^{(2)} + b_1^{(2)} + b_2^{(2)})^{100} $$\n",
                    encoding="utf-8")                      # read at once, expanded for minutes
    process = subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "check", str(slow), "--timeout", "60"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               start_new_session=True)
    workers = []
    for _ in range(300):
        time.sleep(0.05)
        workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        if workers:
            break
    assert workers, "no worker started"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 130 and "Traceback" not in err
    time.sleep(0.2)
    for pid in workers:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}").exists() else "gone"
        assert state in ("gone", "Z")


def test_control_characters_and_direction_overrides_are_shown_not_sent():
    report = check_paths([str(CORPUS / "control_chars.md")])
    first = report.results[0].detail
    assert "\x00" not in first and "$$ x_1 ␀ = x_1 $$" in first
    assert cut_line("a\u202eb\x1bc", 3, 40) == ("a\ufffdb␛c", 3)
