"""Penalties on the weights, each entry the whole description of its penalty: the gradient it
adds to a weight's (biases are not penalised, as in TensorFlow Playground), how the page writes
that term, and the code export's NumPy and PyTorch for it.

L1 = rate * sum|w| adds rate * sign(w); L2 = rate/2 * sum w^2 adds rate * w. Each entry's
`kernel` is its gradient on one weight, in plain Python, which the compiled training engine
(app/nn/kernel.py, numba) runs.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Regularizer:
    gradient: Callable[[np.ndarray], np.ndarray]  # the penalty's gradient per unit of rate
    label: str
    term: str  # what joins ∂L/∂w, as the page writes it ("" for none)
    numpy: str  # code export: that term for the weights W[l]
    torch: str  # code export: that term for layer.weight
    kernel: Callable[[float], float] = field(kw_only=True)  # `gradient` on one weight


def no_gradient_one(w: float) -> float:
    return 0.0


def l1_gradient_one(w: float) -> float:
    """np.sign on one number: 1, -1 or 0, and NaN for NaN."""
    if w > 0.0:
        return 1.0
    if w < 0.0:
        return -1.0
    return 0.0 if w == 0.0 else w


def l2_gradient_one(w: float) -> float:
    return w


REGULARIZERS: dict[str, Regularizer] = {
    "none": Regularizer(np.zeros_like, "none", "", "0", "0", kernel=no_gradient_one),
    "l1": Regularizer(np.sign, "L1", "λ·sign(w)", "np.sign(W[l])",
                      "torch.sign(layer.weight.detach())", kernel=l1_gradient_one),
    "l2": Regularizer(np.asarray, "L2", "λ·w", "W[l]", "layer.weight.detach()",
                      kernel=l2_gradient_one),
}
NAMES = tuple(REGULARIZERS)
