"""What network a lecture is about: `Spec`, the settings a document, a front matter, a formula
file's [model] table or --model may give (layer sizes, activations, loss, W layout, batch).
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DeriveError, ModelError
from ..runtime.bounds import Bounds
from ..sources.files import read_input
from .families import ACTIVATION_FAMILIES, ACTIVATIONS, LOSS_ALIASES, LOSSES

LAYOUTS = {
    "source-major": "W^{(l)}[i][j] = w_{ji}^{(l)} (row = source unit i, column = target unit j)",
    "target-major": "W^{(l)}[j][i] = w_{ji}^{(l)} (row = target unit j, column = source unit i)",
}
SETTINGS = ("layers", "activation", "activations", "loss", "layout", "batch")


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _canonical(name, table) -> str:
    name = str(name).strip().lower()
    return LOSS_ALIASES.get(name, name) if name not in table else name


SIZES = re.compile(r"\s*\d+(\s*[-,]\s*\d+)*\s*")       # 2-3-1, 2,3,1 (and 3, which is too few)
SIZES_ACTIVATIONS = re.compile(r"\s*(\d+(?:\s*-\s*\d+)*)\s*:\s*([A-Za-z_-]+(?:\s*,\s*[A-Za-z_-]+)*)\s*")
MODEL_FORMS = ("a Spec, layer sizes such as '2-3-1' or [2, 3, 1] (with activations: '2-3-1:tanh,sigmoid'), "
               "a mapping, or a TOML file")
DOCUMENT_KEYS = ("names", "notation", "values")   # what a front matter says besides the network


def _is_model_file(text: str) -> bool:
    """A string names a model file when it names something that exists and is not layer sizes."""
    if SIZES.fullmatch(text):
        return False
    try:
        return Path(text).exists()
    except (OSError, ValueError):           # a name too long, a NUL in it: no file
        return False


def model_table(value, bounds: Bounds | None = None) -> dict | None:
    """The settings a `--model` value gives as a table: a mapping's, or a TOML file's [model] table
    (or the whole file when it has none); None for any other form (layer sizes, a Spec).  The table
    may hold a front matter's other keys too (`DOCUMENT_KEYS`), which `Spec.parse` does not read."""
    if isinstance(value, dict):
        return _model_table(value)
    if isinstance(value, os.PathLike) or (isinstance(value, str) and _is_model_file(value)):
        return _model_table(_read_model_file(value, bounds or Bounds()))
    return None


def _model_table(data):
    """The [model] table of a TOML file's (or a mapping's) data, or the data itself."""
    table = data.get("model", data)
    if not isinstance(table, dict):
        raise ModelError(f"[model] must be a table of settings, got {table!r}"[:200], expected=", ".join(SETTINGS))
    return table


def _read_model_file(path, bounds: Bounds) -> dict:
    """The data of a TOML file, read within `bounds` (never a FIFO or a device); a ModelError of that
    file when it cannot be read or is not TOML."""
    try:
        return tomllib.loads(read_input(path, bounds))
    except (DeriveError, ValueError, RecursionError) as e:     # ValueError: not TOML
        reason = e.message if isinstance(e, DeriveError) else " ".join(str(e).split())[:200]
        raise ModelError(reason or "nested too deeply to read", file=os.fspath(path),
                         expected=getattr(e, "expected", None)) from None


