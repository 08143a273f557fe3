"""The compiled engine's kernels: every registry entry's twin against the numpy rule of the same
entry, the kernels' gradient against the traced one, and one compiled signature whatever the
network (what warm_up compiles is what every request runs)."""

import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from app.nn import kernel
from app.nn.activations import ACTIVATIONS, OUTPUT_ONLY, softmax_backward
from app.nn.losses import LOSSES
from app.nn.network import backward, forward, init_network
from app.nn.optimizers import HYPERPARAMETERS, OPTIMIZERS, Optimizer
from app.nn.regularizers import REGULARIZERS
from app.nn.train import flatten, targets_for, train

compiled = njit(error_model="numpy")
# A spread of z: saturating ends (sigmoid's e^-z overflows past 709), both sides of tanh's
# switch at 0.625, z = 0 and tiny values, and a cloud of ordinary ones.
Z = np.concatenate([np.linspace(-40, 40, 801), [-800.0, -710.0, -50.0, -0.625, -1e-300, 0.0,
                                                 1e-300, 0.625, 0.6249999, 50.0, 710.0, 800.0],
                    np.random.default_rng(0).normal(size=500)])
ELEMENT_WISE = [name for name, entry in ACTIVATIONS.items() if entry.der is not None]


@pytest.mark.parametrize("name", ELEMENT_WISE)
def test_an_activations_twin_is_its_numpy_rule(name):
    entry = ACTIVATIONS[name]
    output, der = (compiled(f) for f in entry.kernel)
    a = entry.output(Z)
    np.testing.assert_allclose([output(z) for z in Z], a, rtol=1e-15, atol=0)
    np.testing.assert_allclose([der(z, y) for z, y in zip(Z, a)], entry.der(Z, a), rtol=1e-15,
                               atol=0)


def test_relu_has_no_slope_at_zero():
    """PyTorch's choice, as the numpy rule makes it."""
    assert compiled(ACTIVATIONS["relu"].kernel[1])(0.0, 0.0) == 0.0


