"""The network and values a worked example starts from (`derive example PATH`)."""
from __future__ import annotations

from pathlib import Path

from ..errors import DeriveError
from ..meaning.meaning import Meaning
from ..model.network import Network
from ..model.spec import Spec
from ..notation.statements import is_binding
from ..sources.formula_files import FORMULA_SUFFIXES, read_formula_file
from ..worked.bindings import Bindings
from ..worked.write import add_values, read_toml
from .formula_file import formula_file_spec
from .lecture import read_lecture
from .options import Options


def document_network(path: Path, spec: Spec | None = None) -> tuple[Network, Bindings]:
    """The network a document or formula file defines, and the values its bindings give (the first
    binding of each leaf, a front matter's `values:` among them).  A document is read as `derive check` reads it (`lecture.read_lecture`:
    in its own notation and names); a network it does not define readably is an error."""
    if path.suffix in FORMULA_SUFFIXES:
        found = read_formula_file(path, str(path))
        net = Network(spec or formula_file_spec(found)[0] or Spec())
        bound = Bindings(net)
        values = read_toml(path).get("values")
        if isinstance(values, dict):               # a formula file may carry its example's values
            add_values(bound, values, str(path))
        return net, bound
    lecture = read_lecture(path, Options(spec=spec))
    if lecture.unreadable is not None or lecture.errors:   # `derive check` says where; spans it cannot read
        raise lecture.unreadable or lecture.errors[0]      # are left out, as their bindings are
    net = Network(lecture.spec)
    bound = Bindings(net)
    meaning = Meaning(net)
    for st in lecture.statements:              # the values the example starts from: a later value
        if is_binding(st):                      # of a leaf is its update (worked.steps), or another step's
            try:
                for b in bound.read(meaning, st):
                    if not b.marked and b.symbol not in bound.values:
                        bound.add(b)
            except DeriveError:
                continue
    return net, bound
