"""A worked example checked in place: bindings, and every number against the value at the bindings.

This runs over a document's statements in reading order (bindings hold from where they stand, and
a number printed earlier may be used, rounded, later), before the statements are checked in
parallel.  For each statement:

- a binding (`x_1 = 0.05`, a pmatrix of weights) records values and claims nothing;
- every member that carries a printed decimal (`0.3775`, `0.15 \\times 0.05 + 0.20 \\times 0.10 + 0.35`,
  `\\frac{1}{1 + e^{-0.3775}}`) is a numeric claim: it is checked against the value of the chain's
  first symbolic member at the bindings (for an update rule `w = w - \\alpha ... = 0.358...`, the
  gradient step at the old values), in interval arithmetic (numbers.py).  A printed number is right
  when the value lies within half a unit of its last place, or when it is the rounding of the
  arithmetic written just before it (which must itself enclose the value).
The symbolic members are left to the ordinary check (they are proved for every value, not just at
these).  An update does not rebind its weight: every gradient of one step uses the old values.
"""
from __future__ import annotations

import time

import sympy as sp

from ..decide.decider import Decision
from ..errors import DeriveError
from ..meaning.values import is_matrix
from ..notation import syntax as s
from ..notation.literals import has_decimal, is_literal, is_numbers_only, literal_text
from ..notation.statements import BINDING, DEFINITION, EXPRESSION, UPDATE
from ..results import PROVED, REFUTED, UNDECIDED, Counterexample
from ..runtime.clock import TimeLimit, deadline
from .bindings import Binding, Bindings, Unbound
from .slips import find_literal, number_repair
from .steps import Steps
from .intervals import (
    Arithmetic,
    Grid,
    decimal_of,
    differing_digits,
    each,
    exact_interval,
    half_unit,
    hull,
    long_text,
    meets,
    midpoint,
    printed_interval,
    significant_digits,
    width,
)

KNOWN = "known"
MISCOPY = 20            # a number this many half units from a known value, but not one, is miscopied


def check_numbers(checker, statements, text: str = "", values=None, cells=None) -> list[str]:
    """Record bindings and check numeric members; results go to `st.extra["numeric"]`, the members
    checked here to `st.extra["numeric_members"]`.  Returns what was bound, one entry per binding.
    `text` is the document (its prose says where a new step starts, steps.py), `cells` a notebook's
    markdown cells by number (the prose of a notebook); `values` the Bindings a document's front
    matter gives before its first line."""
    bound = values.copy() if values is not None else Bindings(checker.workspace.net)
    steps = Steps(text, bound, cells)
    printed: dict = {}                       # a printed number's value -> the interval it stands for
    printed[KNOWN] = []                      # the exact values of the claims checked so far
    summary = []
    for st in statements:
        steps.advance(st, bound)
        if st.kind == EXPRESSION:
            continue
        if st.kind == BINDING:
            try:
                made, claims = steps.bind(checker, st, bound, printed)
                if made:
                    where = f"{checker.file}:{made[0].line}: "
                    said = ", ".join(b.describe() for b in made)
                    if summary and summary[-1].startswith(where):      # several on one line: one entry
                        summary[-1] += ", " + said
                    else:
                        summary.append(where + said)
                st.extra["numeric"] = claims
            except DeriveError as e:
                st.extra["numeric"] = [checker.error(e, getattr(e, "member", st.head), st, 0.0)]
            except Exception as e:      # a bug in derive: said, never a traceback
                st.extra["numeric"] = [checker.result(st, st.head, st.members[-1], UNDECIDED, 0.0,
                                                      detail=f"internal error while reading this binding "
                                                             f"({type(e).__name__}: {e}); please report it")]
            continue
        numeric = [k for k, m in enumerate(st.members) if _numeric(m, bound)]
        if not numeric or (st.kind == DEFINITION and 1 in numeric and "first" not in st.extra):
            continue
        start = time.perf_counter()
        try:
            with deadline(checker.timeout):
                numeric = _without_formulas(checker, st, numeric, bound)
                if not numeric:
                    continue
                st.extra["numeric_members"] = set(numeric)
                rate = _rate_written(checker, st, numeric, bound) if st.kind == UPDATE else None
                if rate is not None:
                    bound.add(rate)
                    summary.append(f"{checker.file}:{rate.line}: {rate.describe()} (the rate this update's "
                                   "arithmetic uses)")
                st.extra["numeric"] = _check(checker, st, numeric, bound, printed)
                if st.kind == UPDATE:
                    steps.record_update(checker, st)
        except TimeLimit:
            st.extra["numeric_members"] = set(numeric)
            st.extra["numeric"] = [checker.result(st, st.head, st.members[k], UNDECIDED,
                                                  time.perf_counter() - start,
                                                  detail=f"no decision within {checker.timeout:g} s")
                                   for k in numeric]
        except Exception as e:          # a bug in derive: the numbers are undecided, never passed
            st.extra["numeric_members"] = set(numeric)
            st.extra["numeric"] = [checker.result(st, st.head, st.members[k], UNDECIDED,
                                                  time.perf_counter() - start,
                                                  detail=f"internal error while checking numbers "
                                                         f"({type(e).__name__}: {e}); please report it")
                                   for k in numeric]
    return summary


