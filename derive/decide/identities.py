"""Textbook identities, checked in their own variable with no network.

A lecture recalls facts about its functions before it uses them: `\\sigma(z) = \\frac{1}{1+e^{-z}}`,
`\\sigma'(z) = \\sigma(z)(1-\\sigma(z))`, `\\tanh'(z) = 1 - \\tanh^2(z)`, `\\frac{d}{dz}\\sigma(z)`,
`\\frac{d\\sigma}{dz}`, a function it defines itself (`f(x) = x^2`) applied elementwise to a vector of
numbers.  Such a statement names no quantity of the network: every name in it is the variable a
function is applied to (or differentiated in), so it is a claim about that variable alone.

The decision follows the rule of `decider`: the difference of the two sides, with σ and tanh written
through e^v and e^v taken as a positive unknown X_v, cancels to 0 as a rational function (a proof
for every real v), or it is non-zero at a concrete point, computed in 50 digits (a refutation with
that point as its witness); otherwise undecided.  Nothing here depends on the network or its size.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import sympy as sp

from ..notation import syntax as s
from ..notation.statements import Statement
from ..notation.syntax import walk
from ..results import PROVED, REFUTED, UNDECIDED, Counterexample, Result
from .claim_result import claim_result

IDENTITY = "identity"           # a statement's kind: a textbook identity in its own variable
FUNCTIONS = ("sigmoid", "tanh", "exp", "log", "sigmoid_prime", "tanh_prime", "activation", "activation_prime")
DIFFERENTIALS = ("d", "dsigmoid", "dtanh", "dactivation")     # d, and d\sigma, d\tanh, d\varphi over dz
POINTS = (sp.Rational(3, 10), sp.Rational(-7, 10), sp.Rational(11, 10))


class NotAnIdentity(Exception):
    """The statement is not one derive reads as an identity (it goes to the network's checker)."""


@dataclass
class Functions:
    """The functions a document defines in text (`f(x) = x^2`): name -> (variable, body)."""

    defined: dict = field(default_factory=dict)


def _bare(node: s.Sym) -> bool:
    return node.sub is None and node.layer is None and node.example is None and node.mark is None


def _differential(node) -> str | None:
    """The variable of `\\frac{d}{dv}` (or `\\frac{d\\sigma}{dv}`), or None."""
    if isinstance(node, s.Frac) and isinstance(node.num, s.Sym) and isinstance(node.den, s.Sym) \
            and node.num.name in DIFFERENTIALS and _bare(node.num) and _bare(node.den) \
            and len(node.den.name) == 2 and node.den.name[0] == "d" and node.den.name[1].isalpha():
        return node.den.name[1]
    return None


def variables(st: Statement, functions: Functions) -> set[str] | None:
    """The variables a statement is written in, when it is an identity (see the module); else None."""
    exprs = [p.expr for m in st.members for p in m.parts]
    if len(st.members) < 2:
        return None
    found, names, applied = set(), set(), False
    for expr in exprs:
        for node in walk(expr):
            if isinstance(node, s.Frac) and _differential(node):
                found.add(_differential(node))
                applied = True
            elif isinstance(node, s.Sym):
                if not _bare(node) and node.name not in DIFFERENTIALS:
                    return None
                if node.name == "dactivation" and "activation" not in functions.defined:
                    return None                 # \frac{d\varphi}{dz} of a function the text never defines
                names.add(node.name)
            elif isinstance(node, s.Call):
                if node.func not in FUNCTIONS:
                    return None
                applied = True
                if isinstance(node.arg, s.Sym):
                    found.add(node.arg.name)
                elif node.func in ("activation", "activation_prime") and "activation" not in functions.defined:
                    return None
            elif isinstance(node, s.Derivative):
                if not (isinstance(node.wrt, s.Sym) and _bare(node.wrt)):
                    return None
                found.add(node.wrt.name)
                applied = True
            elif not isinstance(node, (s.Num, s.BinOp, s.Neg, s.Power, s.Frac, s.Matrix)):
                return None
    if not applied:
        return None
    free = {n for n in names if n not in DIFFERENTIALS and not (len(n) == 2 and n[0] == "d")}
    if not free <= found | {"e"} or any(len(v) != 1 for v in found):
        return None
    if not found and not any(isinstance(n, s.Call) and n.func == "activation" for e in exprs for n in walk(e)):
        return None                             # numbers only: the worked examples' business
    return found


def definition(st: Statement) -> tuple[str, sp.Basic] | None:
    """`f(x) = x^2`: the function f defines (its variable and body), or None."""
    head = st.head.parts[0].expr if len(st.head.parts) == 1 else None
    if isinstance(head, s.Call) and head.func == "activation" and isinstance(head.arg, s.Sym) \
            and _bare(head.arg) and len(st.members) >= 2 and len(st.members[1].parts) == 1:
        body = st.members[1].parts[0].expr
        if not any(isinstance(n, s.Call) and n.func == "activation" for n in walk(body)):
            try:
                return head.arg.name, _value(body, Functions())
            except NotAnIdentity:
                return None
    return None


def _symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


def _call(func: str, x, functions: Functions):
    if isinstance(x, sp.MatrixBase):
        return x.applyfunc(lambda v: _call(func, v, functions))
    if func in ("activation", "activation_prime"):      # the function the text defines, f(z) = ...
        var, body = functions.defined["activation"]
        if func == "activation_prime":
            body = sp.diff(body, _symbol(var))
        return body.subs(_symbol(var), x)
    simple = {"sigmoid": _sigmoid, "tanh": sp.tanh, "exp": sp.exp, "log": sp.log,
              "sigmoid_prime": lambda v: _sigmoid(v) * (1 - _sigmoid(v)),
              "tanh_prime": lambda v: 1 - sp.tanh(v) ** 2}
    return simple[func](x)


def _product(a, b, elementwise: bool):
    if isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase):
        if elementwise:
            if a.shape != b.shape:
                raise NotAnIdentity("an elementwise product of matrices of different shapes")
            return a.multiply_elementwise(b)
        if a.shape[1] != b.shape[0]:
            raise NotAnIdentity("a product of matrices whose shapes do not fit")
        return a * b
    return a * b


