"""JUnit XML: it parses, its counts agree with the report's summary, and each verdict maps right."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from derive.report.junit import case_name, failure_text, render_junit
from derive.results import Counterexample, Report, Result

DERIVATIVE = r"\frac{\partial E}{\partial w_{11}^{(2)}}"
ERROR_DETAIL = ("notes/week3.md:40:17: cannot read the formula\n"
                "    \\frac{a_1^{(3)}}{\n"
                "                    ^\n"
                "expected one of: '}', a name, a number")
COUNTEREXAMPLE = Counterexample(point={"x_1": "0.5", r"w_{11}^{(2)}": "0.125"}, lhs=-0.5, rhs=0.25,
                                difference="-a_1^{(2)}*t_1")


def proved(line: int, id: str | None = "ok") -> Result:
    return Result("notes/week3.md", line, 1, id, f"{DERIVATIVE} = a_1^{{(2)}}", "proved", "exact", seconds=0.25)


def refuted() -> Result:
    return Result("notes/week3.md", 20, 5, "dE_dw11_wrong", f"{DERIVATIVE} = a_1^{{(2)}} t_1", "refuted",
                  "exact: the difference is not 0", COUNTEREXAMPLE, 0.5, lhs=DERIVATIVE, rhs="a_1^{(2)} t_1",
                  wrong="rhs")


def sample_report() -> Report:
    return Report(results=[
        proved(12),
        refuted(),
        Result("notes/week3.md", 28, 1, None, r"\frac{\partial E}{\partial x_1} = \text{sigmoid}(z)", "undecided",
               "the sides agree at every point tried"),
        Result("notes/week3.md", 40, 17, None, r"\frac{a_1^{(3)}}{", "error", ERROR_DETAIL),
        Result("lecture/ch2.ipynb", 3, 1, "delta_hidden",
               r"\delta_1^{(2)} = x \quad \text{은닉층 가중치 오차역전파 공식}",
               "proved", "exact", cell=4, title="은닉층"),
        Result("notes/matrix.tex", 7, 3, "grad_W2",
               r"G = \begin{pmatrix} a & b \\ + c & d \end{pmatrix}", "proved", "exact"),
    ], spans={"claim": 6}, seconds=3.5, model="2-2-2 sigmoid")


def suite_of(xml: str) -> ET.Element:
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    return suites[0]


def test_counts_agree_with_summary():
    report = sample_report()
    suite = suite_of(render_junit(report, suite_name="lecture"))
    summary = report.summary()
    assert suite.get("name") == "lecture"
    assert int(suite.get("tests")) == len(report.results) == len(suite.findall("testcase"))
    failures = summary["refuted"] + summary["undecided"]
    assert int(suite.get("failures")) == failures == len(suite.findall("testcase/failure"))
    assert int(suite.get("errors")) == summary["errors"] == len(suite.findall("testcase/error"))
    assert suite.get("skipped") == "0"
    assert suite.get("time") == "3.500"


def test_one_refuted_claim_gives_exactly_one_failure_at_its_line():
    report = Report(results=[proved(12), refuted(), proved(30, None)])
    suite = suite_of(render_junit(report))
    failures = suite.findall("testcase/failure")
    assert len(failures) == 1 and suite.get("failures") == "1" and suite.get("errors") == "0"
    case = next(c for c in suite.findall("testcase") if c.find("failure") is not None)
    assert case.get("name") == "dE_dw11_wrong: \u2202E/\u2202w_{11}^{(2)} = a_1^{(2)} t_1"
    assert case.get("classname") == case.get("file") == "notes/week3.md"
    assert case.get("line") == "20"
    assert case.get("time") == "0.500"
    failure = failures[0]
    assert failure.get("type") == "refuted"
    assert failure.get("message") == "refuted: exact: the difference is not 0"
    assert failure.text == (f"{DERIVATIVE} = a_1^{{(2)}} t_1\n"
                            "refuted: exact: the difference is not 0\n"
                            "wrong member (right): a_1^{(2)} t_1\n"
                            "counterexample: x_1=0.5, w_{11}^{(2)}=0.125\n"
                            "left side = -0.5, right side = 0.25\n"
                            "left - right = -a_1^{(2)}*t_1")


def test_each_verdict_maps_to_its_element():
    suite = suite_of(render_junit(sample_report()))
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert list(cases["ok: \u2202E/\u2202w_{11}^{(2)} = a_1^{(2)}"]) == []
    undecided = cases["\u2202E/\u2202x_1 = sigmoid(z)"].find("failure")
    assert undecided.get("type") == "undecided"
    assert undecided.get("message") == "undecided: the sides agree at every point tried"
    error = cases[r"\frac{a_1^{(3)}}{"].find("error")
    assert error.get("type") == "error"
    assert error.get("message") == "notes/week3.md:40:17: cannot read the formula"
    assert error.text == "\\frac{a_1^{(3)}}{\n" + ERROR_DETAIL
    assert "delta_hidden: \\delta_1^{(2)} = x" in cases
    assert "grad_W2: G = \\begin{pmatrix} a & b \\\\ + c & d \\end{pmatrix}" in cases


def test_properties_carry_model_and_spans():
    suite = suite_of(render_junit(sample_report()))
    properties = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert properties == {"model": "2-2-2 sigmoid", "spans.claim": "6"}


def test_korean_and_control_characters_survive_as_xml():
    result = Result("강의.md", 1, 1, None, r"a = \text{은닉층}", "error", "bad \x00 byte\x1b here")
    xml = render_junit(Report(results=[result]))
    case = suite_of(xml).find("testcase")
    assert case.get("name") == "a = \\text{은닉층}"
    # shown as their pictures, as in every format (errors.safe_text, issue 22)
    assert case.find("error").text == "a = \\text{은닉층}\nbad \u2400 byte\u241b here"


def test_long_claims_are_clipped_in_the_name():
    long = "a = " + " + ".join(f"x_{i}" for i in range(40))
    name = case_name(Result("f.md", 2, 1, None, long, "proved"))
    assert name.startswith("a = x_0 + x_1") and name.endswith("\u2026")
    assert len(name) == 120


def test_failure_text_without_members_or_counterexample():
    bare = Result("f.md", 2, 1, None, "a = b", "refuted", "", wrong="rhs")
    assert failure_text(bare) == "refuted\nwrong member (right)"


def test_empty_report():
    suite = suite_of(render_junit(Report()))
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("0", "0", "0")


def test_names_do_not_change_when_lines_shift_and_repeats_are_numbered():
    def report(shift: int) -> Report:
        return Report(results=[proved(12 + shift), proved(20 + shift), proved(30 + shift, None),
                               Result("notes/week3.md", 40 + shift, 17, None, "", "error",
                                      f"notes/week3.md:{40 + shift}:17: unclosed $$ display math"),
                               Result("lecture/ch2.ipynb", 3, 1, None, "a = b", "refuted", "exact",
                                      cell=4, raw_line=57 + shift, raw_col=9)])
    names = [[(c.get("name"), c.get("file")) for c in suite_of(render_junit(report(k))).findall("testcase")]
             for k in (0, 5)]
    assert names[0] == names[1] == [
        ("ok: \u2202E/\u2202w_{11}^{(2)} = a_1^{(2)}", "notes/week3.md"),
        ("ok: \u2202E/\u2202w_{11}^{(2)} = a_1^{(2)} (2)", "notes/week3.md"),
        ("\u2202E/\u2202w_{11}^{(2)} = a_1^{(2)}", "notes/week3.md"),
        ("error: unclosed $$ display math", "notes/week3.md"),
        ("a = b", "lecture/ch2.ipynb")]
    lines = [c.get("line") for c in suite_of(render_junit(report(5))).findall("testcase")]
    assert lines == ["17", "25", "35", "45", "62"]           # the notebook's raw JSON line, not cell 4:3