def _without_formulas(checker, st, numeric, bound) -> list[int]:
    """Leave out the members (whole numbers, or numbers mixed with names) that hold for every value
    (`\\frac{\\partial z_1^{(2)}}{\\partial b_1^{(2)}} = 1`, `0.5 (t_1^{(3)} - a_1^{(3)})^2`), or whose
    names have no values here: those are decided by the ordinary check."""
    mixed = [k for k in numeric if not _printed_number(st.members[k])]
    symbolic = [k for k in range(len(st.members)) if k not in numeric]
    if not mixed or not symbolic or st.kind == UPDATE:
        return numeric
    try:
        reference = checker.meaning.member_value(st.members[symbolic[0]])
    except DeriveError:
        return numeric
    keep = []
    for k in numeric:
        if k in mixed:
            try:
                value = checker.meaning.member_value(st.members[k])
            except DeriveError:
                keep.append(k)
                continue
            if checker.decide(reference, value)[0].verdict == PROVED:
                continue
            try:
                bound.evaluate(value, checker.workspace.derivatives)
            except Unbound:
                continue
        keep.append(k)
    return keep


def _numeric(member, bound) -> bool:
    """Is this member a number to check at the bindings?  Arithmetic of numbers with a decimal in it
    always; where values are bound, also whole numbers (`z_1^{(2)} = 1`) and formulas mixing numbers
    with names (`0.40 a_1^{(2)} + 0.60`), unless they hold for every value (see _without_formulas;
    elsewhere `\\max(0.01 z, z)` or `0.5 (t - a)^2` is a formula, proved for every value)."""
    if _printed_number(member):
        return True
    numbers = all(is_numbers_only(p.expr) for p in member.parts)
    return bool(bound.values) and (numbers or any(has_decimal(p.expr) for p in member.parts))


def _rate_written(checker, st, numeric, bound):
    """The learning rate an update's arithmetic writes where its rule names it, when no value is
    bound for it: `w_5^{+} = w_5 - \\eta * \\frac{\\partial E}{\\partial w_5} = 0.4 - 0.5 * 0.082167041`
    (the post says "eta, which we'll set to 0.5" in prose) binds the rate to 0.5 from here on.  Only
    where the rule and the arithmetic have the same shape, operator by operator, and the rate stands
    alone against one number; the rest of the arithmetic is checked as before."""
    net = checker.workspace.net
    if net.alpha in bound.values:
        return None
    rules = [m for k, m in enumerate(st.members) if k not in numeric and k > 0 and len(m.parts) == 1]
    sums = [st.members[k] for k in numeric if len(st.members[k].parts) == 1]
    for rule in rules:
        for arithmetic in sums:
            found = _aligned(checker.meaning, rule.parts[0].expr, arithmetic.parts[0].expr, net.alpha)
            if found is not None:
                line = arithmetic.parts[0].source.position(found.start)[0] if arithmetic.parts[0].source else 0
                spelled = " ".join(rule.text.split())
                name = next((t for t in ("\\eta", "\\alpha", "\\epsilon", "\\lambda") if t in spelled),
                            net.display.get(net.alpha, "\\alpha"))
                return Binding(net.alpha, sp.Rational(literal_text(found)), literal_text(found), line, name)
    return None


def _aligned(meaning, rule, numbers, alpha):
    """The number standing where the rule names the learning rate, when the two trees have the same
    operators all the way down to it; None otherwise."""
    if isinstance(rule, s.Sym):
        try:
            is_rate = meaning.name_value(rule, {}) == alpha
        except DeriveError:
            return None
        return numbers if is_rate and is_literal(numbers) else None
    if type(rule) is not type(numbers) or isinstance(rule, (s.Num, s.Derivative)):
        return None
    if isinstance(rule, s.BinOp):
        if rule.op != numbers.op and {rule.op, numbers.op} - {"times", "juxt"}:
            return None
        return _aligned(meaning, rule.left, numbers.left, alpha) or _aligned(meaning, rule.right, numbers.right, alpha)
    if isinstance(rule, s.Neg):
        return _aligned(meaning, rule.operand, numbers.operand, alpha)
    return None


