"""Optimizers with PyTorch's update rules, on one flat vector of parameters.

Each keeps its state (velocity; first and second moments) as flat arrays beside the
parameters, so a whole update is a handful of vector operations whatever the network's size.
`step(theta, grad)` changes theta in place; the gradient is computed elsewhere.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Optimizer:
    name: str
    learning_rate: float
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    steps: int = 0
    state: dict[str, np.ndarray] = field(default_factory=dict)

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        if self.name not in STEPS:
            raise ValueError(f"unknown optimizer {self.name!r}; expected one of {NAMES}")
        self.steps += 1
        STEPS[self.name](self, theta, grad)


def sgd_step(opt: Optimizer, theta: np.ndarray, grad: np.ndarray) -> None:
    # theta <- theta - lr * g
    theta -= opt.learning_rate * grad


def momentum_step(opt: Optimizer, theta: np.ndarray, grad: np.ndarray) -> None:
    # v <- mu * v + g (v = g on the first step); theta <- theta - lr * v
    v = opt.state.get("velocity")
    if v is None:
        v = opt.state["velocity"] = grad.copy()
    else:
        v *= opt.momentum
        v += grad
    theta -= opt.learning_rate * v


def adam_step(opt: Optimizer, theta: np.ndarray, grad: np.ndarray) -> None:
    # m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; bias-corrected, then
    # theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)
    m = opt.state.setdefault("m", np.zeros_like(theta))
    v = opt.state.setdefault("v", np.zeros_like(theta))
    m *= opt.beta1
    m += (1 - opt.beta1) * grad
    v *= opt.beta2
    v += (1 - opt.beta2) * grad * grad
    m_hat = m / (1 - opt.beta1 ** opt.steps)
    v_hat = v / (1 - opt.beta2 ** opt.steps)
    theta -= opt.learning_rate * m_hat / (np.sqrt(v_hat) + opt.eps)


# The registry, keyed by the public name the API, the URL and the page's <select> use.
STEPS: dict[str, Callable[[Optimizer, np.ndarray, np.ndarray], None]] = {
    "sgd": sgd_step, "momentum": momentum_step, "adam": adam_step,
}
NAMES = tuple(STEPS)