@dataclass(frozen=True)
class Spec:
    """What network a lecture is about.

    `activation` is one family for every layer, or a tuple with one per layer 2..L (the output
    layer last); `batch` is the number of examples m the loss averages over (1: one example).
    `stated` names the settings a front matter or --model gave explicitly (the others are defaults,
    which the document's own forward pass may replace without contradiction).
    """

    layers: tuple[int, ...] = (2, 2, 2)
    activation: str | tuple = "sigmoid"
    loss: str = "half-sse"
    layout: str = "source-major"
    batch: int = 1
    stated: frozenset = field(default=frozenset(), compare=False)
    unmodelled: tuple = ()          # (("layer", l, reason) | ("loss", None, reason), ...) from the document
    shared_bias: tuple = ()         # layers whose units share one bias (Mazur's b_1 for every hidden unit)
    vectors: str = "row"            # "column": a^l, z^l, b^l columns, w^l rows = target units (Nielsen)
    no_bias: tuple = ()             # layers whose units have no bias (the document's z has none)
    input_layer: int = 1            # the number the document gives the input layer (0: a^{(0)} = x)
    penalty: object = None          # a penalty.Penalty: the objective is J = E + R (weight decay)
    instances: tuple = ()           # the document states no sizes: the layer sizes of every network it
    #                                 is checked on (understand.sizes), this one among them
    checked_on: str = field(default="", compare=False)     # how the report names them, when not by
    #                                 their sizes alone (a chain's depths: understand.chain)

    def __post_init__(self):
        if len(self.layers) < 2 or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in self.layers):
            raise ModelError(f"layers must be at least two positive unit counts, got {list(self.layers)}")
        acts = self.activation
        if isinstance(acts, (list, tuple)):
            acts = tuple(_canonical(a, ACTIVATION_FAMILIES) for a in acts)
            if len(acts) != len(self.layers) - 1:
                raise ModelError(f"{len(acts)} activations for {len(self.layers) - 1} layers with weights",
                                 expected="one activation per layer 2..L")
            if len(set(acts)) == 1:
                acts = acts[0]
        else:
            acts = _canonical(acts, ACTIVATION_FAMILIES)
        object.__setattr__(self, "activation", acts)
        object.__setattr__(self, "loss", _canonical(self.loss, LOSSES))
        for a in (acts if isinstance(acts, tuple) else (acts,)):
            if a not in ACTIVATIONS:
                raise ModelError(f"unknown activation {a!r}", expected=", ".join(ACTIVATIONS))
        if self.loss not in LOSSES:
            raise ModelError(f"unknown loss {self.loss!r}", expected=", ".join(LOSSES))
        if not isinstance(self.layout, str) or self.layout not in LAYOUTS:
            raise ModelError(f"unknown W layout {self.layout!r}", expected=", ".join(LAYOUTS))
        if not isinstance(self.batch, int) or self.batch < 1:
            raise ModelError(f"batch must be a positive number of examples, got {self.batch!r}")

    @property
    def targets_sum_to_one(self) -> bool:
        """Cross-entropy over a softmax: the targets are a distribution (one-hot), assumed and stated."""
        return self.loss == "cross-entropy" and self.activations[-1] == "softmax"

    @property
    def activations(self) -> tuple[str, ...]:
        """The activation of each layer 2..L."""
        if isinstance(self.activation, tuple):
            return self.activation
        return (self.activation,) * (len(self.layers) - 1)

    @classmethod
    def parse(cls, value, bounds: Bounds | None = None) -> "Spec | None":
        """The network a `--model` value or a `model=` argument names: None (none), a Spec, layer
        sizes (`"2-3-1"`, `"2,3,1"`, `[2, 3, 1]`), a mapping like a [model] table (or holding one),
        or the path of a TOML file with a [model] table, read within `bounds`.  ModelError when it
        is none of these, or names a network that cannot be."""
        if value is None or isinstance(value, Spec):
            return value
        if isinstance(value, (list, tuple)):
            return cls(layers=tuple(value))
        table = model_table(value, bounds)
        if table is not None:
            return cls.from_mapping({k: v for k, v in table.items() if k not in DOCUMENT_KEYS})
        if isinstance(value, str) and len(value) <= 200 and SIZES.fullmatch(value):
            return cls(layers=tuple(int(n) for n in re.split(r"[-,]", value)))
        both = SIZES_ACTIVATIONS.fullmatch(value) if isinstance(value, str) and len(value) <= 200 else None
        if both:                                # 2-3-1:tanh,sigmoid (one activation, or one per layer)
            return cls.from_mapping({"layers": both.group(1), "activations": both.group(2)})
        shown = repr(value)
        raise ModelError(f"unknown model {shown if len(shown) <= 80 else shown[:79] + '…'}", expected=MODEL_FORMS)

    @classmethod
    def from_mapping(cls, data: dict) -> "Spec":
        if not isinstance(data, dict):          # [[model]]: an array of tables
            raise ModelError(f"the model must be one table, not {type(data).__name__} ([[model]] is an array "
                             "of tables)", expected="one [model] table, e.g. [model] layers = [2, 2, 2]")
        for key, kinds, example in (("loss", str, 'loss = "half-sse"'), ("layout", str, 'layout = "source-major"'),
                                    ("activation", (str, list), 'activation = "sigmoid"'),
                                    ("activations", (str, list), 'activations = ["tanh", "sigmoid"]')):
            if key in data and not isinstance(data[key], kinds):
                raise ModelError(f"{key} must be {'a name' if kinds is str else 'a name or a list of names'}, "
                                 f"not {_shown(data[key])}", expected=example)
        unknown = set(data) - set(SETTINGS)
        if unknown:
            raise ModelError(f"unknown model setting(s) {sorted(unknown)}", expected=", ".join(SETTINGS))
        layers = data.get("layers", cls.layers)
        if isinstance(layers, str) and SIZES.fullmatch(layers):     # "2-3-1", as a front matter writes it
            layers = [int(n) for n in re.split(r"[-,]", layers)]
        if not isinstance(layers, (list, tuple)):
            raise ModelError("layers must be a list of unit counts, e.g. [2, 2, 2]")
        activation = data.get("activations", data.get("activation", cls.activation))
        if isinstance(activation, str) and "," in activation:
            activation = tuple(a.strip() for a in activation.strip("[]").split(","))
        batch = data.get("batch", 1)
        if isinstance(batch, str) and batch.strip().isascii() and batch.strip().isdigit():
            batch = int(batch)
        if isinstance(batch, bool) or not isinstance(batch, int):    # 2.5 is no number of examples
            raise ModelError(f"batch must be a whole number of examples, got {_shown(batch)}", expected="batch = 2")
        stated = frozenset("activation" if k == "activations" else k for k in data)
        return cls(layers=tuple(layers), activation=activation, loss=data.get("loss", cls.loss),
                   layout=data.get("layout", cls.layout), batch=batch, stated=stated)

    def describe(self) -> str:
        sizes = "-".join(str(n) for n in self.layers)
        if self.instances:              # one line for all of them: each is this one with other sizes
            count = len(self.instances)
            said = self.checked_on or f"sizes not stated, checked on {count} network{'s' if count != 1 else ''}"
            sizes = f"{said} " + ", ".join("-".join(map(str, n)) for n in self.instances) + ":"
        acts = self.activation if isinstance(self.activation, str) else ",".join(self.activation)
        batch = f", mini-batch of {self.batch} examples (E averaged)" if self.batch > 1 else ""
        missing = "".join(f" (not modelled: {reason})" for _, _, reason in self.unmodelled)
        missing = "".join(f", one bias shared by layer {l}" for l in self.shared_bias) + _no_bias(self) + missing
        if self.input_layer != 1:
            missing = (f", layers numbered from {self.input_layer} in the document (its layer l is "
                       f"layer l+{1 - self.input_layer} here)") + missing
        if self.penalty is not None:
            missing = self.penalty.describe() + missing
        assumed = " (targets sum to 1, assumed)" if self.targets_sum_to_one else ""
        if self.vectors == "column":
            text = (f"{sizes} {acts} network, {LOSSES[self.loss]}{assumed}{batch}, column vectors "
                    f"z^l = w^l a^(l-1) + b^l, w^l[j][k] = w_(jk)^l (row = target unit j, column = source unit k)"
                    f"{missing}")
        else:
            text = (f"{sizes} {acts} network, {LOSSES[self.loss]}{assumed}{batch}, row vectors "
                    f"Z = A.W + b, {LAYOUTS[self.layout]}{missing}")
        return text


def _no_bias(spec: Spec) -> str:
    """', no biases' (every layer with weights has none) or ', no bias in layer 2'."""
    layers = sorted(set(spec.no_bias))
    if not layers:
        return ""
    if layers == list(range(2, len(spec.layers) + 1)):
        return ", no biases"
    return ", no bias in layer" + ("s " if len(layers) > 1 else " ") + ", ".join(map(str, layers))
