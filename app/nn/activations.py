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

Each entry also carries its `kernel`: the same maths on one number, in plain Python and `math`,
which the training engine compiles with numba (app/nn/kernel.py); where a rule's own code works
on a number as well as an array (a(1 − a)), that code is its twin. Softmax is not element-wise:
its twin works on one example's row.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field

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
    # The compiled engine's twin of (output, der): on one number, a from z and da/dz from z
    # and a; softmax's on one row, a from z and dL/dz from a and dL/da (both written in place).
    kernel: tuple[Callable[..., float | None], Callable[..., float | None]] = field(
        kw_only=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z). For z < -709 e^-z overflows to inf and the result is 0, which is the
    true value rounded to float64, so the overflow is silenced rather than avoided."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def sigmoid_one(z: float) -> float:
    """sigmoid on one number; compiled, e^-z overflows to inf and the result is 0, as above."""
    return 1.0 / (1.0 + math.exp(-z))


def sigmoid_der(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """sigma'(z) = a (1 - a)."""
    return a * (1.0 - a)


# Cephes' rational approximation of tanh on |z| < 0.625 (Go's math.Tanh uses it too).
TANH_P = (-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3)
TANH_Q = (1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3)


def tanh_one(z: float) -> float:
    """tanh on one number, as Cephes computes it: a rational function of z² near 0, else
    1 − 2/(e^2|z| + 1) (±1 past |z| = 44). Within 2 ulp of np.tanh (libm's tanh is within 3),
    and compiled, 2.5 times as fast as libm's: tanh was most of an epoch's time."""
    size = abs(z)
    if size >= 0.625:
        if size > 44.0:
            return math.copysign(1.0, z)
        t = 1.0 - 2.0 / (math.exp(2.0 * size) + 1.0)
        return t if z > 0.0 else -t
    p, q, s = TANH_P, TANH_Q, z * z
    return z + z * s * ((p[0] * s + p[1]) * s + p[2]) / (((s + q[0]) * s + q[1]) * s + q[2])


def tanh_der(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """tanh'(z) = 1 - a^2."""
    return 1.0 - a * a


def relu(z: np.ndarray) -> np.ndarray:
    """max(0, z)."""
    return np.maximum(z, 0.0)


def relu_one(z: float) -> float:
    """max(0, z) on one number (NaN stays NaN, as np.maximum keeps it)."""
    return 0.0 if z <= 0.0 else z


def relu_der_one(z: float, a: float) -> float:
    return 1.0 if z > 0.0 else 0.0


def relu_der(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0 (PyTorch's choice at z = 0)."""
    return (z > 0).astype(float)


def leaky_relu(z: np.ndarray) -> np.ndarray:
    """z where z > 0, else 0.01 z."""
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_one(z: float) -> float:
    return z if z > 0.0 else LEAKY_SLOPE * z


def leaky_relu_der_one(z: float, a: float) -> float:
    return 1.0 if z > 0.0 else LEAKY_SLOPE


def leaky_relu_der(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """1 where z > 0, else 0.01."""
    return np.where(z > 0, 1.0, LEAKY_SLOPE)


def linear(z: np.ndarray) -> np.ndarray:
    """The identity: a = z."""
    return z.copy()


def linear_one(z: float) -> float:
    return z


def linear_der_one(z: float, a: float) -> float:
    return 1.0


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


def softmax_row(z: np.ndarray, a: np.ndarray) -> None:
    """softmax of one example's row z into a, in loops: the max, the exponentials, their sum."""
    top = z[0]
    for k in range(1, len(z)):
        top = max(top, z[k])
    total = 0.0
    for k in range(len(z)):
        a[k] = math.exp(z[k] - top)
        total += a[k]
    for k in range(len(z)):
        a[k] = a[k] / total


def softmax_backward_row(a: np.ndarray, dL_da: np.ndarray, dL_dz: np.ndarray) -> None:
    """softmax_backward for one example's row, into dL_dz."""
    weighted = 0.0
    for k in range(len(a)):
        weighted += dL_da[k] * a[k]
    for k in range(len(a)):
        dL_dz[k] = a[k] * (dL_da[k] - weighted)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        sigmoid, sigmoid_der, "sigmoid", "σ", "σ(z) = 1 / (1 + e^−z)", "σ′(z) = a(1 − a)",
        "a(1 − a)", ("1 / (1 + np.exp(-z))", "a * (1 - a)"), "torch.sigmoid(z)",
        range=(0.0, 1.0), max_slope=0.25, saturates=True, kernel=(sigmoid_one, sigmoid_der)),
    "tanh": Activation(
        np.tanh, tanh_der, "tanh", "tanh", "tanh(z)", "tanh′(z) = 1 − a²", "1 − a²",
        ("np.tanh(z)", "1 - a**2"), "torch.tanh(z)",
        range=(-1.0, 1.0), max_slope=1.0, saturates=True, kernel=(tanh_one, tanh_der)),
    "relu": Activation(
        relu, relu_der, "ReLU", "relu", "max(0, z)", "1 if z > 0, else 0", "1 if z > 0, else 0",
        ("np.maximum(z, 0.0)", "(z > 0).astype(float)"), "torch.relu(z)",
        max_slope=1.0, can_die=True, kernel=(relu_one, relu_der_one)),
    "leaky_relu": Activation(
        leaky_relu, leaky_relu_der, "leaky ReLU", "leaky_relu", "z if z > 0 else 0.01·z",
        "1 if z > 0, else 0.01", "1 if z > 0, else 0.01",
        ("np.where(z > 0, z, 0.01 * z)", "np.where(z > 0, 1.0, 0.01)"),
        "F.leaky_relu(z, 0.01)", max_slope=1.0, kernel=(leaky_relu_one, leaky_relu_der_one)),
    "linear": Activation(
        linear, linear_der, "linear", "linear", "z", "1", "1", ("z", "np.ones_like(z)"), "z",
        max_slope=1.0, kernel=(linear_one, linear_der_one)),
    "softmax": Activation(
        softmax, None, "softmax", "softmax", "e^z_i / Σ_j e^z_j",
        "a Jacobian: ∂a_i/∂z_j = a_i(δ_ij − a_j)", "a_i(δ_ij − a_j)",
        ("np.exp(z - z.max(axis=1, keepdims=True)) / "
         "np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)", None),
        "torch.softmax(z, dim=1)", output_only=True, range=(0.0, 1.0),
        kernel=(softmax_row, softmax_backward_row)),  # not element-wise: a row at a time
}

OUTPUT_ONLY = frozenset(name for name, entry in ACTIVATIONS.items() if entry.output_only)
HIDDEN = tuple(name for name in ACTIVATIONS if name not in OUTPUT_ONLY)
