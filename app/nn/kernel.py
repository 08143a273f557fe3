"""The training engine's compiled kernels (numba): one epoch of mini-batch training, and the
record of an epoch (a set's loss and accuracy, and the training set's gradient).

Why compiled: the lab's networks are tiny (2-8-8-1), so numpy spent its time between calls,
not in them: about forty calls a mini-batch, each a few microseconds whatever its size. Here a
whole epoch is one call: each mini-batch in blocks of up to BLOCK examples, layer by layer
(forward, then backward with the batch's gradient summed example by example), then the penalty
and the optimizer's step.

Every named rule is its registry entry's `kernel` twin (activations, losses, regularizers,
optimizers): `chain` turns a registry's twins into one compiled function that takes the entry's
position as an integer code. So the kernels take the network's activations, its loss, penalty
and optimizer as integer arrays, numba compiles ONE signature of each whatever the network
(`warm_up` compiles them), and a new activation is still one entry.

Numbers: error_model="numpy" (1/0 is inf, as in numpy), no fastmath (nothing reordered). Sums
run in a fixed order (over k in a neuron's inputs, then the examples in batch order), where
numpy's matrix products leave theirs to BLAS: the two differ in the last bits, and the tests
hold the engine to PyTorch within 1e-12.

The compiled code is cached on disk (cache=True): in __pycache__ beside this file, or numba's
user cache directory where that is read only. Numba checks only this file for a stale cache,
so the kernels close over a fingerprint of the registry files whose twins they compile: numba
keys each cached entry by its closure's values, and a changed twin compiles afresh.
"""

import hashlib
import inspect
import math

import numpy as np
from numba import njit

from app.nn import activations, losses, optimizers, regularizers
from app.nn.activations import ACTIVATIONS
from app.nn.losses import LOSSES
from app.nn.optimizers import HYPERPARAMETERS, OPTIMIZERS, Optimizer
from app.nn.regularizers import REGULARIZERS

compiled = njit(error_model="numpy")  # inner functions: compiled into the kernels that call them
# The kernels touch no Python object: they let go of the GIL, so the server's event loop and
# other requests go on while one trains.
cached = njit(cache=True, error_model="numpy", nogil=True)

# Positions in the `codes` array the kernels take: the loss and whether its delta is fused with
# the output activation, whether its mean is over every term (else over the rows), the penalty
# and the optimizer by registry position; then each layer's activation.
LOSS, FUSED, PER_TERM, PENALTY, OPTIMIZER, LAYERS = range(6)
# Positions in the `settings` array: the learning rate, the penalty's rate, then every
# hyperparameter in HYPERPARAMETERS' order (the optimizers' twins take them in that order).
LEARNING_RATE, PENALTY_RATE, HYPER = range(3)
# Columns of the `layout` array, one row a layer: its size, its inputs, where its weights
# (row by row) and its biases start in theta.
N_OUT, N_IN, WEIGHTS, BIASES = range(4)


def chain(functions: list) -> object:
    """One compiled function, call(code, *args), that calls functions[code](*args): a chain of
    closures each testing one code, so that numba compiles a choice among them."""
    first = compiled(functions[0])
    if len(functions) == 1:
        def call(code, *args):
            return first(*args)
    else:
        rest = chain(functions[1:])

        def call(code, *args):
            if code == 0:
                return first(*args)
            return rest(code - 1, *args)
    return compiled(call)


def activation_blocks(entry: activations.Activation) -> tuple:
    """An activation on a block of examples (one row each) of a layer: forward(z, a) writes a,
    and backward(z, a, dL_da, dL_dz) writes dL/dz. Softmax's twin works on a row."""
    output, der = (compiled(f) for f in entry.kernel)
    if entry.der is None:
        def forward_rows(z, a):
            for i in range(len(z)):
                output(z[i], a[i])

        def backward_rows(z, a, dL_da, dL_dz):
            for i in range(len(z)):
                der(a[i], dL_da[i], dL_dz[i])
        return forward_rows, backward_rows

    def forward(z, a):
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                a[i, j] = output(z[i, j])

    def backward(z, a, dL_da, dL_dz):
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                dL_dz[i, j] = dL_da[i, j] * der(z[i, j], a[i, j])
    return forward, backward


