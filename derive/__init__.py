"""derive: proves, or refutes with a counterexample, hand-written backpropagation formulas.

The stages, as packages, data flowing one way (docs/architecture.md):
sources (files -> math spans with positions) -> notation (LaTeX -> syntax trees, by the lark
grammar notation.lark) -> model (the network as SymPy, the oracle) -> meaning (syntax -> SymPy in
the model) -> understand (the network a document defines) -> decide (proved / refuted /
undecided) -> worked (numbers) -> repair -> pipeline (a whole run) -> report, export.

From Python (a notebook): `derive.check(path_or_text, model=...)` and `derive.prove("... = ...")`
(see derive.api).
"""
from ._version import __version__
from .api import CheckReport, Proof, check, prove
from .errors import DeriveError
from .model.network import Network
from .model.spec import Spec
from .pipeline.options import Options
from .pipeline.run import check_paths
from .results import Report, Result

__all__ = ["Options", "DeriveError", "Network", "Spec", "Report", "Result", "check_paths", "check", "prove",
           "CheckReport", "Proof", "__version__"]
