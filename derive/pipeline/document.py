"""Checking a lecture document in place: every math span, every equation where it stands.

1. The document is read (`lecture.read_lecture`): its math spans parsed and linked into statements,
   read in derive's notation, and the network it defines.
2. Every statement is checked (`decide.checker.Checker`), bindings and printed numbers first
   (`worked.printed`); a refuted member is explained and repaired (`repair.explain`), and one made
   of several parts (a `+` line continuing it) is narrowed to the part that is wrong, by comparing
   it part by part with a member of the same chain that is right.
3. Every span ends in exactly one state, counted in the report: proved, refuted, undecided,
   unreadable, bound (a binding of values), no claim, or skipped.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from ..code.check import check_code
from ..decide.checker import Checker
from ..decide.identities import IDENTITY, Functions, NotAnIdentity, check_identity, definition, variables
from ..decide.workspace import workspace_for
from ..errors import DeriveError, NotInNetwork
from ..notation import syntax as s
from ..notation.statements import BINDING, EXPRESSION, classify
from ..sources.markdown import atx_heading
from ..repair.explain import annotate
from ..results import ERROR, NOT_CHECKED, PROVED, REFUTED, UNDECIDED, Result
from ..decide.claim_result import compact
from ..runtime.clock import TimeLimit, deadline
from ..runtime.parallel import Task, patience
from ..understand.spellings import respell, spellings
from ..sources.notebooks import markdown_cells
from ..worked.printed import check_numbers
from ..understand.generic import read_generic
from .generic import generic_plan
from .instances import generic_instances, on_instances
from .lecture import Lecture, read_lecture
from .options import Options
from .plan import FilePart, FilePlan, failure
from .plan import lost as lost_result

STATES = ("proved", "refuted", "undecided", "unreadable", "bound", "no claim", "prose", "skipped")
SPAN_STATE = {ERROR: "unreadable", REFUTED: "refuted", UNDECIDED: "undecided", PROVED: "proved",
              NOT_CHECKED: "unreadable"}
SEVERITY = {"unreadable": 4, "refuted": 3, "undecided": 2, "proved": 1, "bound": 0}      # of span states


def prepare_document(path: Path, options: Options, workspaces: dict, display: str | None = None) -> FilePlan:
    """Read a document (`lecture.read_lecture`) and plan its checking: one task per statement (a
    callable, independent of the others, so they may run in parallel) and `finish`, which turns the
    tasks' outcomes into the document's results, span states, formulas and bindings."""
    lecture = read_lecture(path, options, display)
    generic = _generic(lecture)
    if generic is not None:                     # z = W^{(1)} x, h = φ(z), ..., L = l(o, y): generic.py
        return _generic_plan(lecture, generic, path, options, display)
    networks = lecture.sizes.instances if lecture.unreadable is None and not lecture.closed \
        and lecture.statements else ()
    if not networks:
        return plan_lecture(lecture, path, options, workspaces)
    lectures = [lecture if lecture.spec.layers == sizes else read_lecture(path, options, display, sizes)
                for sizes in networks]
    said = lecture.sizes.checked or ""          # a chain named from its last layer: its depths
    return on_instances([plan_lecture(replace(one, spec=replace(one.spec, instances=networks, checked_on=said)),
                                      path, replace(options, run_code=options.run_code and k == 0), workspaces)
                         for k, one in enumerate(lectures)], networks, said)


def plan_lecture(lecture: Lecture, path: Path, options: Options, workspaces: dict) -> FilePlan:
    """The plan for checking a document read (`prepare_document`), in its one network."""
    display, spans, states, statements = lecture.display, lecture.spans, lecture.states, lecture.statements
    if lecture.unreadable is not None:
        return FilePlan.alone([failure(lecture.unreadable, display)], {"unreadable": 1})
    code = check_code(lecture.text, Path(path).suffix.lower(), display, lecture.spec) if options.run_code else None
    results = lecture.results + [failure(e.located(display, 1, 1), display) for e in lecture.errors]
    results += code.results if code else []
    if lecture.closed:                          # no claim is judged in another network than its own
        counts = {"undecided": states.count(None), "unreadable": states.count("unreadable") + lecture.problems,
                  "skipped": states.count("skipped")}
        return FilePlan.alone(results, {k: v for k, v in counts.items() if v}, code.notes if code else ())
    generic = _generic(lecture)
    if generic is not None:                     # z = W^{(1)} x, h = φ(z), ..., L = l(o, y): generic.py
        return generic_plan(lecture, generic, options, document_title(lecture.text, Path(path).suffix))
    results.extend(failure(e.located(display, 1, 1), display) for e in lecture.conflicts)
    index = {id(sp): k for k, sp in enumerate(spans)}
    extents = [(sp.cell, (sp.line, sp.col), sp.position(len(sp.text))) for sp in spans]
    checker = Checker(workspace_for(lecture.spec, workspaces), display, options.timeout, reread=lecture.reread)
    table = spellings(statements, lecture.written, checker.workspace.net)
    checker.respell = lambda text: respell(text, table)     # a repair's new text in the document's names
    functions = _identities(statements)
    for st in statements:
        if st.kind != IDENTITY:
            st.kind = classify(st, lambda n: _is_parameter(n), checker.knows)
    about_network = [st for st in statements if st.kind != IDENTITY]
    checker.collect_definitions(about_network)
    cells = markdown_cells(lecture.text) if Path(path).suffix.lower() == ".ipynb" else None
    bound = check_numbers(checker, about_network, lecture.text, cells=cells)   # bindings and numbers, in reading order
    for st in statements:
        if st.kind == BINDING and not st.extra.get("numeric"):
            for k in {index[id(p.source)] for m in st.members for p in m.parts if id(p.source) in index}:
                states[k] = states[k] or "bound"

    by_line: dict = {}                  # (cell, line) -> the spans over that line
    for k, (cell, start, end) in enumerate(extents):
        for line in range(start[0], end[0] + 1):
            by_line.setdefault((cell, line), []).append(k)

    def task(st):
        if st.kind == IDENTITY:
            found, marks = _identity(checker, st, functions), []
        else:
            found, marks = (checker.results(st) if st.kind != EXPRESSION else _lone(checker, st)), []
        found += [_incomplete(st, member, line) for member, line in st.extra.get("incomplete", [])]
        for r in found:
            member = next((m for m in st.members if _pos(m.parts[0]) == (r.line, r.col)), None)
            touched = {index[id(p.source)] for p in member.parts} if member and r.verdict != ERROR else set()
            if r.verdict == REFUTED and member is not None and not _numeric(st, member) and st.kind != IDENTITY:
                try:                            # a refinement, within the claim's own time bound
                    with deadline(checker.timeout):
                        annotate(checker, st, r, member)
                        if not r.repairs and not r.extra_terms:
                            _pinpoint(checker, st, r, member)
                except TimeLimit:
                    pass
            elif r.verdict == ERROR and st.kind != EXPRESSION and "matrix" in r.detail:
                holder = _holding(st, r, extents, index)       # a shape error: perhaps a transpose
                if holder is not None:
                    annotate(checker, st, r, holder)
            touched |= {k for k in by_line.get((r.cell, r.line), ())
                        if extents[k][1] <= (r.line, r.col) <= extents[k][2]}
            marks.append((touched, r.verdict))
        return found, marks, (checker.formula(st, found) if st.kind != EXPRESSION and found else None)

    def finish(outcomes):
        out, formulas = list(results), []
        for found, marks, formula in outcomes:
            out.extend(found)
            for touched, verdict in marks:
                _mark(states, touched, verdict)
            if formula is not None:
                formulas.append(formula)
        out.sort(key=lambda r: (r.cell or 0, r.line, r.col))
        for r in out:
            _respell(r, table)
        if lecture.text:
            math_lines = {n for sp, (cell, start, end) in zip(spans, extents) if sp.display
                          for n in range(start[0], end[0] + 1)}
            context = _context_finder(lecture.text, Path(path).suffix, math_lines)
            in_cell = _notebook_context(lecture.text) if Path(path).suffix.lower() == ".ipynb" else None
            for r in out:
                if r.cell is None:
                    r.context = context(r.line)
                elif in_cell is not None:
                    r.context = in_cell(r.cell, r.line)
        counts = {state: 0 for state in STATES}
        for state in states:
            counts[state or "no claim"] += 1
        counts["unreadable"] += lecture.problems
        return FilePart(out, {k: v for k, v in counts.items() if v}, formulas,
                        [respell(entry, table) for entry in bound], code.notes if code else [],
                        document_title(lecture.text, Path(path).suffix), span_states=list(states))

    def lost(st, reason, undecided):
        """The outcome of a statement whose check failed (a bound, or a bug in derive)."""
        part = st.head.parts[0]
        r = lost_result(display, *_pos(part), st.id, part.text, reason, undecided,
                        cell=getattr(part.source, "cell", None))
        touched = {index[id(p.source)] for m in st.members for p in m.parts if id(p.source) in index}
        return [r], [(touched, r.verdict)], None

    def ahead(st):
        return checker.workspace.decider, (checker.values_ahead(st) if st.kind not in (EXPRESSION, IDENTITY) else [])

    return FilePlan([Task(lambda st=st: task(st), lambda st=st: ahead(st), lambda r, u, st=st: lost(st, r, u),
                          patience=patience(len(st.members), options.timeout)) for st in statements],
                    finish, lecture.unread)


def _respell(r: Result, table: dict) -> None:
    """What derive says of a claim, in the names the document wrote (understand.spellings); a
    repair quotes the text as the page shows it (`a\\_1` is `a_1`, not the reading's `a _1`)."""
    for p in r.repairs:
        p.description = re.sub(r" (?=[_^])", "", p.description)
    if not table or r.verdict in (PROVED, ERROR, NOT_CHECKED):    # an error's expectations are derive's notation
        return
    r.detail, r.expected, r.difference_latex = (respell(x, table) for x in (r.detail, r.expected, r.difference_latex))
    r.missing_terms = [respell(x, table) for x in r.missing_terms]
    r.extra_terms = [respell(x, table) for x in r.extra_terms]
    r.relevant = [respell(x, table) for x in r.relevant]
    c = r.counterexample
    if c is not None:
        c.point = {respell(k, table): v for k, v in c.point.items()}
        c.difference = respell(c.difference, table)


def _generic(lecture: Lecture, sizes: tuple | None = None):
    """The document's generic vector network (understand.generic), in the sizes it states (front
    matter or --model, else its text), or `sizes`; None when it is not one."""
    if lecture.unreadable is not None or any(definition(st) is not None for st in lecture.statements):
        return None                             # f(z) = ...: not generic
    layers = _stated_layers(lecture) or lecture.sizes.stated or sizes
    model = read_generic(lecture.statements, layers, lecture.text)
    if model is not None:                       # W^{(1)} from the input: leaves named as the document numbers them
        model.shift = 1 - lecture.input_layer
        objective = lecture.objective
        if objective is not None and model.loss_text:   # J = L + s read L as E: the model line says L
            written = {v.name: k.name for k, v in objective.names.items() if getattr(v, "name", None) == "E"}
            head, _, rest = model.loss_text.partition(" = ")
            model.loss_text = f"{written.get(head, head)} = {rest}"
    return model


def _generic_plan(lecture: Lecture, generic, path: Path, options: Options, display) -> FilePlan:
    """A generic network's plan: in the sizes the document states, else on three networks of its
    depth (`understand.sizes`: the first one generic.py's own, 2-3-…-3-2)."""
    title = document_title(lecture.text, Path(path).suffix)
    depth = len(generic.weights) + 1
    if _stated_layers(lecture) or not lecture.sizes.free or not lecture.statements:
        return generic_plan(lecture, generic, options, title)      # sizes stated, or units named (z_2)
    networks = generic_instances(depth)
    plans = []
    for sizes in networks:
        one = read_lecture(path, options, display)
        model = _generic(one, sizes)
        if model is None:                       # not generic in these sizes: the document's own reading
            return generic_plan(lecture, generic, options, title)
        plans.append(generic_plan(one, model, options, title))
    return on_instances(plans, networks)


def _stated_layers(lecture) -> tuple | None:
    """The layer sizes a front matter (or --model) states, if it states them."""
    spec = lecture.front.spec
    return spec.layers if spec is not None and "layers" in spec.stated else None


def _identities(statements) -> Functions:
    """Mark the textbook identities (decide.identities), after reading the functions the text defines."""
    functions = Functions()
    for st in statements:
        found = definition(st)
        if found is not None:
            functions.defined.setdefault("activation", found)
    for st in statements:
        if len(st.members) > 1 and variables(st, functions) is not None:
            st.kind = IDENTITY
    return functions


def _identity(checker: Checker, st, functions: Functions) -> list[Result]:
    """An identity's claims, in its own variable; one derive cannot read as such is not checked."""
    try:
        with deadline(checker.timeout):
            return check_identity(checker.file, st, functions)
    except NotAnIdentity as e:
        why = f"derive cannot read this identity ({e})"
    except TimeLimit:
        why = f"not decided within {checker.timeout:g} s (--timeout)"
    part = st.head.parts[0]
    line, col = _pos(part)
    verdict = UNDECIDED if why.startswith("not decided") else NOT_CHECKED
    return [Result(file=checker.file, line=line, col=col, id=st.id, claim=compact(st.head.text),
                   verdict=verdict, detail=why,
                   cell=getattr(part.source, "cell", None), title=st.title or st.label)]


def _numeric(st, member) -> bool:
    """A member checked as a number at the bindings: its repair is a number (worked.slips), never a factor."""
    return st.kind == BINDING or any(st.members[k] is member for k in st.extra.get("numeric_members", ()))


def _is_parameter(node: s.Sym) -> bool:
    return node.name in ("w", "b", "W") or bool(re.fullmatch(r"W[0-9]+", node.name))


def _lone(checker: Checker, st) -> list[Result]:
    """A lone expression claims nothing.  Prose may use general names (w_{ji}^{(l)}, an index no
    sum binds) that mean nothing in the concrete network, so only a concrete quantity the network
    does not have (w_{31}^{(2)} in a 2-2-2 network, layer 4) makes it unreadable."""
    try:
        with deadline(checker.timeout):
            checker.meaning.member_value(st.head)
    except NotInNetwork as e:
        return [checker.error(e, st.head, st, 0.0)]
    except (DeriveError, TimeLimit):
        pass
    return []


def _holding(st, r, extents, index):
    """The member of a statement with a part in the span that holds the result's position."""
    for m in st.members:
        for p in m.parts:
            cell = extents[index[id(p.source)]][0]
            if cell == r.cell and p.source.position(p.expr.start) <= (r.line, r.col) <= p.source.position(p.expr.end):
                return m
    return None


TEX_HEADING = re.compile(r"\\(?:sub)*section\*?\{(.+?)\}")
NOT_PROSE = re.compile(r"\$\$|\\\[|\\begin|\\end|^[=+&\\]|^<!--|^%|^:[A-Za-z-]+:|^(`{3,}|~{3,}|:{3,})|^\|")


def heading_of(line: str, suffix: str) -> str | None:
    """The title of a heading line (`## Title ##`, `\\section{Title}`), or None."""
    if suffix == ".tex":
        m = TEX_HEADING.match(line, len(line) - len(line.lstrip()))
        return m.group(1).strip() if m else None
    found = atx_heading(line)
    return found[1] if found else None


LATEX_TITLE = re.compile(r"\\title\s*(?:\[[^\]]*\])?\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
FRONT_TITLE = re.compile(r"title:[ \t]*[\"']?([^\n]*?)[\"']?[ \t]*$")


def document_title(text: str, suffix: str) -> str | None:
    """The title a document gives itself: LaTeX's \\title{...}; Markdown's front matter `title:`,
    else its first level-1 heading (None for a notebook, whose text is JSON, and when none)."""
    if suffix.lower() == ".tex":
        m = LATEX_TITLE.search(text)
        if m is None:
            return None
        title = re.sub(r"\\(?:\\|newline)\s*", " ", m.group(1).replace("\\-", ""))
        title = re.sub(r"\\[A-Za-z]+\*?\s*", "", title).replace("{", "").replace("}", "").replace("~", " ")
        return " ".join(title.split()) or None
    if suffix.lower() not in (".md", ".markdown"):
        return None
    if text.startswith("---"):                  # the front matter's title:, read line by line
        end = text.find("\n---", 3)
        for line in text[:end if end > 0 else 0].split("\n")[1:]:
            m = FRONT_TITLE.match(line)
            if m and m.group(1).strip():
                return " ".join(m.group(1).split())[:200]
    for line in text.split("\n"):            # the first level-1 heading, read in one pass per line
        heading = atx_heading(line) if line.lstrip(" ").startswith("#") else None
        if heading is not None and heading[0] == 1:
            return " ".join(heading[1].split())[:200]
    return None


def _context_finder(text: str, suffix: str, math_lines=frozenset()):
    """line -> {"prose": the nearest line of prose before it, "heading": the section it stands in}:
    what a reader of the report needs to find the formula in the document.  Worked out for every
    line in one pass, so that a claim costs nothing more however long the document."""
    lines = text.split("\n")
    suffix = ".tex" if suffix == ".tex" else ""
    contexts, heading, prose = [], None, None
    for k, line in enumerate(lines):
        title = heading_of(line, suffix)
        raw = line.strip()
        if title is not None:
            heading, prose = ROLE.sub(r"$\1$", title), None
        elif raw and k + 1 not in math_lines and not NOT_PROSE.search(raw):
            prose = _cut_prose(ROLE.sub(r"$\1$", raw))
        contexts.append((prose, heading))

    def find(line: int) -> dict:
        k = min(line, len(lines)) - 2
        if k < 0:
            return {}
        prose, heading = contexts[k]
        return {**({"prose": prose} if prose else {}), **({"heading": heading} if heading else {})}
    return find


ROLE = re.compile(r"\{math\}`([^`]*)`")
PROSE_WIDTH = 200


def _look_back(lines: list[str], start: int, out: dict) -> dict:
    """The heading above line index `start` (inclusive, upwards) and the nearest prose line before
    it, in a notebook's markdown cell (short: a cell is read once per formula in it)."""
    for k in range(min(start, len(lines) - 1), -1, -1):
        raw = lines[k].strip()
        title = heading_of(lines[k], "")
        if title is not None:
            out.setdefault("heading", ROLE.sub(r"$\1$", title))
            break
        if "prose" not in out and raw and not NOT_PROSE.search(raw):
            out["prose"] = _cut_prose(ROLE.sub(r"$\1$", raw))
    return out


def _cut_prose(text: str) -> str:
    """A long line of prose cut to about PROSE_WIDTH characters, never inside its inline math."""
    if len(text) <= PROSE_WIDTH:
        return text
    cut = PROSE_WIDTH - 1
    dollars = [m.start() for m in re.finditer(r"(?<!\\)\$", text[:cut])]
    if len(dollars) % 2:                        # the cut falls inside $...$: cut before it opens
        cut = dollars[-1]
    return text[:cut].rstrip() + "\u2026"


def _notebook_context(text: str):
    """(cell, line) -> the heading and the prose before a formula of a notebook: in its own cell
    above it, then in the markdown cells before it."""
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError, RecursionError):
        return None
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        source = "".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else source
        markdown = isinstance(cell, dict) and cell.get("cell_type") == "markdown"
        sources.append(source.split("\n") if markdown and isinstance(source, str) else [])

    def find(cell: int, line: int) -> dict:
        out: dict = {}
        for c in range(min(cell, len(sources)), 0, -1):
            lines = sources[c - 1]
            _look_back(lines, (line - 2) if c == cell else len(lines) - 1, out)
            if "heading" in out:
                break
        return out
    return find


def _incomplete(st, member, line) -> Result:
    """A member that goes on in a block that could not be read: not checked, and said so."""
    part = member.parts[0]
    at_line, col = _pos(part)
    text = " ".join(member.text.split())
    return Result(file=part.source.file, line=at_line, col=col, id=st.id, claim=text, verdict=UNDECIDED,
                  detail=f"not checked: this member continues in the block at line {line}, which could "
                         "not be read", cell=getattr(part.source, "cell", None), title=st.title or st.label)


def _mark(states: list, touched: set, verdict: str) -> None:
    """A span's state is the worst verdict of the claims whose checked member it holds a part of."""
    for key in touched:
        if states[key] not in ("skipped", "prose"):
            current = states[key]
            if current in (None, "bound") or SEVERITY[current] < SEVERITY[SPAN_STATE[verdict]]:
                states[key] = SPAN_STATE[verdict]


def _pos(part):
    return part.source.position(part.start)


def _pinpoint(checker: Checker, st, r: Result, wrong) -> None:
    """Narrow a refuted member written in several parts to the part that is wrong."""
    if len(wrong.parts) < 2:
        return
    meaning, decider = checker.meaning, checker.workspace.decider
    for other in st.members:
        if other is wrong or len(other.parts) != len(wrong.parts):
            continue
        try:
            pairs = [(meaning.part_value(a), meaning.part_value(b)) for a, b in zip(wrong.parts, other.parts)]
            whole = decider.decide(meaning.member_value(other), meaning.member_value(st.members[0]))
        except Exception:                       # narrowing is a refinement: the member stays reported
            continue
        if whole.verdict != PROVED:
            continue
        theirs_all = [theirs for _, theirs in pairs]
        for part, (mine, theirs) in zip(wrong.parts, pairs):
            if not any(decider.decide(other_part, mine).verdict == PROVED for other_part in theirs_all):
                r.line, r.col = _pos(part)
                r.detail += f" (the wrong part is the one at line {r.line})"
                return
