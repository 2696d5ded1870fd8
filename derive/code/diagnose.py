"""What a code line computes instead, when its array differs from the lecture's quantity.

Each mistake is a model: an array computed from derive's exact values the way the mistake would
compute it.  When the code's array equals one (within the same tolerance as agreement), the mistake
is named with the one edit that fixes it: a missing `.T`, a missing `/ m`, the sum over the wrong
axis, z(1 - z) for a(1 - a), a weight used after its update, a loss that is not the one the
gradient follows.  Nothing is named that the arrays do not show.
"""
from __future__ import annotations

import numpy as np

from .names import symbol

LOSS_TEXT = {"half-sse": "½ Σ (t − a)²", "sse": "Σ (t − a)²", "mse": "(1/n) Σ (t − a)²",
             "binary-cross-entropy": "the binary cross-entropy −Σ (t log a + (1 − t) log(1 − a))",
             "cross-entropy": "the cross-entropy −Σ t log a"}


def close(code: np.ndarray, exact: np.ndarray) -> bool:
    """Equal within a float64 bound derived from the exact value: 2^-36 of the array's largest
    magnitude (about 6.7e4 roundings of 2^-53 each), never a finite-difference threshold."""
    if code.shape != exact.shape:
        return False
    scale = float(np.max(np.abs(exact))) if exact.size else 0.0
    return bool(np.all(np.abs(code - exact) <= 2.0 ** -36 * scale + 2.0 ** -80))


def local_derivative(activation: str, a: np.ndarray, z: np.ndarray) -> np.ndarray | None:
    if activation == "sigmoid":
        return a * (1 - a)
    if activation == "tanh":
        return 1 - a * a
    if activation == "relu":
        return (z > 0).astype(float)
    if activation == "identity":
        return np.ones_like(z)
    return None


def losses(a: np.ndarray, t: np.ndarray) -> dict:
    m = a.shape[0]
    with np.errstate(all="ignore"):
        out = {"half-sse": 0.5 * np.sum((t - a) ** 2) / m, "sse": np.sum((t - a) ** 2) / m,
               "mse": np.mean((t - a) ** 2),
               "binary-cross-entropy": -np.sum(t * np.log(a) + (1 - t) * np.log(1 - a)) / m,
               "cross-entropy": -np.sum(t * np.log(a)) / m}
    return {k: np.array([[v]]) for k, v in out.items() if np.isfinite(v)}


def diagnose(kind: str, layer: int, code: np.ndarray, ref, activations, loss: str, rows: bool) -> tuple[str, str] | None:
    """(the mistake, the repair) when the code's array (in the lecture's layout) is a known mistake."""
    want = ref.array((kind if kind not in ("W", "b") else kind + "+", layer) if kind != "E" else ("E",))
    if want is None:
        return None
    name = symbol(kind, layer) if kind != "E" else "E"
    m = ref.spec.batch
    if code.shape == want.shape and np.any(want != 0) and close(code, -want):
        return "sign", f"the array is −{name}: the sign is reversed (a − t, not t − a; W − α∂E/∂W, not +)"
    if code.shape == want.T.shape and code.shape != want.shape and close(code, want.T) or \
            (code.shape == want.shape and want.shape[0] == want.shape[1] and close(code, want.T)):
        return "transposed", f"the array is the transpose of {name}: add or remove a `.T`"
    if m > 1 and code.shape == want.shape:
        if close(code, want * m):
            return "missing / m", f"the array is m = {m} times {name}: divide by m (`/ m`)"
        if close(code, want / m):
            return "extra / m", f"the array is {name} divided by m once more: remove one `/ m`"
    if kind == "db" and m > 1:
        delta = ref.array(("delta", layer))
        flat = code.reshape(-1)
        for scale in (1.0, 1.0 / m):
            if flat.shape == (m,) and close(flat, delta.sum(axis=1) * scale):
                axis = ("axis=0", "axis=1") if rows else ("axis=1", "axis=0")
                return "wrong axis", f"the sum runs over the units, not the examples: use {axis[0]} for {axis[1]}"
    if kind == "delta":
        found = _delta_mistake(layer, code, ref, activations)
        if found:
            return found
    if kind == "E":
        for other, value in losses(ref.array(("A", ref.spec.layers.__len__())), ref.array(("T",))).items():
            near = abs(float(code.reshape(-1)[0]) - float(value[0, 0])) <= 1e-5 * max(abs(float(value[0, 0])), 1e-12)
            if other != loss and near:          # naming the mistake only: a log(a + 1e-7) is still the BCE
                return ("wrong loss", f"this is {LOSS_TEXT[other]}, not the loss the gradients follow, "
                                      f"{LOSS_TEXT.get(loss, loss)}: compute that one here")
    return None


def _delta_mistake(layer: int, code: np.ndarray, ref, activations) -> tuple[str, str] | None:
    L = len(ref.spec.layers)
    act = activations[layer - 2]
    a, z, want = ref.array(("A", layer)), ref.array(("Z", layer)), ref.array(("delta", layer))
    local = local_derivative(act, a, z)
    if local is None or code.shape != want.shape:
        return None
    with np.errstate(all="ignore"):
        upstream = np.where(local != 0, want / np.where(local != 0, local, 1), 0.0)
    if act in ("sigmoid", "tanh"):
        wrong = z * (1 - z) if act == "sigmoid" else 1 - z * z
        if np.all(local != 0) and close(code, upstream * wrong):
            form = ("z*(1-z)", "a*(1-a)") if act == "sigmoid" else ("1-z**2", "1-a**2")
            return ("derivative of z", f"the local derivative is taken of Z^({layer}), not of A^({layer}): "
                                       f"write {form[1]} for {form[0]}")
    if layer < L:
        W = ref.array(("W", layer + 1))
        if W.shape[0] == W.shape[1] and close(code, (ref.array(("delta", layer + 1)) @ W) * local):
            return ("missing .T", f"W^({layer + 1}) is used untransposed: the error goes back through "
                                  f"the transpose of W^({layer + 1}) (add `.T`)")
    if layer < L and ("W+", layer + 1) in ref.values:
        after = (ref.array(("delta", layer + 1)) @ ref.array(("W+", layer + 1)).T) * local
        if close(code, after):
            return ("weight after update", f"W^({layer + 1}) is used after its update: compute "
                                           f"{symbol('delta', layer)} before updating W^({layer + 1}) "
                                           f"(or keep the old W^({layer + 1}))")
    if layer == L and act in ("sigmoid", "tanh"):
        if np.all(local != 0) and close(code, upstream):
            return ("missing factor", f"the factor f'(Z^({layer})) = {'A(1-A)' if act == 'sigmoid' else '1-A**2'} "
                                      f"is missing")
    return None
