"""derive: proves, or refutes with a counterexample, hand-written backpropagation formulas.

Stages, one module each: read/documents (files -> formulas with positions) -> parse (LaTeX ->
syntax trees, by the lark grammar notation.lark) -> model (the network as SymPy) -> derive (the
oracle: SymPy differentiation) -> meaning (syntax -> SymPy in the model) -> decide (proved /
refuted / undecided) -> report (table, JSON, GitHub, JUnit, HTML, LaTeX).

From Python (a notebook): `derive.check(path_or_text, model=...)` and `derive.prove("... = ...")`
(see derive.api).
"""
__version__ = "0.1.0"

from .check import Options  # noqa: E402
from .errors import DeriveError  # noqa: E402
from .model import Network, Spec  # noqa: E402
from .results import Report, Result  # noqa: E402
from .run import check_paths  # noqa: E402
# Last: the function `check` takes the package attribute of the module derive.check, which every
# submodule above has imported already (`from derive.check import ...` still finds the module).
from .api import CheckReport, Proof, check, prove  # noqa: E402

__all__ = ["Options", "DeriveError", "Network", "Spec", "Report", "Result", "check_paths", "check", "prove",
           "CheckReport", "Proof", "__version__"]
