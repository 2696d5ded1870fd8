"""Whatever text a lecture holds, derive answers with a verdict or a located error, never a
traceback; and the progress bar shows only on a terminal outside CI."""
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.errors import DeriveError
from derive.notation.parse import parse
from derive.pipeline.run import check_paths

TOKENS = [r"a_1^{(3)}", r"w_{12}^{(2)}", r"z_2^{(2)}", "x_1", r"t_1^{(3)}", "E", "E_1", "A1", "W3",
          r"loss\_3", r"\text{sigmoid}", r"\sigma'", r"\frac", r"\partial", r"\sum_{i=1}^{n}", "(", ")",
          "{", "}", r"\{", r"\}", "+", "-", "=", r"\times", r"\cdot", r"\bullet", "^T", "^2", "1", "2",
          r"\alpha", r"\begin{pmatrix}", r"\end{pmatrix}", "&", r"\\", r"\quad", r"\text{라벨}", ",", " ",
          r"\left(", r"\right)", "e^{", r"\foo", "$", "_", "^", "'"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25))
def test_any_token_soup_parses_or_raises_a_located_error(tokens):
    text = " ".join(tokens)
    try:
        parse(text)
    except DeriveError as e:
        assert e.line == 1 and e.col is not None and 1 <= e.col <= len(text) + 1
        assert e.describe().startswith("<formula>:1:")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=15))
def test_any_document_gets_a_verdict_or_an_error_per_claim(tmp_path, tokens):
    path = tmp_path / "soup.md"
    path.write_text("# 제목\n\n$$" + " ".join(tokens) + "$$\n\n$$E = E_1 + E_2$$\n", encoding="utf-8")
    report = check_paths([str(path)])
    assert all(r.verdict in ("proved", "refuted", "undecided", "error", "not checked") for r in report.results)
    # The correct claim after the soup is still decided: proved, or undecided when the soup reads as
    # a definition of a layer's output that cannot be read (`a_1^{(3)} =`): then the model of that
    # layer is unknown and derive says so rather than assume one.
    after = [r for r in report.results if r.line == 5]
    assert after and all(r.verdict == "proved" or (r.verdict == "not checked" and "cannot model" in r.detail)
                         for r in after), [(r.verdict, r.detail) for r in after]
    assert sum(report.spans.values()) >= 1


def test_progress_bar_only_on_a_terminal_outside_ci(monkeypatch, tmp_path):
    import cli

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    paths = [str(tmp_path / "a.md"), str(tmp_path / "b.md")]
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr("sys.stderr", Terminal())
    assert callable(cli._progress_bar(paths))
    assert cli._progress_bar(paths[:1]) is None              # one file: nothing to show
    monkeypatch.setenv("CI", "true")
    assert cli._progress_bar(paths) is None
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr", io.StringIO())        # not a terminal
    assert cli._progress_bar(paths) is None


# -- whole runs on random input: no traceback, every file reported, an exit code, within the budget --
HOSTILE_TOKENS = TOKENS + [r"10^{309}", "9" * 120, r"\frac{1}{", "((((((((", r"\begin{equation}", r"\end{aligned}",
                           r"\(", r"\)", r"\[", "$$", "`", "<!--", "-->", "%", "\x00", "\ufeff", "\u202e",
                           r"a_1^{(8000)}", r"w_{99999}^{(2)}", r"\sum_{i=1}^{100}", r"e^{1000}", "^{-1}", "\r"]
DELIMITERS = {"$", "$$", r"\(", r"\)", r"\[", r"\]", "`", "<!--", "-->", "%", r"\begin{equation}",
              r"\end{aligned}", r"\\"}
BUDGET = 30.0


def check_folder(folder):
    from derive.pipeline.options import Options
    from derive.runtime.bounds import Bounds
    report = check_paths([str(folder)], Options(timeout=1.0, bounds=Bounds(budget=BUDGET)))
    assert all(r.verdict in ("proved", "refuted", "undecided", "error", "not checked") for r in report.results)
    assert report.exit_code in (0, 1, 2)
    assert report.seconds < BUDGET + 5
    return report


def is_formula_file(path):
    from derive.sources.scan import is_formula_file as holds_formulas
    return holds_formulas(path)


def fresh_folder(tmp_path):
    import tempfile
    return Path(tempfile.mkdtemp(dir=tmp_path))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=400), min_size=1, max_size=4))
def test_random_bytes_in_every_kind_of_file(tmp_path, blobs):
    folder = fresh_folder(tmp_path)
    names = []
    for k, blob in enumerate(blobs):
        name = f"f{k}{('.md', '.tex', '.ipynb', '.toml')[k % 4]}"
        (folder / name).write_bytes(blob)
        if not name.endswith(".toml") or is_formula_file(folder / name):    # a folder scan reads TOML
            names.append(str(folder / name))                                  # files that hold formulas
    report = check_folder(folder)
    assert sorted(report.files) == sorted(names)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(HOSTILE_TOKENS), max_size=20), min_size=1, max_size=4))
def test_random_token_soup_in_documents(tmp_path, soups):
    folder = fresh_folder(tmp_path)
    for k, tokens in enumerate(soups):
        body = " ".join(tokens)
        text = {0: f"$$ {body} $$\n\n$$ E = E_1 + E_2 $$\n", 1: f"\\[ {body} \\]\n\n\\[ E = E_1 + E_2 \\]\n",
                2: f"# t\n\n{body}\n\n$$ E = E_1 + E_2 $$\n"}[k % 3]
        (folder / f"d{k}{'.tex' if k % 3 == 1 else '.md'}").write_text(text, encoding="utf-8")
    report = check_folder(folder)
    assert len(report.files) == len(soups)
    for k, tokens in enumerate(soups):          # without delimiters in the soup, the good formula is found
        if DELIMITERS & set(tokens):
            continue
        mine = [r for r in report.results if r.file.endswith(f"/d{k}{'.tex' if k % 3 == 1 else '.md'}")]
        assert any(r.verdict == "proved" and r.claim.startswith("E = ") for r in mine), mine


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)
CELL = st.fixed_dictionaries({"cell_type": st.sampled_from(["markdown", "code", "raw", 7]),
                              "source": st.one_of(JSON, st.lists(st.sampled_from(HOSTILE_TOKENS), max_size=10),
                                                  st.lists(st.sampled_from(HOSTILE_TOKENS), max_size=10).map(" ".join))})


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.one_of(JSON, st.fixed_dictionaries({"cells": st.lists(st.one_of(CELL, JSON), max_size=6)})))
def test_random_notebooks(tmp_path, notebook):
    import json
    folder = fresh_folder(tmp_path)
    (folder / "n.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (folder / "ok.md").write_text("$$ E = E_1 + E_2 $$\n", encoding="utf-8")
    report = check_folder(folder)
    assert len(report.files) == 2
    assert [r.verdict for r in report.results if r.file.endswith("ok.md")] == ["proved"]