def _printed_number(member) -> bool:
    """Arithmetic of numbers with a decimal in it (a number to check wherever it stands)."""
    return all(is_numbers_only(p.expr) for p in member.parts) and any(has_decimal(p.expr) for p in member.parts)


def _check(checker, st, numeric, bound, printed) -> list:
    meaning, derivatives = checker.meaning, checker.workspace.derivatives
    exact = {b.value for b in bound.values.values()}
    start = time.perf_counter()

    def literal(text):
        """A number in arithmetic: a bound value is exact; a number of three or more significant
        digits printed earlier (or its negative, or 1 minus it) stands for what it was printed for,
        within its rounding; one that is a correct rounding of a value derive knows (a quantity of
        the network at the bindings, a claim checked before) carries that rounding; any other
        number (0.5 for a half, 2, 0.01) is exact."""
        r = sp.Rational(text)
        if r in exact or significant_digits(text) < 3:
            return exact_interval(r)
        if r in printed:
            return printed[r]
        if text.startswith("-"):
            return -literal(text[1:])
        if -r in printed:                            # -0.0651 printed, its magnitude used
            return -printed[-r]
        if 1 - r in printed and r not in (0, 1):     # 1 - a, of an a printed before (a (1 - a) written out)
            return 1 - printed[1 - r]
        h = sp.Rational(str(half_unit(text)))
        if h:
            known = _known(checker, bound) + printed[KNOWN]
            known = known + [-v for v in known]          # (a negative number's magnitude is looked up)
            nearest = min(known, key=lambda v: abs(sp.Float(v, 30) - r), default=None)
            off = abs(sp.Float(nearest, 30) - r) if nearest is not None else None
            if off is not None and off <= h:
                return hull(exact_interval(r), exact_interval(nearest))
            if off is not None and off <= MISCOPY * h and not any(r == p for p in printed if p != KNOWN):
                raise Miscopied(text, nearest)
        return exact_interval(r)

    def quantity(node):
        value = meaning.value(node, meaning.bind_sum_bounds(node, {}))
        at = bound.evaluate(value, derivatives)
        if is_matrix(at):
            return Grid([[exact_interval(at[i, j]) for j in range(at.shape[1])] for i in range(at.shape[0])])
        return exact_interval(at)

    arithmetic = Arithmetic(literal, quantity)
    references, ref_member, value, shape = None, st.head, None, None
    symbolic = [k for k in range(len(st.members)) if k not in numeric]
    try:
        if st.kind == UPDATE:
            value = _step(checker, st)
        elif symbolic:
            ref_member = st.members[symbolic[0]]
            value = meaning.member_value(ref_member)
        if value is not None:
            at = bound.evaluate(value, derivatives)
            shape = at.shape if is_matrix(at) else None
            references = [exact_interval(v) for v in (list(at) if is_matrix(at) else [at])]
    except Unbound as e:
        return [_result(checker, st, ref_member, st.members[k], UNDECIDED, start,
                        "a number, but no values are bound for " + ", ".join(e.names)
                        + " (bind them: x_1 = 0.05, W^{(2)} = \\begin{pmatrix}...\\end{pmatrix})")
                for k in numeric]
    except DeriveError as e:            # the reference member's own error is reported by the check
        return [_result(checker, st, ref_member, st.members[k], UNDECIDED, start,
                        f"a number, but the value it is compared with cannot be computed here ({e.message})")
                for k in numeric]
    used = bound.used(value, derivatives) if value is not None else []
    if references:
        printed[KNOWN].extend(sp.Float(midpoint(r), 60) for r in references)
    out, before = [], None              # `before`: the arithmetic just before, when it held
    for k in numeric:
        member = st.members[k]
        expr = member.parts[0].expr
        matrix = len(member.parts) == 1 and isinstance(expr, s.Matrix)
        cells = [c for row in expr.rows for c in row] if matrix else [None]
        mine_shape = (len(expr.rows), len(expr.rows[0])) if matrix else None
        try:
            values = [_interval(arithmetic, member, c) for c in cells]
            if not matrix and isinstance(values[0], Grid):      # arithmetic on matrices of numbers
                mine_shape, values = values[0].shape, values[0].entries()
                cells = [None] * len(values)
        except Unbound as e:
            out.append(_result(checker, st, ref_member, member, UNDECIDED, start,
                               "no values are bound for " + ", ".join(e.names)))
            before = None
            continue
        except NotChecked as e:
            out.append(_result(checker, st, ref_member, member, UNDECIDED, start, str(e)))
            before = None
            continue
        except Miscopied as e:
            result = _result(checker, st, ref_member, member, REFUTED, start, "numbers: " + e.message)
            found = find_literal(member, e.text)
            if found is not None:
                node = found[1]
                _repaired(result, number_repair(found[0], node, exact_interval(e.nearest), others=_named(bound)))
            out.append(result)
            before = None
            continue
        except DeriveError as e:
            out.append(checker.error(e, member, st, 0.0))
            before = None
            continue
        if references is None:          # numbers only: the first of them is what the rest must equal
            references, ref_member, shape = values, member, mine_shape
            before = None if all(_lone(member, c) for c in cells) else values
            continue
        if mine_shape != shape:
            out.append(_result(checker, st, ref_member, member, REFUTED, start,
                               f"numbers: this is {_shape(mine_shape)}, the value is {_shape(shape)}"))
            before = None
            continue
        verdicts = [_judge(member, c, v, r, b, printed)
                    for c, v, r, b in zip(cells, values, references, before or [None] * len(cells))]
        wrong = [n for n, (held, _) in enumerate(verdicts) if not held]
        where = member
        if wrong and shape is not None:
            n = wrong[0]
            if matrix:                  # a pmatrix as printed: reported at its wrong entry
                where = s.Member([s.Part(cells[n], member.parts[0].text, member.parts[0].source)])
            detail = f"entry ({n // shape[1] + 1}, {n % shape[1] + 1}): " + verdicts[n][1]
        elif shape is not None:
            detail = f"every entry of the {_shape(shape)} matrix"
        else:
            detail = verdicts[0][1]
            if wrong and st.kind == UPDATE and not _lone(member, cells[0]):
                detail += _update_slip(checker, st, bound, values[0], references[0])
        held = not wrong
        before = values if held and not all(_lone(member, c) for c in cells) else None
        if not held and used:
            detail += "; the values bound: " + ", ".join(f"{b.describe()} (line {b.line})" for b in used)
        counterexample = None
        if not held:
            n = wrong[0]
            counterexample = Counterexample(point={b.describe().split(" = ")[0]: b.text for b in used},
                                            lhs=float(midpoint(references[n])), rhs=float(midpoint(values[n])),
                                            difference=long_text(midpoint(references[n]) - midpoint(values[n]), 6))
        result = _result(checker, st, ref_member, where, PROVED if held else REFUTED, start,
                         "numbers: " + detail, counterexample)
        if where is not member:
            result.claim = result.claim.split(" = ")[0] + " = " + " ".join(member.text.split())
        if not held and _lone(member, cells[wrong[0]]):     # a wrong number: the number it should be
            node = cells[wrong[0]] if cells[wrong[0]] is not None else member.parts[0].expr
            _repaired(result, number_repair(member.parts[0], node, references[wrong[0]], others=_named(bound)))
        out.append(result)
    return out


