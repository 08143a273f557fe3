"""Activation functions, each beside its derivative.

Every entry maps a public name (the API value, the URL value and the `<select>` option) to an
`Activation` pair: `output(z)` gives a = f(z) and `der(z, a)` gives da/dz element-wise, using the
already computed `a` where that is cheaper. Softmax has no element-wise derivative (`der` is
None): its Jacobian couples every output of a row, so the network applies it as a product.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    output: Callable[[np.ndarray], np.ndarray]
    der: Callable[[np.ndarray, np.ndarray], np.ndarray] | None
    formula: str


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z). For z < -709 e^-z overflows to inf and the result is 0, which is the
    true value rounded to float64, so the overflow is silenced rather than avoided."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def sigmoid_der(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """sigma'(z) = a (1 - a)."""
    return a * (1.0 - a)


def tanh_der(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - a^2."""
    return 1.0 - a * a


def relu(z: np.ndarray) -> np.ndarray:
    """max(0, z)."""
    return np.maximum(z, 0.0)


def relu_der(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0 (PyTorch's choice at z = 0)."""
    return (z > 0).astype(float)


def leaky_relu(z: np.ndarray) -> np.ndarray:
    """z where z > 0, else 0.01 z."""
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_der(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0.01."""
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


def linear(z: np.ndarray) -> np.ndarray:
    """The identity: a = z."""
    return z.copy()


def linear_der(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """1 everywhere."""
    return np.ones_like(z)


def softmax(z: np.ndarray) -> np.ndarray:
    """e^z_i / sum_j e^z_j per row, shifted by the row's maximum so no exponent overflows."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_backward(a: np.ndarray, dL_da: np.ndarray) -> np.ndarray:
    """dL/dz for a softmax layer: the Jacobian-vector product a * (dL/da - sum_j dL/da_j a_j)."""
    return a * (dL_da - (dL_da * a).sum(axis=-1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(sigmoid, sigmoid_der, "σ(z) = 1 / (1 + e^−z)"),
    "tanh": Activation(np.tanh, tanh_der, "tanh(z)"),
    "relu": Activation(relu, relu_der, "max(0, z)"),
    "leaky_relu": Activation(leaky_relu, leaky_relu_der, "z if z > 0 else 0.01·z"),
    "linear": Activation(linear, linear_der, "z"),
    "softmax": Activation(softmax, None, "e^z_i / Σ_j e^z_j"),
}

OUTPUT_ONLY = frozenset({"softmax"})
