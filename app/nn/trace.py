"""One training step with every intermediate kept: what the visualizer shows and the API returns.

Also the two views of a single parameter that make a derivative visible: the central finite
difference (the gradient check) and the loss along that parameter with all else held still.
"""

import math
from dataclasses import dataclass, replace

import numpy as np

from app.nn.divergence import diverged
from app.nn.losses import LOSSES
from app.nn.network import (
    LayerBackward,
    LayerForward,
    Network,
    backward,
    batch_loss,
    forward,
    update,
)
from app.nn.optimizers import Optimizer
from app.nn.train import flatten, regularize

FD_STEP = 1e-6


@dataclass
class PerExample:
    dL_dW: np.ndarray  # (examples, n_out, n_in)
    dL_db: np.ndarray  # (examples, n_out)


@dataclass
class GradientCheck:
    dL_dW: list[np.ndarray]
    dL_db: list[np.ndarray]
    max_relative_error: float


@dataclass
class Trace:
    loss: float
    forward: list[LayerForward]
    backward: list[LayerBackward]
    network: Network  # after the update
    loss_after: float
    per_example: list[PerExample] | None = None
    gradient_check: GradientCheck | None = None
    bound: float = math.inf  # values past ± this count as diverged (they cannot go on)
    optimizer: Optimizer | None = None  # after its step, when the update used one

    @property
    def diverged(self) -> bool:
        state = self.optimizer.state.values() if self.optimizer is not None else ()
        return diverged((self.loss, self.loss_after),
                        [*self.network.weights, *self.network.biases, *state], self.bound)


@dataclass(frozen=True)
class Update:
    """How a training step moves the parameters: plain gradient descent at `learning_rate`, or
    `optimizer`'s own step (PyTorch's rules, as /train steps), on the gradient plus the
    `regularization` penalty's term at `rate`; biases frozen unless `update_biases`."""

    learning_rate: float
    update_biases: bool = True
    optimizer: Optimizer | None = None
    regularization: str = "none"
    rate: float = 0.0

    def apply(self, net: Network, grads: list[LayerBackward]) -> Network:
        """The network after the step. The optimizer's state moves with it (a step changes
        its optimizer: pass a copy to look without moving)."""
        if self.optimizer is None and (self.regularization == "none" or self.rate == 0):
            return update(net, grads, self.learning_rate, self.update_biases)
        # plain descent with a penalty is SGD's step on the penalised gradient
        return optimizer_update(net, grads, self.optimizer or Optimizer("sgd", self.learning_rate),
                                self.update_biases, self.regularization, self.rate)

    def looking(self) -> "Update":
        """The same rule with a copy of its optimizer: applying it leaves this one as it is."""
        return self if self.optimizer is None else replace(self, optimizer=self.optimizer.copy())


def training_step(net: Network, x: np.ndarray, t: np.ndarray, loss: str, rule: Update, *,
                  per_example: bool = False, gradient_check: bool = False,
                  bound: float = math.inf) -> Trace:
    """Forward, loss, backward and the update `rule` makes, keeping everything in between.
    An update that leaves a parameter past ±`bound` (or not finite) makes the trace
    `diverged`."""
    cache = forward(net, x)
    grads = backward(net, x, t, loss, cache)
    new = rule.apply(net, grads)
    with np.errstate(over="ignore", invalid="ignore"):
        loss_before = LOSSES[loss].value(cache[-1].z, cache[-1].a, t)
    return Trace(
        loss=loss_before,
        forward=cache,
        backward=grads,
        network=new,
        loss_after=batch_loss(new, x, t, loss),
        per_example=per_example_gradients(x, cache, grads) if per_example else None,
        gradient_check=numeric_gradients(net, x, t, loss, grads) if gradient_check else None,
        bound=bound,
        optimizer=rule.optimizer,
    )


def optimizer_update(net: Network, grads: list[LayerBackward], optimizer: Optimizer,
                     update_biases: bool, regularization: str, rate: float) -> Network:
    """One step of `optimizer` (PyTorch's rules) on the flat parameter vector, exactly as
    /train steps. Frozen biases keep their values and their optimizer state."""
    flat = flatten(net)
    for l, g in enumerate(grads):
        flat.grad_w[l][...] = g.dL_dW
        flat.grad_b[l][...] = g.dL_db
    regularize(flat, regularization, rate)
    kept = {k: v[flat.n_weights:].copy() for k, v in optimizer.state.items()}
    with np.errstate(over="ignore", invalid="ignore"):
        optimizer.step(flat.theta, flat.grad)
    if not update_biases:
        flat.theta[flat.n_weights:] = np.concatenate([b.ravel() for b in net.biases])
        for key, value in optimizer.state.items():
            value[flat.n_weights:] = kept.get(key, 0.0)
    return flat.net