class NotChecked(DeriveError):
    """Numbers derive does not check yet (undecided, not an error)."""


class Miscopied(DeriveError):
    """A number in arithmetic a few units in its last place from a value derive knows, but no
    rounding of it: a digit copied wrong."""

    def __init__(self, text, nearest):
        self.text, self.nearest = text, nearest
        super().__init__(f"{text} is a few units in its last place from {long_text(nearest)}, but no rounding "
                         f"of it (that would be {_rounding(nearest, text)}): a digit copied wrong?")


def _rounding(value, text: str) -> str:
    """The known value rounded to the places `text` prints."""
    places = len(text.split(".")[1]) if "." in text else 0
    return decimal_of(midpoint(exact_interval(value)), places)


def _update_slip(checker, st, bound, mine, reference) -> str:
    """The slip an update's arithmetic shows: the learning rate left out, or a step uphill."""
    try:
        w = bound.evaluate(checker.meaning.member_value(st.head), checker.workspace.derivatives)
        alpha = bound.evaluate(bound.net.alpha, {})
    except (Unbound, DeriveError):
        return ""
    if is_matrix(w) or not alpha:
        return ""
    step = sp.Float(midpoint(reference), 60)
    gradient = (w - step) / alpha
    if meets(mine, exact_interval(w - gradient)):
        return " (the learning rate left out: this is the weight minus the gradient)"
    if meets(mine, exact_interval(w + alpha * gradient)):
        return " (a step uphill: the gradient added where the rule subtracts it)"
    return ""


