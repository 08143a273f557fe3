"""Penalties on the weights, each entry the whole description of its penalty: the gradient it
adds to a weight's (biases are not penalised, as in TensorFlow Playground), how the page writes
that term, and the code export's NumPy and PyTorch for it.

L1 = rate * sum|w| adds rate * sign(w); L2 = rate/2 * sum w^2 adds rate * w.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Regularizer:
    gradient: Callable[[np.ndarray], np.ndarray]  # the penalty's gradient per unit of rate
    label: str
    term: str  # what joins ∂L/∂w, as the page writes it ("" for none)
    numpy: str  # code export: that term for the weights W[l]
    torch: str  # code export: that term for layer.weight


REGULARIZERS: dict[str, Regularizer] = {
    "none": Regularizer(np.zeros_like, "none", "", "0", "0"),
    "l1": Regularizer(np.sign, "L1", "λ·sign(w)", "np.sign(W[l])",
                      "torch.sign(layer.weight.detach())"),
    "l2": Regularizer(np.asarray, "L2", "λ·w", "W[l]", "layer.weight.detach()"),
}
NAMES = tuple(REGULARIZERS)
