"""The LaTeX reader: what each construct of the lecture's notation becomes, and its errors."""
import pytest

from derive.errors import NotationError
from derive.notation import syntax as s
from derive.notation.parse import parse


def only(text):
    pieces = parse(text)
    assert len(pieces) == 1 and len(pieces[0].chains) == 1
    return [m.parts[0].expr for m in pieces[0].chains[0]]


def test_indexed_names_with_layers_are_names_not_powers():
    (e,) = only(r"a_1^{(3)}")
    assert e == s.Sym("a", "1", "3")
    (e,) = only(r"w_{11}^{(2)}")
    assert e == s.Sym("w", "11", "2")
    (e,) = only(r"a^{(3)}_1")
    assert e == s.Sym("a", "1", "3")


def test_loss_names_in_every_spelling():
    for text in (r"loss\_3", r"\text{loss\_3}", r"\mathrm{loss\_3}", "loss_3"):
        assert only(text) == [s.Sym("loss", "3")], text


def test_implicit_product_is_not_a_call():
    (e,) = only(r"(a_1^{(3)} - t_1^{(3)}) a_1^{(3)} (1 - a_1^{(3)})")
    assert isinstance(e, s.BinOp) and e.op == "juxt"
    assert not any(isinstance(n, s.Call) for n in _walk(e))


def test_sigmoid_applies_to_its_group_only():
    (e,) = only(r"\text{sigmoid}(z_1^{(2)}) (1 - \text{sigmoid}(z_1^{(2)}))")
    assert e.op == "juxt" and isinstance(e.left, s.Call) and e.left.func == "sigmoid"


def test_operators_and_transpose():
    (e,) = only(r"A1^T \bullet ( (loss\_3 \bullet W3^T) \times (A2 \times (1-A2)) )")
    assert e.op == "bullet" and isinstance(e.left, s.Transpose)
    (e,) = only(r"a \cdot b")
    assert e.op == "times"


def test_derivatives_in_both_spellings():
    (e,) = only(r"\frac{\partial E}{\partial w_{11}^{(2)}}")
    assert e == s.Derivative(s.Sym("E"), s.Sym("w", "11", "2"))
    (e,) = only(r"\partial E / \partial W^{(2)}")
    assert e == s.Derivative(s.Sym("E"), s.Sym("W", None, "2"))
    (e,) = only(r"\frac{\partial}{\partial b_1^{(2)}} E_1")
    assert e == s.Derivative(s.Sym("E", "1"), s.Sym("b", "1", "2"))


def test_chain_members_and_label():
    pieces = parse(r"\frac{\partial E}{\partial b^{(2)}} = loss\_2 \quad \text{은닉층 바이어스 공식}")
    assert len(pieces[0].chains[0]) == 2
    assert pieces[0].label == "은닉층 바이어스 공식"


def test_leads_continue_chains_and_members():
    assert parse(r"= a_1^{(1)}")[0].lead == "="
    assert parse(r"+ a_1^{(1)}")[0].lead == "+"


def test_aligned_rows():
    pieces = parse(r"\begin{aligned} E &= E_1 + E_2 \\ &= E_2 + E_1 \\ &\quad + 0 \end{aligned}")
    assert [p.lead for p in pieces] == [None, "=", "+"]


def test_pmatrix_rows_beginning_with_plus_continue_the_row_above():
    (e,) = only(r"\begin{pmatrix} a & b \\ + c & + d \\ x & y \end{pmatrix}")
    assert len(e.rows) == 2 and e.rows[0][0] == s.BinOp("+", s.Sym("a"), s.Sym("c"))


def test_sum_takes_the_rest_of_the_term_and_lists_are_lists():
    (e,) = only(r"\frac{1}{n} \sum_{i=1}^n (t_i^{(3)} - a_i^{(3)})^2")
    assert isinstance(e.right, s.Sum) and e.right.var == "i" and e.right.upper == s.Sym("n")
    pieces = parse(r"\frac{\partial E}{\partial w_{11}^{(2)}}, \frac{\partial E}{\partial w_{21}^{(2)}}")
    assert len(pieces[0].chains) == 2


@pytest.mark.parametrize("word", [r"\; \textrm{and} \;", r"\quad\text{and}\quad", r"\mbox{ and }",
                                  r"\qquad \textnormal{or} \qquad", r"\mathrm{and}"])
def test_two_equations_joined_by_a_word_are_two_chains(word):
    pieces = parse(r"\frac{\partial J}{\partial L} = 1 " + word + r" \frac{\partial J}{\partial s} = 1")
    assert [len(chain) for chain in pieces[0].chains] == [2, 2]


def test_braces_and_left_right_group():
    assert only(r"\frac{1}{2} \{ a \}") == only(r"\frac{1}{2} \left( a \right)")


@pytest.mark.parametrize("text, col, expected", [
    (r"a_1^{(3)} + \foo", 13, "operand"),
    (r"(a_1^{(1)} + b", 15, ")"),
    (r"x_1 = = x_2", 7, "operand"),
    (r"\begin{pmatrix} a & b \\ + c \end{pmatrix}", 28, "rows of equal length"),
])
def test_errors_name_line_column_and_what_was_expected(text, col, expected):
    with pytest.raises(NotationError) as info:
        parse(text)
    err = info.value
    assert (err.line, err.col) == (1, col)
    assert expected in err.expected
    assert err.describe().splitlines()[2].index("^") == 4 + col - 1


def test_unknown_command_is_named():
    with pytest.raises(NotationError) as info:
        parse(r"\sqrt{x_1}")
    assert "unknown command \\sqrt" in info.value.message


def _walk(e):
    from derive.notation.syntax import walk
    return list(walk(e))


@pytest.mark.parametrize("text", [r"f(z)^2", r"\phi\left(z\right)^{2}", r"g(z_1 + z_2)^2"])
def test_a_power_after_a_functions_bracket_is_the_power_of_its_value(text):
    (e,) = only(text)
    assert isinstance(e, s.Power) and isinstance(e.base, s.Call) and e.base.func == "activation"


def test_a_power_inside_a_functions_bracket_stays_inside():
    (e,) = only(r"f(z^2)")
    assert isinstance(e, s.Call) and isinstance(e.arg, s.Power)
