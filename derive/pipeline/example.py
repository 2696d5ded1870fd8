"""The network and values a worked example starts from (`derive example PATH`)."""
from __future__ import annotations

from pathlib import Path

from ..errors import DeriveError
from ..meaning.meaning import Meaning
from ..model.network import Network
from ..model.spec import Spec
from ..notation.parse import parse
from ..notation.statements import Assembler, is_binding
from ..sources.documents import read_document
from ..sources.formula_files import FORMULA_SUFFIXES, read_formula_file
from ..understand.forward_pass import read_model
from ..worked.bindings import Bindings
from ..worked.write import add_values, read_toml
from .document import front_matter_spec, infer_spec
from .formula_file import formula_file_spec


def document_network(path: Path, spec: Spec | None = None) -> tuple[Network, Bindings]:
    """The network a document or formula file defines, and the values its bindings give (the last
    binding of each leaf)."""
    if path.suffix in FORMULA_SUFFIXES:
        found = read_formula_file(path, str(path))
        net = Network(spec or formula_file_spec(found)[0] or Spec())
        bound = Bindings(net)
        values = read_toml(path).get("values")
        if isinstance(values, dict):               # a formula file may carry its example's values
            add_values(bound, values, str(path))
        return net, bound
    text = path.read_text(encoding="utf-8") if path.suffix != ".ipynb" else ""
    spans, _ = read_document(path, text) if text else read_document(path)
    assembler = Assembler()
    for span in spans:
        if span.skipped:
            continue
        try:
            for piece in parse(span.text, span):
                assembler.add(piece, display=span.display)
        except DeriveError:
            continue                        # `derive check` reports what cannot be read
    statements = assembler.statements
    model, _ = read_model(statements, infer_spec(statements), spec or front_matter_spec(text))
    net = Network(model)
    bound = Bindings(net)
    meaning = Meaning(net)
    for st in statements:
        if is_binding(st):
            try:
                bound.bind(meaning, st)
            except DeriveError:
                continue
    return net, bound