def per_example_gradients(x: np.ndarray, cache: list[LayerForward],
                          grads: list[LayerBackward]) -> list[PerExample]:
    """Each example's own gradient: the batch loss is their mean, so each is N times its row."""
    n = x.shape[0]
    result = []
    for l, g in enumerate(grads):
        a_prev = cache[l - 1].a if l > 0 else x
        with np.errstate(over="ignore", invalid="ignore"):
            dL_dW = n * np.einsum("ej,ek->ejk", g.dL_dz, a_prev)
            result.append(PerExample(dL_dW, n * g.dL_dz))
    return result


def numeric_gradients(net: Network, x: np.ndarray, t: np.ndarray, loss: str,
                      grads: list[LayerBackward]) -> GradientCheck:
    """Central differences (L(p + h) - L(p - h)) / 2h for every weight and bias."""
    probe = net.copy()

    def slope(param: np.ndarray, index: tuple[int, ...]) -> float:
        saved = param[index]
        param[index] = saved + FD_STEP
        up = batch_loss(probe, x, t, loss)
        param[index] = saved - FD_STEP
        down = batch_loss(probe, x, t, loss)
        param[index] = saved
        return (up - down) / (2 * FD_STEP)

    dL_dW = [np.zeros_like(w) for w in probe.weights]
    dL_db = [np.zeros_like(b) for b in probe.biases]
    for l in range(len(probe.weights)):
        for index in np.ndindex(probe.weights[l].shape):
            dL_dW[l][index] = slope(probe.weights[l], index)
        for index in np.ndindex(probe.biases[l].shape):
            dL_db[l][index] = slope(probe.biases[l], index)
    analytic = np.concatenate([np.ravel(a) for g in grads for a in (g.dL_dW, g.dL_db)])
    numeric = np.concatenate([np.ravel(a) for pair in zip(dL_dW, dL_db) for a in pair])
    return GradientCheck(dL_dW, dL_db, relative_error(analytic, numeric))


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """Worst |a - n| / max(|a|, |n|), with a floor so two near-zero values count as agreeing."""
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), 1e-7)
        return float(np.max(np.abs(analytic - numeric) / scale))


def loss_slice(net: Network, x: np.ndarray, t: np.ndarray, loss: str, kind: str, layer: int,
               index: tuple[int, ...], values: np.ndarray) -> np.ndarray:
    """The loss at each of `values` for one parameter, every other value held constant."""
    probe = net.copy()
    param = (probe.weights if kind == "weight" else probe.biases)[layer]
    losses = np.empty(len(values))
    for i, v in enumerate(values):
        param[index] = v
        losses[i] = batch_loss(probe, x, t, loss)
    return losses


@dataclass
class ParameterSlice:
    """The loss along one parameter: the curve, the point it is at, its slope, the update."""

    values: np.ndarray
    losses: np.ndarray
    value: float
    loss: float
    slope: float
    updated: float
    updated_loss: float


def slice_range(value: float, step: float) -> tuple[float, float]:
    """Wide enough to show the curve bend, and always wide enough to show where the update lands:
    the value ± max(2, |value|, 2.5·|step|) (± 2 + |value| when the step is not finite)."""
    half = max(2.0, abs(value), 2.5 * abs(step)) if np.isfinite(step) else 2.0 + abs(value)
    return value - half, value + half


def parameter_slice(net: Network, x: np.ndarray, t: np.ndarray, loss: str, kind: str, layer: int,
                    index: tuple[int, ...], rule: Update, *, points: int,
                    span: tuple[float, float] | None = None) -> ParameterSlice:
    """The loss as one parameter varies over `span` (default `slice_range`), all else held still,
    with the slope dL/dparameter at its value and where the training step's real update (`rule`:
    its optimizer with its state, its penalty, frozen biases) moves it."""
    grads = backward(net, x, t, loss, forward(net, x))
    value = float((net.weights if kind == "weight" else net.biases)[layer][index])
    slope = float((grads[layer].dL_dW if kind == "weight" else grads[layer].dL_db)[index])
    with np.errstate(over="ignore", invalid="ignore"):
        moved = rule.looking().apply(net, grads)
    updated = float((moved.weights if kind == "weight" else moved.biases)[layer][index])
    lo, hi = span if span is not None else slice_range(value, value - updated)
    values = np.linspace(lo, hi, points)
    return ParameterSlice(
        values=values, losses=loss_slice(net, x, t, loss, kind, layer, index, values),
        value=value, loss=batch_loss(net, x, t, loss), slope=slope, updated=updated,
        updated_loss=float(loss_slice(net, x, t, loss, kind, layer, index, np.array([updated]))[0]))
