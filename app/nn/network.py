"""A fully connected network as per-layer matrices: forward, backward, update.

Layer l has weights W[l] of shape (n_out, n_in) and biases b[l] of shape (n_out,), as
`torch.nn.Linear`, so z = a_prev W^T + b with one row per example. Forward keeps z and a for
every layer; backward walks the layers in reverse, applying each layer's local rule to the
values forward cached; `update` is separate so the gradients can be shown before a weight moves.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from app.nn.activations import ACTIVATIONS, softmax_backward
from app.nn.losses import LOSSES


@dataclass
class Network:
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    activations: list[str]

    @property
    def layers(self) -> list[int]:
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    def copy(self) -> "Network":
        return Network([w.copy() for w in self.weights], [b.copy() for b in self.biases],
                       list(self.activations))


@dataclass
class LayerForward:
    z: np.ndarray
    a: np.ndarray


@dataclass
class LayerBackward:
    dL_da: np.ndarray
    da_dz: np.ndarray | None  # None for softmax, whose derivative is not element-wise
    dL_dz: np.ndarray  # the delta
    dL_dW: np.ndarray
    dL_db: np.ndarray


def xavier(rng: np.random.Generator, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, (n_out, n_in)), np.zeros(n_out)


def he(rng: np.random.Generator, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(0.0, np.sqrt(2.0 / n_in), (n_out, n_in)), np.zeros(n_out)


def uniform(rng: np.random.Generator, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    r = 1.0 / np.sqrt(n_in)
    return rng.uniform(-r, r, (n_out, n_in)), rng.uniform(-r, r, n_out)


def zeros(rng: np.random.Generator, n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((n_out, n_in)), np.zeros(n_out)


Initializer = Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class InitScheme:
    draw: Initializer  # one layer's (weights, biases) from the shared generator
    label: str
    formula: str  # as the page and the README write it


# Keyed by the public name; each draws from the same generator in turn, so a seed fixes the
# whole network.
INITIALIZERS: dict[str, InitScheme] = {
    "xavier": InitScheme(xavier, "Xavier (Glorot) uniform", "U(±√(6/(n_in+n_out))), biases 0"),
    "he": InitScheme(he, "He (Kaiming) normal", "N(0, 2/n_in), biases 0"),
    "uniform": InitScheme(uniform, "PyTorch's nn.Linear default", "U(±1/√n_in), biases too"),
    "zeros": InitScheme(zeros, "zeros", "every weight and bias 0"),
}
INIT_SCHEMES = tuple(INITIALIZERS)


def init_network(layers: list[int], activations: list[str], scheme: str, seed: int) -> Network:
    """Weights from a named scheme, reproducible from the seed.

    xavier: U(-r, r), r = sqrt(6 / (n_in + n_out)), biases 0 (torch.nn.init.xavier_uniform_).
    he: N(0, 2 / n_in), biases 0 (torch.nn.init.kaiming_normal_ for ReLU).
    uniform: U(-1/sqrt(n_in), 1/sqrt(n_in)) for weights and biases (torch.nn.Linear's default).
    zeros: every weight and bias 0.
    """
    if scheme not in INITIALIZERS:
        raise ValueError(f"unknown init scheme {scheme!r}; expected one of {INIT_SCHEMES}")
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for n_in, n_out in zip(layers[:-1], layers[1:]):
        w, b = INITIALIZERS[scheme].draw(rng, n_in, n_out)
        weights.append(w)
        biases.append(b)
    return Network(weights, biases, list(activations))


def forward(net: Network, x: np.ndarray) -> list[LayerForward]:
    """z = a_prev W^T + b, a = f(z), layer by layer; x has one row per example."""
    cache, a = [], x
    with np.errstate(over="ignore", invalid="ignore"):
        for W, b, name in zip(net.weights, net.biases, net.activations):
            z = a @ W.T + b
            a = ACTIVATIONS[name].output(z)
            cache.append(LayerForward(z, a))
    return cache


def batch_loss(net: Network, x: np.ndarray, t: np.ndarray, loss: str) -> float:
    out = forward(net, x)[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        return LOSSES[loss].value(out.z, out.a, t)


def backward(net: Network, x: np.ndarray, t: np.ndarray, loss: str,
             cache: list[LayerForward]) -> list[LayerBackward]:
    """The chain rule, output layer first: dL/dz = dL/da * da/dz; dL/dW = dL/dz^T a_prev.

    A hidden layer's dL/da is the sum over the neurons it feeds of their delta times the
    weight between them: dL/da_prev = dL/dz W.
    """
    spec = LOSSES[loss]
    grads: list[LayerBackward] = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        dL_da = spec.dL_da(cache[-1].a, t)
        for l in reversed(range(len(net.weights))):
            z, a = cache[l].z, cache[l].a
            a_prev = cache[l - 1].a if l > 0 else x
            act = ACTIVATIONS[net.activations[l]]
            da_dz = act.der(z, a) if act.der else None
            if l == len(net.weights) - 1 and spec.fused_with == net.activations[l]:
                dL_dz = spec.fused_dL_dz(a, t)
            elif da_dz is None:
                dL_dz = softmax_backward(a, dL_da)
            else:
                dL_dz = dL_da * da_dz
            grads.append(LayerBackward(dL_da, da_dz, dL_dz, dL_dz.T @ a_prev, dL_dz.sum(axis=0)))
            dL_da = dL_dz @ net.weights[l]
    grads.reverse()
    return grads


def update(net: Network, grads: list[LayerBackward], learning_rate: float,
           update_biases: bool = True) -> Network:
    """Plain gradient descent, w <- w - lr * dL/dw; a new network, the old one untouched."""
    new = net.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        for l, g in enumerate(grads):
            new.weights[l] -= learning_rate * g.dL_dW
            if update_biases:
                new.biases[l] -= learning_rate * g.dL_db
    return new