def unfused(a, t):
    return math.nan  # never called: a loss without a fused delta is never asked for one


def loss_blocks(entry: losses.Loss) -> tuple:
    """A loss on a block of examples: value(z, a, t) the sum of their terms; slope(a, t, out,
    count) and delta(a, t, out, count) write dL/da and the fused dL/dz, each term's divided by
    `count` (the terms or the rows the mean is over), as the numpy rules divide."""
    value, slope, fused = (compiled(f or unfused) for f in entry.kernel)

    def value_rows(z, a, t):
        total = 0.0
        for i in range(len(z)):
            total += value(z[i], a[i], t[i])
        return total

    def slope_block(a, t, out, count):
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                out[i, j] = slope(a[i, j], t[i, j]) / count

    def delta_block(a, t, out, count):
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                out[i, j] = fused(a[i, j], t[i, j]) / count
    return value_rows, slope_block, delta_block


FORWARD, BACKWARD = (chain(list(blocks)) for blocks in zip(
    *(activation_blocks(e) for e in ACTIVATIONS.values())))
LOSS_VALUE, LOSS_SLOPE, LOSS_DELTA = (chain(list(blocks)) for blocks in zip(
    *(loss_blocks(e) for e in LOSSES.values())))
PENALTY_GRADIENT = chain([e.kernel for e in REGULARIZERS.values()])
OPTIMIZER_STEP = chain([e.kernel for e in OPTIMIZERS.values()])

# Examples a block: each layer's values for a block are computed together (one call of its
# activation for all of them), in buffers of this many rows whatever the batch.
BLOCK = 64


@compiled
def buffers(layout):
    """Room for a block's z, a, deltas, dL/da and targets in every layer (each written before
    it is read)."""
    width = max(layout[:, N_OUT].max(), layout[0, N_IN])
    layers = layout.shape[0]
    return (np.empty((layers, BLOCK, width)), np.empty((layers + 1, BLOCK, width)),
            np.empty((layers, BLOCK, width)), np.empty((BLOCK, width)),
            np.empty((BLOCK, layout[layers - 1, N_OUT])))


@compiled
def gather(x, t, rows, a, targets):
    """The block's inputs into a[0] and its targets, row by row."""
    for i in range(len(rows)):
        for k in range(x.shape[1]):
            a[0, i, k] = x[rows[i], k]
        for k in range(t.shape[1]):
            targets[i, k] = t[rows[i], k]


@compiled
def transpose_weights(theta, layout, wt):
    """Each layer's weights column by column into wt, at the same offsets: what forward_block
    reads, so that its innermost loop runs along contiguous memory (and vectorizes)."""
    for l in range(layout.shape[0]):
        n_out, n_in, w = layout[l, N_OUT], layout[l, N_IN], layout[l, WEIGHTS]
        for j in range(n_out):
            for k in range(n_in):
                wt[w + k * n_out + j] = theta[w + j * n_in + k]


@compiled
def forward_block(theta, wt, layout, codes, z, a, m):
    """z and a of every layer for the block's m examples, whose inputs are in a[0]; wt holds
    the weights transposed (transpose_weights)."""
    for l in range(layout.shape[0]):
        n_out, n_in, w, b = layout[l, N_OUT], layout[l, N_IN], layout[l, WEIGHTS], layout[l, BIASES]
        for i in range(m):
            # Each z a sum over k in order, the neurons' sums advancing together.
            z_i, a_i = z[l, i, :n_out], a[l, i, :n_in]
            z_i[:] = 0.0
            for k in range(n_in):
                a_k, w_k = a_i[k], wt[w + k * n_out:w + (k + 1) * n_out]
                for j in range(n_out):
                    z_i[j] += a_k * w_k[j]
            for j in range(n_out):
                z_i[j] += theta[b + j]
        FORWARD(codes[LAYERS + l], z[l, :m, :n_out], a[l + 1, :m, :n_out])


