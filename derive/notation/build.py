"""The grammar's tree -> `syntax` nodes: the lark Transformer, one method per rule of `notation.lark`."""
from __future__ import annotations

import re
from dataclasses import dataclass

from lark import Token, Transformer, v_args

from ..errors import NotationError
from . import syntax as s


NORM_KINDS = {"F": "F", "2": "2", "{F}": "F", "{2}": "2", "\\mathrm{F}": "F", "\\text{F}": "F"}


def _pos(x) -> tuple[int, int]:
    if isinstance(x, Token):
        return x.start_pos, x.end_pos
    if isinstance(x, s.Node):
        return x.start, x.end
    return 0, 0


def error_at(message: str, offset: int, expected: str | None = None) -> NotationError:
    err = NotationError(message, expected=expected)
    err.offset = offset
    return err


PRIMED_FUNCTIONS = ("f", "g", "phi", "varphi")    # f(z), f'(z), \\phi(z): the unit's activation and its derivative
FUNCTIONS = (("exp", "exp"), ("tanh", "tanh"), ("log", "log"), ("ln", "log"), ("ReLU", "relu"),
             ("relu", "relu"), ("step", "step"))
SUB_INDEX = re.compile(r"^\\?_\s*(?:\{\s*(.*?)\s*\}|(.))$", re.S)
LAYER_TEXT = re.compile(r"^\^\s*\{\s*\(\s*(.*?)\s*\)\s*\}$", re.S)
LAYER_EX_TEXT = re.compile(r"^\^\s*\{\s*(?:\(\s*(.*?)\s*\))?\s*\[\s*(.*?)\s*\]\s*\}$", re.S)
TEXT_CONTENT = re.compile(r"^\\[A-Za-z]+\s*\{\s*(.*?)\s*\}$", re.S)


def sub_text(token: Token) -> str:
    m = SUB_INDEX.match(str(token))
    return (m.group(1) if m.group(1) is not None else m.group(2)).replace(" ", "")


CLOSING = re.compile(r"\s*(?:\\right\s*)?\)")           # the bracket that closes f(z, as f(z)^2 is read
ACCENTS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar", "tilde": "tilde", "widetilde": "tilde"}
ACCENTED_TEXT = re.compile(r"^\\(\w+)\s*\{\s*([A-Za-z])\s*(?:_\s*(?:\{\s*([A-Za-z0-9,]+)\s*\}|([A-Za-z0-9])))?\s*\}$")


def text_content(token: Token) -> str:
    return TEXT_CONTENT.match(str(token)).group(1)


@dataclass(frozen=True)
class _Arguments(s.Node):
    """`(a, b)` while it is being read: it must be a named function's arguments (then an s.Apply)."""

    args: tuple


def _no_loose_arguments(node: s.Node) -> None:
    for n in s.walk(node):
        if isinstance(n, _Arguments):
            raise error_at("a pair (a, b) is read only as the two arguments of a named function",
                           n.start, "a name before it, as in l(o, y) or \\textrm{prod}(A, B)")


