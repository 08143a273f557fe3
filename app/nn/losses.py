"""Loss functions with PyTorch's definitions, each beside its gradient.

`value(z, a, t)` is the batch loss (a mean, as PyTorch's default `reduction="mean"`), and
`dL_da(a, t)` its gradient with respect to every output, so each row is the derivative of the
batch loss with respect to that example's outputs (hence the 1/N factors). A loss paired with
its canonical output activation also has `fused_dL_dz`: the simplified delta at the output
layer, which stays exact where the two-factor product would divide zero by zero.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# PyTorch's BCELoss clamps each log term at -100 so that a saturated output gives a finite loss.
LOG_CLAMP = -100.0


@dataclass(frozen=True)
class Loss:
    value: Callable[[np.ndarray, np.ndarray, np.ndarray], float]
    dL_da: Callable[[np.ndarray, np.ndarray], np.ndarray]
    fused_with: str | None
    fused_dL_dz: Callable[[np.ndarray, np.ndarray], np.ndarray] | None
    formula: str


def mse(z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
    """Mean over all elements of (a - t)^2."""
    d = a - t
    return float((d * d).sum() / d.size)


def mse_dL_da(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """2 (a - t) / (number of elements)."""
    return 2.0 * (a - t) / a.size


def bce(z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
    """Mean over all elements of -(t log a + (1 - t) log(1 - a)), logs clamped at -100."""
    with np.errstate(divide="ignore"):
        log_a = np.maximum(np.log(a), LOG_CLAMP)
        log_1ma = np.maximum(np.log(1.0 - a), LOG_CLAMP)
    return float(np.mean(-(t * log_a + (1.0 - t) * log_1ma)))


def bce_dL_da(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(a - t) / (a (1 - a)) / (number of elements); infinite where a saturates at 0 or 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (a - t) / (a * (1.0 - a)) / a.size


def bce_sigmoid_dL_dz(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """With a = sigmoid(z) the a (1 - a) factors cancel: dL/dz = (a - t) / (number of elements)."""
    return (a - t) / a.size


def cross_entropy(z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
    """Mean over the batch of -sum_k t_k log softmax(z)_k, from z (log-sum-exp) for stability."""
    shifted = z - z.max(axis=-1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(np.mean(-(t * log_softmax).sum(axis=-1)))


def cross_entropy_dL_da(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """-t / a / N, N the number of examples."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t == 0, 0.0, -t / a) / a.shape[0]


def cross_entropy_softmax_dL_dz(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """With a = softmax(z) and rows of t summing to 1: dL/dz = (a - t) / N."""
    return (a - t) / a.shape[0]


LOSSES: dict[str, Loss] = {
    "mse": Loss(mse, mse_dL_da, None, None, "L = mean((a − t)²)"),
    "bce": Loss(bce, bce_dL_da, "sigmoid", bce_sigmoid_dL_dz,
                "L = mean(−(t·log a + (1 − t)·log(1 − a)))"),
    "cross_entropy": Loss(cross_entropy, cross_entropy_dL_da, "softmax",
                          cross_entropy_softmax_dL_dz, "L = mean over examples of −Σ t·log a"),
}

# The output activation each loss needs, where it needs one.
REQUIRED_OUTPUT = {"bce": "sigmoid", "cross_entropy": "softmax"}
