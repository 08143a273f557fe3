"""Training over many epochs, fast: the lab's engine.

The parameters live in one flat vector (all weights, then all biases) that the network's
matrices view, and so does the gradient. Each epoch's mini-batches (forward, backward, the
penalty and the optimizer's step) and its record (losses, accuracies, the training set's
gradient norms) run in compiled kernels (app/nn/kernel.py), from the same registries as
`network.py`; the epochs themselves run here, so the shuffles, the caller's stop and the
divergence rule are in one readable loop.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from app.nn import kernel
from app.nn.activations import ACTIVATIONS
from app.nn.datasets import DOMAIN, features
from app.nn.divergence import diverged
from app.nn.network import Network
from app.nn.optimizers import OPTIMIZERS, Optimizer
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


def as_kernel_array(a: np.ndarray) -> np.ndarray:
    """float64, C-ordered and writeable: the one type the kernels are compiled for."""
    return np.require(a, np.float64, ["C", "W"])


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
    data = [as_kernel_array(a) for a in (
        x_train, targets_for(y_train, n_out, classification), y_train,
        x_test, targets_for(y_test, n_out, classification), y_test)]
    rules = kernel.plan(flat.net.weights, flat.net.activations, loss, regularization, rate,
                        optimizer)
    # The optimizer's state as the kernel steps it, one row a key of its entry's; the
    # optimizer's own state views these rows once it has any.
    keys = OPTIMIZERS[optimizer.name].state_keys
    state = np.zeros((2, flat.theta.size))
    for row, key in zip(state, keys):
        if key in optimizer.state:
            row[...] = optimizer.state[key]
            optimizer.state[key] = row
    fresh = not any(key in optimizer.state for key in keys)
    run = Run(flat.net, optimizer)
    n = len(x_train)
    for epoch in range(start_epoch + 1, start_epoch + epochs + 1):
        if stopped():
            break
        # Kept so a diverging epoch can be undone: the answer is the last finite state.
        saved = flat.theta.copy(), state.copy(), optimizer.steps, dict(optimizer.state)
        order = np.random.default_rng([seed, epoch]).permutation(n)
        kernel.train_epoch(flat.theta, state, *rules, data[0], data[1], order, batch_size,
                           int(fresh), optimizer.steps)
        optimizer.steps += -(-n // batch_size)
        if fresh and n:
            fresh = False
            optimizer.state.update(zip(keys, state))
        record = evaluate(flat, rules, data, epoch, classification)
        if diverged((record.train_loss,), (flat.theta, *optimizer.state.values()), bound):
            run.diverged_at = epoch
            flat.theta[...], state[...] = saved[0], saved[1]
            optimizer.steps, optimizer.state = saved[2], saved[3]
            break
        run.history.append(record)
    return run


NO_GRADIENT = np.empty(0)


def evaluate(flat: Flat, rules: tuple, data: list[np.ndarray], epoch: int,
             classification: bool) -> Epoch:
    """The epoch's losses, accuracies and per-layer norms of the full training-set gradient."""
    x_train, t_train, y_train, x_test, t_test, y_test = data
    norms = np.empty(len(flat.grad_w))
    train_loss, train_right = kernel.evaluate(flat.theta, *rules[:2], x_train, t_train, y_train,
                                              flat.grad, norms)
    test_loss = test_right = None
    if len(x_test):
        test_loss, test_right = kernel.evaluate(flat.theta, *rules[:2], x_test, t_test, y_test,
                                                NO_GRADIENT, NO_GRADIENT)
    return Epoch(epoch, train_loss, test_loss,
                 train_right / len(x_train) if classification else None,
                 test_right / len(x_test) if classification and len(x_test) else None,
                 norms.tolist())


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
