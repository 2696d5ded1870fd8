"""The plan for checking one file, the one shape every kind of file is prepared into.

`prepare_document` (a lecture) and `prepare_formula_file` (a TOML file of formulas) each read their
file and return a `FilePlan`: the tasks, one per statement or formula (independent of each other, so
they run in parallel workers), and `finish`, which turns the tasks' outcomes, in order, into the
file's part of the report (`FilePart`).  A file that stops before any claim is checked (it cannot be
read, its network is past a bound) is a plan with no task and its results already known (`alone`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..errors import DeriveError
from ..results import ERROR, UNDECIDED, Result, Unread, error_result
from ..runtime.parallel import Task


@dataclass
class FilePart:
    """One file's part of the report."""

    results: list[Result]
    spans: dict = field(default_factory=dict)        # span state -> how many spans of a document
    formulas: list = field(default_factory=list)     # the file's formulas, as the export prints them
    bindings: list = field(default_factory=list)     # the values its bindings give, one line each
    notes: list = field(default_factory=list)        # what the run should say about this file
    title: str | None = None                         # the document's own title, when it gives one
    model: str | None = None                         # a generic network's description (pipeline.generic)
    span_states: list = field(default_factory=list)  # each math span's state, in order (documents)


@dataclass
class FilePlan:
    """The tasks that check one file, and how their outcomes become its part of the report."""

    tasks: list[Task]
    finish: Callable[[list], FilePart]
    unread: list[Unread] = field(default_factory=list)   # blocks of a document derive does not read

    @classmethod
    def alone(cls, results: list[Result], spans: dict | None = None, notes=()) -> "FilePlan":
        """A file none of whose claims is checked: its results are known already."""
        return cls([], lambda outcomes: FilePart(list(results), dict(spans or {}), notes=list(notes)))


def failure(error: DeriveError, display: str) -> Result:
    """An error that stops (part of) a file being read, as a result at its place."""
    return error_result(error, error.file or display)


def lost(display: str, line: int, col: int, id: str | None, text: str, reason: str, undecided: bool,
         **where) -> Result:
    """The result of a statement or formula whose check did not finish: undecided when a bound stopped
    it, an error when derive failed (`reason` says which); `where` gives its cell or title."""
    return Result(file=display, line=line, col=col, id=id, claim=" ".join(text.split())[:400],
                  verdict=UNDECIDED if undecided else ERROR, detail=reason, **where)
