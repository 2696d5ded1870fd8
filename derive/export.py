"""Proven formulas out: a standalone LaTeX document or Markdown `$$` blocks (`derive export`).

Only formulas whose every claim was proved are written, as their authors wrote them; the others are
listed for stderr, or (allow_unproved) written too under a visible "NOT PROVED" mark.  With
`derived`, the oracle's own dE/dp for every weight and bias follows, in the lecture's a(1 - a) form
(see `lecture_form`): one product per path from an output unit back to p, factors in path order.

The .tex compiles with pdflatex and Debian's texlive-latex-base/-recommended only: those have no
Hangul fonts, so Korean text is romanized (printing.tex_safe) and kept verbatim in a `%` comment.
Output is the same bytes on every run: no dates, stable orders.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from . import __version__
from .derive import Oracle
from .model import ACTIVATIONS, DESCRIBED, LAYOUTS, LOSSES, Network, Spec, quantity_name
from .numeric import POINTS, RTOL, SEED
from .printing import latex, tex_heading, tex_safe
from .results import ERROR, PROVED, Formula, Report

FORMATS = ("tex", "md")
WIDE = 90                       # the widest display row, in units of `width` (the line is ~100)


@dataclass
class Export:
    """The exported text, what was left out or marked, and the exit status it implies."""

    text: str
    unproved: list[Formula] = field(default_factory=list)
    unreadable: list = field(default_factory=list)       # Results with verdict ERROR
    allow_unproved: bool = False

    @property
    def exit_code(self) -> int:
        return 2 if self.unreadable else 1 if self.unproved and not self.allow_unproved else 0

    def problems(self) -> list[str]:
        """Lines for stderr: each unproved formula (file:line id verdicts), each unreadable part."""
        lines = []
        if self.unproved:
            how = "included, marked NOT PROVED" if self.allow_unproved else \
                "left out; --allow-unproved includes them, marked"
            lines.append(f"{len(self.unproved)} formula(s) not proved ({how}):")
            lines += [f"  {f.file}:{f.line} {f.id or '-'} {', '.join(f.verdicts)}" for f in self.unproved]
        if self.unreadable:
            lines.append(f"{len(self.unreadable)} part(s) could not be read:")
            first = [(r, (r.detail or "error").splitlines()[0]) for r in self.unreadable]
            lines += [f"  {d}" if d.startswith(r.file) else f"  {r.location()}: {d}" for r, d in first]
        return lines

    def __repr__(self) -> str:
        return f"Export({len(self.text)} chars, {len(self.unproved)} unproved, exit {self.exit_code})"


def export_report(report: Report, to: str = "tex", allow_unproved: bool = False,
                  derived: bool = False, specs: list[Spec] | None = None) -> Export:
    """Render a checked report's proven formulas (and, if asked, the oracle's gradients)."""
    if to not in FORMATS:
        raise ValueError(f"unknown export format {to!r}; expected one of {', '.join(FORMATS)}")
    shown = [f for f in report.formulas if f.proved or allow_unproved]
    gradients = [(spec, derived_gradients(Network(spec)))
                 for spec in (specs or specs_from_model(report.model) if derived else [])]
    text = (render_tex if to == "tex" else render_md)(report, shown, gradients)
    return Export(text=text, unproved=[f for f in report.formulas if not f.proved],
                  unreadable=[r for r in report.results if r.verdict == ERROR], allow_unproved=allow_unproved)


# -- what each formula says about itself ------------------------------------------------------------
def heading(f: Formula) -> str:
    """`title (id)`; a document's formula has no title or id: its label, and where it is."""
    name = f.title or f.label
    where = f.id or f"{f.file}:{f.line}"
    return f"{name} ({where})" if name else where


def mark(f: Formula) -> str:
    """"NOT PROVED (refuted)" and the like, or "" for a proved formula."""
    bad = sorted({v for v in f.verdicts if v != PROVED}) or ["no claim"]
    return "" if f.proved else f"NOT PROVED ({', '.join(bad)})"


def method(report: Report, f: Formula | None = None) -> str:
    """How the claims were proved (of formula f, or of the whole report)."""
    own = [r for r in report.results if r.verdict == PROVED and (f is None or (
        r.file == f.file and r.id == f.id and r.lhs in f.members and r.rhs in f.members))]
    exact = ("SymPy simplify: the difference of the two sides, in exp form, simplifies to 0"
             if own and all(r.detail.startswith("simplify") for r in own)
             else "exact: the difference of the two sides expands to 0 in node values")
    return (f"{exact}; numeric cross-check at {POINTS} seeded points (seed {SEED}), "
            f"tolerance {RTOL:g} relative")


