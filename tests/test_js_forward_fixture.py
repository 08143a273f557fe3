"""The numbers the page's JS twin of the engine must reproduce, computed by the engine itself.

The lab and its followers work out the plane, the neurons and the loss in the browser
(`static/js/forward.js`, with `lab/state.js`'s features). Node's test of it
(`tests/js/forward.test.js`) compares it with `tests/js/fixtures/forward.json`: every
activation, loss and feature the engine registers, on fixed inputs, and whole networks; and with
`tests/js/fixtures/grids.json`: /train's own boundary (the server's grids, as it answers them)
for the lab's default setup, a relu network with a softmax output, and one-input data. These
tests recompute both files from the engine, so they cannot go stale: they fail when the engine's
numbers or names changed, and `REGENERATE_FIXTURES=1` rewrites them.
"""

import json
import os

import numpy as np
import orjson
import pytest

from app.answers import train_answer
from app.nn.activations import ACTIVATIONS, HIDDEN
from app.nn.datasets import FEATURES, features
from app.nn.losses import LOSSES, REQUIRED_OUTPUT
from app.nn.network import Network, forward
from app.responses import JSONBytes
from app.schemas.lab import TrainRequest
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "js" / "fixtures" / "forward.json"
GRIDS = ROOT / "tests" / "js" / "fixtures" / "grids.json"

# Each row is one layer's z: the extremes overflow e^z in float64 (sigmoid and softmax must
# still answer), the small ones sit either side of relu's kink.
Z = [[-800.0, -30.0, -2.5, -1e-3], [0.0, 1e-3, 0.7, 3.0], [30.0, 800.0, -1.0, 2.0]]
# Raw points (x1, x2) for the features, and targets per loss: 0/1 labels for bce (the first
# output is 0 with a target of 1, so its log is clamped), one-hot rows for cross-entropy.
POINTS = [[-6.0, 6.0], [-1.5, 0.25], [0.0, 0.0], [2.0, -3.5], [5.75, 1.0]]
TARGETS = {
    "mse": [[0.5, -1.0, 2.0, 0.0], [1.0, 0.0, -0.25, 3.0], [0.0, 0.0, 0.0, 1.0]],
    "bce": [[1.0, 1.0, 1.0, 0.0], [1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]],
    "cross_entropy": [[0.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]],
}


def network(layers: list[int], activations: list[str], seed: int) -> Network:
    rng = np.random.default_rng(seed)
    return Network([rng.uniform(-2, 2, (n_out, n_in)) for n_in, n_out in zip(layers, layers[1:])],
                   [rng.uniform(-1, 1, n_out) for n_out in layers[1:]], list(activations))


def as_json(net: Network) -> dict:
    return {"layers": net.layers, "activations": net.activations,
            "weights": [w.tolist() for w in net.weights],
            "biases": [b.tolist() for b in net.biases]}


def reference() -> dict:
    """Every number the JS twin is checked against, from the engine's registries."""
    z = np.array(Z)
    with np.errstate(over="ignore"):
        activations = {name: entry.output(z).tolist() for name, entry in ACTIVATIONS.items()}
    losses = {}
    for name, loss in LOSSES.items():
        output = REQUIRED_OUTPUT.get(name, "linear")
        with np.errstate(over="ignore", divide="ignore"):
            a = ACTIVATIONS[output].output(z)
        t = np.array(TARGETS[name])
        losses[name] = {"output": output, "t": TARGETS[name], "value": loss.value(z, a, t)}
    x = np.array(POINTS)
    feature_values = {name: features(x, [name])[:, 0].tolist() for name in FEATURES}
    # A network per hidden activation (every feature as an input), and one per loss's output.
    names = list(FEATURES)
    networks = []
    for i, hidden in enumerate(HIDDEN):
        out = "sigmoid" if i % 2 else "linear"
        networks.append((names, network([len(names), 3, 2, 1], [hidden, hidden, out], seed=i)))
    networks.append((["x1", "x2"], network([2, 4, 3], ["tanh", "softmax"], seed=99)))
    cases = []
    for used, net in networks:
        cache = forward(net, features(x, used))
        cases.append({"features": used, "network": as_json(net),
                      "z": [layer.z.tolist() for layer in cache],
                      "a": [layer.a.tolist() for layer in cache]})
    return {"z": Z, "points": POINTS, "activations": activations, "losses": losses,
            "features": feature_values, "networks": cases}


