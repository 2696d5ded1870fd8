"""GitHub workflow commands: exact lines, escaping as the Actions runner expects."""
from __future__ import annotations

from derive.report.github import escape_data, escape_property, render_github
from derive.results import Counterexample, Report, Result, Unread

DERIVATIVE = r"\frac{\partial E}{\partial w_{11}^{(2)}}"


def refuted() -> Result:
    c = Counterexample(point={"x_1": "0.5", r"w_{11}^{(2)}": "0.125"}, lhs=-0.5, rhs=0.25,
                       difference="-a_1^{(2)}*t_1")
    return Result("notes/week3.md", 20, 5, "dE_dw11_wrong", f"{DERIVATIVE} = a_1^{{(2)}} t_1", "refuted",
                  "exact: the difference is not 0", c, lhs=DERIVATIVE, rhs="a_1^{(2)} t_1", wrong="rhs")


def proved() -> Result:
    return Result("notes/week3.md", 12, 1, "ok", f"{DERIVATIVE} = a_1^{{(2)}}", "proved", "exact")


def test_refuted_claim_line():
    assert render_github(Report(results=[proved(), refuted(), proved()])) == (
        "::error file=notes/week3.md,line=20,col=5,title=derive%3A refuted::dE_dw11_wrong"
        "%0Arefuted: exact: the difference is not 0"
        "%0Awrong member (right): a_1^{(2)} t_1"
        "%0Acounterexample: x_1=0.5, w_{11}^{(2)}=0.125"
        "%0Aleft side = -0.5, right side = 0.25"
        "%0Aleft - right = -a_1^{(2)}*t_1\n"
        "derive: 3 claims: 2 proved, 1 refuted, 0 undecided, 0 errors\n")


def test_undecided_claim_without_id_names_the_claim():
    result = Result("notes/a.md", 28, 1, None, r"\frac{\partial E}{\partial x_1} = \text{sigmoid}(z) \times 2",
                    "undecided", "agrees at every point tried (100% of 64)")
    assert render_github(Report(results=[result])).splitlines() == [
        "::error file=notes/a.md,line=28,col=1,title=derive%3A undecided::"
        "\u2202E/\u2202x_1 = sigmoid(z) \u00d7 2%0Aundecided: agrees at every point tried (100%25 of 64)",
        "derive: 1 claim: 0 proved, 0 refuted, 1 undecided, 0 errors",
    ]


def test_error_with_multiline_detail_and_awkward_file_name():
    detail = ("week 3, part 1:a.md:40:17: cannot read the formula\r\n"
              "    \\frac{a}{\n"
              "             ^\n"
              "expected '}'")
    result = Result("week 3, part 1:a.md", 40, 17, None, r"\frac{a}{", "error", detail)
    assert render_github(Report(results=[result])) == (
        "::error file=week 3%2C part 1%3Aa.md,line=40,col=17,title=derive%3A error::"
        "\\frac{a}{%0Aweek 3, part 1:a.md:40:17: cannot read the formula␍%0A"     # a CR is shown (issue 22)
        "    \\frac{a}{%0A             ^%0Aexpected '}'\n"
        "derive: 1 claim: 0 proved, 0 refuted, 0 undecided, 1 errors\n")


def test_notebook_claim_mentions_its_cell_and_korean_passes_through():
    result = Result("강의/ch2.ipynb", 3, 1, "delta_hidden", r"\delta = x \quad \text{은닉층 공식}",
                    "refuted",
                    "exact: the difference is not 0", cell=4, title="은닉층")
    assert render_github(Report(results=[result])).splitlines()[0] == (
        "::error file=강의/ch2.ipynb,line=3,col=1,title=derive%3A refuted::"
        "delta_hidden (notebook cell 4, line 3)%0Arefuted: exact: the difference is not 0")


def test_only_proved_claims_print_only_the_summary():
    assert render_github(Report(results=[proved(), proved()])) == (
        "derive: 2 claims: 2 proved, 0 refuted, 0 undecided, 0 errors\n")
    assert render_github(Report()) == "derive: 0 claims: 0 proved, 0 refuted, 0 undecided, 0 errors\n"


def test_escaping_rules():
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext%3A a%2C b"
    assert escape_property("%3A") == "%253A"


def test_notebook_claim_is_annotated_at_the_raw_json_line_and_unread_blocks_are_listed():
    result = Result("ch2.ipynb", 3, 1, None, "a = b", "refuted", "exact", cell=4, raw_line=57, raw_col=9)
    report = Report(results=[result], unread=[Unread("book/loss.md", 30, "{code-cell} block not read"),
                                               Unread("ch2.ipynb", 2, "{raw} block not read", cell=5, raw_line=70)])
    assert render_github(report).splitlines() == [
        "::error file=ch2.ipynb,line=57,col=9,title=derive%3A refuted::a = b (notebook cell 4, line 3)%0Arefuted: exact",
        "::notice file=book/loss.md,line=30,title=derive%3A not read::"
        "{code-cell} block not read: derive skipped it, nothing in it was checked",
        "::notice file=ch2.ipynb,line=70,title=derive%3A not read::"
        "{raw} block not read: derive skipped it, nothing in it was checked",
        "derive: 1 claim: 0 proved, 1 refuted, 0 undecided, 0 errors",
        "derive: not read (skipped): book/loss.md:30: {code-cell} block not read; "
        "ch2.ipynb:cell 5:2: {raw} block not read"]