def _value(node, functions: Functions):
    """The SymPy value of a node of an identity (σ through e^v, tanh as SymPy's)."""
    if isinstance(node, s.Num):
        return sp.Rational(node.text)
    if isinstance(node, s.Sym):
        return sp.E if node.name == "e" else _symbol(node.name)
    if isinstance(node, s.Neg):
        return -_value(node.operand, functions)
    if isinstance(node, s.Call):
        return _call(node.func, _value(node.arg, functions), functions)
    if isinstance(node, s.Matrix):
        return sp.Matrix([[_value(c, functions) for c in row] for row in node.rows])
    if isinstance(node, s.Power):
        base, exponent = _value(node.base, functions), _value(node.exponent, functions)
        if isinstance(base, sp.MatrixBase):
            raise NotAnIdentity("a power of a matrix")
        return sp.exp(exponent) if base == sp.E else base ** exponent
    if isinstance(node, s.Derivative):
        return sp.diff(_value(node.of, functions), _symbol(node.wrt.name))
    if isinstance(node, s.Frac):
        var = _differential(node)
        if var is not None and node.num.name != "d":
            return sp.diff(_call(node.num.name[1:], _symbol(var), functions), _symbol(var))
        if var is not None:
            raise NotAnIdentity("d/dv with nothing after it")
        return _value(node.num, functions) / _value(node.den, functions)
    if isinstance(node, s.BinOp):
        var = _differential(node.left) if node.op == "juxt" else None
        if var is not None and node.left.num.name == "d":
            return sp.diff(_value(node.right, functions), _symbol(var))
        left, right = _value(node.left, functions), _value(node.right, functions)
        if node.op == "+":
            return left + right
        if node.op == "-":
            return left - right
        if node.op == "/":
            return left / right
        return _product(left, right, elementwise=node.op == "times")
    raise NotAnIdentity(type(node).__name__)


