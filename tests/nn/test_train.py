import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from app.nn.datasets import DOMAIN, generate, split
from app.nn.network import Network, forward, init_network
from app.nn.optimizers import Optimizer
from app.nn.train import (
    flatten,
    neuron_health,
    output_grids,
    regularize,
    targets_for,
    train,
)


def test_flat_vector_is_viewed_by_the_network():
    net = init_network([2, 3, 1], ["tanh", "linear"], "xavier", 0)
    flat = flatten(net)
    flat.theta[0] = 42.0
    assert flat.net.weights[0][0, 0] == 42.0
    flat.theta[-1] = -7.0
    assert flat.net.biases[-1][0] == -7.0
    assert net.weights[0][0, 0] != 42.0  # the caller's network is not touched


@pytest.mark.parametrize("kind, expected", [("l2", lambda w: 0.1 * w),
                                            ("l1", lambda w: 0.1 * np.sign(w))])
def test_regularization_penalises_weights_not_biases(kind, expected):
    net = init_network([2, 3, 1], ["tanh", "linear"], "uniform", 0)
    flat = flatten(net)
    regularize(flat, kind, 0.1)
    np.testing.assert_allclose(flat.grad[:flat.n_weights], expected(flat.theta[:flat.n_weights]))
    assert not flat.grad[flat.n_weights:].any()


def circle_data():
    x, y = generate("classification", "circle", 200, 0.0, 1)
    return split(x, y, 0.5, 1)


def test_training_learns_the_circle():
    x_train, y_train, x_test, y_test = circle_data()
    features = np.column_stack([x_train, x_train**2])
    test_features = np.column_stack([x_test, x_test**2])
    net = init_network([4, 4, 1], ["tanh", "sigmoid"], "xavier", 0)
    run = train(net, "bce", features, y_train, test_features, y_test,
                optimizer=Optimizer("adam", 0.05), batch_size=10, epochs=60)
    assert run.history[0].train_loss > run.history[-1].train_loss
    assert run.history[-1].test_accuracy > 0.95 and run.diverged_at is None
    assert [e.epoch for e in run.history] == list(range(1, 61))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_two_runs_continue_exactly_as_one(optimizer):
    x_train, y_train, x_test, y_test = circle_data()
    net = init_network([2, 5, 1], ["relu", "sigmoid"], "he", 3)
    whole = train(net, "mse", x_train, y_train, x_test, y_test,
                  optimizer=Optimizer(optimizer, 0.02), batch_size=7, epochs=8, seed=5)
    first_opt = Optimizer(optimizer, 0.02)
    first = train(net, "mse", x_train, y_train, x_test, y_test, optimizer=first_opt,
                  batch_size=7, epochs=5, seed=5)
    second = train(first.net, "mse", x_train, y_train, x_test, y_test, optimizer=first_opt,
                   batch_size=7, epochs=3, start_epoch=5, seed=5)
    for a, b in zip(whole.net.weights + whole.net.biases, second.net.weights + second.net.biases):
        np.testing.assert_array_equal(a, b)
    assert [e.train_loss for e in whole.history] == [
        e.train_loss for e in first.history + second.history]


def test_divergence_stops_and_keeps_the_last_finite_state():
    x_train, y_train, x_test, y_test = circle_data()
    net = init_network([2, 8, 1], ["relu", "linear"], "he", 0)
    run = train(net, "mse", x_train * 100, y_train, x_test, y_test,
                optimizer=Optimizer("sgd", 50.0), batch_size=5, epochs=50)
    assert run.diverged_at is not None and run.diverged_at <= 50
    assert len(run.history) == run.diverged_at - 1
    assert all(np.isfinite(w).all() for w in run.net.weights + run.net.biases)


def test_dead_and_saturated_neurons_are_reported():
    net = Network([np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0]])],
                  [np.array([-100.0, 0.0]), np.array([0.0])], ["relu", "linear"])
    health = neuron_health(net, np.array([[1.0, 2.0], [3.0, -1.0]]))
    assert health[0]["dead"] == [True, False]
    leaky = Network(net.weights, net.biases, ["leaky_relu", "linear"])
    assert neuron_health(leaky, np.array([[1.0, 2.0], [3.0, -1.0]]))[0]["dead"] == [False, False]
    net = Network([np.array([[50.0]])], [np.array([0.0])], ["tanh"])
    assert neuron_health(net, np.array([[1.0], [0.001]]))[0]["saturated"] == [0.5]