@pytest.mark.parametrize("name", sorted(OUTPUT_ONLY))
def test_a_row_wise_twin_is_its_numpy_rule_row_by_row(name):
    entry = ACTIVATIONS[name]
    output, backward_row = (compiled(f) for f in entry.kernel)
    rng = np.random.default_rng(1)
    z = np.concatenate([rng.normal(size=(50, 3)) * 5, [[800.0, 0.0, -800.0]]])
    dL_da = rng.normal(size=z.shape)
    a, dL_dz = np.empty_like(z), np.empty_like(z)
    for row in range(len(z)):
        output(z[row], a[row])
        backward_row(a[row], dL_da[row], dL_dz[row])
    np.testing.assert_allclose(a, entry.output(z), rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(dL_dz, softmax_backward(a, dL_da), rtol=1e-14, atol=1e-300)


def loss_case(name, rng):
    """z, a and t as the loss meets them: its required output activation, 2 outputs."""
    z = np.concatenate([rng.normal(size=(40, 2)) * 3, [[40.0, -40.0], [-40.0, 40.0]]])
    output = LOSSES[name].fused_with or "sigmoid"
    a = ACTIVATIONS[output].output(z)
    t = np.eye(2)[rng.integers(0, 2, len(z))] if name == "cross_entropy" else rng.uniform(
        0, 1, z.shape).round(1)
    return z, a, t


@pytest.mark.parametrize("name", LOSSES)
def test_a_losss_twin_is_its_numpy_rule(name):
    """The twin gives each row's sum of terms and each term's slope and fused delta; the
    engine divides by the terms or the rows, as the entry's `reduction` says."""
    entry = LOSSES[name]
    value, slope, fused = (compiled(f) if f else None for f in entry.kernel)
    z, a, t = loss_case(name, np.random.default_rng(2))
    count = a.size if entry.reduction == "mean" else len(a)
    total = sum(value(z[r], a[r], t[r]) for r in range(len(a)))
    assert total / count == pytest.approx(entry.value(z, a, t), rel=1e-14)
    slopes = np.array([[slope(p, q) for p, q in zip(ar, tr)] for ar, tr in zip(a, t)]) / count
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_allclose(slopes, entry.dL_da(a, t), rtol=1e-15, atol=0)
    if fused is not None:
        deltas = np.array([[fused(p, q) for p, q in zip(ar, tr)] for ar, tr in zip(a, t)])
        np.testing.assert_allclose(deltas / count, entry.fused_dL_dz(a, t), rtol=1e-15, atol=0)


def test_the_bce_twin_clamps_its_logs_as_the_numpy_rule():
    value = compiled(LOSSES["bce"].kernel[0])
    a, t = np.array([[0.0], [1.0], [1.0]]), np.array([[1.0], [0.0], [1.0]])
    total = sum(value(a[r], a[r], t[r]) for r in range(3))
    assert total / 3 == LOSSES["bce"].value(a, a, t) == pytest.approx(200 / 3)


@pytest.mark.parametrize("name", REGULARIZERS)
def test_a_penaltys_twin_is_its_numpy_rule(name):
    twin = compiled(REGULARIZERS[name].kernel)
    w = np.concatenate([Z, [-0.0]])
    np.testing.assert_array_equal([twin(v) for v in w], REGULARIZERS[name].gradient(w) + 0.0)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_an_optimizers_twin_steps_bit_for_bit_as_its_numpy_rule(name):
    """The same operations in the same order: the same numbers, first step (no state) on."""
    rng = np.random.default_rng(3)
    theta = rng.normal(size=30)
    numpy_opt = Optimizer(name, 0.05, {"momentum": 0.8, "beta2": 0.99})
    state, twin_theta = np.zeros((2, 30)), theta.copy()
    twin = compiled(OPTIMIZERS[name].kernel)
    h = [numpy_opt.settings[k] for k in HYPERPARAMETERS]
    for step in range(1, 6):
        grad = rng.normal(size=30)
        numpy_opt.step(theta, grad)
        twin(twin_theta, grad, state[0], state[1], step == 1, float(step), 0.05, *h)
        np.testing.assert_array_equal(twin_theta, theta)
    for row, key in zip(state, OPTIMIZERS[name].state_keys):
        np.testing.assert_array_equal(row, numpy_opt.state[key])


def test_every_optimizers_twin_takes_the_hyperparameters_in_their_order():
    """The kernel passes them by position, in HYPERPARAMETERS' order."""
    for entry in OPTIMIZERS.values():
        names = list(inspect.signature(entry.kernel).parameters)
        assert names == ["theta", "grad", "s0", "s1", "fresh", "steps", "learning_rate",
                         *HYPERPARAMETERS]


@pytest.mark.parametrize("hidden", [n for n in ACTIVATIONS if n not in OUTPUT_ONLY])
@pytest.mark.parametrize("loss, output, outputs", [
    ("mse", "tanh", 1), ("mse", "linear", 1), ("bce", "sigmoid", 1),
    ("cross_entropy", "softmax", 2), ("mse", "softmax", 2)])
def test_the_kernels_gradient_equals_the_traced_one(hidden, loss, output, outputs):
    rng = np.random.default_rng(4)
    net = init_network([3, 5, 4, outputs], [hidden, hidden, output], "uniform", 2)
    x = rng.normal(size=(70, 3))  # more than a block of examples
    y = rng.integers(0, 2, 70).astype(float)
    t = targets_for(y, outputs, True)
    flat = flatten(net)
    layout, codes, _ = kernel.plan(net.weights, net.activations, loss, "none", 0.0,
                                   Optimizer("sgd", 0.1))
    norms = np.empty(3)
    value, right = kernel.evaluate(flat.theta, layout, codes, x, t, y, flat.grad, norms)
    cache = forward(net, x)
    traced = backward(net, x, t, loss, cache)
    for l, g in enumerate(traced):
        np.testing.assert_allclose(flat.grad_w[l], g.dL_dW, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(flat.grad_b[l], g.dL_db, rtol=1e-12, atol=1e-15)
        assert norms[l] == pytest.approx(np.linalg.norm(g.dL_dW), rel=1e-12)
    assert value == pytest.approx(LOSSES[loss].value(cache[-1].z, cache[-1].a, t), rel=1e-12)
    predicted = cache[-1].a.argmax(axis=1) if outputs > 1 else cache[-1].a[:, 0] > 0.5
    assert right == (predicted == y).sum()


def test_one_compiled_signature_serves_every_network():
    """warm_up compiles what every training runs: the activations, the loss, the penalty and
    the optimizer are codes, not types, so no request compiles anything."""
    kernel.warm_up()
    signatures = kernel.train_epoch.signatures, kernel.evaluate.signatures
    assert [len(s) for s in signatures] == [1, 1]
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(30, 2)), rng.integers(0, 2, 30)
    for layers, acts, loss, opt in [([2, 4, 1], ["relu", "sigmoid"], "bce", "adam"),
                                    ([2, 3, 3, 2], ["tanh", "leaky_relu", "softmax"],
                                     "cross_entropy", "momentum"),
                                    ([2, 1], ["linear"], "mse", "sgd")]:
        run = train(init_network(layers, acts, "xavier", 1), loss, x, y, x[:5], y[:5],
                    optimizer=Optimizer(opt, 0.1), batch_size=7, epochs=2, regularization="l1",
                    rate=0.01)
        assert len(run.history) == 2
    assert (kernel.train_epoch.signatures, kernel.evaluate.signatures) == signatures


def test_importing_compiles_nothing_and_the_warm_up_each_kernel_once():
    """In a process of its own (here the kernels are compiled already): what a server's start
    does (app/server.py), from numba's cache on disk when it is there."""
    script = ("from app.nn import kernel\n"
              "before = len(kernel.train_epoch.signatures), len(kernel.evaluate.signatures)\n"
              "kernel.warm_up()\n"
              "print(*before, len(kernel.train_epoch.signatures), "
              "len(kernel.evaluate.signatures))\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    assert out.split() == ["0", "0", "1", "1"]
