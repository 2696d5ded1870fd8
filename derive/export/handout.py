"""Proven formulas out: a handout in LaTeX, or Markdown `$$` blocks (`derive export`).

A handout follows the documents.  The .tex of a lecture (Markdown, LaTeX, notebook: `lecture`) is
the lecture itself, prose and all, each checked formula marked where it stands, and the values a
worked example gives (`values`); a formula file gives its headings as sections (`outline`), each
formula once under its heading, as its author wrote it.  One closing note says what was proved, on
which model, how, by which derive.  Only formulas whose every claim was proved are written; the others are
listed for stderr, or (allow_unproved) written too under a visible "NOT PROVED" mark.  With
`derived`, the oracle's own dE/dp for every weight and bias follows, in the lecture's a(1 - a) form
(see `lecture_form`): one product per path from an output unit back to p, factors in path order.

The .tex names its engine in its first line (`typeset.choose_engine`: xelatex with Noto CJK, else
pdflatex with kotex, else pdflatex with Hangul romanized) and is inert: every text and formula from
a document is escaped or rebuilt from the notation's own commands (`typeset`), so compiling it reads
and writes nothing but its own files.  Output is the same bytes on every run of one machine: no
dates, stable orders.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy as sp

from .._version import __version__
from ..decide.second_opinion import POINTS, RTOL, SEED
from ..model.lecture_form import join_terms, lecture_form, lecture_names
from ..model.network import Network
from ..model.oracle import Oracle
from ..model.printing import latex
from ..model.spec import LAYOUTS, Spec
from ..results import ERROR, PROVED, Formula, Report
from . import prose, typeset
from .lecture import is_lecture, lecture_body, read_lecture, visible_text
from .values import values_md, values_tex
from .outline import Part, outline

FORMATS = ("tex", "md")
WIDE = 90                       # the widest display row, in units of `width` (the line is ~100)


@dataclass
class Export:
    """The exported text, what was left out or marked, and the exit status it implies."""

    text: str
    unproved: list[Formula] = field(default_factory=list)
    unreadable: list = field(default_factory=list)       # Results with verdict ERROR
    allow_unproved: bool = False
    engine: str | None = None                            # the TeX engine a .tex is for

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
                  derived: bool = False, specs: list[Spec] | None = None, engine: str = "auto",
                  code: bool = True) -> Export:
    """Render a checked report's proven formulas (and, if asked, the oracle's gradients); `engine`
    (tex only): auto, or one of typeset.ENGINES; `code`: a notebook's code cells as listings."""
    if to not in FORMATS:
        raise ValueError(f"unknown export format {to!r}; expected one of {', '.join(FORMATS)}")
    shown = [f for f in report.formulas if f.proved or allow_unproved]
    gradients = [(spec, derived_gradients(Network(spec)))
                 for spec in (specs or report.specs or [Spec()] if derived else [])]
    text, engine = render_tex(report, shown, gradients, engine, code) if to == "tex" else \
        (render_md(report, shown, gradients), None)
    return Export(text=text, unproved=[f for f in report.formulas if not f.proved],
                  unreadable=[r for r in report.results if r.verdict == ERROR], allow_unproved=allow_unproved,
                  engine=engine)


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


# -- LaTeX -----------------------------------------------------------------------------------------------
PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{graphicx}
\usepackage[a4paper,margin=2cm]{geometry}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\renewcommand{\arraystretch}{1.35}
\makeatletter
\renewcommand\section{\@startsection{section}{1}{\z@}{-3ex \@plus -1ex \@minus -.2ex}%
  {1.5ex \@plus .2ex}{\normalfont\large\bfseries\raggedright}}
