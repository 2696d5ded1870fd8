"""Checking a lecture document in place: every math span, every equation where it stands.

1. `documents` finds the math spans (Markdown, LaTeX, notebooks) with their positions.
2. Each span is parsed; the pieces are linked into statements across blocks (`=` and `+` leads).
3. The network is read from the document (`infer_spec`, `forward_pass.read_model`): layer sizes
   from the units its definitions name, the W layout from its W^{(l)} = pmatrix definitions, each
   layer's activation, the loss and the mini-batch from its forward pass; front matter or `--model`
   set sizes and layout, and may state the rest, which the forward pass must not contradict.
4. Every statement is checked (`check.Checker`); a wrong member made of several parts (a `+` line
   continuing it) is narrowed to the part that is wrong, by comparing it part by part with a
   member of the same chain that is right.
5. Every span ends in exactly one state, counted in the report: proved, refuted, undecided,
   unreadable, no claim, or skipped.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from ..notation import syntax as s
from ..notation.statements import BINDING, EXPRESSION, Assembler, classify
from ..decide.checker import Checker
from ..decide.claim_result import failure_detail
from ..decide.workspace import workspace_for
from .options import Options
from ..runtime.clock import TimeLimit, deadline
from ..runtime.parallel import Task, patience
from ..runtime.bounds import check_network
from ..notation.limits import check_layers_named
from ..sources.files import NotRegular, read_input
from ..sources.documents import read_document
from ..errors import DeriveError, ModelError, NotInNetwork
from ..understand.forward_pass import read_model
from ..understand.conventions import apply as apply_convention, choose
from ..understand.glossary import front_matter_names, read_glossary
from ..notation.syntax import walk
from ..model.spec import Spec
from ..worked.printed import check_numbers
from ..notation.parse import parse
from ..errors import locate
from ..repair.explain import annotate
from ..results import error_result, ERROR, PROVED, REFUTED, UNDECIDED, Result, Unread

STATES = ("proved", "refuted", "undecided", "unreadable", "bound", "no claim", "skipped")
SPAN_STATE = {ERROR: "unreadable", REFUTED: "refuted", UNDECIDED: "undecided", PROVED: "proved"}
SEVERITY = {"unreadable": 4, "refuted": 3, "undecided": 2, "proved": 1, "bound": 0}      # of span states


def prepare_document(path: Path, options: Options, workspaces: dict, display: str | None = None):
    """Read, parse and link a document; returns (tasks, finish): one task per statement (a callable,
    independent of the others, so they may run in parallel) and `finish`, which turns the tasks'
    outcomes into (results, {span state: count}, formulas)."""
    display = display or str(path)
    try:
        text = read_input(path, options.bounds, display)
        spans, problems = read_document(path, text)
    except NotRegular:
        raise                                   # the run notes it (in a folder) or reports it (named)
    except (DeriveError, OSError) as e:
        err = e if isinstance(e, DeriveError) else DeriveError(f"cannot read the file: {e}", file=display)
        failure = _error(err, display)
        return [], lambda outcomes: ([failure], {"unreadable": 1}, [])
    spans = [_renamed(sp, display) for sp in spans]
    index = {id(sp): k for k, sp in enumerate(spans)}
    extents = [(sp.cell, (sp.line, sp.col), sp.position(len(sp.text))) for sp in spans]
    most = options.bounds.errors                # unreadable places reported per file; past it, the rest is not read
    results = [_error(p.error(), display) for p in problems[:most]]
    states: list[str | None] = [None] * len(spans)
    assembler = Assembler()
    unread: list[Unread] = []
    unreadable: list[tuple[str, int]] = []         # spans that could not be parsed: text, line
    for k, sp in enumerate(spans):
        if sp.skipped:
            states[k] = "skipped"
            if sp.note:                         # a block derive does not read: listed, not dropped
                unread.append(Unread(display, sp.line, sp.note, sp.cell))
            continue
        if len(results) >= most:
            states[k:] = ["skipped" if later.skipped else "unreadable" for later in spans[k:]]
            break
        try:
            for piece in parse(sp.text, sp):
                assembler.add(piece, display=sp.display)
        except DeriveError as e:
            failure = _error(locate(e, sp, getattr(e, "offset", 0)), display)
            results.append(failure)
            states[k] = "unreadable"
            unreadable.append((sp.text, sp.line))
            assembler.broken(sp.text, sp.display, where=failure.line)
        except Exception as e:                  # a bug in derive: this span fails alone
            detail = f"{display}:{sp.line}:{sp.col}: {failure_detail(e, 'reading this formula')[1]}"
            results.append(Result(file=display, line=sp.line, col=sp.col, id=None, claim="", verdict=ERROR,
                                  detail=detail, cell=sp.cell))
            states[k] = "unreadable"
            assembler.broken(sp.text, sp.display, where=sp.line)
    if len(problems) + states.count("unreadable") > most:
        results.append(Result(file=display, line=results[-1].line, col=results[-1].col, id=None, claim="",
                              verdict=ERROR, cell=results[-1].cell,
                              detail=f"{display}: more than {most:,} unreadable places: past the bound of {most:,}; "
                                     f"the rest of this file is not read (--limit errors=N)"))
    statements = assembler.statements
    for st in statements:                   # an equation labelled in a book names its claims
        st.label = st.label or getattr(st.head.parts[0].source, "label", "") or None
    try:
        names, notation = front_matter_names(text or "")
        convention = choose(statements, notation)
    except ModelError as e:
        results.append(_error(e.located(display, 1, 1), display))
        names, convention = {}, choose(statements, None)
    apply_convention(convention, statements)
    glossary = read_glossary(statements, names)
    glossary.apply(statements)              # the document's own names, read as derive's
    try:
        stated = options.spec or front_matter_spec(text or "")
    except ModelError as e:
        results.append(_error(e.located(display, 1, 1), display))
        stated = None
    try:
        check_layers_named(statements, options.bounds)
        if stated is not None:                  # bounds first: reading the model builds networks
            check_network(stated.layers, options.bounds, "the network")
        inferred = replace(infer_spec(statements), vectors=convention.vectors)
        if stated is None:
            check_network(inferred.layers, options.bounds, "the network")
        if stated is not None:
            stated = replace(stated, vectors=convention.vectors)
        spec, conflicts = read_model(statements, inferred, stated, unreadable)
        if glossary.shared_bias or convention.vectors != spec.vectors:
            spec = replace(spec, shared_bias=glossary.shared_bias, vectors=convention.vectors)
        check_network(spec.layers, options.bounds, "the network")
    except ModelError as e:
        results.append(_error(e.located(display, 1, 1), display))
        if "past the bound" in e.message:       # no claim is judged in another network than its own
            counts = {"undecided": sum(1 for k in states if k is None), "unreadable": states.count("unreadable")
                      + len(problems), "skipped": states.count("skipped")}
            return [], lambda outcomes: (results, {k: v for k, v in counts.items() if v}, [])
        spec, conflicts = stated or Spec(), []
    except Exception as e:                  # a bug in derive: an error (exit 2), never a silent model
        results.append(_error(ModelError(f"internal error while reading the network from the document "
                                                f"({type(e).__name__}: {e}); please report it").located(display, 1, 1),
                                     display))
        spec, conflicts = stated or Spec(), []
    results.extend(_error(e.located(display, 1, 1), display) for e in conflicts)
    checker = Checker(workspace_for(spec, workspaces), display, options.timeout)
    for st in statements:
        st.kind = classify(st, lambda n: _is_parameter(n), checker.knows)
    checker.collect_definitions(statements)
    bound = check_numbers(checker, statements)      # bindings and numbers, in reading order
    for st in statements:
        if st.kind == BINDING and not st.extra.get("numeric"):
            for k in {index[id(p.source)] for m in st.members for p in m.parts if id(p.source) in index}:
                states[k] = states[k] or "bound"

    by_line: dict = {}                  # (cell, line) -> the spans over that line
    for k, (cell, start, end) in enumerate(extents):
        for line in range(start[0], end[0] + 1):
            by_line.setdefault((cell, line), []).append(k)

    def task(st):
        found, marks = (checker.results(st) if st.kind != EXPRESSION else _lone(checker, st)), []
        found += [_incomplete(st, member, line) for member, line in st.extra.get("incomplete", [])]
        for r in found:
            member = next((m for m in st.members if _pos(m.parts[0]) == (r.line, r.col)), None)
            touched = {index[id(p.source)] for p in member.parts} if member and r.verdict != ERROR else set()
            if r.verdict == REFUTED and member is not None:
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
        if text:
            math_lines = {n for sp, (cell, start, end) in zip(spans, extents) if sp.display
                          for n in range(start[0], end[0] + 1)}
            context = _context_finder(text, Path(path).suffix, math_lines)
            for r in out:
                if r.cell is None:
                    r.context = context(r.line)
        counts = {state: 0 for state in STATES}
        for state in states:
            counts[state or "no claim"] += 1
        counts["unreadable"] += len(problems)
        return out, {k: v for k, v in counts.items() if v}, formulas, bound

    finish.unread = unread

    def lost(st, reason, undecided):
        """The outcome of a statement whose check failed (a bound, or a bug in derive)."""
        part = st.head.parts[0]
        line, col = _pos(part)
        r = Result(file=display, line=line, col=col, id=st.id, claim=" ".join(part.text.split())[:400],
                   verdict=UNDECIDED if undecided else ERROR, detail=reason, cell=getattr(part.source, "cell", None))
        touched = {index[id(p.source)] for m in st.members for p in m.parts if id(p.source) in index}
        return [r], [(touched, r.verdict)], None

    def ahead(st):
        return checker.workspace.decider, (checker.values_ahead(st) if st.kind != EXPRESSION else [])

    return [Task(lambda st=st: task(st), lambda st=st: ahead(st), lambda r, u, st=st: lost(st, r, u),
                 patience=patience(len(st.members), options.timeout)) for st in statements], finish


def _renamed(span, display):
    from dataclasses import replace
    return span if span.file == display else replace(span, file=display)


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


HEADING = {".tex": re.compile(r"^\s*\\(?:sub)*section\*?\{(.+?)\}"), "": re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")}


def _context_finder(text: str, suffix: str, math_lines=frozenset()):
    """line -> {"heading": the section it stands in, "prose": the nearest line of prose before it}:
    what a reader of the report needs to find the formula in the document."""
    lines = text.split("\n")
    heading = HEADING[".tex"] if suffix == ".tex" else HEADING[""]

    def find(line: int) -> dict:
        out = {}
        for k in range(min(line, len(lines)) - 2, -1, -1):
            raw = lines[k].strip()
            m = heading.match(lines[k])
            if m:
                out["heading"] = m.group(1).strip()
                break
            if "prose" not in out and raw and k + 1 not in math_lines and not re.search(r"\$\$|\\\[|\\begin|\\end|^[=+&\\]|^<!--|^%", raw):
                out["prose"] = raw if len(raw) <= 200 else raw[:199] + "\u2026"
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
        if states[key] != "skipped":
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


# -- the network, read from the document ----------------------------------------------------------
def front_matter_spec(text: str) -> Spec | None:
    """`derive:` settings in a Markdown front matter block (simple `key: value` lines), if any."""
    m = re.match(r"\A---\s*\n(.*?)\n---\s*\n", text, re.S)
    if not m:
        return None
    block = m.group(1).split("\n")
    settings, inside = {}, False
    for line in block:
        if re.match(r"^derive\s*:\s*$", line):
            inside = True
            continue
        if inside:
            kv = re.match(r"^\s+([a-z]+)\s*:\s*(.+?)\s*$", line)
            if not kv:
                break
            key, value = kv.groups()
            if key in ("names", "notation"):          # the document's names (glossary.py)
                continue
            if key == "layers":
                try:
                    value = json.loads(value) if value.startswith("[") else [int(n) for n in value.split("-")]
                except (ValueError, RecursionError):
                    raise ModelError(f"front matter: cannot read layers {value!r}", expected="[2, 2, 2] or 2-2-2")
            settings[key] = value.strip("'\"") if isinstance(value, str) else value
    return Spec.from_mapping(settings) if settings else None


def infer_spec(statements) -> Spec:
    """The network a document defines: as many layers as it mentions, each layer's size from the
    units its definitions name (else the lecture's), or more where it uses more units (mentioned at
    least twice: a unit mentioned once may be a typo, which should be an error at its line), the W layout from its
    W^{(l)} = pmatrix definitions (the lecture's layout when it states none)."""
    default = Spec()
    defined: dict[int, int] = {}
    mentioned: dict[int, int] = {}
    votes = {"source-major": 0, "target-major": 0}

    def note(table, layer, unit):
        if layer >= 1 and unit >= 1:
            table[layer] = max(table.get(layer, 0), unit)

    counted: dict[tuple[int, int], int] = {}

    def count(table, layer, unit):           # a unit mentioned once may be a typo; twice, it is used
        if layer >= 1 and unit >= 1:
            counted[layer, unit] = counted.get((layer, unit), 0) + 1
            if counted[layer, unit] >= 2:
                note(table, layer, unit)

    for st in statements:
        for member in st.members:
            for part in member.parts:
                for n in walk(part.expr):
                    if isinstance(n, s.Sym):
                        _mention(n, mentioned, count)
                    elif isinstance(n, s.Sum) and isinstance(n.upper, s.Num) and n.upper.text.isdigit():
                        _sum_range(n, int(n.upper.text), lambda layer, unit: note(defined, layer, unit))
        if len(st.members) < 2 or len(st.head.parts) != 1:
            continue
        head = st.head.parts[0].expr
        if not isinstance(head, s.Sym):
            continue
        if head.name == "x" and head.sub and head.sub.isdigit():
            note(defined, 1, int(head.sub))
        if not head.layer or not head.layer.isdigit():
            continue
        layer = int(head.layer)
        if head.name in ("a", "z") and head.sub and head.sub.isdigit():
            note(defined, layer, int(head.sub))
            if head.name == "z":
                for n in walk(st.members[1].parts[0].expr):
                    if isinstance(n, s.Sym) and n.name in ("a", "x") and n.sub and n.sub.isdigit():
                        note(defined, layer - 1, int(n.sub))
        if head.name == "W" and not head.sub:
            value = st.members[1].parts[0].expr
            if isinstance(value, s.Matrix) and len(value.rows) > 1 and len(value.rows[0]) > 1:
                corner = value.rows[0][1]
                if isinstance(corner, s.Sym) and corner.name == "w" and corner.sub in ("21", "12"):
                    votes["source-major" if corner.sub == "21" else "target-major"] += 1
    layout = "target-major" if votes["target-major"] > votes["source-major"] else default.layout
    depth = max(list(defined) + list(mentioned) + [0])
    if depth < 2:
        return Spec(layout=layout)
    def usual(l):          # the lecture's size for a layer the document does not define
        return default.layers[l - 1] if l <= len(default.layers) else default.layers[-1]
    layers = tuple(max(defined.get(l) or usual(l), mentioned.get(l, 0)) for l in range(1, depth + 1))
    return Spec(layers=layers, layout=layout)


def _sum_range(sum_node: s.Sum, upper: int, note) -> None:
    """\\sum_{k=1}^{3} t_k^{(3)}: the layers whose units k runs over have (at least) `upper` units."""
    for n in walk(sum_node.body):
        if not isinstance(n, s.Sym) or not n.sub:
            continue
        parts = n.sub.split(",") if "," in n.sub else list(n.sub)
        if sum_node.var not in parts:
            continue
        layer = int(n.layer) if n.layer and n.layer.isdigit() else None
        if n.name == "x":
            note(1, upper)
        elif n.name == "w" and layer and len(parts) == 2:
            note(layer if parts.index(sum_node.var) == 0 else layer - 1, upper)
        elif layer and n.name in ("a", "z", "b", "t", "delta"):
            note(layer, upper)


def _mention(n: s.Sym, mentioned: dict, note) -> None:
    """Record the layer and unit a name mentions (w_{ji}^{(l)}: unit j of l and unit i of l-1)."""
    layer = int(n.layer) if n.layer and n.layer.isdigit() else None
    digits = n.sub if n.sub and n.sub.isdigit() else None
    if n.name == "x" and digits:
        note(mentioned, 1, int(digits))
    elif layer is None:
        return
    elif n.name == "w" and digits and len(digits) == 2:
        note(mentioned, layer, int(digits[0]))
        note(mentioned, layer - 1, int(digits[1]))
    elif n.name in ("a", "z", "b", "t") and digits:
        note(mentioned, layer, int(digits))
    elif n.name in ("A", "W", "Z", "b"):
        note(mentioned, layer, 1)


def _error(e: DeriveError, display: str) -> Result:
    return error_result(e, e.file or display)
