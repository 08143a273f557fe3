"""Training over many epochs, fast: the lab's engine.

The parameters live in one flat vector (all weights, then all biases) that the network's
matrices view, and the gradients in another, so regularisation and the optimizer's step are a
few vector operations. Forward and backward use the same activation and loss registries as
`network.py`; the tests check both give the same gradients.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.nn.activations import ACTIVATIONS, softmax_backward
from app.nn.datasets import DOMAIN, features
from app.nn.divergence import diverged
from app.nn.losses import LOSSES
from app.nn.network import Network
from app.nn.optimizers import Optimizer
from app.nn.regularizers import REGULARIZERS

# A neuron counts as saturated for an example where its activation's slope is below this share
# of the slope's largest value (its entry's max_slope): gradients through it nearly vanish.
SATURATION = 0.05


@dataclass
class Flat:
    """A network whose weights and biases are views into one vector, and gradients likewise."""

    net: Network
    theta: np.ndarray
    grad: np.ndarray
    grad_w: list[np.ndarray]
    grad_b: list[np.ndarray]
    n_weights: int


def flatten(net: Network) -> Flat:
    shapes = [w.shape for w in net.weights]
    n_weights = sum(r * c for r, c in shapes)
    size = n_weights + sum(r for r, _ in shapes)
    theta, grad = np.empty(size), np.zeros(size)

    def views(buffer: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        ws, bs, at = [], [], 0
        for r, c in shapes:
            ws.append(buffer[at:at + r * c].reshape(r, c))
            at += r * c
        for r, _ in shapes:
            bs.append(buffer[at:at + r])
            at += r
        return ws, bs

    weights, biases = views(theta)
    for dst, src in zip(weights + biases, net.weights + net.biases):
        dst[...] = src
    grad_w, grad_b = views(grad)
    return Flat(Network(weights, biases, list(net.activations)), theta, grad, grad_w, grad_b,
                n_weights)


def forward_all(net: Network, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """z and a for every layer, inputs first in `a`."""
    zs, acts = [], [x]
    for W, b, name in zip(net.weights, net.biases, net.activations):
        z = acts[-1] @ W.T
        z += b
        zs.append(z)
        acts.append(ACTIVATIONS[name].output(z))
    return zs, acts


def gradients(flat: Flat, x: np.ndarray, t: np.ndarray, loss: str) -> tuple[list, list]:
    """Fills flat.grad with dL/dtheta for the batch; returns the forward values (z and a)."""
    net, spec = flat.net, LOSSES[loss]
    zs, acts = forward_all(net, x)
    last = len(net.weights) - 1
    a_out = acts[-1]
    if spec.fused_with == net.activations[last]:
        delta = spec.fused_dL_dz(a_out, t)
    else:
        dL_da = spec.dL_da(a_out, t)
        act = ACTIVATIONS[net.activations[last]]
        delta = (softmax_backward(a_out, dL_da) if act.der is None
                 else dL_da * act.der(zs[last], a_out))
    for l in range(last, -1, -1):
        np.matmul(delta.T, acts[l], out=flat.grad_w[l])
        np.add.reduce(delta, axis=0, out=flat.grad_b[l])  # np.sum, without its wrapper's cost
        if l:
            act = ACTIVATIONS[net.activations[l - 1]]
            delta = (delta @ net.weights[l]) * act.der(zs[l - 1], acts[l])
    return zs, acts


def regularize(flat: Flat, kind: str, rate: float) -> None:
    """Adds the penalty's gradient on the weights (not the biases): L2 rate*w, L1 rate*sign(w)."""
    if kind == "none" or rate == 0:
        return
    flat.grad[:flat.n_weights] += rate * REGULARIZERS[kind].gradient(flat.theta[:flat.n_weights])


@dataclass
class Epoch:
    epoch: int
    train_loss: float
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    grad_norms: list[float]


@dataclass
class Run:
    net: Network
    optimizer: Optimizer
    history: list[Epoch] = field(default_factory=list)
    diverged_at: int | None = None


def targets_for(y: np.ndarray, n_outputs: int, classification: bool) -> np.ndarray:
    """Labels as the network's targets: one column, or one-hot over the outputs."""
    if classification and n_outputs > 1:
        return np.eye(n_outputs)[y.astype(int)]
    return y.reshape(-1, 1)


def accuracy(a: np.ndarray, y: np.ndarray) -> float:
    predicted = a.argmax(axis=1) if a.shape[1] > 1 else (a[:, 0] > 0.5)
    return float(np.mean(predicted == y))