@compiled
def backward_block(theta, layout, codes, targets, count, z, a, delta, dL_da, grad, m):
    """Adds the block's dL/dtheta to grad, example by example, from the values forward_block
    left; the loss's mean divides by `count`."""
    last = layout.shape[0] - 1
    n = layout[last, N_OUT]
    out, t = a[last + 1, :m, :n], targets[:m]
    if codes[FUSED]:
        LOSS_DELTA(codes[LOSS], out, t, delta[last, :m, :n], count)
    else:
        LOSS_SLOPE(codes[LOSS], out, t, dL_da[:m, :n], count)
        BACKWARD(codes[LAYERS + last], z[last, :m, :n], out, dL_da[:m, :n], delta[last, :m, :n])
    # The loops run over rows as 1-d views, which the compiler vectorizes (not indices).
    for l in range(last, -1, -1):
        n_out, n_in, w, b = layout[l, N_OUT], layout[l, N_IN], layout[l, WEIGHTS], layout[l, BIASES]
        for i in range(m):
            a_i = a[l, i, :n_in]
            for j in range(n_out):
                d, grad_j = delta[l, i, j], grad[w + j * n_in:w + (j + 1) * n_in]
                for k in range(n_in):
                    grad_j[k] += d * a_i[k]
                grad[b + j] += d
        if l:
            # dL/da of the layer below: each of its neurons' weights times the deltas it feeds
            for i in range(m):
                dL_da_i = dL_da[i, :n_in]
                dL_da_i[:] = 0.0
                for j in range(n_out):
                    d, w_j = delta[l, i, j], theta[w + j * n_in:w + (j + 1) * n_in]
                    for k in range(n_in):
                        dL_da_i[k] += d * w_j[k]
            BACKWARD(codes[LAYERS + l - 1], z[l - 1, :m, :n_in], a[l, :m, :n_in],
                     dL_da[:m, :n_in], delta[l - 1, :m, :n_in])


@compiled
def mean_count(layout, codes, rows):
    """What the loss's mean divides by: every term, or the rows."""
    return rows * layout[layout.shape[0] - 1, N_OUT] if codes[PER_TERM] else rows


def plan(weights: list[np.ndarray], layer_activations: list[str], loss: str,
         regularization: str, rate: float, optimizer: Optimizer) -> tuple[np.ndarray, ...]:
    """The layout, codes and settings arrays the kernels take, for a network with these weight
    matrices and activations trained with this loss, penalty and optimizer."""
    layout = np.zeros((len(weights), 4), np.int64)
    layout[:, N_OUT], layout[:, N_IN] = zip(*(w.shape for w in weights))
    sizes = layout[:, N_OUT] * layout[:, N_IN]
    layout[:, WEIGHTS] = np.cumsum(sizes) - sizes
    layout[:, BIASES] = sizes.sum() + np.cumsum(layout[:, N_OUT]) - layout[:, N_OUT]
    spec = LOSSES[loss]
    codes = [position(LOSSES, loss), spec.fused_with == layer_activations[-1],
             spec.reduction == "mean", position(REGULARIZERS, regularization),
             position(OPTIMIZERS, optimizer.name)]
    codes += [position(ACTIVATIONS, name) for name in layer_activations]
    # Like train.regularize: no penalty at all when there is none or its rate is 0.
    rate = 0.0 if regularization == "none" else rate
    settings = [optimizer.learning_rate, rate, *(optimizer.settings[k] for k in HYPERPARAMETERS)]
    return layout, np.array(codes, np.int64), np.array(settings, np.float64)


def position(registry: dict, name: str) -> int:
    return list(registry).index(name)


def fingerprint() -> int:
    """Of the files whose twins the kernels compile (see the module's docstring)."""
    digest = hashlib.sha256()
    for module in (activations, losses, optimizers, regularizers):
        with open(inspect.getsourcefile(module), "rb") as source:
            digest.update(source.read())
    return int(digest.hexdigest()[:15], 16)


@compiled
def predicted(out):
    """The class the outputs predict: the first largest (or the first NaN, as np.argmax), or
    for one output, whether it is over 0.5."""
    if len(out) == 1:
        return 1.0 if out[0] > 0.5 else 0.0
    best = 0
    for j in range(1, len(out)):
        if out[best] != out[best]:
            break
        if out[j] > out[best] or out[j] != out[j]:
            best = j
    return float(best)