@v_args(meta=True)
class Build(Transformer):
    """Turns lark's tree into `syntax` nodes; rule methods are named after the grammar's rules."""

    def __init__(self, text: str, source):
        super().__init__()
        self.text = text
        self.source = source

    # -- structure --------------------------------------------------------------------------------
    def start(self, meta, children):
        return children[0]

    def environment(self, meta, children):
        begin, body, end = children
        opened, closed = re.findall(r"\{\s*(.*?)\s*\}", str(begin))[0], re.findall(r"\{\s*(.*?)\s*\}", str(end))[0]
        if opened != closed:
            raise error_at(f"\\begin{{{opened}}} is closed by \\end{{{closed}}}", end.start_pos,
                         f"\\end{{{opened}}}")
        return body

    def rows(self, meta, children):
        return [c for c in children if isinstance(c, s.Piece)]

    def row(self, meta, children):
        return children[0] if children else None

    def piece(self, meta, children):
        lead, label, chains = None, None, []
        approx = False
        for c in children:
            if isinstance(c, tuple) and c[0] == "lead":
                lead, approx = c[1], c[2]
            elif isinstance(c, tuple) and c[0] == "label":
                label = c[1]
            elif isinstance(c, list):
                chains.append(c)
        if approx and chains and chains[0]:
            chains[0][0].approx = True
        return s.Piece(lead=lead, chains=chains, label=label, start=meta.start_pos)

    def lead(self, meta, children):
        """A row led by `=` (or `\\equiv`, `\\approx`: a new member) or `+` (more of the last one)."""
        token = children[0]
        return ("lead", "+" if token.type == "PLUS" else "=", str(token).startswith("\\approx"))

    def label(self, meta, children):
        words = []
        for t in children:
            if t.type == "QUAD":
                continue
            words.append(text_content(t) if t.type != "TAG" else re.sub(r"^\\tag\*?\s*\{|\}$", "", str(t)))
        return ("label", " ".join(w for w in words if w))

    def tag(self, meta, children):
        """`\\tag{BP1}` after a formula's closing punctuation: the equation's name, as a label."""
        return ("label", re.sub(r"^\\tag\*?\s*\{|\}$", "", str(children[0])).strip())

    def chain(self, meta, children):
        members, approx = [], False
        for c in children:
            if isinstance(c, s.Node):
                _no_loose_arguments(c)
                members.append(s.Member([s.Part(c, self.text[c.start:c.end], self.source)], approx))
            elif isinstance(c, Token) and c.type == "EQ":
                approx = bool(re.match(r"\\approx", str(c)))
        return members

    # -- operators --------------------------------------------------------------------------------
    def _bin(self, op, meta, children):
        left, _, right = children
        return s.BinOp(op, left, right, start=meta.start_pos, end=meta.end_pos)

    def add(self, meta, children):
        return self._bin("+", meta, children)

    def sub(self, meta, children):
        return self._bin("-", meta, children)

    def times(self, meta, children):
        return self._bin("times", meta, children)

    def bullet(self, meta, children):
        return self._bin("bullet", meta, children)

    def divide(self, meta, children):
        left, _, right = children
        if isinstance(left, s.Partial) or isinstance(right, s.Partial):
            return self._derivative(left, right, meta)
        return s.BinOp("/", left, right, start=meta.start_pos, end=meta.end_pos)

    def juxt(self, meta, children):
        left, right = children
        if isinstance(right, _Arguments):                   # l(o, y), \textrm{prod}(A, B)
            if not isinstance(left, s.Sym) or left.sub or left.layer or left.mark:
                raise error_at("a pair (a, b) is read only as the two arguments of a named function",
                               right.start, "a name before it, as in l(o, y) or \\textrm{prod}(A, B)")
            return s.Apply(left.name, right.args, start=meta.start_pos, end=meta.end_pos)
        if isinstance(left, _Arguments):
            raise error_at("a pair (a, b) is read only as the two arguments of a named function",
                           left.start, "a name before it, as in l(o, y) or \\textrm{prod}(A, B)")
        if isinstance(left, s.Sym) and left.name in PRIMED_FUNCTIONS and not left.sub and not left.layer:
            func = "activation_prime" if left.mark == "'" else "activation"      # f(z), f'(z)
            if isinstance(right, s.Power) and self._bracketed(left.end, right.base):   # f(z)^2: (f(z))^2
                call = s.Call(func, right.base, start=meta.start_pos, end=right.base.end)
                return s.Power(call, right.exponent, start=meta.start_pos, end=meta.end_pos)
            return s.Call(func, right, start=meta.start_pos, end=meta.end_pos)
        if isinstance(left, s.DerivativeOperator):
            return s.Derivative(right, left.wrt, start=meta.start_pos, end=meta.end_pos)
        if isinstance(right, s.DerivativeOperator):
            raise error_at("\\frac{\\partial}{\\partial ...} needs something after it to differentiate",
                         right.end, "an expression after the operator")
        return s.BinOp("juxt", left, right, start=meta.start_pos, end=meta.end_pos)

    def _bracketed(self, after: int, node) -> bool:
        """`node` is written in brackets right after offset `after`: the argument of f in f(z)^2."""
        before = self.text[after:node.start].replace("\\left", "").strip()
        return before == "(" and CLOSING.match(self.text, node.end) is not None

    def neg(self, meta, children):
        return s.Neg(children[1], start=meta.start_pos, end=meta.end_pos)

    def transpose(self, meta, children):
        return s.Transpose(children[0], start=meta.start_pos, end=meta.end_pos)

    def power(self, meta, children):
        base, _, _, exponent, _ = children
        return s.Power(base, exponent, start=meta.start_pos, end=meta.end_pos)

    def power1(self, meta, children):
        base, tok = children
        char = str(tok).lstrip("^").strip()
        exponent = (s.Num(char, start=tok.end_pos - 1, end=tok.end_pos) if char.isdigit()
                    else s.Sym(char, start=tok.end_pos - 1, end=tok.end_pos))
        return s.Power(base, exponent, start=meta.start_pos, end=meta.end_pos)

    # -- atoms ------------------------------------------------------------------------------------
    def number(self, meta, children):
        tok = [c for c in children if isinstance(c, Token) and c.type == "NUMBER"][0]
        return s.Num(str(tok), start=tok.start_pos, end=tok.end_pos)

    def symbol(self, meta, children):
        head, sub, layer, example = children[0], None, None, None
        if head.type == "GREEK":
            name = {"\u03b1": "alpha", "\u03b7": "eta", "\u03b4": "delta"}.get(str(head), str(head).lstrip("\\"))
        elif head.type == "TEXT_NAME":
            name = text_content(head)
        elif head.type == "ACCENTED":                   # \hat{y}_1, \hat{y_1}: the name yhat, its own quantity
            accent, letter, braced, single = ACCENTED_TEXT.match(str(head)).groups()
            inner = braced or single
            name = letter + ACCENTS[accent]
            if inner:
                children = [children[0], Token("SUB", "_{" + inner + "}", head.start_pos)] + list(children[1:])
        else:
            name = str(head)
        name = name.replace("\\_", "_")
        mark = None
        if len(children) > 1 and children[-1].type in ("UPDATED", "PRIME"):
            mark = "+" if children[-1].type == "UPDATED" or name not in PRIMED_FUNCTIONS else "'"
            children = children[:-1]
        transposed = children[-1].type == "LAYER_T" if len(children) > 1 else False
        for t in children[1:]:
            if t.type == "LAYER_T":
                layer = re.match(r"^\^\s*\{\s*\(\s*(.*?)\s*\)", str(t)).group(1).replace(" ", "")
                continue
            if t.type == "EXAMPLE_PRIME":               # g^{[1]\prime}(z): f'(z) of Ng's layer 1
                t = Token("EXAMPLE", re.sub(r"(?:'|\\prime)\s*\}$", "}", str(t)), t.start_pos)
                mark = "'" if name in PRIMED_FUNCTIONS else mark
            if t.type in ("LAYER_EX", "EXAMPLE"):
                if example is not None or (layer is not None and t.type == "LAYER_EX"):
                    raise error_at("a second example superscript", t.start_pos, "one ^{(l)[n]} per name")
                m = LAYER_EX_TEXT.match(str(t))
                if m.group(1) is not None:
                    layer = m.group(1).replace(" ", "")
                example = m.group(2).replace(" ", "")
                continue
            if t.type == "SUB":
                if sub is not None:
                    raise error_at("a second subscript", t.start_pos, "one subscript per name")
                sub = sub_text(t)
            else:
                if layer is not None:
                    raise error_at("a second layer superscript", t.start_pos, "one ^{(l)} per name")
                layer = LAYER_TEXT.match(str(t)).group(1).replace(" ", "")
        if "_" in name and sub is None:       # loss\_3 written as one name
            name, _, sub = name.partition("_")
        odd = next((ch for part in (sub, layer, example) if part for ch in part if ch.isdigit() and not ch.isascii()),
                   None)
        if odd is not None:                   # a superscript ³ or a fullwidth ３ is no index derive can count
            raise error_at(f"the digit {odd!r} (U+{ord(odd):04X}) in an index or a layer", meta.start_pos,
                           "the digits 0-9, as in a_1^{(3)}")
        symbol = s.Sym(name, sub, layer, example, mark, start=meta.start_pos, end=meta.end_pos)
        return s.Transpose(symbol, start=meta.start_pos, end=meta.end_pos) if transposed else symbol

    def dots(self, meta, children):
        return s.Dots(start=meta.start_pos, end=meta.end_pos)

    def norm(self, meta, children):
        return s.Norm(children[1], start=meta.start_pos, end=meta.end_pos)

    def gradient(self, meta, children):
        _, sub, of = children
        text = sub_text(sub)
        if not re.fullmatch(r"[A-Za-z]", text):
            raise error_at(f"cannot read the gradient's variable {text!r}", sub.start_pos, "\\nabla_a C")
        wrt = s.Sym(text, start=sub.start_pos, end=sub.end_pos)
        return s.Gradient(of, wrt, start=meta.start_pos, end=meta.end_pos)

    def late_sub(self, meta, children):
        """a^l_j: a subscript after a superscript (Nielsen's layer superscripts)."""
        base, sub = children
        norm = base.base if isinstance(base, s.Power) else base
        if isinstance(norm, s.Norm) and not norm.kind and sub_text(sub) in NORM_KINDS:
            from dataclasses import replace     # \|W\|_F^2, \|w\|_2^2: which norm (weight decay)
            kind = replace(norm, kind=NORM_KINDS[sub_text(sub)], end=sub.end_pos)
            return s.Power(kind, base.exponent, start=meta.start_pos, end=meta.end_pos) \
                if isinstance(base, s.Power) else replace(kind, start=meta.start_pos, end=meta.end_pos)
        if isinstance(base, s.Power) and isinstance(base.base, s.Sym) and base.base.sub is None:
            from dataclasses import replace
            return s.Power(replace(base.base, sub=sub_text(sub)), base.exponent, start=meta.start_pos,
                           end=meta.end_pos)
        raise error_at("a subscript after this", sub.start_pos, "a name with one subscript, as in a^l_j")

    def group(self, meta, children):
        inner = children[1]
        return inner

    def pair(self, meta, children):
        exprs = [c for c in children if isinstance(c, s.Node)]
        return _Arguments(tuple(exprs), start=meta.start_pos, end=meta.end_pos)

    def frac(self, meta, children):
        _, num, den = children
        if isinstance(num, s.Partial) and isinstance(den, s.Partial):
            return self._derivative(num, den, meta)
        if isinstance(num, s.Partial) or isinstance(den, s.Partial):
            bad = num if isinstance(num, s.Partial) else den
            raise error_at("\\partial on one side of a fraction only", bad.start,
                         "\\frac{\\partial X}{\\partial Y}")
        return s.Frac(num, den, start=meta.start_pos, end=meta.end_pos)

    def fracarg(self, meta, children):
        return children[1]

    def bare_partial(self, meta, children):
        return s.Partial(None, start=meta.start_pos, end=meta.end_pos)

    def differential(self, meta, children):
        r"""{d\sigma} over {dz}: the derivative of the function itself, named `d` + its name (read by
        decide.identities, which knows the variable from the denominator)."""
        text = str(children[0])
        func = "sigmoid" if "sigma" in text else "tanh" if "tanh" in text else "activation"   # d\varphi, df
        return s.Sym("d" + func, start=meta.start_pos, end=meta.end_pos)

    def frac_digits(self, meta, children):
        tok = children[0]
        num, den = re.findall(r"[0-9]", str(tok))
        return s.Frac(s.Num(num, start=tok.end_pos - 2, end=tok.end_pos - 1),
                      s.Num(den, start=tok.end_pos - 1, end=tok.end_pos),
                      start=tok.start_pos, end=tok.end_pos)

    def partial(self, meta, children):
        return s.Partial(children[1], start=meta.start_pos, end=meta.end_pos)

    def _derivative(self, num, den, meta):
        if not isinstance(num, s.Partial) or not isinstance(den, s.Partial) or den.of is None:
            bad = den if not isinstance(den, s.Partial) or den.of is None else num
            raise error_at("a derivative needs \\partial above and below", _pos(bad)[0],
                         "\\frac{\\partial X}{\\partial Y} or \\partial X / \\partial Y")
        if num.of is None:
            return s.DerivativeOperator(den.of, start=meta.start_pos, end=meta.end_pos)
        return s.Derivative(num.of, den.of, start=meta.start_pos, end=meta.end_pos)

    def call(self, meta, children):
        head = children[0]
        prime = any(isinstance(c, Token) and c.type == "PRIME" for c in children)
        arg = children[-1]
        name = str(head)
        func = next((f for key, f in FUNCTIONS if key in name), "sigmoid")
        if prime:
            if func in ("exp", "log", "step"):
                raise error_at(f"{func}' is not part of the notation", head.start_pos, f"\\{func}(...)")
            func += "_prime"
        return s.Call(func, arg, start=meta.start_pos, end=meta.end_pos)

    call_bare = call

    def call_power(self, meta, children):
        """\\tanh^2(z): the square of tanh(z)."""
        head, tok, arg = children
        call = self.call(meta, [head, arg])
        char = str(tok).lstrip("^").strip()
        if not char.isdigit():
            raise error_at(f"{head}^{char} is not part of the notation", tok.start_pos, "a power such as \\tanh^2(z)")
        return s.Power(call, s.Num(char, start=tok.end_pos - 1, end=tok.end_pos),
                       start=meta.start_pos, end=meta.end_pos)

    def maxcall(self, meta, children):
        exprs = [c for c in children if isinstance(c, s.Node)]
        return s.Max(exprs[0], exprs[1], start=meta.start_pos, end=meta.end_pos)

    def ones(self, meta, children):
        return s.Ones(start=meta.start_pos, end=meta.end_pos)

    def indicator(self, meta, children):
        exprs = [c for c in children if isinstance(c, s.Node)]
        rel = next(c for c in children if isinstance(c, Token) and c.type == "REL")
        op = ">" if str(rel) in (">", "\\gt") else ">="
        return s.Indicator(exprs[0], op, exprs[1], start=meta.start_pos, end=meta.end_pos)

    def bigsum(self, meta, children):
        tok, rest = children[0], children[1:]
        sub = next((c for c in rest if isinstance(c, Token) and c.type == "SUB"), None)
        upper = next((c for c in rest if isinstance(c, tuple) and c[0] == "upper"), None)
        body = rest[-1]
        if sub is None and upper is None:           # \sum dZ^{[2]}: over the examples (np.sum), or nothing
            return s.Sum("", s.Num("1", start=tok.end_pos, end=tok.end_pos), None, body,
                         start=meta.start_pos, end=meta.end_pos)
        if sub is None:
            raise error_at("a sum needs its index", tok.end_pos, "\\sum_{i=1}^{n} or \\sum_i")
        m = re.fullmatch(r"([A-Za-z])(?:=(.+))?", sub_text(sub))
        pair = re.fullmatch(r"\s*([A-Za-z])\s*,\s*([A-Za-z])\s*", sub_text(sub))
        if pair and upper is None:                  # \sum_{j,k}: over both indices
            one = s.Num("1", start=sub.start_pos, end=sub.end_pos)
            inner = s.Sum(pair.group(2), one, None, body, start=meta.start_pos, end=meta.end_pos)
            return s.Sum(pair.group(1), one, None, inner, start=meta.start_pos, end=meta.end_pos)
        if not m:
            raise error_at(f"cannot read the sum's index {sub_text(sub)!r}", sub.start_pos,
                         "\\sum_{i=1}^{n} or \\sum_i")
        lower_text = m.group(2) or "1"
        if not lower_text.isdigit():
            raise error_at(f"the sum's lower limit {lower_text!r} is not a number", sub.start_pos, "\\sum_{i=1}")
        lower = s.Num(lower_text, start=sub.start_pos, end=sub.end_pos)
        return s.Sum(m.group(1), lower, upper[1] if upper else None, body,
                     start=meta.start_pos, end=meta.end_pos)

    def upper(self, meta, children):
        if len(children) == 1:
            tok = children[0]
            char = str(tok).lstrip("^").strip()
            node = (s.Num(char, start=tok.end_pos - 1, end=tok.end_pos) if char.isdigit()
                    else s.Sym(char, start=tok.end_pos - 1, end=tok.end_pos))
            return ("upper", node)
        return ("upper", children[2])

    def matrix(self, meta, children):
        rows = [c for c in children if isinstance(c, list)]
        while rows and not rows[-1]:
            rows.pop()                          # a trailing \\ before \end{pmatrix}
        merged: list[list] = []
        for row in rows:
            continued = [plus for plus, _ in row]
            if row and all(continued):
                if not merged or len(merged[-1]) != len(row):
                    raise error_at("a row of + entries continues the row above, which has a different "
                                 "number of entries" if merged else "the first row cannot begin with +",
                                 row[0][1].start, "rows of equal length")
                merged[-1] = [s.BinOp("+", above, cell, start=above.start, end=cell.end)
                              for above, (_, cell) in zip(merged[-1], row)]
            elif any(continued):
                raise error_at("some entries of this row begin with + and some do not", row[0][1].start,
                             "every entry beginning with + (continuing the row above) or none")
            else:
                merged.append([cell for _, cell in row])
        if not merged:
            raise error_at("an empty matrix", meta.start_pos, "entries separated by & and \\\\")
        widths = {len(r) for r in merged}
        if len(widths) != 1:
            raise error_at(f"matrix rows have different lengths {sorted(widths)}", meta.start_pos,
                         "rows of equal length")
        return s.Matrix(tuple(tuple(r) for r in merged), start=meta.start_pos, end=meta.end_pos)

    def mrow(self, meta, children):
        return [c for c in children if isinstance(c, tuple)]

    def cell(self, meta, children):
        return (len(children) == 2, children[-1])