def train(net: Network, loss: str, x_train: np.ndarray, y_train: np.ndarray,
          x_test: np.ndarray, y_test: np.ndarray, *, optimizer: Optimizer, batch_size: int,
          epochs: int, start_epoch: int = 0, seed: int = 0, regularization: str = "none",
          rate: float = 0.0, classification: bool = True,
          stopped: Callable[[], bool] = lambda: False, bound: float = np.inf) -> Run:
    """Runs `epochs` epochs of mini-batch training and records each one; `stopped` is asked
    before each epoch, and a True ends the run there (its caller has gone). An epoch that
    leaves the loss, a parameter or the optimizer's state not finite or past ±`bound` has
    diverged: the run ends, with the state before it.

    The order of the examples in epoch e depends only on (seed, e), so training for 10 epochs
    and then 10 more gives exactly what 20 at once gives.
    """
    flat = flatten(net)
    n_out = net.weights[-1].shape[0]
    t_train = targets_for(y_train, n_out, classification)
    t_test = targets_for(y_test, n_out, classification)
    run = Run(flat.net, optimizer)
    n = len(x_train)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(start_epoch + 1, start_epoch + epochs + 1):
            if stopped():
                break
            # Kept so a diverging epoch can be undone: the answer is the last finite state.
            saved = (flat.theta.copy(), optimizer.steps,
                     {k: v.copy() for k, v in optimizer.state.items()})
            order = np.random.default_rng([seed, epoch]).permutation(n)
            # Shuffled once an epoch, so each batch is a slice (a view), not a gather.
            xs, ts = x_train[order], t_train[order]
            for start in range(0, n, batch_size):
                gradients(flat, xs[start:start + batch_size], ts[start:start + batch_size], loss)
                regularize(flat, regularization, rate)
                optimizer.step(flat.theta, flat.grad)
            record = evaluate(flat, loss, x_train, y_train, t_train, x_test, y_test, t_test,
                              epoch, classification)
            if diverged((record.train_loss,), (flat.theta, *optimizer.state.values()), bound):
                run.diverged_at = epoch
                flat.theta[...] = saved[0]
                optimizer.steps, optimizer.state = saved[1], saved[2]
                break
            run.history.append(record)
    return run


def evaluate(flat: Flat, loss: str, x_train, y_train, t_train, x_test, y_test, t_test,
             epoch: int, classification: bool) -> Epoch:
    """The epoch's losses, accuracies and per-layer norms of the full training-set gradient."""
    zs, acts = gradients(flat, x_train, t_train, loss)
    train_loss = LOSSES[loss].value(zs[-1], acts[-1], t_train)
    norms = [float(np.linalg.norm(g)) for g in flat.grad_w]
    test_loss = test_acc = None
    if len(x_test):
        zs, test_acts = forward_all(flat.net, x_test)
        test_loss = LOSSES[loss].value(zs[-1], test_acts[-1], t_test)
        test_acc = accuracy(test_acts[-1], y_test) if classification else None
    train_acc = accuracy(acts[-1], y_train) if classification else None
    return Epoch(epoch, float(train_loss), test_loss, train_acc, test_acc, norms)


def neuron_health(net: Network, x: np.ndarray) -> list[dict[str, list]]:
    """Per layer: which neurons are dead (no example activates them) and how saturated each is."""
    zs, acts = forward_all(net, x)
    report = []
    for z, a, name in zip(zs, acts[1:], net.activations):
        act = ACTIVATIONS[name]
        # Only ReLU can die: leaky ReLU keeps a slope of 0.01 below zero, so it still learns.
        dead = (z <= 0).all(axis=0) if act.can_die else np.zeros(z.shape[1], bool)
        if act.saturates:
            saturated = (act.der(z, a) < SATURATION * act.max_slope).mean(axis=0)
        else:
            saturated = np.zeros(z.shape[1])
        report.append({"dead": dead.tolist(), "saturated": saturated.tolist()})
    return report


def grid_outputs(net: Network, grid_inputs: np.ndarray) -> list[np.ndarray]:
    """Every neuron's activation at every grid point, per layer: (points, neurons)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return forward_all(net, grid_inputs)[1][1:]


GRID_DECIMALS = 4  # a heatmap needs far less than 17 digits


def grid(resolution: int, inputs: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid's axis over [-DOMAIN, DOMAIN] and its points, row by row (x2 rows from the
    bottom up, x1 columns); for one-input data, the axis alone."""
    axis = np.linspace(-DOMAIN, DOMAIN, resolution)
    if inputs == 1:
        return axis, axis.reshape(-1, 1)
    x1, x2 = np.meshgrid(axis, axis)
    return axis, np.stack([x1.ravel(), x2.ravel()], axis=1)


def output_grids(net: Network, feature_names: list[str], inputs: int, resolution: int,
                 neuron_resolution: int = 0) -> dict:
    """The outputs over a grid of the input plane, and every hidden neuron's on a second grid
    when `neuron_resolution` is not 0: one row per neuron, rounded to GRID_DECIMALS."""
    def on_grid(res: int) -> tuple[np.ndarray, list[np.ndarray]]:
        axis, points = grid(res, inputs)
        layers = grid_outputs(net, features(points, feature_names))
        return axis, [np.round(a.T, GRID_DECIMALS) for a in layers]

    axis, layers = on_grid(resolution)
    hidden = on_grid(neuron_resolution)[1][:-1] if neuron_resolution else None
    return {"resolution": resolution, "x1": axis, "x2": axis if inputs == 2 else None,
            "outputs": layers[-1], "neuron_resolution": neuron_resolution, "hidden": hidden}