def _member(member: s.Member, functions: Functions):
    total = None
    for part in member.parts:
        v = _value(part.expr, functions)
        total = v if total is None else total + v
    return total


def _zero(difference, names) -> bool:
    """The difference is 0 as a rational function of e^v (X_v > 0) and v."""
    items = list(difference) if isinstance(difference, sp.MatrixBase) else [difference]
    for item in items:
        e = sp.sympify(item).rewrite(sp.exp)
        for name in names:
            e = e.subs(sp.exp(_symbol(name)), sp.Symbol(f"X_{name}", positive=True))
        if sp.cancel(sp.together(e)) != 0:
            return False
    return True


def _number(x):
    if isinstance(x, sp.MatrixBase):
        return [[float(v) for v in row] for row in x.tolist()]
    return float(x)


def _witness(lhs, rhs, names):
    """A point where the two sides differ (50 digits), or None."""
    order = sorted(names)
    for k in range(len(POINTS)):
        point = {_symbol(n): POINTS[(k + j) % len(POINTS)] for j, n in enumerate(order)}
        left, right = (sp.N(v.subs(point), 50) for v in (lhs, rhs))
        diff = left - right
        values = list(diff) if isinstance(diff, sp.MatrixBase) else [diff]
        if any(not v.is_number for v in values):
            return None
        if any(abs(v) > sp.Float("1e-40", 50) for v in values):
            return {str(k_): str(float(v)) for k_, v in point.items()}, _number(left), _number(right)
    return None


def check_identity(file: str, st: Statement, functions: Functions) -> list[Result]:
    """Every claim of an identity (each member against the head; a definition of f claims nothing
    but its further members); raises NotAnIdentity when a member cannot be read as one."""
    names = variables(st, functions) or set()
    defines = definition(st) is not None
    values = [_member(m, functions) for m in st.members]
    reference, start = (1, 2) if defines else (0, 1)
    out = []
    for k in range(start, len(st.members)):
        began = time.perf_counter()
        lhs, rhs = values[reference], values[k]
        out.append(_decide(file, st, st.members[reference], st.members[k], lhs, rhs, names, began))
    return out


def _decide(file, st, ref_member, member, lhs, rhs, names, began) -> Result:
    where = ", ".join(sorted(names)) or "numbers"
    if isinstance(lhs, sp.MatrixBase) != isinstance(rhs, sp.MatrixBase) or \
            (isinstance(lhs, sp.MatrixBase) and lhs.shape != rhs.shape):
        shape = (lambda v: "×".join(map(str, v.shape)) if isinstance(v, sp.MatrixBase) else "a number")
        return claim_result(file, st, ref_member, member, REFUTED, time.perf_counter() - began,
                            f"refuted: the left side is {shape(lhs)}, the right side {shape(rhs)}")
    difference = lhs - rhs
    if _zero(difference, names):
        return claim_result(file, st, ref_member, member, PROVED, time.perf_counter() - began,
                            f"proved as an identity in {where} (no network needed)")
    found = _witness(lhs, rhs, names)
    if found is None:
        return claim_result(file, st, ref_member, member, UNDECIDED, time.perf_counter() - began,
                            f"undecided: not proved as an identity in {where}, and no point found where "
                            "the two sides differ")
    point, left, right = found
    shown = sp.simplify(difference)
    printed = sp.latex(shown) if not isinstance(shown, sp.MatrixBase) else sp.latex(shown, mat_delim="[")
    counterexample = Counterexample(point=point, lhs=left, rhs=right, difference=printed)
    return claim_result(file, st, ref_member, member, REFUTED, time.perf_counter() - began,
                        f"refuted: the two sides differ as functions of {where} (no network needed)", counterexample)