def note(report: Report, f: Formula) -> str:
    n = len(f.verdicts)
    what = (f"Update rule: the first = assigns; proved ({n} claim{'s' * (n != 1)}): each later member "
            "equals the gradient step" if f.kind == "update" else
            f"Proved: {'all ' * (n > 1)}{n} claim{'s' * (n != 1)} of this chain (each =)")
    return f"{what}. Model: {report.model}. Method: {method(report, f)}. derive {__version__}."


# -- LaTeX -----------------------------------------------------------------------------------------------
PREAMBLE = r"""\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{graphicx}
\usepackage[a4paper,margin=2cm]{geometry}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\makeatletter
\renewcommand\section{\@startsection{section}{1}{\z@}{-3ex \@plus -1ex \@minus -.2ex}%
  {1.5ex \@plus .2ex}{\normalfont\large\bfseries\raggedright}}
\makeatother
\newsavebox{\derivebox}
% \derivefit{math}: the math as it is, or shrunk to the line when it is wider than the line
\newcommand{\derivefit}[1]{\sbox{\derivebox}{$\displaystyle #1$}%
  \ifdim\wd\derivebox>0.9\linewidth\resizebox{0.9\linewidth}{!}{\usebox{\derivebox}}%
  \else\usebox{\derivebox}\fi}
\begin{document}
"""


def render_tex(report: Report, formulas: list[Formula], gradients) -> str:
    """The whole document: a title section, one section per formula, the oracle's gradients."""
    chunks = [tex_formula(report, f) for f in formulas]
    body, romanized = [c for c, _ in chunks], any(lost for _, lost in chunks)
    proved = sum(1 for f in formulas if f.proved)
    which = f"the {proved}" if proved == len(formulas) else f"{proved} of the {len(formulas)}"
    intro = (f"derive {__version__} proved {which} formula(s) below against SymPy's differentiation "
             f"of the network. Model: {report.model}.")
    text, lost = tex_safe(intro, plain=True)
    head = [PREAMBLE, r"\section*{Proved formulas}", text + r"\par"]
    if romanized or lost:
        head.append(r"\medskip\textit{Korean text is romanized syllable by syllable here (pdflatex has "
                    r"no Hangul fonts in this setup); the original is kept in this file as a \% comment "
                    r"above each formula. Other non-Latin letters are shown as ?.}\par")
    tail = [tex_gradients(spec, rows) for spec, rows in gradients]
    return "\n".join(head + body + tail + [r"\end{document}", ""])


def tex_formula(report: Report, f: Formula) -> tuple[str, bool]:
    """One formula's section, and whether text in it was romanized (the original goes in comments)."""
    title, lost = tex_heading(heading(f))
    comments = [f"% original: {' '.join(heading(f).split())}"] if lost else []
    lines = [f"\\section*{{{title}}}"]
    if not f.proved:
        lines.append(rf"\textbf{{{mark(f)}}} --- verdicts of its claims: {', '.join(f.verdicts)}.\par")
    if ERROR in f.verdicts and len(f.members) < 2:
        text, more = tex_safe(" = ".join(f.members), plain=True)
        lines.append(rf"\textit{{As written:}} {text}\par")
        return "\n".join(comments + lines), lost or more
    members, tag = [], ""
    for m in f.members + ([f.label] if f.label and f.title else []):
        safe, more = tex_safe(m, plain=False)
        comments += [f"% original: {' '.join(m.split())}"] if more else []
        members.append(safe)
        lost = lost or more
    if f.label and f.title:
        tag = rf" \tag*{{{members.pop()}}}"
    lines += [r"\begin{align*}", align_rows(members) + tag, r"\end{align*}"]
    if f.proved:
        lines.append(r"\textit{" + tex_safe(note(report, f), plain=True)[0] + r"}\par")
    return "\n".join(comments + lines), lost


def align_rows(members: list[str]) -> str:
    """The chain's rows: `head &= m1 \\\\ &= m2 ...`; the head on a row of its own when the rows are
    wide; a wide member broken at its top-level + and -, a wide piece shrunk to the line if
    it is wider than the line (\\derivefit, measured by TeX)."""
    head, rows = members[0], []
    first = head + " &= " if width(head) + max(map(width, members)) < WIDE else "&" + head + r" \\" + "\n&= "
    for k, m in enumerate(members[1:]):
        lead = first if k == 0 else "&= "
        for j, piece in enumerate(break_sum(m)):
            if width(piece) > 0.8 * WIDE:
                sign, body = (piece[:2], piece[2:]) if piece[:2] in ("+ ", "- ") else ("", piece)
                piece = rf"{sign}\derivefit{{{body}}}"
            rows.append((lead if j == 0 else r"&\quad ") + piece)
    return " \\\\\n".join(rows)


