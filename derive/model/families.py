"""The network families derive models, as data: each activation and each loss in one place.

An activation says
- its forward rule, as a SymPy function of a unit's z (what the oracle composes and differentiates);
- its local derivative in *node values* (what a lecturer writes: a(1 - a), 1 - a^2, the step h, ...);
- how its unit is put into node values for the zero test: `independent` activations (sigmoid, tanh,
  softmax) give each unit's output a free symbol a_j^{(l)}; the others are expressions in z
  (identity a = z; ReLU a = h z with a step symbol h, h^2 = h; leaky ReLU a = (c + (1 - c) h) z);
- its forward rule for NumPy and for mpmath (the independent second opinion and the 50-digit
  confirmation of a counterexample);
- the soundness argument docs/soundness.md states for it.

A loss says its per-output term E_i(t, a) and the relation it assumes of the targets (cross-entropy
with softmax: the targets sum to 1).  Softmax outputs satisfy sum_j a_j = 1 and e^{z_j} = a_j S with
S = sum_k e^{z_k}, a free positive symbol per layer.

Why data rather than classes per family: the model, the oracle, the decision and the numbers all
ask the same few questions of a family (forward rule, local derivative, atoms, relations), so the
answers live side by side here and each stage looks them up.
"""
from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp


class sigmoid(sp.Function):
    """The logistic function; its local derivative is sigmoid(u) (1 - sigmoid(u))."""

    @classmethod
    def eval(cls, arg):
        if arg is sp.S.Zero:            # structural only: assumption queries on big args are slow
            return sp.S.Half

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, arg, **kwargs):
        return 1 / (1 + sp.exp(-arg))

    def _eval_evalf(self, prec):
        return (1 / (1 + sp.exp(-self.args[0])))._eval_evalf(prec)


class step(sp.Function):
    """The unit step 1[u > 0], ReLU's local derivative (its own derivative is 0 wherever it exists)."""

    @classmethod
    def eval(cls, arg):
        if arg.is_Number:
            return sp.S.One if arg > 0 else sp.S.Zero

    def fdiff(self, argindex=1):
        return sp.S.Zero


class relu(sp.Function):
    """max(0, u); its local derivative is the step 1[u > 0]."""

    @classmethod
    def eval(cls, arg):
        if arg.is_Number:
            return arg if arg > 0 else sp.S.Zero

    def fdiff(self, argindex=1):
        return step(self.args[0])


class leaky(sp.Function):
    """Leaky ReLU max(c u, u) with slope c in (0, 1): leaky(u, c); local derivative c + (1 - c) step(u)."""

    @classmethod
    def eval(cls, arg, c):
        if arg.is_Number:
            return arg if arg > 0 else c * arg

    def fdiff(self, argindex=1):
        c = self.args[1]
        return c + (1 - c) * step(self.args[0])


class softmax(sp.Function):
    """softmax(j, z_1, ..., z_n) = e^{z_j} / sum_k e^{z_k}; d/dz_k = a_j (delta_jk - a_k)."""

    def fdiff(self, argindex=1):
        if argindex == 1:
            raise sp.ArgumentIndexError(self, argindex)
        j, zs = int(self.args[0]), self.args[1:]
        k = argindex - 1
        return softmax(j, *zs) * ((1 if j == k else 0) - softmax(k, *zs))


@dataclass(frozen=True)
class Activation:
    name: str
    local: str                  # the local derivative in node values, as docs/model.md shows it
    independent: bool           # does each unit's output get a free symbol (a node value)?
    soundness: str


ACTIVATION_FAMILIES = {
    "sigmoid": Activation("sigmoid", "a (1 - a)", True,
                          "sigma(z) for distinct units are sigmoids of independent sums (each has its own "
                          "bias), so node values are free symbols; e^{-z} = (1 - a)/a."),
    "tanh": Activation("tanh", "1 - a^2", True,
                       "tanh of independent sums, as for sigmoid; e^{2z} = (1 + a)/(1 - a)."),
    "identity": Activation("identity", "1", False, "a = z exactly: no atom at all."),
    "relu": Activation("relu", "h = 1[z > 0]", False,
                       "a = h z with a step symbol h per unit, reduced h^2 = h: a zero after the reduction "
                       "holds in every activation pattern; a refutation is a point, whose pattern the "
                       "report names."),
    "leaky-relu": Activation("leaky-relu", "c + (1 - c) h", False,
                             "a = (c + (1 - c) h) z with the step symbol h, as for ReLU."),
    "softmax": Activation("softmax", "a_i (delta_ij - a_j)", True,
                          "outputs are free symbols but for the relation sum_j a_j = 1, applied by "
                          "substituting the last unit; e^{z_j} = a_j S with S = sum_k e^{z_k} free."),
}
ACTIVATIONS = tuple(ACTIVATION_FAMILIES)
LEAKY_SLOPE = sp.Rational(1, 100)

