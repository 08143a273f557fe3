"""Activation functions, each beside its derivative, and each entry the whole description of its
activation.

Every entry maps a public name (the API value, the URL value and the `<select>` option) to an
`Activation`: `output(z)` gives a = f(z) and `der(z, a)` gives da/dz element-wise, using the
already computed `a` where that is cheaper. Softmax has no element-wise derivative (`der` is
None): its Jacobian couples every output of a row, so the network applies it as a product.
Beside the maths, the entry says how the page writes it (symbol, formula, derivative), what the
lab's health check needs to know of it (its range, its steepest slope, whether it can die), and
the code export's NumPy and PyTorch for it: the schemas, the catalog the pages read, the code
generator and the health check all derive from here, so a new activation is one entry (plus
the JS forward twin followers evaluate, which a test walks every name through).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    output: Callable[[np.ndarray], np.ndarray]
    der: Callable[[np.ndarray, np.ndarray], np.ndarray] | None
    label: str  # the page's name for it
    symbol: str  # the function's name in a formula: a = σ(z)
    formula: str
    derivative: str  # da/dz as the page writes it beside the formula
    slope: str  # da/dz alone, in terms of a or z, as a term of the chain rule
    numpy: tuple[str, str | None]  # code export: a from z, and da/dz from z and a
    torch: str  # code export: a from z
    output_only: bool = False  # softmax: its outputs are a distribution over the row
    range: tuple[float, float] | None = None  # bounded outputs, where they are
    max_slope: float | None = None  # the steepest da/dz, where the slope is bounded
    saturates: bool = False  # its slope falls towards 0 at both ends
    can_die: bool = False  # a neuron no example makes positive gets no gradient (relu)


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
    "sigmoid": Activation(
        sigmoid, sigmoid_der, "sigmoid", "σ", "σ(z) = 1 / (1 + e^−z)", "σ′(z) = a(1 − a)",
        "a(1 − a)", ("1 / (1 + np.exp(-z))", "a * (1 - a)"), "torch.sigmoid(z)",
        range=(0.0, 1.0), max_slope=0.25, saturates=True),
    "tanh": Activation(
        np.tanh, tanh_der, "tanh", "tanh", "tanh(z)", "tanh′(z) = 1 − a²", "1 − a²",
        ("np.tanh(z)", "1 - a**2"), "torch.tanh(z)",
        range=(-1.0, 1.0), max_slope=1.0, saturates=True),
    "relu": Activation(
        relu, relu_der, "ReLU", "relu", "max(0, z)", "1 if z > 0, else 0", "1 if z > 0, else 0",
        ("np.maximum(z, 0.0)", "(z > 0).astype(float)"), "torch.relu(z)",
        max_slope=1.0, can_die=True),
    "leaky_relu": Activation(
        leaky_relu, leaky_relu_der, "leaky ReLU", "leaky_relu", "z if z > 0 else 0.01·z",
        "1 if z > 0, else 0.01", "1 if z > 0, else 0.01",
        ("np.where(z > 0, z, 0.01 * z)", "np.where(z > 0, 1.0, 0.01)"),
        "F.leaky_relu(z, 0.01)", max_slope=1.0),
    "linear": Activation(
        linear, linear_der, "linear", "linear", "z", "1", "1", ("z", "np.ones_like(z)"), "z",
        max_slope=1.0),
    "softmax": Activation(
        softmax, None, "softmax", "softmax", "e^z_i / Σ_j e^z_j",
        "a Jacobian: ∂a_i/∂z_j = a_i(δ_ij − a_j)", "a_i(δ_ij − a_j)",
        ("np.exp(z - z.max(axis=1, keepdims=True)) / "
         "np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)", None),
        "torch.softmax(z, dim=1)", output_only=True, range=(0.0, 1.0)),
}

OUTPUT_ONLY = frozenset(name for name, entry in ACTIVATIONS.items() if entry.output_only)
HIDDEN = tuple(name for name in ACTIVATIONS if name not in OUTPUT_ONLY)
