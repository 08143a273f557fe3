"""Loss functions with PyTorch's definitions, each beside its gradient.

`value(z, a, t)` is the batch loss (a mean, as PyTorch's default `reduction="mean"`), and
`dL_da(a, t)` its gradient with respect to every output, so each row is the derivative of the
batch loss with respect to that example's outputs (hence the 1/N factors). A loss paired with
its canonical output activation also has `fused_dL_dz`: the simplified delta at the output
layer, which stays exact where the two-factor product would divide zero by zero.

Each entry is the whole description of its loss: beside the maths, how the page writes it (its
formula, one output's term, how terms are reduced, the matrix form), the output activation it
needs, and the code export's NumPy. The schemas, the catalog and the code generator read it.

The entry's `kernel` is its twin for the compiled training engine (app/nn/kernel.py, numba):
plain Python in `math`. A loss is not element-wise as a whole: the twin gives one example's sum
of terms (cross-entropy's log-softmax needs the whole row) and one term's dL/da and fused delta,
and the engine divides by what `reduction` says (every term, or the rows), as the rules here do.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

# PyTorch's BCELoss clamps each log term at -100 so that a saturated output gives a finite loss.
LOG_CLAMP = -100.0


@dataclass(frozen=True)
class Loss:
    value: Callable[[np.ndarray, np.ndarray, np.ndarray], float]
    dL_da: Callable[[np.ndarray, np.ndarray], np.ndarray]
    fused_with: str | None  # the output activation it needs, with which its delta simplifies
    fused_dL_dz: Callable[[np.ndarray, np.ndarray], np.ndarray] | None
    label: str
    formula: str
    term: str  # one output's share, before the reduction
    reduction: str  # "mean" of every term, or "sum" over a row's terms (then mean over rows)
    fused_delta: str | None  # the output's delta with its own activation, as the page writes it
    matrix_formula: str  # the whole batch at once, as the matrix view writes it
    numpy: tuple[str, str]  # code export: the loss from A and T, and dL/dA
    torch: str  # code export: the loss from Z (logits), A and T
    numpy_fused: str | None = None  # code export: the fused delta
    # The compiled engine's twin: (one row's sum of terms from its z, a and t; dL/da of one
    # term from a and t; the fused delta of one term, or None), before the mean's division.
    kernel: tuple[Callable[..., float], Callable[[float, float], float],
                  Callable[[float, float], float] | None] = field(kw_only=True)


def mse(z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
    """Mean over all elements of (a - t)^2."""
    d = a - t
    return float((d * d).sum() / d.size)


def mse_row(z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
    """One example's sum of (a - t)^2."""
    total = 0.0
    for k in range(len(a)):
        d = a[k] - t[k]
        total += d * d
    return total


def mse_slope(a, t):
    """dL/da of one term, 2 (a - t), on numbers or arrays."""
    return 2.0 * (a - t)


