"""Optimizers with PyTorch's update rules, on one flat vector of parameters.

Each keeps its state (velocity; first and second moments) as flat arrays beside the
parameters, so a whole update is a handful of vector operations whatever the network's size.
`step(theta, grad)` changes theta in place; the gradient is computed elsewhere.
"""

from dataclasses import dataclass, field

import numpy as np

NAMES = ("sgd", "momentum", "adam")


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
        self.steps += 1
        if self.name == "sgd":
            # theta <- theta - lr * g
            theta -= self.learning_rate * grad
        elif self.name == "momentum":
            # v <- mu * v + g (v = g on the first step); theta <- theta - lr * v
            v = self.state.get("velocity")
            if v is None:
                v = self.state["velocity"] = grad.copy()
            else:
                v *= self.momentum
                v += grad
            theta -= self.learning_rate * v
        elif self.name == "adam":
            # m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; bias-corrected, then
            # theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)
            m = self.state.setdefault("m", np.zeros_like(theta))
            v = self.state.setdefault("v", np.zeros_like(theta))
            m *= self.beta1
            m += (1 - self.beta1) * grad
            v *= self.beta2
            v += (1 - self.beta2) * grad * grad
            m_hat = m / (1 - self.beta1 ** self.steps)
            v_hat = v / (1 - self.beta2 ** self.steps)
            theta -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)
        else:
            raise ValueError(f"unknown optimizer {self.name!r}; expected one of {NAMES}")