def build(version: int) -> tuple:
    """The cached kernels, closed over `version` (the fingerprint) for numba's cache key."""

    @cached
    def train_epoch(theta, state, layout, codes, settings, x, t, order, batch_size, fresh,
                    steps):
        """One epoch of mini-batches over x[order], each a step of the optimizer (its state
        rows in `state`, `fresh` when it has none yet) after `steps` steps."""
        _ = version  # in numba's cache key
        z, a, delta, dL_da, targets = buffers(layout)
        grad = np.zeros_like(theta)
        n_weights = layout[0, BIASES]
        wt = np.empty(n_weights)
        transpose_weights(theta, layout, wt)
        rate = settings[PENALTY_RATE]
        h = settings[HYPER:]
        for start in range(0, len(order), batch_size):
            stop = min(start + batch_size, len(order))
            count = mean_count(layout, codes, stop - start)
            grad[:] = 0.0
            for first in range(start, stop, BLOCK):
                m = min(BLOCK, stop - first)
                gather(x, t, order[first:first + m], a, targets)
                forward_block(theta, wt, layout, codes, z, a, m)
                backward_block(theta, layout, codes, targets, count, z, a, delta, dL_da, grad, m)
            if rate != 0.0:
                for p in range(n_weights):
                    grad[p] += rate * PENALTY_GRADIENT(codes[PENALTY], theta[p])
            steps += 1
            # One argument a hyperparameter, in HYPERPARAMETERS' order (a test holds the twins
            # to it): a new hyperparameter is one more here.
            OPTIMIZER_STEP(codes[OPTIMIZER], theta, grad, state[0], state[1], fresh,
                           float(steps), settings[LEARNING_RATE], h[0], h[1], h[2], h[3])
            fresh = 0
            transpose_weights(theta, layout, wt)

    @cached
    def evaluate(theta, layout, codes, x, t, y, grad, norms):
        """The set's mean loss and how many examples the outputs classify as y; when `grad` is
        not empty, the set's gradient in it and each layer's weights' gradient norm in norms."""
        _ = version  # in numba's cache key
        z, a, delta, dL_da, targets = buffers(layout)
        last = layout.shape[0] - 1
        n = layout[last, N_OUT]
        count = mean_count(layout, codes, len(x))
        rows = np.arange(len(x))
        wt = np.empty(layout[0, BIASES])
        transpose_weights(theta, layout, wt)
        total, correct = 0.0, 0
        grad[:] = 0.0
        for first in range(0, len(x), BLOCK):
            m = min(BLOCK, len(x) - first)
            gather(x, t, rows[first:first + m], a, targets)
            forward_block(theta, wt, layout, codes, z, a, m)
            total += LOSS_VALUE(codes[LOSS], z[last, :m, :n], a[last + 1, :m, :n], targets[:m])
            for i in range(m):
                correct += predicted(a[last + 1, i, :n]) == y[first + i]
            if len(grad):
                backward_block(theta, layout, codes, targets, count, z, a, delta, dL_da, grad, m)
        for l in range(len(norms)):
            w, size = layout[l, WEIGHTS], layout[l, N_OUT] * layout[l, N_IN]
            squares = 0.0
            for p in range(w, w + size):
                squares += grad[p] * grad[p]
            norms[l] = math.sqrt(squares)
        return total / count, correct

    return train_epoch, evaluate


train_epoch, evaluate = build(fingerprint())


def warm_up() -> None:
    """Compiles the kernels' one signature each (or loads it from numba's cache), so that no
    request waits for it: one epoch of a one-neuron network on one example."""
    layout, codes, settings = plan([np.zeros((1, 1))], ["linear"], "mse", "none", 0.0,
                                   Optimizer("sgd", 0.1))
    theta, x, t = np.zeros(2), np.zeros((1, 1)), np.zeros((1, 1))
    train_epoch(theta, np.zeros((2, 2)), layout, codes, settings, x, t, np.zeros(1, np.int64),
                1, 1, 0)
    evaluate(theta, layout, codes, x, t, np.zeros(1), np.zeros(2), np.zeros(1))