def assert_close(mine, theirs, where="fixture"):
    """Same structure, same names, numbers equal to 1e-12 relative (BLAS may round last bits)."""
    if isinstance(theirs, dict):
        assert isinstance(mine, dict) and sorted(mine) == sorted(theirs), where
        for key in theirs:
            assert_close(mine[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(mine, list) and len(mine) == len(theirs), where
        for i, (m, t) in enumerate(zip(mine, theirs)):
            assert_close(m, t, f"{where}[{i}]")
    elif isinstance(theirs, float):
        assert mine == pytest.approx(theirs, rel=1e-12, abs=1e-300), where
    else:
        assert mine == theirs, where


def test_the_forward_fixture_is_the_engines_own():
    computed = reference()
    if os.environ.get("REGENERATE_FIXTURES"):
        FIXTURE.parent.mkdir(parents=True, exist_ok=True)
        FIXTURE.write_text(json.dumps(computed, ensure_ascii=False) + "\n")
    assert FIXTURE.exists(), f"{FIXTURE} is missing: run with REGENERATE_FIXTURES=1"
    assert_close(json.loads(FIXTURE.read_text()), computed)


# /train requests with the lab's grids (run.js PLANE): the lab's default setup (static/js/lab/
# state.js DEFAULT_LAB), relu into a softmax over two outputs, and sine's one input.
LAB_PLANE = {"resolution": 40, "neuron_resolution": 14}
GRID_REQUESTS = [
    {"network": {"layers": [2, 4, 2, 1], "activations": ["tanh", "tanh", "sigmoid"],
                 "init": {"scheme": "xavier", "seed": 1}},
     "loss": "bce", "dataset": {"name": "circle", "task": "classification", "n": 500,
                                "noise": 0, "seed": 1, "test_fraction": 0.5},
     "features": ["x1", "x2"], "optimizer": {"name": "sgd", "learning_rate": 0.03},
     "regularization": {"kind": "none", "rate": 0}, "batch_size": 10, "epochs": 30,
     "start_epoch": 0, "seed": 1},
    {"network": {"layers": [3, 5, 4, 2], "activations": ["relu", "relu", "softmax"],
                 "init": {"scheme": "he", "seed": 2}},
     "loss": "cross_entropy", "dataset": {"name": "xor", "n": 200, "noise": 0.1, "seed": 2},
     "features": ["x1", "x2", "x1*x2"], "optimizer": {"name": "adam", "learning_rate": 0.01},
     "batch_size": 10, "epochs": 20, "seed": 2},
    {"network": {"layers": [2, 6, 1], "activations": ["tanh", "linear"],
                 "init": {"scheme": "xavier", "seed": 3}},
     "loss": "mse", "dataset": {"name": "sine", "n": 100, "noise": 0.1, "seed": 3},
     "features": ["x1", "sin(x1)"], "optimizer": {"name": "adam", "learning_rate": 0.02},
     "batch_size": 10, "epochs": 20, "seed": 3},
]


def grid_reference() -> list[dict]:
    """Per request: the trained network and /train's boundary for it, as JSON carries them."""
    cases = []
    for body in GRID_REQUESTS:
        request = TrainRequest.model_validate({**body, "boundary": LAB_PLANE})
        answer = orjson.loads(JSONBytes(train_answer(request)).body)
        cases.append({"request": body, "inputs": request.dataset.inputs,
                      "network": answer["network"], "boundary": answer["boundary"]})
    return cases


def test_the_grid_fixture_is_the_servers_own():
    computed = grid_reference()
    if os.environ.get("REGENERATE_FIXTURES"):
        GRIDS.write_text(json.dumps(computed) + "\n")
    assert GRIDS.exists(), f"{GRIDS} is missing: run with REGENERATE_FIXTURES=1"
    stored = json.loads(GRIDS.read_text())
    assert len(stored) == len(computed)
    for mine, theirs in zip(stored, computed):
        # The grids are rounded to 4 decimals: another machine's last bits may move one a unit.
        assert_close({**mine, "boundary": None}, {**theirs, "boundary": None})
        assert np.allclose(np.array(mine["boundary"]["outputs"]),
                           np.array(theirs["boundary"]["outputs"]), rtol=0, atol=1.01e-4)
        assert len(mine["boundary"]["hidden"]) == len(theirs["boundary"]["hidden"])
        for layer, other in zip(mine["boundary"]["hidden"], theirs["boundary"]["hidden"]):
            assert np.allclose(np.array(layer), np.array(other), rtol=0, atol=1.01e-4)
        assert_close({**mine["boundary"], "outputs": None, "hidden": None},
                     {**theirs["boundary"], "outputs": None, "hidden": None})