def break_sum(member: str) -> list[str]:
    """A member's top-level terms, packed into pieces of at most about WIDE characters."""
    terms, depth, start = [], 0, 0
    for k, c in enumerate(member):
        depth += c in "({[" or member.startswith(r"\begin", k)
        depth -= c in ")}]" or member.startswith(r"\end", k)
        if depth == 0 and c in "+-" and k > start and member[k - 1] == " ":
            terms.append(member[start:k].strip())
            start = k
    terms.append(member[start:].strip())
    pieces = terms[:1]
    for term in terms[1:]:
        fits = width(pieces[-1] + " " + term) <= WIDE
        pieces[-1:] = [pieces[-1] + " " + term] if fits else [pieces[-1], term]
    return pieces


def width(tex: str) -> int:
    """A rough printed width of math LaTeX in units of about 1/100 of the line: a fraction counts its
    denominator and 2, an operator 3, a layer superscript or a command 1, braces and spaces 0.
    It only decides where rows break; TeX itself measures what \\derivefit shrinks."""
    tex = re.sub(r"\\[dt]?frac\s*\{(?:[^{}]|\{[^{}]*\})*\}", "##", tex)
    tex = re.sub(r"\\text\{(\w+)\}", r"\1", re.sub(r"\\(left|right|begin|end)\b(\{\w+\})?", "", tex))
    tex = re.sub(r"\\(times|bullet|cdot)\b|(?<=\s)[-+=](?=\s)", "###", tex)
    return len(re.sub(r"[{}_\s]", "", re.sub(r"\^\{\(\w+\)\}|\\[A-Za-z]+", "#", tex)))


def tex_gradients(spec: Spec, rows) -> str:
    intro = tex_safe(f"For every weight and bias, dE/dp as SymPy differentiates the network ({spec.describe()}), "
                     "written as a sum over paths from the output units; exactly equal to the oracle's "
                     f"gradient. derive {__version__}.", plain=True)[0]
    out = [r"\section*{Gradients derived by SymPy (the oracle)}", intro + r"\par"]
    for lhs, terms in rows:
        out += [r"\begin{align*}", align_rows([lhs, join_terms(terms)]), r"\end{align*}"]
    return "\n".join(out)


# -- Markdown ---------------------------------------------------------------------------------------------
def render_md(report: Report, formulas: list[Formula], gradients) -> str:
    out = []
    for f in formulas:
        title = heading(f) + " — update rule" * (f.kind == "update") + (f" — {mark(f)}" if mark(f) else "")
        out.append(f"**{title}**\n")
        if ERROR in f.verdicts and len(f.members) < 2:
            out.append("```latex\n" + " = ".join(f.members) + "\n```\n")
            continue
        label = rf" \quad \text{{{f.label}}}" if f.label and f.title else ""
        if len(f.members) == 2:
            out.append(f"$${f.members[0]} = {f.members[1]}{label}$$\n")
        else:
            rows = [f"{f.members[0]} &= {f.members[1]}"] + [f"&= {m}" for m in f.members[2:]]
            out.append("$$\n\\begin{aligned}\n" + " \\\\\n".join(rows) + label + "\n\\end{aligned}\n$$\n")
    if any(f.proved for f in formulas):
        out.append(f"*Proved by derive {__version__}. Model: `{report.model}`. Method: "
                   f"{method(report)}.*\n")
    for spec, rows in gradients:
        out.append(f"**Gradients derived by SymPy (the oracle), model `{spec.describe()}`**\n")
        out += [f"$${lhs} = {join_terms(terms)}$$\n" for lhs, terms in rows]
    return "\n".join(out)


# -- the oracle's gradients in the lecture's form ----------------------------------------------------------
def derived_gradients(net: Network) -> list[tuple[str, list[str]]]:
    """(`\\frac{\\partial E}{\\partial p}`, the terms of dE/dp) for every weight and bias, in the
    lecture's order: layer by layer, W^{(l)} row by row, then b^{(l)}."""
    oracle, inputs = Oracle(net), lecture_names(net)
    rows = []
    for layer in range(2, net.L + 1):
        for p in list(net.matrix("W", layer)) + list(net.matrix("b", layer)):
            form = lecture_form(net, oracle.gradient(net.quantities[p]).normal)
            terms = sp.Add.make_args(form)
            printed = [latex(t, mul_symbol="times", order="none", symbol_names=inputs) for t in terms]
            lhs = latex(sp.Derivative(net["E",], p), symbol_names=inputs)
            rows.append((lhs, printed))
    return rows