def _repaired(result, repair) -> None:
    """A refuted number's repair: the number it should be (slips.number_repair), where there is one."""
    if repair is not None:
        result.repairs, result.mistake = [repair], repair.kind
        result.line, result.col = repair.line, repair.col


def _named(bound) -> dict:
    """The values of the network's quantities at the bindings, by their names (a value from the
    wrong unit is named as such)."""
    net = bound.net
    return {net.display.get(sym, str(sym)): exact_interval(v) for sym, v in bound.point().items()
            if getattr(v, "is_number", False) and sym not in bound.values}


def _shape(shape) -> str:
    return "a scalar" if shape is None else f"a {shape[0]}\u00d7{shape[1]} matrix"


def _lone(member, cell) -> bool:
    return is_literal(cell) if cell is not None else len(member.parts) == 1 and is_literal(member.parts[0].expr)


def _interval(arithmetic, member, cell):
    """A member's (or a matrix entry's) interval: what a printed number claims, or the arithmetic's."""
    if _lone(member, cell):
        return printed_interval(literal_text(cell if cell is not None else member.parts[0].expr))
    if cell is not None:
        return arithmetic.value(cell)
    total = None
    for part in member.parts:
        v = arithmetic.value(part.expr)
        total = v if total is None else each(lambda u, w: u + w, total, v)
    return total


def _judge(member, cell, mine, reference, before, printed) -> tuple[bool, str]:
    """Does a number (or arithmetic) hold the value?  A printed number may also be the rounding of
    the arithmetic just before it."""
    if _lone(member, cell):
        text = literal_text(cell if cell is not None else member.parts[0].expr)
        close = meets(mine, reference)
        held = close or (before is not None and meets(mine, before))
        how = ("within half a unit of its last place" if close
               else "the rounding of the arithmetic before it, which allows for the rounding of the numbers it uses")
        printed[sp.Rational(text)] = hull(exact_interval(sp.Rational(text)), reference)
        return held, (f"the number {text} is {long_text(midpoint(reference))}…, {how}" if held
                      else differing_digits(midpoint(reference), text))
    held = meets(mine, reference)
    spread = width(mine)
    detail = (f"this arithmetic gives {long_text(midpoint(mine))}" +
              (f" (± {long_text(spread / 2, 2)}, the rounding of the numbers it uses)" if spread > 1e-40 else ""))
    detail += ", which holds the value" if held else f", but the value is {long_text(midpoint(reference))}"
    return held, detail


def _known(checker, bound) -> list:
    """Values a lecturer may print rounded without writing them first: every quantity of the network
    at the bindings, 1 - a, a (1 - a), 1 - a^2 for every unit, and the oracle's dE/da, dE/dz and
    gradients (computed once per set of bindings)."""
    point = bound.point()
    if bound.known is not None and bound.known[0] is point:
        return bound.known[1]
    net, oracle = bound.net, checker.workspace.oracle
    values = [v for v in point.values() if v.is_number]
    for key, symbol in net.symbols.items():
        if key[0] == "a" and symbol in point:
            a = point[symbol]
            values += [1 - a, a * (1 - a), 1 - a ** 2]
        if key[0] in ("a", "z", "w", "b") and net.m == 1:
            try:
                values.append(bound.evaluate(oracle.partial(net["E"], key).normal, {}))
                if key[0] == "w" and symbol in point:       # a term dE/dz_j w_ji of dE/da_i, said alone
                    values.append(bound.evaluate(oracle.partial(net["E"], ("z",) + key[1:3]).normal, {})
                                  * point[symbol])
            except (Unbound, DeriveError, KeyError, TypeError, ValueError):
                continue
    values = [sp.Float(v, 60) for v in values if getattr(v, "is_number", False)]
    bound.known = (point, values)
    return values


def _step(checker, st):
    """X - alpha dE/dX for the X an update rule assigns (a weight or bias)."""
    target = checker.meaning.member_value(st.head)
    return checker.meaning.gradient_step(target, st.head.parts[0].expr)


def _result(checker, st, reference, member, verdict, start, detail, counterexample=None):
    decision = Decision(verdict, detail, counterexample)
    return checker.result(st, reference, member, verdict, time.perf_counter() - start, decision)


__all__ = ["check_numbers"]
