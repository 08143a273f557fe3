"""The scripts that reproduce a step: the NumPy one is run, for every preset and a random
network of each loss and optimizer, and prints the API's numbers; the PyTorch one compiles."""

import json
import subprocess
import sys

import numpy as np
import pytest

from app.presets import PRESETS

CASES = {f"preset {name}": p.request.model_dump(exclude_none=True) for name, p in PRESETS.items()}


def random_case(loss, output, outputs, seed, **extra):
    rng = np.random.default_rng(seed)
    targets = rng.uniform(0, 1, (3, outputs))
    if loss == "cross_entropy":
        targets = np.eye(outputs)[rng.integers(0, outputs, 3)]
    return {"network": {"layers": [2, 3, 4, outputs],
                        "activations": ["tanh", "leaky_relu", output],
                        "init": {"scheme": "xavier", "seed": seed}},
            "loss": loss, "inputs": rng.normal(size=(3, 2)).round(3).tolist(),
            "targets": targets.round(3).tolist(), **extra}


CASES |= {
    "mse, relu": random_case("mse", "relu", 2, 1),
    "mse on softmax": random_case("mse", "softmax", 3, 2),
    "bce, frozen biases": random_case("bce", "sigmoid", 1, 3, update_biases=False,
                                      learning_rate=0.2),
    "cross entropy": random_case("cross_entropy", "softmax", 3, 4),
    "momentum with state, l2": random_case(
        "mse", "linear", 1, 5, regularization={"kind": "l2", "rate": 0.01},
        optimizer={"name": "momentum", "learning_rate": 0.05,
                   "state": {"steps": 3, "velocity": [0.01] * 30}}),
    "adam with state, l1": random_case(
        "bce", "sigmoid", 1, 6, regularization={"kind": "l1", "rate": 0.001},
        optimizer={"name": "adam", "learning_rate": 0.01,
                   "state": {"steps": 7, "m": [0.002] * 30, "v": [0.0001] * 30}}),
    "adam, frozen biases": random_case("mse", "sigmoid", 2, 7, update_biases=False,
                                       optimizer={"name": "adam", "learning_rate": 0.01}),
    # Adam's v passes the bound while every weight stays small: diverged, by the one rule.
    "adam, diverging": {"network": {"layers": [2, 1], "activations": ["linear"],
                                    "weights": [[[0.5, 0.5]]], "biases": [[0.0]]},
                        "loss": "mse", "inputs": [[1e6, 1e6]], "targets": [[0.0]],
                        "optimizer": {"name": "adam", "learning_rate": 0.01}},
}


def close(a, b):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                               rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", list(CASES))
def test_the_numpy_script_prints_what_the_api_answers(client, tmp_path, name):
    request = CASES[name]
    answer = client.post("/api/v1/trace", json=request)
    assert answer.status_code == 200, answer.text
    trace = answer.json()
    script = client.post("/api/v1/code?lang=numpy", json=request)
    assert script.headers["content-type"].startswith("text/x-python")
    path = tmp_path / "step.py"
    path.write_text(script.text)
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    printed = json.loads(out.strip().splitlines()[-1])
    close(printed["loss"], trace["loss"])
    close(printed["loss_after"], trace["loss_after"])
    assert printed["diverged"] is trace["diverged"] is (name == "adam, diverging")
    for l, layer in enumerate(trace["backward"]):
        close(printed["dL_dW"][l], layer["dL_dW"])
        close(printed["dL_db"][l], layer["dL_db"])
    if trace["diverged"]:
        return  # /trace has no network to post back; the script's is past the bound
    close(np.concatenate([np.ravel(w) for w in printed["weights"]]),
          np.concatenate([np.ravel(w) for w in trace["network"]["weights"]]))
    close(np.concatenate([np.ravel(b) for b in printed["biases"]]),
          np.concatenate([np.ravel(b) for b in trace["network"]["biases"]]))


@pytest.mark.parametrize("name", list(CASES))
def test_the_pytorch_script_compiles(client, name):
    script = client.post("/api/v1/code?lang=pytorch", json=CASES[name])
    assert script.status_code == 200
    compile(script.text, "step.py", "exec")
    assert "torch.optim" in script.text and "json.dumps" in script.text


def test_a_code_request_is_validated_as_a_trace_request(client):
    bad = client.post("/api/v1/code?lang=numpy", json={**CASES["preset classic"],
                                                        "learning_rate": 1000})
    assert bad.status_code == 422
    assert client.post("/api/v1/code?lang=fortran", json=CASES["preset classic"]).status_code == 422


TORCH_PYTHON = __import__("os").environ.get("BACKPROP_VIZ_TORCH_PYTHON")


@pytest.mark.skipif(not TORCH_PYTHON, reason="set BACKPROP_VIZ_TORCH_PYTHON to a Python with "
                                             "torch to run the PyTorch scripts")
@pytest.mark.parametrize("name", list(CASES))
def test_the_pytorch_script_prints_what_the_api_answers(client, tmp_path, name):
    request = CASES[name]
    trace = client.post("/api/v1/trace", json=request).json()
    path = tmp_path / "step.py"
    path.write_text(client.post("/api/v1/code?lang=pytorch", json=request).text)
    out = subprocess.run([TORCH_PYTHON, str(path)], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    printed = json.loads(out.strip().splitlines()[-1])
    close(printed["loss"], trace["loss"])
    assert printed["diverged"] is trace["diverged"]
    for l, layer in enumerate(trace["backward"]):
        close(printed["dL_dW"][l], layer["dL_dW"])
    if trace["diverged"]:
        return
    close(np.concatenate([np.ravel(w) for w in printed["weights"]]),
          np.concatenate([np.ravel(w) for w in trace["network"]["weights"]]))