\makeatother
\newsavebox{\derivebox}
% \derivefit{math}: the math as it is, or shrunk to the line when it is wider than the line
\newcommand{\derivefit}[1]{\sbox{\derivebox}{$\displaystyle #1$}%
  \ifdim\wd\derivebox>0.9\linewidth\resizebox{0.9\linewidth}{!}{\usebox{\derivebox}}%
  \else\usebox{\derivebox}\fi}
"""
SECTIONS = ("section", "subsection", "subsubsection", "paragraph")


def render_tex(report: Report, formulas: list[Formula], gradients, engine: str = "auto",
               code: bool = True) -> tuple[str, str]:
    """The handout and the engine it is for: each document itself (`lecture`: a Markdown, LaTeX or
    notebook lecture, prose and all; a formula file: its formulas under its headings), each formula
    once, the oracle's gradients, and one closing note of what was proved how."""
    parts = with_every_lecture(outline(formulas), report)
    lectures = {p.file: read_lecture(p.file) for p in parts}
    every = " ".join([p.file + " " + (p.title or "") + " " + visible_text(lectures[p.file]) for p in parts] +
                     [s.heading.text for p in parts for s in p.sections if s.heading] +
                     [" ".join(f.members) + " " + (f.title or "") + " " + (f.label or "")
                      for p in parts for s in p.sections for f in s.formulas])
    engine = typeset.choose_engine(every, engine)
    kotex = engine == "pdflatex" and any("\uac00" <= c <= "\ud7a3" for c in every)
    tex = typeset.Typesetter(engine)
    body, placed = [], []
    for part in parts:
        shift = 1 if len(parts) > 1 else 0
        if shift:
            body.append(rf"\section*{{{tex.title(part.title) if part.title else tex.text(part.file)}}}")
        lecture = lectures[part.file]
        if lecture is not None:             # a lecture: the document itself, prose and all,
            shown = [f for s in part.sections for f in s.formulas]      # each formula once, as in the outline
            own = [f for f in report.formulas if f.file == part.file]
            title, lines = lecture_body(tex, lecture, shown, own,
                                        lambda f, n: tex_formula(tex, f, n, checked=True), shift, code)
            if title and not shift:
                body.append(r"\begin{center}{\Large " + title + r"}\end{center}")
            body += lines + values_tex(tex, report.bindings, part.file, SECTIONS[shift])
            placed += shown
            continue
        placed += [f for s in part.sections for f in s.formulas]
        for section in part.sections:
            if section.heading is not None:
                level = SECTIONS[min(section.heading.level - 1 + shift, len(SECTIONS) - 1)]
                body.append(rf"\{level}*{{{tex.heading(section.heading)}}}")
            body += [tex_formula(tex, f) for f in section.formulas]
        body += values_tex(tex, report.bindings, part.file, SECTIONS[shift])
    body += [tex_gradients(tex, spec, rows) for spec, rows in gradients]
    body.append(closing_note(tex, report, formulas, placed))
    head = [typeset.engine_line(engine, kotex),
            f"% A handout written by derive {__version__}; compile it with "
            f"{'pdflatex' if engine == 'ascii' else engine}."]
    head += [f"% original: {o}" for o in dict.fromkeys(tex.originals)]
    preamble = PREAMBLE.replace(r"\usepackage{amsmath}", "\n".join(typeset.preamble(engine, kotex)) +
                                "\n" + r"\usepackage{amsmath}")
    return "\n".join(head + [preamble + r"\begin{document}"] + body + [r"\end{document}", ""]), engine


def with_every_lecture(parts: list[Part], report: Report) -> list[Part]:
    """The outline's parts, and a part for each lecture of the report none of whose formulas is
    shown (its prose is still the handout; a file with no math at all, a README, is none), in the
    order the run read the files."""
    known, mathless = {p.file for p in parts}, set(report.no_math)
    files = list(dict.fromkeys(report.files + [f.file for f in report.formulas] + [p.file for p in parts]))
    extra = [Part(f, None, []) for f in files
             if f not in known and f in report.files and f not in mathless and is_lecture(f)]
    order = {f: k for k, f in enumerate(files)}
    return sorted(parts + extra, key=lambda p: order.get(p.file, len(order))) if extra else parts


def closing_note(tex: typeset.Typesetter, report: Report, formulas: list[Formula], shown: list[Formula]) -> str:
    """What was proved, on which model, how, by which derive: once, after everything else."""
    proved = sum(1 for f in shown if f.proved)
    claims = sum(len(f.verdicts) for f in shown if f.proved)
    which = ("no formula above is proved (those not proved are left out; --allow-unproved shows them, marked)"
             if not shown else
             f"all {proved} formula{'s' * (proved != 1)} above ({claims} claim{'s' * (claims != 1)}, each =) "
             "are proved" if proved == len(shown) else
             f"{proved} of the {len(shown)} formulas above are proved; those marked NOT PROVED are not")
    lines = [f"Checked by derive {__version__} against SymPy's differentiation of the network: {which}."]
    if any(f.kind == "update" for f in shown):
        lines.append("In an update rule the first = assigns; each later member is proved equal to the "
                     "gradient step.")
    if len(formulas) > len(shown):
        n = len(formulas) - len(shown)
        lines.append(f"{n} restatement{'s' * (n != 1)} of a formula shown before {'is' if n == 1 else 'are'} "
                     "not repeated.")
    note = " ".join(tex.text(line) for line in lines)
    note += " " + tex.text("Model: ") + "; ".join(model_tex(tex, spec) for spec in report.specs or [Spec()])
    note += ". " + tex.text(f"Method: {method(report)}.")
    if tex.lost:
        note += (" " + tex.text("Hangul is romanized here (the ascii engine: pdflatex with no Korean "
                                "fonts), the original kept as a % comment at the top of this file; other letters "
                                "no font here has are shown as ?.") if tex.engine == "ascii" else
                 " " + tex.text("Letters no font here has are shown as ?."))
    return "\n".join([r"\bigskip\hrule\medskip", r"{\small " + note + r"\par}"])


LOSS_TEX = {"half-sse": r"E = \frac{1}{2} \sum_i (t_i - a_i)^2", "sse": r"E = \sum_i (t_i - a_i)^2",
            "mse": r"E = \frac{1}{n} \sum_i (t_i - a_i)^2", "cross-entropy": r"E = -\sum_i t_i \log a_i",
            "binary-cross-entropy": r"E = -\sum_i \left(t_i \log a_i + (1 - t_i) \log(1 - a_i)\right)"}
LAYOUT_TEX = {"source-major": r"W^{(l)}_{ij} = w_{ji}^{(l)}", "target-major": r"W^{(l)}_{ji} = w_{ji}^{(l)}"}


def model_tex(tex: typeset.Typesetter, spec: Spec) -> str:
    """The network a handout was checked in, its formulas typeset as math (what `Spec.describe`
    says in plain text)."""
    acts = spec.activations
    families = acts[0] if len(set(acts)) == 1 else ", ".join(f"{a} in layer {l}" for l, a in enumerate(acts, 2))
    words = [tex.text(f"a {'-'.join(map(str, spec.layers))} network ({families}), "),
             f"${LOSS_TEX[spec.loss]}$" if spec.loss in LOSS_TEX else tex.text(spec.loss)]
    if spec.vectors == "column":
        words.append(tex.text(", column vectors ") + r"$z^{l} = w^{l} a^{l-1} + b^{l}$")
    else:
        words.append(tex.text(", row vectors ") + r"$Z^{(l)} = A^{(l-1)} \bullet W^{(l)} + b^{(l)}$, "
                     f"${LAYOUT_TEX.get(spec.layout, '')}$")
    extra = spec.describe().split(LAYOUTS.get(spec.layout, "\x00"), 1)[-1] if spec.vectors != "column" else ""
    if spec.targets_sum_to_one:
        words.append(tex.text(" (targets sum to 1, assumed)"))
    if spec.batch > 1:
        words.append(tex.text(f", a mini-batch of {spec.batch} examples (E averaged)"))
    if extra.strip():
        words.append(tex.text(extra))
    return "".join(words)


def tex_formula(tex: typeset.Typesetter, f: Formula, number: int | None = None, checked: bool = False) -> str:
    """One formula: its title (formula files), a NOT PROVED mark if it is not proved, its chain as
    align* with its label as the tag (`number`: its equation number instead; `checked`: a check
    mark when it is proved)."""
    lines = [rf"\textbf{{{tex.title(heading(f))}}}\par"] if f.title else []
    if not f.proved:
        verdicts = tex.text("verdicts of its claims: " + ", ".join(f.verdicts))
        lines.append(rf"\textbf{{{tex.text(mark(f))}}} --- {verdicts}.\par")
    if ERROR in f.verdicts and len(f.members) < 2:
        lines.append(rf"As written: \texttt{{{tex.text(' = '.join(f.members))}}}\par")
        return "\n".join(lines)
    members = [tex.math(m) for m in f.members]
    named = f.label and not (number and prose.IDENTIFIER.fullmatch(f.label))      # words, not a name
    marks = ([r"$\checkmark$"] if checked and f.proved else []) + ([f"({number})"] if number else []) + \
        ([tex.latex_text(f.label)] if named else [])
    tag = rf" \tag*{{{' '.join(marks)}}}" if marks else ""
    lines += [r"\begin{align*}", align_rows(members) + tag, r"\end{align*}"]
    return "\n".join(lines)


def align_rows(members: list[str]) -> str:
    """The chain's rows: `head &= m1 \\\\ &= m2 ...`; the head on a row of its own when the rows are
    wide; a wide member broken at its top-level + and -, a wide piece shrunk to the line if
    it is wider than the line (\\derivefit, measured by TeX)."""
    head, rows = members[0], []
    first = head + " &= " if width(head) + max(map(width, members)) < WIDE else "&" + head + r" \\*" + "\n&= "
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


def tex_gradients(tex: typeset.Typesetter, spec: Spec, rows) -> str:
    intro = tex.text(f"For every weight and bias, dE/dp as SymPy differentiates the network ({spec.describe()}), "
                     "written as a sum over paths from the output units; exactly equal to the oracle's "
                     "gradient.")
    out = [r"\section*{Gradients derived by SymPy (the oracle)}", intro + r"\par"]
    for lhs, terms in rows:
        out += [r"\begin{align*}", align_rows([lhs, join_terms(terms)]), r"\end{align*}"]
    return "\n".join(out)


# -- Markdown ---------------------------------------------------------------------------------------------
def render_md(report: Report, formulas: list[Formula], gradients) -> str:
    """The documents' headings as written, each formula once as `$$...$$` under its heading, and one
    closing note."""
    out, parts = [], outline(formulas)
    for part in parts:
        shift = 1 if len(parts) > 1 else 0
        if shift:
            out.append(f"# {part.title or part.file}\n")
        for section in part.sections:
            if section.heading is not None:
                out.append("#" * min(section.heading.level + shift, 6) + f" {section.heading.text}\n")
            out += [md_formula(f) for f in section.formulas]
        out += values_md(report.bindings, part.file)
    shown = [f for p in parts for s in p.sections for f in s.formulas]
    if any(f.proved for f in shown):
        updates = (" In an update rule the first = assigns; each later member is proved equal to the "
                   "gradient step." if any(f.kind == "update" for f in shown) else "")
        out.append(f"*Proved by derive {__version__}. Model: `{report.model}`. Method: "
                   f"{method(report)}.{updates}*\n")
    for spec, rows in gradients:
        out.append(f"**Gradients derived by SymPy (the oracle), model `{spec.describe()}`**\n")
        out += [f"$${lhs} = {join_terms(terms)}$$\n" for lhs, terms in rows]
    return "\n".join(out)


def md_formula(f: Formula) -> str:
    title = (heading(f) + " — update rule" * (f.kind == "update")) if f.title else ""
    title += (" — " if title else "") + mark(f) if mark(f) else ""
    out = f"**{title}**\n\n" if title else ""
    if ERROR in f.verdicts and len(f.members) < 2:
        return out + "```latex\n" + " = ".join(f.members) + "\n```\n"
    label = rf" \quad \text{{{f.label}}}" if f.label else ""
    if len(f.members) == 2:
        return out + f"$${f.members[0]} = {f.members[1]}{label}$$\n"
    rows = [f"{f.members[0]} &= {f.members[1]}"] + [f"&= {m}" for m in f.members[2:]]
    return out + "$$\n\\begin{aligned}\n" + " \\\\\n".join(rows) + label + "\n\\end{aligned}\n$$\n"


# -- the oracle's gradients in the lecture's form ----------------------------------------------------------
def derived_gradients(net: Network) -> list[tuple[str, list[str]]]:
    """(`\\frac{\\partial E}{\\partial p}`, the terms of dE/dp) for every weight and bias, in the
    lecture's order: layer by layer, W^{(l)} row by row, then b^{(l)}."""
    oracle, inputs = Oracle(net), lecture_names(net)
    rows = []
    for layer in range(2, net.L + 1):
        for p in [p for p in list(net.matrix("W", layer)) + list(net.matrix("b", layer)) if p in net.quantities]:
            form = lecture_form(net, oracle.gradient(net.quantities[p]).normal)
            terms = sp.Add.make_args(form)
            printed = [latex(t, net.display, mul_symbol="times", order="none", symbol_names=inputs) for t in terms]
            lhs = latex(sp.Derivative(net["E",], p), net.display, symbol_names=inputs)
            rows.append((lhs, printed))
    return rows