def test_output_grids_cover_the_plane_row_by_row():
    net = init_network([2, 3, 1], ["tanh", "sigmoid"], "xavier", 2)
    grids = output_grids(net, ["x1", "x2"], 2, 5, neuron_resolution=3)
    assert grids["x1"][0] == -DOMAIN and grids["x1"][-1] == DOMAIN
    assert np.shape(grids["outputs"]) == (1, 25)
    assert [np.shape(h) for h in grids["hidden"]] == [(3, 9)]
    # Row by row: the second point has the second x1 and the lowest x2.
    point = np.array([[grids["x1"][1], grids["x2"][0]]])
    expected = forward(net, point)[-1].a[0, 0]
    assert grids["outputs"][0][1] == pytest.approx(expected, abs=1e-4)


def test_output_grids_of_one_input_data_are_a_line():
    net = init_network([1, 2, 1], ["tanh", "linear"], "xavier", 0)
    grids = output_grids(net, ["x1"], 1, 7)
    assert grids["x2"] is None and grids["hidden"] is None
    assert np.shape(grids["outputs"]) == (1, 7)


def test_a_run_past_the_bound_has_diverged_and_answers_the_state_before():
    x, y = generate("classification", "circle", 100, 0.0, 1)
    net = init_network([2, 4, 1], ["linear", "linear"], "xavier", 0)
    run = train(net, "mse", x, y, x, y, optimizer=Optimizer("sgd", 0.3), batch_size=10,
                epochs=200, bound=1e9,
                classification=False)
    assert run.diverged_at is not None
    assert all(np.abs(w).max() <= 1e9 for w in run.net.weights)


TORCH_PYTHON = os.environ.get("BACKPROP_VIZ_TORCH_PYTHON")
TORCH_CASES = {  # hidden and output activations, loss, optimizer, batch, penalty
    "the bench's": (["tanh", "tanh", "tanh"], "mse", ("sgd", 0.03), 10, ("none", 0.0)),
    "adam, l2": (["relu", "relu", "sigmoid"], "bce", ("adam", 0.01), 32, ("l2", 0.01)),
    "momentum, l1": (["leaky_relu", "tanh", "softmax"], "cross_entropy", ("momentum", 0.05), 7,
                     ("l1", 0.001)),
    "mse on softmax": (["sigmoid", "linear", "softmax"], "mse", ("adam", 0.02), 16,
                       ("none", 0.0)),
}


@pytest.mark.skipif(not TORCH_PYTHON, reason="set BACKPROP_VIZ_TORCH_PYTHON to a Python with "
                                             "torch to train the same with PyTorch")
@pytest.mark.parametrize("case", TORCH_CASES)
def test_training_equals_pytorchs_float64_to_1e_12(case):
    """Twenty epochs, every mini-batch step through the compiled engine, against PyTorch's own
    layers, losses and optimizers (tests/nn/torch_training.py) given the same shuffles."""
    activations, loss, (name, rate), batch, (kind, penalty) = TORCH_CASES[case]
    x_train, y_train, _, _ = circle_data()
    outputs = 2 if activations[-1] == "softmax" else 1
    net = init_network([2, 6, 5, outputs], activations, "xavier", 7)
    optimizer = Optimizer(name, rate)
    run = train(net, loss, x_train, y_train, x_train[:0], y_train[:0], optimizer=optimizer,
                batch_size=batch, epochs=20, seed=3, regularization=kind, rate=penalty)
    spec = {"weights": [w.tolist() for w in net.weights],
            "biases": [b.tolist() for b in net.biases], "activations": activations, "loss": loss,
            "x": x_train.tolist(), "t": targets_for(y_train, outputs, True).tolist(),
            "orders": [np.random.default_rng([3, e]).permutation(len(x_train)).tolist()
                       for e in range(1, 21)],
            "batch_size": batch, "regularization": kind, "rate": penalty,
            "optimizer": {"name": name, "learning_rate": rate, **optimizer.settings}}
    out = subprocess.run([TORCH_PYTHON, str(Path(__file__).with_name("torch_training.py"))],
                         input=json.dumps(spec), capture_output=True, text=True, timeout=300,
                         check=True).stdout
    torch_run = json.loads(out)
    assert run.diverged_at is None
    np.testing.assert_allclose([e.train_loss for e in run.history], torch_run["losses"],
                               rtol=1e-12)
    for ours, theirs in zip(run.net.weights + run.net.biases,
                            torch_run["weights"] + torch_run["biases"]):
        close(ours, theirs)
    ours = {"momentum_buffer": "velocity", "exp_avg": "m", "exp_avg_sq": "v"}
    assert {ours[key] for key in torch_run["state"]} == set(optimizer.state)
    for key, values in torch_run["state"].items():  # torch's per tensor: W0, b0, W1, b1, ...
        flat = np.concatenate([np.ravel(v) for v in values[0::2] + values[1::2]])
        close(optimizer.state[ours[key]], flat)


def close(ours, theirs):
    """Each value to 1e-12 relative, or to 1e-12 of the array's largest: an L1 penalty keeps
    some weights dithering about 0, where the last bits of a step decide a sign."""
    theirs = np.asarray(theirs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12 * np.abs(theirs).max())