def mse_dL_da(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """2 (a - t) / (number of elements)."""
    return mse_slope(a, t) / a.size


def bce(z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
    """Mean over all elements of -(t log a + (1 - t) log(1 - a)), logs clamped at -100."""
    with np.errstate(divide="ignore"):
        log_a = np.maximum(np.log(a), LOG_CLAMP)
        log_1ma = np.maximum(np.log(1.0 - a), LOG_CLAMP)
    return float(np.mean(-(t * log_a + (1.0 - t) * log_1ma)))


def bce_row(z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
    """One example's sum of -(t log a + (1 - t) log(1 - a)), logs clamped at -100 (log 0 is
    -inf and a log below 0 NaN, as np.log's)."""
    total = 0.0
    for k in range(len(a)):
        p, q = a[k], 1.0 - a[k]
        log_p = math.log(p) if p > 0.0 else -math.inf if p == 0.0 else math.nan
        log_q = math.log(q) if q > 0.0 else -math.inf if q == 0.0 else math.nan
        total += -(t[k] * max(log_p, LOG_CLAMP) + (1.0 - t[k]) * max(log_q, LOG_CLAMP))
    return total


def bce_slope(a, t):
    """dL/da of one term, (a - t) / (a (1 - a)), on numbers or arrays."""
    return (a - t) / (a * (1.0 - a))


def bce_dL_da(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(a - t) / (a (1 - a)) / (number of elements); infinite where a saturates at 0 or 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return bce_slope(a, t) / a.size


def output_error(a, t):
    """a - t, the fused delta of one term before the mean, on numbers or arrays."""
    return a - t


def bce_sigmoid_dL_dz(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """With a = sigmoid(z) the a (1 - a) factors cancel: dL/dz = (a - t) / (number of elements)."""
    return output_error(a, t) / a.size


def cross_entropy(z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
    """Mean over the batch of -sum_k t_k log softmax(z)_k, from z (log-sum-exp) for stability."""
    shifted = z - z.max(axis=-1, keepdims=True)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(np.mean(-(t * log_softmax).sum(axis=-1)))


def cross_entropy_row(z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
    """One example's -sum_k t_k log softmax(z)_k, from z by log-sum-exp as above."""
    top = z[0]
    for k in range(1, len(z)):
        top = max(top, z[k])
    total = 0.0
    for k in range(len(z)):
        total += math.exp(z[k] - top)
    log_total = math.log(total)
    terms = 0.0
    for k in range(len(z)):
        terms += t[k] * ((z[k] - top) - log_total)
    return -terms


def cross_entropy_dL_da(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """-t / a / N, N the number of examples."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t == 0, 0.0, -t / a) / a.shape[0]


def cross_entropy_slope_one(a: float, t: float) -> float:
    """dL/da of one term, -t / a (0 where t is 0), on one number."""
    return 0.0 if t == 0.0 else -t / a


def cross_entropy_softmax_dL_dz(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """With a = softmax(z) and rows of t summing to 1: dL/dz = (a - t) / N."""
    return output_error(a, t) / a.shape[0]


LOSSES: dict[str, Loss] = {
    "mse": Loss(
        mse, mse_dL_da, None, None, "mean squared error", "L = mean((a − t)²)", "(a − t)²",
        "mean", None, "mean((A − T)²), over every entry",
        ("np.mean((A - T) ** 2)", "2 * (A - T) / T.size"), "F.mse_loss(A, T)",
        kernel=(mse_row, mse_slope, None)),
    "bce": Loss(
        bce, bce_dL_da, "sigmoid", bce_sigmoid_dL_dz, "binary cross-entropy",
        "L = mean(−(t·log a + (1 − t)·log(1 − a)))", "−(t log a + (1 − t) log(1 − a))", "mean",
        "(a − t) / N", "mean(−(T⊙log A + (1 − T)⊙log(1 − A))), over every entry",
        ("np.mean(-(T * np.maximum(np.log(A), -100) + (1 - T) * np.maximum(np.log(1 - A), "
         "-100)))", "(A - T) / (A * (1 - A)) / T.size"),
        "F.binary_cross_entropy(A, T)  # logs clamped at -100, as here", "(A - T) / T.size",
        kernel=(bce_row, bce_slope, output_error)),
    "cross_entropy": Loss(
        cross_entropy, cross_entropy_dL_da, "softmax", cross_entropy_softmax_dL_dz,
        "cross-entropy", "L = mean over examples of −Σ t·log a", "−t log a", "sum",
        "(a − t) / N", "mean over the rows of −Σ T⊙log A",
        ("np.mean(-(T * np.log(A)).sum(axis=1))", "np.where(T == 0, 0.0, -T / A) / len(T)"),
        "F.cross_entropy(Z, T)  # from the logits; T rows are distributions", "(A - T) / len(T)",
        kernel=(cross_entropy_row, cross_entropy_slope_one, output_error)),
}

# The output activation each loss needs, where it needs one.
REQUIRED_OUTPUT = {name: loss.fused_with for name, loss in LOSSES.items() if loss.fused_with}
