"""Books: MyST directives, admonitions, colon fences, MkDocs blocks and amsmath environments in
Markdown -- every math character at its exact position, and a fence not read is never dropped
silently."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from derive.sources.markdown import read_markdown


def spans_of(doc: str):
    spans, problems = read_markdown(doc, "book.md")
    assert problems == []
    return spans


def located(spans):
    return [(s.line, s.col, s.text) for s in spans]


def test_myst_math_directive_with_label_and_blank_line_separated_equations():
    doc = ("# Loss\n"
           "```{math}\n"
           ":label: eq-loss\n"
           ":nowrap:\n"
           "E = E_1 + E_2\n"
           "\n"
           "E_1 = \\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2\n"
           "```\n")
    spans = spans_of(doc)
    assert located(spans) == [(5, 1, "E = E_1 + E_2\n"),
                              (7, 1, "E_1 = \\frac{1}{2} (t_1^{(3)} - a_1^{(3)})^2\n")]
    assert all(s.display and not s.skipped for s in spans)


def test_math_directive_argument_yaml_options_and_github_math_fence():
    doc = ("```{math} a_1^{(1)} = x_1\n"
           "```\n"
           "```{math}\n"
           "---\n"
           "label: eq-two\n"
           "---\n"
           "a_2^{(1)} = x_2\n"
           "```\n"
           "~~~math\n"
           "E = E_1 + E_2\n"
           "~~~\n")
    assert located(spans_of(doc)) == [(1, 11, "a_1^{(1)} = x_1"), (7, 1, "a_2^{(1)} = x_2\n"),
                                      (10, 1, "E = E_1 + E_2\n")]


def test_dollar_math_with_a_label_after_it():
    assert located(spans_of("$$ E = E_1 + E_2 $$ (eq-loss)\n")) == [(1, 3, " E = E_1 + E_2 ")]


def test_admonitions_and_nested_fences_are_read_as_prose():
    doc = ("````{note}\n"                              # 1
           "The loss of output 2: $E_2$\n"           # 2
           "```{math}\n"                              # 3
           ":label: e2\n"                             # 4
           "E_2 = \\frac{1}{2} (t_2^{(3)} - a_2^{(3)})^2\n"   # 5
           "```\n"                                    # 6
           "```python\n"                              # 7
           "price = '$5 and $6'\n"                    # 8
           "```\n"                                    # 9
           "$$a = b$$\n"                              # 10
           "````\n"                                   # 11
           "```{admonition} Why $E_1$ only\n"         # 12
           ":class: tip\n"                            # 13
           "Since $w_{11}^{(3)}$ feeds $z_1^{(3)}$.\n"  # 14
           "```\n")
    assert located(spans_of(doc)) == [
        (2, 24, "E_2"), (5, 1, "E_2 = \\frac{1}{2} (t_2^{(3)} - a_2^{(3)})^2\n"), (10, 3, "a = b"),
        (12, 22, "E_1"), (14, 8, "w_{11}^{(3)}"), (14, 29, "z_1^{(3)}")]


def test_colon_fences_and_mkdocs_admonitions():
    doc = (":::{tip} About $x_1$\n"                   # 1
           "$$z = 1$$\n"                              # 2
           ":::\n"                                    # 3
           "!!! note \"Output layer\"\n"              # 4
           "    The update:\n"                        # 5
           "\n"
           "    $$W^{(3)} = W^{(3)} - \\alpha x$$\n"   # 7
           "\n"
           "??? example\n"                             # 9
           "    ```{math}\n"                           # 10
           "    a = c\n"                               # 11
           "    ```\n"
           ":::note Docusaurus $q$\n"                  # 13
           ":::\n")
    assert located(spans_of(doc)) == [(1, 17, "x_1"), (2, 3, "z = 1"), (7, 7, "W^{(3)} = W^{(3)} - \\alpha x"),
                                      (11, 1, "    a = c\n"), (13, 21, "q")]


def test_amsmath_environments_in_markdown_prose():
    doc = ("Then\n"
           "\\begin{align}\n"
           "E &= E_1 + E_2 \\\\\n"
           "  &= \\frac{1}{2} (t_1 - a_1)^2\n"
           "\\end{align}\n"
           "and `\\begin{align}` in code is code, as is $$\\begin{aligned} a &= b \\end{aligned}$$ one span.\n")
    spans = spans_of(doc)
    assert located(spans) == [
        (2, 1, "\\begin{align}\nE &= E_1 + E_2 \\\\\n  &= \\frac{1}{2} (t_1 - a_1)^2\n\\end{align}"),
        (6, 46, "\\begin{aligned} a &= b \\end{aligned}")]
    assert spans[0].display


def test_unclosed_amsmath_environment_is_a_problem():
    spans, problems = read_markdown("\\begin{align}\na &= b\n\nmore $x$\n", "b.md")
    assert [(p.line, p.col, p.message) for p in problems] == [(1, 1, "unclosed \\begin{align} environment")]
    assert located(spans) == [(4, 7, "x")]


def test_fences_not_read_are_skipped_spans_with_a_note():
    doc = ("```{code-cell} python\n"                   # 1
           "cost = '$5'\n"                            # 2
           "```\n"
           "```{mystery}\n"                            # 4
           "\\begin{equation} a = b \\end{equation}\n"   # 5
           "```\n"
           "```{code-cell} python\n"                   # 7
           "x = 1\n"                                   # no math-like text: nothing to report
           "```\n"
           "```python\n"
           "y = '$a$'\n"                               # plain code is code
           "```\n"
           "<!-- derive: skip -->\n"
           "$$a = b$$ then $c$\n")                       # 14
    spans = spans_of(doc)
    assert [(s.line, s.skipped, s.note) for s in spans] == [
        (2, True, "{code-cell} block not read"), (5, True, "{mystery} block not read"),
        (14, True, ""), (14, False, "")]


def test_unclosed_directive_runs_to_the_end_and_is_still_reported():
    spans = spans_of("$a$\n```{raw} html\n<b>$x$</b>\n")
    assert [(s.line, s.text, s.skipped, s.note) for s in spans] == [
        (1, "a", False, ""), (3, "<b>$x$</b>\n", True, "{raw} block not read")]


def test_myst_inline_math_role_is_math_and_other_roles_are_code():
    doc = "The loss {math}`E = E_1 + E_2` (see {eq}`eq-loss`) and `{math}` in code, {math}``a = `b` ``.\n"
    assert [(s.line, s.col, s.text, s.display) for s in spans_of(doc)] == [
        (1, 17, "E = E_1 + E_2", False), (1, 82, "a = `b` ", False)]


def test_a_rule_at_the_top_of_an_admonition_is_not_an_option_block():
    doc = ("```{note}\n"
           "---\n"
           "$$a = b$$\n"
           "```\n"
           "$$c = d$$\n"
           "---\n")
    assert located(spans_of(doc)) == [(3, 3, "a = b"), (5, 3, "c = d")]


def test_equation_labels_are_kept():
    doc = ("```{math}\n:label: eq-loss\nE = E_1 + E_2\n```\n"
           "```{math}\n---\nname: \"eq-e1\"\n---\nE_1 = x\n```\n"
           "$$ E_2 = y $$ (eq-e2)\n"
           "$$ a = b $$ (not a label) and $$c$$\n")
    assert [(s.text.strip(), s.label) for s in spans_of(doc)] == [
        ("E = E_1 + E_2", "eq-loss"), ("E_1 = x", "eq-e1"), ("E_2 = y", "eq-e2"), ("a = b", ""), ("c", "")]


def test_restructuredtext_math_in_eval_rst_is_listed_not_dropped():
    doc = ("```{eval-rst}\n"
           ".. math::\n"
           "\n"
           "   E = E_1 + E_2\n"
           "```\n"
           "```{eval-rst}\n"
           "See :math:`a = b`.\n"
           "```\n"
           "```{code-cell} python\n"
           "print('\\n'.join(['x']))\n"           # a backslash escape is not math
           "```\n"
           "```{code-cell} python\n"
           "loss = r'\\frac{1}{2}'\n"
           "```\n")
    assert [(s.line, s.note) for s in spans_of(doc)] == [
        (2, "{eval-rst} block not read"), (7, "{eval-rst} block not read"), (13, "{code-cell} block not read")]


def test_quarto_callouts_are_prose_and_pandoc_code_attributes_are_code():
    doc = ("::: {.callout-note}\n"
           "## The error term\n"
           "$$\\delta = a - t$$\n"
           ":::\n"
           "```{.python}\n"
           "cost = '$5 and $6'\n"
           "```\n"
           "::: {#thm-chain .theorem}\n"
           "Then $x$.\n"
           ":::\n")
    assert located(spans_of(doc)) == [(3, 3, "\\delta = a - t"), (9, 7, "x")]


PIECES = ["```{math}", "```", "````{note}", "````", ":::{tip} $t$", ":::", "```{code-cell} python",
          "~~~math", "~~~", "!!! note", "    $$a = b$$", ":label: eq", "---", "", "$x$ and $$y$$",
          "\\begin{align}", "a &= b", "\\end{align}", "{math}`q`", "<!-- derive: skip -->", "  ```python",
          "$$", "\\[ c \\]", "::: {.callout-note}", "```{admonition} $T$"]


@given(st.lists(st.sampled_from(PIECES), max_size=25))
@settings(max_examples=300, deadline=None)
def test_any_mix_of_fences_reads_without_error_and_every_span_is_where_it_says(pieces):
    doc = "\n".join(pieces) + "\n"
    spans, problems = read_markdown(doc, "mix.md")
    lines = doc.split("\n")
    for span in spans:
        first = span.text.split("\n")[0]
        assert lines[span.line - 1][span.col - 1:].startswith(first), (span, doc)
        for offset in range(len(span.text)):         # every character maps back to itself
            line, col = span.position(offset)
            assert lines[line - 1][col - 1:col] == span.text[offset] or span.text[offset] == "\n"
    for problem in problems:
        assert 1 <= problem.line <= len(lines)
