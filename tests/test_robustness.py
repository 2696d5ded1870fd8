"""Whatever text a lecture holds, derive answers with a verdict or a located error, never a
traceback; and the progress bar shows only on a terminal outside CI."""
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.errors import DeriveError
from derive.parse import parse
from derive.run import check_paths

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
    assert all(r.verdict in ("proved", "refuted", "undecided", "error") for r in report.results)
    assert any(r.verdict == "proved" and r.line == 5 for r in report.results)
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
