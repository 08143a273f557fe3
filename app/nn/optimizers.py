"""Optimizers with PyTorch's update rules, on one flat vector of parameters; each registry entry
is the whole description of its optimizer.

Each keeps its state (velocity; first and second moments) as flat arrays beside the
parameters, so a whole update is a handful of vector operations whatever the network's size.
`step(theta, grad)` changes theta in place; the gradient is computed elsewhere. An entry
carries, beside its step: its hyperparameters (with the defaults and bounds the API enforces),
the state it keeps, how the page writes its rule, and what the code export needs (its NumPy
lines and its torch.optim class): the schemas, the catalog and the code generator derive from
it. A new optimizer is its entry (plus its step-through update module, and tests).

Each entry's `kernel` is the same step in plain Python, one parameter at a time, which the
compiled training engine (app/nn/kernel.py, numba) runs; the operations are those of the numpy
step in the same order, so both give the same numbers.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class Hyperparameter:
    label: str
    symbol: str
    default: float
    ge: float | None = None  # bounds as the API checks them (pydantic's names)
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    description: str = ""


@dataclass(frozen=True)
class StateKey:
    description: str
    nonnegative: bool = False


HYPERPARAMETERS: dict[str, Hyperparameter] = {
    "momentum": Hyperparameter("momentum μ", "μ", 0.9, ge=0, lt=1,
                               description="momentum: how much of the velocity a step keeps."),
    "beta1": Hyperparameter("β₁", "β₁", 0.9, ge=0, lt=1,
                            description="adam: decay of the first moment."),
    "beta2": Hyperparameter("β₂", "β₂", 0.999, ge=0, lt=1,
                            description="adam: decay of the second moment."),
    "eps": Hyperparameter("ε", "ε", 1e-8, gt=0, le=1,
                          description="adam: added to √v̂ so no step divides by zero."),
}
STATE_KEYS: dict[str, StateKey] = {
    "velocity": StateKey("momentum: one value per parameter."),
    "m": StateKey("adam: first moments."),
    "v": StateKey("adam: second moments (not negative).", nonnegative=True),
}


@dataclass
class Optimizer:
    name: str
    learning_rate: float
    settings: dict[str, float] = field(default_factory=dict)  # hyperparameters by name
    steps: int = 0
    state: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.name!r}; expected one of {NAMES}")
        self.settings = {key: self.settings.get(key, HYPERPARAMETERS[key].default)
                         for key in HYPERPARAMETERS}

    def copy(self) -> "Optimizer":
        """One to step without touching this one (a step changes its state in place)."""
        return replace(self, settings=dict(self.settings),
                       state={k: v.copy() for k, v in self.state.items()})

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        self.steps += 1
        OPTIMIZERS[self.name].step(self, theta, grad)


def sgd_step(opt: Optimizer, theta: np.ndarray, grad: np.ndarray) -> None:
    # theta <- theta - lr * g
    theta -= opt.learning_rate * grad


def momentum_step(opt: Optimizer, theta: np.ndarray, grad: np.ndarray) -> None:
    # v <- mu * v + g (v = g on the first step); theta <- theta - lr * v
    v = opt.state.get("velocity")
    if v is None:
        v = opt.state["velocity"] = grad.copy()
    else:
        v *= opt.settings["momentum"]
        v += grad
    theta -= opt.learning_rate * v


def adam_step(opt: Optimizer, theta: np.ndarray, grad: np.ndarray) -> None:
    # m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2; bias-corrected, then
    # theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)
    beta1, beta2 = opt.settings["beta1"], opt.settings["beta2"]
    m = opt.state.setdefault("m", np.zeros_like(theta))
    v = opt.state.setdefault("v", np.zeros_like(theta))
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1 ** opt.steps)
    v_hat = v / (1 - beta2 ** opt.steps)
    theta -= opt.learning_rate * m_hat / (np.sqrt(v_hat) + opt.settings["eps"])


# The compiled engine's twins. One signature for all, so that the engine compiles one function
# whatever the optimizer: theta and grad; the entry's state arrays in the order of its
# state_keys (s0, s1: unused ones are ignored); `fresh` when it has no state yet; the step's
# number as a float (CPython's float ** int is C's pow, and so is numba's float ** float); the
# learning rate; every hyperparameter, in HYPERPARAMETERS' order.
def sgd_kernel(theta, grad, s0, s1, fresh, steps, learning_rate, momentum, beta1, beta2, eps):
    for i in range(len(theta)):
        theta[i] -= learning_rate * grad[i]


def momentum_kernel(theta, grad, s0, s1, fresh, steps, learning_rate, momentum, beta1, beta2,
                    eps):
    for i in range(len(theta)):
        s0[i] = grad[i] if fresh else s0[i] * momentum + grad[i]
        theta[i] -= learning_rate * s0[i]


def adam_kernel(theta, grad, s0, s1, fresh, steps, learning_rate, momentum, beta1, beta2, eps):
    m_correction, v_correction = 1 - beta1 ** steps, 1 - beta2 ** steps
    for i in range(len(theta)):
        s0[i] = s0[i] * beta1 + (1 - beta1) * grad[i]
        s1[i] = s1[i] * beta2 + (1 - beta2) * grad[i] * grad[i]
        m_hat, v_hat = s0[i] / m_correction, s1[i] / v_correction
        theta[i] -= learning_rate * m_hat / (math.sqrt(v_hat) + eps)


# Code export: each optimizer's update of the flat `theta` by `grad`, in NumPy. `values` holds
# Python literals: learning_rate, every hyperparameter, steps, and each state key (None when
# the state has none yet).
def sgd_numpy(values: dict[str, str | None]) -> list[str]:
    return [f"learning_rate = {values['learning_rate']}", "theta = theta - learning_rate * grad"]


def momentum_numpy(values: dict[str, str | None]) -> list[str]:
    velocity = values["velocity"]
    return [f"learning_rate, mu = {values['learning_rate']}, {values['momentum']}",
            "# v <- mu * v + g (v = g on the first step); w <- w - learning_rate * v",
            f"velocity = np.array({velocity})" if velocity else "velocity = grad.copy()",
            *(["velocity = mu * velocity + grad"] if velocity else []),
            "theta = theta - learning_rate * velocity"]


def adam_numpy(values: dict[str, str | None]) -> list[str]:
    m, v = values["m"], values["v"]
    return [f"learning_rate, beta1, beta2, eps = {values['learning_rate']}, {values['beta1']}, "
            f"{values['beta2']}, {values['eps']}",
            f"steps = {values['steps']} + 1",
            f"m = np.array({m})" if m else "m = np.zeros_like(theta)",
            f"v = np.array({v})" if v else "v = np.zeros_like(theta)",
            "m = beta1 * m + (1 - beta1) * grad",
            "v = beta2 * v + (1 - beta2) * grad**2",
            "m_hat = m / (1 - beta1**steps)  # bias corrections",
            "v_hat = v / (1 - beta2**steps)",
            "theta = theta - learning_rate * m_hat / (np.sqrt(v_hat) + eps)"]


@dataclass(frozen=True)
class OptimizerEntry:
    step: Callable[[Optimizer, np.ndarray, np.ndarray], None]
    label: str
    rule: str  # as the page writes it, g the gradient (with any penalty)
    hyperparameters: tuple[str, ...]  # keys of HYPERPARAMETERS it reads
    state_keys: tuple[str, ...]  # keys of STATE_KEYS it keeps
    numpy: Callable[[dict[str, str | None]], list[str]]  # code export, see above
    torch: str  # code export: the torch.optim constructor, formatted with `values`
    torch_state: dict[str, str] = field(default_factory=dict)  # torch's key: our flat one
    kernel: Callable[..., None] = field(kw_only=True)  # the step for the compiled engine


OPTIMIZERS: dict[str, OptimizerEntry] = {
    "sgd": OptimizerEntry(sgd_step, "gradient descent", "w ← w − η·g", (), (), sgd_numpy,
                          "torch.optim.SGD(parameters, lr={learning_rate})", kernel=sgd_kernel),
    "momentum": OptimizerEntry(
        momentum_step, "momentum", "v ← μ·v + g, w ← w − η·v", ("momentum",), ("velocity",),
        momentum_numpy, "torch.optim.SGD(parameters, lr={learning_rate}, momentum={momentum})",
        {"momentum_buffer": "part['velocity']"}, kernel=momentum_kernel),
    "adam": OptimizerEntry(
        adam_step, "Adam",
        "m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − η·m̂/(√v̂ + ε)",
        ("beta1", "beta2", "eps"), ("m", "v"), adam_numpy,
        "torch.optim.Adam(parameters, lr={learning_rate}, betas=({beta1}, {beta2}), eps={eps})",
        {"step": "torch.tensor(float({steps}))", "exp_avg": "part['m']",
         "exp_avg_sq": "part['v']"}, kernel=adam_kernel),
}
NAMES = tuple(OPTIMIZERS)
