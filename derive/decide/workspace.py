"""One network with what every claim about it shares: the oracle, the decider and its seeded points,
the meaning of the names (the derivatives read so far, the statements for every index).

A run keeps one Workspace per network (`workspace_for`), shared by every file checked against it;
`Workspace.warm` builds what nearly every claim needs before any claim's deadline starts.
"""
from __future__ import annotations

from ..meaning.meaning import Meaning
from ..model.network import Network
from ..model.oracle import Oracle
from ..model.spec import Spec
from .decider import Decider


class Workspace:
    """One network with its oracle and decider, shared by every file checked against it."""

    def __init__(self, spec: Spec):
        self.net = Network(spec)
        self.oracle = Oracle(self.net)
        self.derivatives: dict = {}
        self.stacks: dict = {}             # statements for every index: entry labels (j = 1, ...)
        self._decider = None

    @property
    def decider(self) -> Decider:
        if self._decider is None:
            self._decider = Decider(self.net, self.derivatives, self.oracle)
            self._decider.stacks = self.stacks
        return self._decider

    def warm(self) -> None:
        """What nearly every claim needs: the seeded points and the error terms of E (one level each,
        in reverse mode; the derivatives claims ask for are built from them as they are asked)."""
        self.decider.evaluator
        self.oracle.prepare()

    def meaning(self, definitions: dict) -> Meaning:
        return Meaning(self.net, self.oracle, definitions, self.derivatives, self.stacks)


def workspace_for(spec: Spec, cache: dict) -> Workspace:
    """The run's workspace for this network (made the first time it is asked for)."""
    if spec not in cache:
        cache[spec] = Workspace(spec)
    return cache[spec]
