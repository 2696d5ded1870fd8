"""A lecture document read: its statements in derive's notation and the network it defines.

`read_lecture` is the one reading of a document, shared by `derive check` (`document.py`, which then
checks every statement) and `derive example` (`example.py`, which takes the network and the values
its bindings give):

1. the math spans (Markdown, LaTeX, notebooks) with their positions (`sources.documents`);
2. each span parsed, the pieces linked into statements across blocks (`=` and `+` leads);
3. the front matter (`understand.front_matter`): the network it states, its notation, its names;
4. the statements rewritten into derive's spelling: the document's convention
   (`understand.conventions`: Nielsen's a^l_j, Ng's a^{[l]}), then its own names
   (`understand.glossary`: Mazur's net_{h1}, out_{o1});
5. the network: sizes and layout inferred from the units the statements name (`understand.infer`),
   or as the front matter or --model state them; each layer's activation, the loss and the
   mini-batch from its forward pass (`understand.forward_pass`), which must not contradict them.

What cannot be read is kept, not raised: results at their places for the spans, errors for the
network (which then falls back to the stated or the lecture's), so that the rest is still read.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace

from ..decide.claim_result import failure_detail
from ..errors import DeriveError, ModelError, NotationError, locate
from ..model.penalty import OBJECTIVE
from ..model.spec import Spec
from ..notation.limits import check_layers_named
from ..notation import syntax as s
from ..notation.arrows import update_arrow
from ..notation.parse import parse
from ..notation.prose import has_equality, malformed, prose_reason, relation_free
from ..notation.statements import Assembler, Statement
from ..results import ERROR, Result, Unread, not_checked_result
from ..runtime.bounds import check_network
from ..sources.documents import read_document
from ..sources.files import NotRegular, read_input
from ..sources.spans import Span
from ..understand.chain import Chain, read_chain
from ..understand.biases import bias_free_layers, share, shared_bias_layers
from ..understand.conventions import Convention, choose
from ..understand.conventions import apply as apply_convention
from ..understand.ng import one_example_cost
from ..understand.forward_pass import read_model
from ..understand.front_matter import FrontMatter, document_front_matter
from ..understand.glossary import Glossary, read_aliases, read_glossary
from ..understand.letters import Letters, read_letters
from ..understand.infer import infer_spec
from ..understand.numbering import Numbering, read_numbering, renumber
from ..understand.penalty import every_parameter, read_objective, read_penalty, rename
from ..understand.functions import read_functions
from ..understand.said import activations_said, local_identities, with_said
from ..understand.spellings import written
from ..understand.sizes import Sizes, is_size_statement, read_sizes
from .options import Options
from .plan import failure


@dataclass
class Lecture:
    """A document read.  `states` holds each span's state as far as reading tells it (skipped,
    unreadable; None until its claims are checked); `closed` says no claim is to be checked (the
    file could not be read, or its network is past a bound)."""

    display: str
    text: str = ""
    spans: list[Span] = field(default_factory=list)
    states: list[str | None] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    spec: Spec = field(default_factory=Spec)
    results: list[Result] = field(default_factory=list)     # the places that could not be read
    problems: int = 0                   # unreadable places the source reports itself (not spans)
    problem_places: list = field(default_factory=list)      # (cell or 0, line, col) of each, in order
    unread: list[Unread] = field(default_factory=list)      # blocks derive does not read
    errors: list[DeriveError] = field(default_factory=list)     # the network could not be read as stated
    conflicts: list[DeriveError] = field(default_factory=list)  # the forward pass contradicts what is stated
    unreadable: DeriveError | None = None   # why the file could not be read at all
    closed: bool = False
    input_layer: int = 1                # the number the document gives its input layer (numbering.py)
    front: FrontMatter = field(default_factory=FrontMatter)    # what the document states (front_matter.py)
    reread: object = None               # a formula's tree -> read as the document's were (_rereader)
    written: dict = field(default_factory=dict)     # each name's text as written (understand.spellings)
    objective: object = None            # the objective with a penalty (understand/penalty.py), if any
    sizes: Sizes = field(default_factory=Sizes)     # the sizes its text states, or that it states none
    chain: Chain = field(default_factory=Chain)     # one-unit layers named from the last, L (chain.py)


def read_lecture(path: Path, options: Options, display: str | None = None, sizes: tuple | None = None) -> Lecture:
    """Read a document (see the module's docstring); NotRegular when `path` is not a regular file.
    `sizes`: the layer sizes of the network to read it in, for a document that states none
    (`understand.sizes`; `lecture.sizes` says whether it does)."""
    display = display or str(path)
    try:
        text = read_input(path, options.bounds, display)
        spans, problems = read_document(path, text)
    except NotRegular:
        raise                                   # the run notes it (in a folder) or reports it (named)
    except (DeriveError, OSError) as e:
        err = e if isinstance(e, DeriveError) else DeriveError(f"cannot read the file: {e}", file=display)
        return Lecture(display, unreadable=err, closed=True)
    front = document_front_matter(text, Path(path).suffix)
    given = options.stated                      # --model's names, notation and values
    spans = [_renamed(sp, display) for sp in _front_values(text, display, front) + list(spans)]
    if given is not None and given.values:
        spans = _front_values("", given.file or display, given) + spans
    if given is not None and (given.names or given.notation):
        front = replace(front, names=given.names, notation=given.notation, names_error=None)
    lecture = Lecture(display, text, spans, problems=len(problems), front=front)
    lecture.results = [failure(p.error(), display) for p in problems[:options.bounds.errors]]
    lecture.problem_places = sorted((p.cell or 0, p.line, p.col) for p in problems)
    unreadable = _read_statements(lecture, options.bounds.errors)
    lecture.written = written(lecture.statements)
    stated, convention, letters, glossary, numbering = _read_notation(lecture, options.spec, sizes)
    lecture.reread = _rereader(convention, letters, numbering, glossary, lecture.objective, lecture.chain)
    _read_sizes(lecture, stated, convention.vectors, numbering)
    chained = (1,) * lecture.chain.depth if lecture.chain else None     # the chain's one unit per layer
    _read_network(lecture, stated, unreadable, options.bounds, convention.vectors, glossary.shared_bias, numbering,
                  sizes or lecture.sizes.stated or chained)
    if convention.name == "ng" and not lecture.errors:     # "the hidden layer uses g^{[1]} = \tanh"
        said = activations_said([lecture.text] + [sp.text for sp in lecture.spans])
        lecture.spec = with_said(lecture.spec, lecture.statements, said)
        local_identities(lecture.statements, said)          # g^{[1]\prime}(z) = 1 - a^2
    if convention.name == "ng" and not lecture.closed:
        _cost_of_ng(lecture, stated)
    return lecture


def _front_values(text: str, display: str, front: FrontMatter) -> list[Span]:
    """The front matter's `values:` entries, each a binding span where it stands (front_matter.py)."""
    lines = front.lines or text.split("\n")
    shown = [lines[line - 1] if 0 < line <= len(lines) else "" for line, _, _ in front.values]
    return [Span(display, line, col, entry, False, False, cell=front.cell, source_line=where, lines=(where,))
            for (line, col, entry), where in zip(front.values, shown)]


def _read_statements(lecture: Lecture, most: int) -> list[tuple[str, int]]:
    """Parse every span and link the pieces into statements; returns the text and line of the spans
    that could not be parsed.  Past `most` unreadable places, the rest of the file is not read."""
    display, spans, results = lecture.display, lecture.spans, lecture.results
    states: list[str | None] = [None] * len(spans)
    assembler = Assembler()
    unreadable: list[tuple[str, int]] = []
    bugs = 0
    for k, sp in enumerate(spans):
        if sp.skipped:
            states[k] = "skipped"
            if sp.note:                         # a block derive does not read: listed, not dropped
                lecture.unread.append(Unread(display, sp.line, sp.note, sp.cell))
            continue
        # The bound counts the unreadable places before this span, in the document's order: a flood
        # of errors further on never drops the formulas written before it.
        before = bisect.bisect_left(lecture.problem_places, (sp.cell or 0, sp.line, sp.col))
        if before + len(unreadable) + bugs >= most:
            states[k:] = ["skipped" if later.skipped else "unreadable" for later in spans[k:]]
            break
        read = update_arrow(sp.text)            # w \rightarrow w - \eta ...: an update rule (arrows.py)
        if read != sp.text:
            sp = spans[k] = replace(sp, text=read)
        bad = malformed(sp.text, claim=has_equality(sp.text))
        if bad is None and prose_reason(sp.text, sp.display):
            states[k] = "prose"                 # claims nothing: never an error, never a model change
            continue
        try:
            if bad is not None:
                raise locate(NotationError(bad.message, expected=bad.expected), sp, bad.offset)
            pieces = parse(sp.text, sp)
        except DeriveError as e:
            bound = "past the bound" in getattr(e, "message", "")
            if bad is None and not bound and relation_free(sp.text):
                states[k] = "prose"             # unreadable, but it claims nothing
                continue
            located = locate(e, sp, getattr(e, "offset", 0))
            readable = bad is None and isinstance(e, NotationError) and not bound
            wrong = not_checked_result(located, display, " ".join(sp.text.split())[:400]) if readable \
                else failure(located, display)
            results.append(wrong)
            states[k] = "unreadable"
            unreadable.append((sp.text, sp.line))
            assembler.broken(sp.text, sp.display, where=wrong.line)
            continue
        try:
            for piece in pieces:
                assembler.add(piece, display=sp.display)
        except DeriveError as e:
            wrong = failure(locate(e, sp, getattr(e, "offset", 0)), display)
            results.append(wrong)
            states[k] = "unreadable"
            unreadable.append((sp.text, sp.line))
            assembler.broken(sp.text, sp.display, where=wrong.line)
        except Exception as e:                  # a bug in derive: this span fails alone
            detail = f"{display}:{sp.line}:{sp.col}: {failure_detail(e, 'reading this formula')[1]}"
            results.append(Result(file=display, line=sp.line, col=sp.col, id=None, claim="", verdict=ERROR,
                                  detail=detail, cell=sp.cell))
            states[k] = "unreadable"
            bugs += 1
            assembler.broken(sp.text, sp.display, where=sp.line)
    _once_per_construct(results)
    if lecture.problems + states.count("unreadable") > most:
        last = results[-1]
        results.append(Result(file=display, line=last.line, col=last.col, id=None, claim="", verdict=ERROR,
                              cell=last.cell,
                              detail=f"{display}: more than {most:,} unreadable places: past the bound of {most:,}; "
                                     f"the rest of this file is not read (--limit errors=N)"))
    for st in assembler.statements:             # an equation labelled in a book names its claims
        st.label = st.label or getattr(st.head.parts[0].source, "label", "") or None
    lecture.states, lecture.statements = states, assembler.statements
    return unreadable


_CONSTRUCT = re.compile(r"unknown command (\\[A-Za-z]+|\\.)")


def _once_per_construct(results: list[Result]) -> None:
    """A command derive does not know is reported once per document, at its first place, with the
    other places it stands counted and listed (a document writes `\\in` fifty times, not fifty
    mistakes); every span it stops is still counted unreadable."""
    first: dict[str, Result] = {}
    places: dict[str, list] = {}
    kept = []
    for r in results:
        m = _CONSTRUCT.search(r.detail.split("\n", 1)[0]) if r.detail else None
        if m is None or m.group(1) not in first:
            kept.append(r)
            if m is not None:
                first[m.group(1)], places[m.group(1)] = r, []
            continue
        places[m.group(1)].append(f"cell {r.cell}:{r.line}" if r.cell else str(r.line))
    for command, more in places.items():
        if more:
            shown = ", ".join(more[:10]) + (", ..." if len(more) > 10 else "")
            first[command].detail += (f"\n    the same command {command} stops {len(more):,} more "
                                      f"formula{'s' if len(more) > 1 else ''} (line{'s' if len(more) > 1 else ''} {shown})")
    results[:] = kept


def _rereader(convention: Convention, letters: Letters, numbering: Numbering, glossary: Glossary, objective=None,
              chain: Chain = Chain()):
    """A formula's tree read as the document's formulas were (its convention, its numbering of the
    layers, its own names), by the same passes: what a repair's edited text is checked as."""
    def reread(expr):
        part = SimpleNamespace(expr=expr)
        holder = [SimpleNamespace(members=[SimpleNamespace(parts=[part])])]
        apply_convention(convention, holder)
        chain.apply(holder)
        letters.apply(holder)
        renumber(holder, numbering)
        glossary.apply(holder)
        if objective is not None:               # J = L + s, and a scalar w for every weight
            part.expr = objective.translate(part.expr)
            every_parameter(holder)
        return part.expr
    return reread


def _read_notation(lecture: Lecture, given: Spec | None, sizes: tuple | None = None
                   ) -> tuple[Spec | None, Convention, Letters, Glossary, Numbering]:
    """Rewrite the statements into derive's spelling (the document's convention, its numbering of
    the layers, then its own names); returns the network stated (`given`, else the front matter's),
    the convention, the layers named by letters, the glossary and the numbering.  `sizes`: the
    network it is read in, for a document that states none (a chain's depth)."""
    statements = lecture.statements
    front = lecture.front
    try:
        if front.names_error is not None:
            raise front.names_error
        names, convention = front.names, choose(statements, front.notation)
    except ModelError as e:
        lecture.errors.append(e)
        names, convention = {}, choose(statements, None)
    apply_convention(convention, statements)
    if convention.name == "ng":
        one_example_cost(statements)            # L = -[y log ŷ + ...] and no J: L is the cost
    if convention.name == "derive":             # 3Blue1Brown's a^{(L-1)}, w^{(L)}: one unit per layer
        chain = read_chain(statements, [lecture.text] + [sp.text for sp in lecture.spans])
        depth = _chain_depth(chain, given if given is not None else front.spec, sizes)
        if chain and depth <= chain.back:       # L-2 in a network of 2 layers: no such layer to read it as
            lecture.errors.append(ModelError(
                f"the network stated has {depth} layers, but the document names layer L-{chain.back} "
                f"(layers named from the last, L): that needs at least {chain.back + 1} layers",
                expected=f"layers: {[1] * (chain.back + 1)} or more"))
        else:
            lecture.chain = chain.at(depth)
            lecture.chain.apply(statements)
    read_functions(statements).apply(statements)    # Bishop's h(a) \equiv \tanh(a): h is the activation
    letters = read_letters(statements)
    letters.apply(statements)                   # Bishop's a_j, z_j, y_k: layers named by their letters
    numbering = read_numbering(statements)
    renumber(statements, numbering)             # a^{(0)} = x, W^{(1)} from the input: derive's layers
    lecture.input_layer = numbering.input_layer
    glossary = read_glossary(statements, names)
    for alias, quantity in read_aliases(statements).items():   # \hat{y} = a^{[2]}: ŷ is a^{[2]}
        glossary.names.setdefault(alias, quantity)
    glossary.apply(statements)                  # the document's own names, read as derive's
    lecture.objective = read_objective(statements)
    rename(statements, lecture.objective)       # J = L + s: the objective, its data loss, its penalty
    if lecture.objective is not None:
        every_parameter(statements)             # dC/dw = dC_0/dw + lambda/n w: for every weight
    if given is not None:
        return given, convention, letters, glossary, numbering
    if front.spec_error is not None:
        lecture.errors.append(front.spec_error)
    return front.spec, convention, letters, glossary, numbering


def _chain_depth(chain: Chain, stated: Spec | None, sizes: tuple | None) -> int:
    """The depth a chain named from its last layer is read in: the one stated (front matter, --model),
    else the network it is being checked on, else the one its text says, else the first it is
    checked on."""
    if not chain:
        return 0
    if stated is not None and (not stated.stated or "layers" in stated.stated):
        return len(stated.layers)
    return len(sizes) if sizes else chain.said or chain.depths[0]


def _read_sizes(lecture: Lecture, stated: Spec | None, vectors: str, numbering: Numbering) -> None:
    """The sizes the document states in its text, or that it states none (`understand.sizes`), when
    neither the front matter nor --model states them; its size statements (`n^{[1]} = 3`) are
    bindings, not claims."""
    sized = [st for st in lecture.statements if is_size_statement(st)]
    if sized:
        where = {id(sp): k for k, sp in enumerate(lecture.spans)}
        for st in sized:
            for k in {where.get(id(p.source)) for m in st.members for p in m.parts} - {None}:
                lecture.states[k] = lecture.states[k] or "bound"
        lecture.statements = [st for st in lecture.statements if not is_size_statement(st)]
    if stated is not None and (not stated.stated or "layers" in stated.stated):
        return
    if lecture.chain:                           # one unit per layer: only the depth may be unstated
        lecture.sizes = lecture.chain.sizes()
        return
    texts = [lecture.text] + [sp.text for sp in lecture.spans]
    lecture.sizes = read_sizes(lecture.statements, texts, vectors, numbering.input_layer)


def _read_network(lecture: Lecture, stated: Spec | None, unreadable, bounds, vectors: str,
                  shared_bias: tuple, numbering: Numbering = Numbering(), sizes: tuple | None = None) -> None:
    """The network the document defines, within the bounds; past them the lecture is closed (no claim
    is judged in another network than its own).  `sizes`: its layer sizes, where the units it names
    do not tell them (stated in its text, or one of the networks it is checked on)."""
    statements = lecture.statements
    shared = shared_bias_layers(statements)
    share(statements, shared)                   # b^{(2)} in every unit's z: one bias for the layer
    shared_bias = tuple(sorted(set(shared_bias) | set(shared)))
    try:
        check_layers_named(statements, bounds)
        if stated is not None:                  # bounds first: reading the model builds networks
            check_network(stated.layers, bounds, "the network")
        inferred = replace(infer_spec(statements), vectors=vectors)
        if sizes:
            inferred = replace(inferred, layers=tuple(sizes))
        if stated is None:
            check_network(inferred.layers, bounds, "the network")
        if stated is not None:
            stated = replace(stated, vectors=vectors)
        inferred, stated = (_as_drawn(inferred, statements, numbering, shared_bias, stated),
                            stated and _as_drawn(stated, statements, numbering, shared_bias, stated))
        spec, conflicts = read_model(statements, inferred, stated, unreadable)
        if shared_bias or vectors != spec.vectors:
            spec = replace(spec, shared_bias=shared_bias, vectors=vectors)
        if numbering.reason:
            spec = replace(spec, unmodelled=spec.unmodelled + (("layer", 1, numbering.reason),))
        if lecture.objective is not None:       # weight decay: J = E + R (understand/penalty.py)
            spec = replace(spec, penalty=read_penalty(lecture.objective, spec))
        check_network(spec.layers, bounds, "the network")
        lecture.spec, lecture.conflicts = spec, conflicts
    except ModelError as e:
        lecture.errors.append(e)
        lecture.closed = "past the bound" in e.message
        lecture.spec = stated or Spec()
    except Exception as e:                      # a bug in derive: an error (exit 2), never a silent model
        lecture.errors.append(ModelError(f"internal error while reading the network from the document "
                                         f"({type(e).__name__}: {e}); please report it"))
        lecture.spec = stated or Spec()


def _cost_of_ng(lecture: Lecture, stated: Spec | None) -> None:
    """Notes in Ng's notation that never write their cost J (nor each example's L^{(i)}), with no
    loss stated, are not judged under derive's default squared error: the loss is left unmodelled."""
    if stated is not None and (not stated.stated or "loss" in stated.stated):
        return
    for st in lecture.statements:
        head = st.head.parts[0].expr if len(st.head.parts) == 1 else None
        if len(st.members) >= 2 and isinstance(head, s.Sym) and head.name in ("E", OBJECTIVE) and not head.layer:
            return
    reason = ("the document does not write its cost J (Ng's notes mean the logistic loss; write J, or "
              "state it: loss: binary-cross-entropy in the front matter)")
    lecture.spec = replace(lecture.spec, unmodelled=lecture.spec.unmodelled + (("loss", None, reason),))


def _as_drawn(spec: Spec, statements, numbering: Numbering, shared_bias: tuple, stated: Spec | None) -> Spec:
    """The network with the document's numbering of its layers and its layers without biases (in
    the depth the network will have: the stated one where sizes are stated)."""
    sized = stated if stated is not None and (not stated.stated or "layers" in stated.stated) else spec
    no_bias = tuple(l for l in bias_free_layers(statements, len(sized.layers)) if l not in shared_bias)
    if no_bias or numbering.input_layer != 1:
        spec = replace(spec, no_bias=no_bias, input_layer=numbering.input_layer)
    return spec


def _renamed(span: Span, display: str) -> Span:
    return span if span.file == display else replace(span, file=display)