LOSSES = {
    "half-sse": "E = 1/2 sum_i (t_i - a_i)^2",
    "sse": "E = sum_i (t_i - a_i)^2",
    "mse": "E = 1/n sum_i (t_i - a_i)^2",
    "cross-entropy": "E = -sum_i t_i log a_i",
    "binary-cross-entropy": "E = -sum_i (t_i log a_i + (1 - t_i) log(1 - a_i))",
}
LOSS_ALIASES = {"ce": "cross-entropy", "bce": "binary-cross-entropy", "half_sse": "half-sse",
                "crossentropy": "cross-entropy", "cross_entropy": "cross-entropy",
                "binary_cross_entropy": "binary-cross-entropy", "leaky_relu": "leaky-relu",
                "linear": "identity", "none": "identity", "logistic": "sigmoid",
                "quadratic": "half-sse"}     # Nielsen's quadratic cost, C = 1/2 sum_j (y_j - a_j)^2


def forward(activation: str, z):
    """A non-softmax unit's output as a SymPy expression of its z (softmax is per layer, see model)."""
    if activation == "sigmoid":
        return sigmoid(z)
    if activation == "tanh":
        return sp.tanh(z)
    if activation == "identity":
        return z
    if activation == "relu":
        return relu(z)
    if activation == "leaky-relu":
        return leaky(z, LEAKY_SLOPE)
    raise KeyError(activation)


def loss_term(loss: str, t, a, outputs: int):
    """One output's term E_i of the loss, in SymPy."""
    if loss == "half-sse":
        return sp.Rational(1, 2) * (t - a) ** 2
    if loss == "sse":
        return (t - a) ** 2
    if loss == "mse":
        return sp.Rational(1, outputs) * (t - a) ** 2
    if loss == "cross-entropy":
        return -t * sp.log(a)
    if loss == "binary-cross-entropy":
        return -(t * sp.log(a) + (1 - t) * sp.log(1 - a))
    raise KeyError(loss)


# -- numbers: the same rules written again for NumPy and for mpmath (the independent second opinion) --
def np_sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


def mp_sigmoid(u):
    return 1 / (1 + mpmath.exp(-u))


def np_step(u):
    return np.where(np.asarray(u) > 0, 1.0, 0.0)


def mp_step(u):
    return mpmath.mpf(1) if u > 0 else mpmath.mpf(0)


def np_relu(u):
    return np.maximum(u, 0.0)


def mp_relu(u):
    return u if u > 0 else mpmath.mpf(0)


def np_leaky(u, c):
    return np.where(np.asarray(u) > 0, u, c * np.asarray(u))


def mp_leaky(u, c):
    return u if u > 0 else c * u


def np_softmax(j, *zs):
    exps = [np.exp(z) for z in zs]
    return exps[int(j) - 1] / sum(exps)


def mp_softmax(j, *zs):
    exps = [mpmath.exp(z) for z in zs]
    return exps[int(j) - 1] / mpmath.fsum(exps)


def unit_forward(activation: str, z, backend: str):
    """A non-softmax unit's output as a number (backend 'numpy' or 'mpmath')."""
    numpy = backend == "numpy"
    if activation == "sigmoid":
        return np_sigmoid(z) if numpy else mp_sigmoid(z)
    if activation == "tanh":
        return np.tanh(z) if numpy else mpmath.tanh(z)
    if activation == "identity":
        return z
    if activation == "relu":
        return np_relu(z) if numpy else mp_relu(z)
    if activation == "leaky-relu":
        c = float(LEAKY_SLOPE) if numpy else mpmath.mpf(LEAKY_SLOPE.p) / LEAKY_SLOPE.q
        return np_leaky(z, c) if numpy else mp_leaky(z, c)
    raise KeyError(activation)


def loss_number(loss: str, t, a, outputs: int, backend: str):
    numpy = backend == "numpy"
    log = np.log if numpy else mpmath.log
    if loss == "half-sse":
        return (t - a) ** 2 / 2
    if loss == "sse":
        return (t - a) ** 2
    if loss == "mse":
        return (t - a) ** 2 / outputs
    if loss == "cross-entropy":
        return -t * log(a)
    if loss == "binary-cross-entropy":
        return -(t * log(a) + (1 - t) * log(1 - a))
    raise KeyError(loss)


NUMPY_FUNCTIONS = {"sigmoid": np_sigmoid, "step": np_step, "relu": np_relu, "leaky": np_leaky,
                   "softmax": np_softmax, "tanh": np.tanh, "log": np.log}
MPMATH_FUNCTIONS = {"sigmoid": mp_sigmoid, "step": mp_step, "relu": mp_relu, "leaky": mp_leaky,
                    "softmax": mp_softmax}
