"""What a check produces: one Result per claim, a Report for a whole run."""
from __future__ import annotations

from dataclasses import dataclass, field

PROVED, REFUTED, UNDECIDED, ERROR = "proved", "refuted", "undecided", "error"
VERDICTS = (PROVED, REFUTED, UNDECIDED, ERROR)


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

    @property
    def passed(self) -> bool:
        return self.verdict == PROVED

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

    @property
    def proved(self) -> bool:
        return bool(self.verdicts) and all(v == PROVED for v in self.verdicts)

    def __repr__(self) -> str:
        return f"Formula({self.file}:{self.line} {self.id or ''} {len(self.members)} members, {self.verdicts})"


@dataclass
class Report:
    """Every result of one run, in input order, plus the states of math spans that hold no claim."""

    results: list[Result] = field(default_factory=list)
    spans: dict[str, int] = field(default_factory=dict)   # span state -> count (documents only)
    seconds: float = 0.0
    model: str = ""                                        # one-line description of the model used
    formulas: list[Formula] = field(default_factory=list)  # every chain checked, in input order
    bindings: list[str] = field(default_factory=list)      # "file:line: x_1 = 0.05, ...": values bound

    def count(self, verdict: str) -> int:
        return sum(1 for r in self.results if r.verdict == verdict)

    def summary(self) -> dict[str, int]:
        return {"proved": self.count(PROVED), "refuted": self.count(REFUTED),
                "undecided": self.count(UNDECIDED), "errors": self.count(ERROR)}

    @property
    def exit_code(self) -> int:
        """0 when every claim is proved, 2 when anything could not be read, 1 otherwise."""
        if self.count(ERROR):
            return 2
        if self.count(REFUTED) or self.count(UNDECIDED):
            return 1
        return 0

    def to_json(self) -> dict:
        summary = self.summary()
        if self.spans:
            summary["spans"] = dict(self.spans)
        out = {"summary": summary, "results": [r.to_json() for r in self.results],
               "seconds": round(self.seconds, 3), "model": self.model}
        if self.bindings:
            out["bindings"] = list(self.bindings)
        return out

    def __repr__(self) -> str:
        return f"Report({self.summary()}, {self.seconds:.2f}s)"