def lecture_names(net: Network) -> dict:
    """Inputs as a_i^{(1)}, and targets with this network's layer whatever DISPLAY holds now (it is
    shared by all networks: t_1 is t_1^{(3)} in one, t_1^{(4)} in a deeper one)."""
    names = {net["x", i]: quantity_name("a", i, layer=1) for i in net.units(1)}
    return names | {net["t", k]: quantity_name("t", k, layer=net.L) for k in net.units(net.L)}


def join_terms(terms: list[str]) -> str:
    """Printed terms as one sum: `x + y`, `x - y` for a term printed `- y`."""
    out = terms[0]
    for t in terms[1:]:
        out += f" - {t[2:]}" if t.startswith("- ") else f" + {t}"
    return out


def lecture_form(net: Network, normal: sp.Expr) -> sp.Expr:
    """`normal` (a polynomial in node values) as the lecture writes a gradient: a sum over paths of
    products (a_k - t_k) a_k (1 - a_k) w ... a_j (1 - a_j) a_i, factors from the output back, terms by
    path.  Unevaluated (print with order="none") and exactly equal to `normal`: that is checked
    here, and SymPy's factor_terms(normal) is returned if the rearrangement ever fails it."""
    L = net.L
    delta = {sp.Symbol(f"__delta{k}"): (net["a", L, k], net["t", k]) for k in net.units(L)}
    one_minus = {sp.Symbol(f"__one_minus{l}_{j}"): (net["a", l, j], l, j)
                 for l in range(2, L + 1) for j in net.units(l)}
    hold = {**{t - a: d for d, (a, t) in delta.items()}, **{a - t: -d for d, (a, t) in delta.items()},
            **{1 - a: u for u, (a, _, _) in one_minus.items()}}
    rank = {d: (-L - 1, k) for k, d in enumerate(delta)}               # where a factor stands on a path
    rank.update({u: (-l, j, 1) for u, (_, l, j) in one_minus.items()})
    for key, symbol in net.symbols.items():
        if key[0] in ("a", "x"):
            rank[symbol] = (-key[1], key[2], 0) if key[0] == "a" else (-1, key[1], 0)
        elif key[0] == "w":
            rank[symbol] = (0.5 - key[1], key[2], key[3])
    terms = []
    for term in sp.Add.make_args(sp.expand(normal.xreplace(hold))):
        coeff, factors = term.as_coeff_mul()
        flat = sorted((b for f in factors for b in ([f.base] * int(f.exp) if f.is_Pow and f.exp.is_Integer
                                                     and f.exp > 0 else [f])),
                      key=lambda f: rank.get(f, (1, 0, str(f))))
        out = []
        for f in flat:
            if f in delta:                                              # -(t - a) ... = (a - t) ...
                coeff, f = -coeff, sp.Add(delta[f][0], -delta[f][1], evaluate=False)
            elif f in one_minus:
                f = sp.Add(sp.S.One, -one_minus[f][0], evaluate=False)
            out.append(f)
        key = tuple(rank.get(f, (1, 0, str(f))) for f in flat)
        terms.append((key, sp.Mul(*([coeff] if coeff != 1 else []), *out, evaluate=False)))
    terms.sort(key=lambda kt: kt[0])
    form = sp.Add(*[t for _, t in terms], evaluate=False) if len(terms) > 1 else terms[0][1]
    return form if sp.expand(form - normal) == 0 else sp.factor_terms(normal)


def specs_from_model(model: str) -> list[Spec]:
    """The Specs behind Report.model (their describe() texts joined by "; "), default if none."""
    specs = []
    for text in filter(None, (t.strip() for t in model.split("; "))):
        if text in DESCRIBED:                   # described in this process: any family, batch, ...
            specs.append(DESCRIBED[text])
            continue
        m = re.match(r"([\d-]+) (\w+) network", text)
        if not m or m.group(2) not in ACTIVATIONS:
            continue
        layers = tuple(int(n) for n in m.group(1).split("-"))
        specs += [s for s in (Spec(layers, m.group(2), loss, layout) for loss in LOSSES for layout in LAYOUTS)
                  if s.describe() == text][:1]
    return specs or [Spec()]
