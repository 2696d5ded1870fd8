"""What a name in a lecture's code stands for: the lecture's own names first.

`A2`, `a2`, `A_2`, `self.A2` are the activations of a layer, `Z2` its weighted inputs, `W3`, `b3`
its parameters, `loss_3`, `delta3`, `d3`, `dZ3`, `error_3` its error term, `dW2`, `grad_W2`,
`dE_dW2`, `nabla_W2` the gradient of a weight matrix (`db2` of a bias), `X`/`x`/`inputs` the
input, `T`/`t`/`Y`/`y`/`target` the targets, `y_hat`/`output` the output layer, a number named
`E`/`loss`/`cost`/`J` the loss and `lr`/`alpha`/`eta`/`learning_rate` the learning rate.

The code's layer numbers may start where the lecture's do (the input is layer 1, the first weights
W2: the seed lecture) or one lower (the input is A0, the first weights W1: Ng's course); which one
is read from the weights' names.
"""
from __future__ import annotations

import re
from functools import lru_cache

PATTERNS = (
    ("A", r"(?:A|a|act|activation)_?(\d+)"),
    ("Z", r"(?:Z|z|net)_?(\d+)"),
    ("W", r"(?:W|w|weights?)_?(\d+)"),
    ("b", r"(?:b|B|bias(?:es)?)_?(\d+)"),
    ("delta", r"(?:loss|delta|d|dZ|dz|error|err|delta_z|dE_dZ|dE_dz)_?(\d+)"),
    ("dW", r"(?:dW|dw|grad_W|grad_w|gW|dE_dW|dE_dw|nabla_W|nabla_w|d_W|W_grad|dWeights)_?(\d+)"),
    ("db", r"(?:db|dB|grad_b|gb|dE_db|nabla_b|d_b|b_grad)_?(\d+)"),
)
INPUT = r"X|x|inputs?|input_data|x_train|X_train"
TARGET = r"T|t|Y|y|targets?|target_data|y_true|labels?|y_train|Y_train"
OUTPUT = r"y_hat|yhat|Y_hat|y_pred|output|out|prediction"
LOSS = r"E|loss|cost|J|total_loss|total_error|loss_val|loss_value|error_val"
RATE = r"lr|alpha|eta|learning_rate|learningRate|rate|step_size"
GRADIENTS = r"grads?|gradients?|dparams|d_params|nabla"

SYMBOLS = {"A": "A^({l})", "Z": "Z^({l})", "W": "W^({l})", "b": "b^({l})", "delta": "δ^({l})",
           "dW": "∂E/∂W^({l})", "db": "∂E/∂b^({l})"}


LISTS = (("W", r"weights|Ws|W", 2), ("b", r"biases|bs|b", 2), ("dW", r"nabla_w|grads_w|dWs|nabla_W", 2),
         ("db", r"nabla_b|grads_b|dbs", 2), ("A", r"activations|As|acts", 1), ("Z", r"zs|Zs", 2))


def bare(name: str) -> str:
    return name[5:] if name.startswith("self.") else name


@lru_cache(maxsize=4096)
def parse(name: str) -> tuple[str, int | None] | None:
    """(kind, the code's layer number) for a name, or None; kinds as in PATTERNS, plus X, T, out, E, lr."""
    name = bare(name)
    keyed = re.fullmatch(r"(\w+)\[['\"](\w+)['\"]\]", name)       # params['W1'], grads['W1']
    if keyed:
        inner = parse(keyed.group(2))
        if inner and re.fullmatch(GRADIENTS, keyed.group(1)) and inner[0] in ("W", "b"):
            return "d" + inner[0], inner[1]
        return inner
    for kind, pattern, first in LISTS:                  # Nielsen's lists: weights[0] is W^(2)
        m = re.fullmatch(rf"(?:{pattern})\[(\d+)\]", name)
        if m:
            return kind, -(int(m.group(1)) + first)     # negative: a layer already absolute
    for kind, pattern in PATTERNS:
        m = re.fullmatch(pattern, name)
        if m:
            return kind, int(m.group(1))
    for kind, pattern in (("X", INPUT), ("T", TARGET), ("out", OUTPUT), ("E", LOSS), ("lr", RATE)):
        if re.fullmatch(pattern, name):
            return kind, None
    return None


def offset(names) -> int:
    """How much to add to the code's layer numbers to get the lecture's (input = layer 1)."""
    weights = [k for kind, k in filter(None, map(parse, names)) if kind == "W" and k >= 0]
    if weights:
        return 2 - min(weights)
    acts = [k for kind, k in filter(None, map(parse, names)) if kind in ("A", "Z")]
    return 1 if 0 in acts else 0


def symbol(kind: str, layer: int) -> str:
    """The lecture's name of a quantity (LaTeX)."""
    return SYMBOLS[kind].format(l=layer)
