"""What a check produces: one Result per claim, a Report for a whole run."""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import safe_lines, safe_text

PROVED, REFUTED, UNDECIDED, ERROR = "proved", "refuted", "undecided", "error"
AGREES = "agrees"                  # a line of the lecture's code equals derive's exact value (--run-code)
# An equation derive cannot read or cannot model: listed with its reason, counted, and failing a run
# only when the run is strict (`--strict`, `[tool.derive] strict = true`).
NOT_CHECKED = "not checked"
VERDICTS = (PROVED, REFUTED, UNDECIDED, ERROR, AGREES, NOT_CHECKED)


@dataclass
class Counterexample:
    """A point where the two sides of a claim differ, with both sides' values there."""

    point: dict[str, str]          # every input, weight, bias, target (and alpha): LaTeX name -> exact decimal
    lhs: object                    # float, or nested lists of floats for a matrix
    rhs: object
    difference: str                # the simplified difference lhs - rhs, in the lecture's notation

    def to_json(self) -> dict:
        return {"point": dict(self.point), "lhs": self.lhs, "rhs": self.rhs,
                "difference": self.difference}

    def __repr__(self) -> str:
        return f"Counterexample(lhs={self.lhs!r}, rhs={self.rhs!r}, difference={self.difference!r})"


@dataclass
class Result:
    """The verdict on one claim (one `=` of a chain), or an error that stopped a formula being read."""

    file: str
    line: int                      # 1-based line where the wrong (or checked) member starts
    col: int
    id: str | None
    claim: str                     # the claim as LaTeX: "lhs = rhs"
    verdict: str                   # one of VERDICTS
    detail: str = ""
    counterexample: Counterexample | None = None
    seconds: float = 0.0
    title: str | None = None
    cell: int | None = None        # notebook cell (1-based), when the claim is in a notebook
    lhs: str | None = None         # the two members' LaTeX, for renderers that show them apart
    rhs: str | None = None
    wrong: str | None = None       # "lhs" or "rhs": which member was found wrong, when refuted
    raw_line: int | None = None    # line/col in the file's raw text, where it differs (a notebook's JSON)
    raw_col: int | None = None
    # What is wrong, in the lecture's terms (refuted claims; see derive.repair and derive.explain):
    repairs: list = field(default_factory=list)          # proved Repairs, best first
    mistake: str | None = None     # the kind of the first repair: index slip, sign, missing factor ...
    expected: str | None = None    # the member it should be (LaTeX), printed as export --derived does
    missing_terms: list = field(default_factory=list)    # no repair: the terms it lacks (LaTeX)
    extra_terms: list = field(default_factory=list)      # ... and the terms it should not have
    difference_latex: str | None = None                  # left - right in the lecture's factors
    relevant: list = field(default_factory=list)         # names in the difference (of the point)
    context: dict = field(default_factory=dict)          # heading, prose before (documents)
    code: dict | None = None       # a line of code (--run-code): its block, line in the block, source
    networks: list = field(default_factory=list)         # a document that states no sizes: the networks
    #                                                      it was proved on ("2-2-2", ...), or refuted on

    def __post_init__(self):
        # What came from outside (a file name, a message quoting it) is shown, never sent raw to
        # a terminal or a CI log, whatever the format (errors.safe_text).
        self.file = safe_text(self.file)
        self.detail = safe_lines(self.detail)
        if self.id is not None:
            self.id = safe_text(self.id)
        if self.title is not None:
            self.title = safe_text(self.title)

    @property
    def passed(self) -> bool:
        return self.verdict in (PROVED, AGREES)

    @property
    def file_line(self) -> int:
        """The line of the raw file that holds the claim (for annotations and test reports)."""
        return self.raw_line or self.line

    @property
    def file_col(self) -> int:
        return self.raw_col or self.col

    def location(self) -> str:
        if self.cell is not None:
            return f"{self.file}:cell {self.cell}:{self.line}:{self.col}"
        return f"{self.file}:{self.line}:{self.col}"

    def to_json(self) -> dict:
        out = {"file": self.file, "line": self.line, "col": self.col, "id": self.id,
               "claim": self.claim, "verdict": self.verdict, "detail": self.detail,
               "counterexample": self.counterexample.to_json() if self.counterexample else None,
               "seconds": round(self.seconds, 4), "title": self.title}
        if self.cell is not None:
            out["cell"] = self.cell
        if self.raw_line is not None:
            out["raw_line"], out["raw_col"] = self.raw_line, self.raw_col
        out["repairs"] = [r.to_json() for r in self.repairs]
        for name in ("mistake", "expected", "difference_latex"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.expected and not self.repairs:
            out["missing_terms"], out["extra_terms"] = list(self.missing_terms), list(self.extra_terms)
        if self.relevant:
            out["relevant"] = list(self.relevant)
        if self.code is not None:
            out["code"] = dict(self.code)
        if self.networks:
            out["networks"] = list(self.networks)
        return out

    def __repr__(self) -> str:
        return f"Result({self.location()} {self.id or ''} {self.verdict}: {self.claim[:60]!r})"


@dataclass
class Formula:
    """A whole chain as written (for export): its members' LaTeX and how each of its claims went."""

    file: str
    line: int
    id: str | None
    title: str | None
    kind: str                      # chain | update | definition
    members: list[str]             # each member's LaTeX, head first
    label: str | None
    verdicts: list[str]            # one per claim
    cell: int | None = None        # notebook cell (1-based), when the formula is in a notebook

    @property
    def proved(self) -> bool:
        return bool(self.verdicts) and all(v == PROVED for v in self.verdicts)

    def __repr__(self) -> str:
        return f"Formula({self.file}:{self.line} {self.id or ''} {len(self.members)} members, {self.verdicts})"


@dataclass
class Unread:
    """A block of a document that derive does not read (a {code-cell} holding `$`, say): skipped,
    and listed so that it is not dropped silently."""

    file: str
    line: int
    note: str                      # "{code-cell} block not read"
    cell: int | None = None
    raw_line: int | None = None    # the line of the raw file (a notebook's JSON), where it differs

    def __post_init__(self):
        self.file, self.note = safe_text(self.file), safe_text(self.note)

    def __str__(self) -> str:
        where = f"{self.line}" if self.cell is None else f"cell {self.cell}:{self.line}"
        return f"{self.file}:{where}: {self.note}"


@dataclass
class Report:
    """Every result of one run, in input order, plus the states of math spans that hold no claim."""

    results: list[Result] = field(default_factory=list)
    spans: dict[str, int] = field(default_factory=dict)   # span state -> count (documents only)
    seconds: float = 0.0
    model: str = ""                                        # one-line description of the model used
    specs: list = field(default_factory=list)              # the networks (model.Spec) the run checked in
    generic: list = field(default_factory=list)            # generic networks checked in (descriptions)
    formulas: list[Formula] = field(default_factory=list)  # every chain checked, in input order
    unread: list[Unread] = field(default_factory=list)     # blocks not read, listed in the summary
    notes: list[str] = field(default_factory=list)         # what was skipped, and why (never a verdict)
    files: list[str] = field(default_factory=list)         # every file the run was given or found, in order
    bindings: list[str] = field(default_factory=list)      # "file:line: x_1 = 0.05, ...": values bound
    strict: bool = False                                   # a "not checked" equation fails the run
    no_math: list[str] = field(default_factory=list)       # documents read that hold no math at all
    titles: dict[str, str] = field(default_factory=dict)   # file -> the document's own title

    def count(self, verdict: str) -> int:
        return sum(1 for r in self.results if r.verdict == verdict)

    def summary(self) -> dict[str, int]:
        out = {"proved": self.count(PROVED), "refuted": self.count(REFUTED),
               "undecided": self.count(UNDECIDED), "errors": self.count(ERROR)}
        if self.count(AGREES):                          # code lines (--run-code) only
            out["agrees"] = self.count(AGREES)
        if self.count(NOT_CHECKED):                     # equations derive cannot read or model
            out["not checked"] = self.count(NOT_CHECKED)
        return out

    @property
    def exit_code(self) -> int:
        """0 when every claim is proved (or not checked, unless the run is strict), 2 when a file or a
        formula could not be read at all (malformed LaTeX, a bound), 1 otherwise."""
        if self.count(ERROR):
            return 2
        if self.count(REFUTED) or self.count(UNDECIDED) or (self.strict and self.count(NOT_CHECKED)):
            return 1
        return 0

    def to_json(self) -> dict:
        summary = self.summary()
        if self.spans:
            summary["spans"] = dict(self.spans)
        if self.unread:
            summary["unread"] = [str(u) for u in self.unread]
        out = {"summary": summary, "results": [r.to_json() for r in self.results],
               "seconds": round(self.seconds, 3), "model": self.model}
        if self.notes:
            out["notes"] = list(self.notes)
        if self.bindings:
            out["bindings"] = list(self.bindings)
        return out

    def __repr__(self) -> str:
        return f"Report({self.summary()}, {self.seconds:.2f}s)"


def not_checked_result(error, file: str, claim: str = "", why: str = "derive cannot read this equation") -> Result:
    """An equation derive cannot read or model, at its place: listed with the reason, not an error."""
    return Result(file=file, line=error.line or 1, col=error.col or 1, id=None, claim=claim, verdict=NOT_CHECKED,
                  detail=f"{why}: {error.describe()}", cell=getattr(error, "cell", None))


def error_result(error, file: str) -> Result:
    """The result that reports a DeriveError at its place in `file` (line 1, col 1 when it has none)."""
    return Result(file=file, line=error.line or 1, col=error.col or 1, id=None, claim="", verdict=ERROR,
                  detail=error.describe(), cell=getattr(error, "cell", None))
