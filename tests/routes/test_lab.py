import copy

import numpy as np
import pytest

from app.routes.lab import TRAIN_EXAMPLE

REQUEST = TRAIN_EXAMPLE["circle"]["value"]


def small(**changes):
    request = copy.deepcopy(REQUEST)
    request.update(epochs=5, boundary=None)
    request["dataset"] = {**request["dataset"], "n": 120}
    for key, value in changes.items():
        request[key] = value
    return request


def test_the_documented_example_learns_the_circle(client):
    body = client.post("/api/v1/train", json=REQUEST).json()
    assert body["epoch"] == 100 and len(body["history"]) == 100
    first, last = body["history"][0], body["history"][-1]
    assert last["train_loss"] < first["train_loss"] and last["test_accuracy"] > 0.9
    assert body["task"] == "classification" and body["diverged"] is False
    assert len(body["boundary"]["outputs"]) == 1
    assert len(body["boundary"]["outputs"][0]) == 50 * 50 and body["boundary"]["hidden"] is None
    assert body["optimizer"]["state"]["steps"] == 100 * 25


def test_same_request_same_numbers(client):
    assert client.post("/api/v1/train", json=small()).json() == \
        client.post("/api/v1/train", json=small()).json()


@pytest.mark.parametrize("optimizer", [{"name": "momentum", "learning_rate": 0.02},
                                       {"name": "adam", "learning_rate": 0.01}])
def test_a_run_continued_over_two_calls_equals_one_call(client, optimizer):
    whole = client.post("/api/v1/train", json=small(optimizer=optimizer, epochs=6)).json()
    first = client.post("/api/v1/train", json=small(optimizer=optimizer, epochs=4)).json()
    second = client.post("/api/v1/train", json=small(
        network=first["network"], optimizer=first["optimizer"], start_epoch=first["epoch"],
        epochs=2)).json()
    assert second["network"] == whole["network"]
    assert first["history"] + second["history"] == whole["history"]
    assert second["optimizer"]["state"] == whole["optimizer"]["state"]


def test_gradient_norms_match_the_trace_endpoint(client):
    request = small(regularization={"kind": "none"})
    body = client.post("/api/v1/train", json=request).json()
    data = client.post("/api/v1/datasets", json=request["dataset"]).json()
    trace = client.post("/api/v1/trace", json={
        "network": body["network"], "loss": request["loss"], "inputs": data["train"]["x"],
        "targets": [[y] for y in data["train"]["y"]], "learning_rate": 0.0}).json()
    norms = [float(np.linalg.norm(layer["dL_dW"])) for layer in trace["backward"]]
    assert norms == pytest.approx(body["history"][-1]["grad_norms"], rel=1e-10)


def test_a_playing_client_gets_every_nth_epoch_the_last_and_the_training_time(client):
    whole = client.post("/api/v1/train", json=small(epochs=10, start_epoch=3)).json()
    assert "train_seconds" not in whole  # asked for nothing new: answered as ever
    played = client.post("/api/v1/train", json=small(epochs=10, start_epoch=3,
                                                     history_every=4)).json()
    assert [e["epoch"] for e in played["history"]] == [4, 8, 12, 13]
    assert played["history"] == [e for e in whole["history"] if e["epoch"] in (4, 8, 12, 13)]
    assert played["network"] == whole["network"] and played["epoch"] == whole["epoch"] == 13
    assert isinstance(played["train_seconds"], float) and played["train_seconds"] > 0
    every = client.post("/api/v1/train", json=small(history_every=1)).json()
    assert every["history"] == client.post("/api/v1/train", json=small()).json()["history"]
    assert "train_seconds" in every


def test_boundary_with_every_neuron(client):
    body = client.post("/api/v1/train", json=small(
        boundary={"resolution": 20, "neuron_resolution": 8})).json()
    boundary = body["boundary"]
    assert boundary["x1"][0] == -6 and boundary["x1"][-1] == 6 and len(boundary["x2"]) == 20
    assert [len(layer) for layer in boundary["hidden"]] == [8, 8]
    assert all(len(neuron) == 64 for neuron in boundary["hidden"][0])
    assert len(boundary["outputs"][0]) == 400
    assert all(-1 <= v <= 1 for v in boundary["outputs"][0])


def test_one_dimensional_regression_on_sine(client):
    request = {"network": {"layers": [2, 6, 1], "activations": ["tanh", "linear"],
                           "init": {"seed": 2}},
               "loss": "mse", "dataset": {"name": "sine", "n": 100, "noise": 0.1},
               "features": ["x1", "sin(x1)"], "optimizer": {"name": "adam", "learning_rate": 0.02},
               "epochs": 30, "boundary": {"resolution": 25}}
    body = client.post("/api/v1/train", json=request).json()
    assert body["task"] == "regression" and body["history"][-1]["train_accuracy"] is None
    assert body["history"][-1]["train_loss"] < body["history"][0]["train_loss"]
    assert body["boundary"]["x2"] is None and len(body["boundary"]["outputs"][0]) == 25


def test_explicit_points(client):
    points = [[-3, -3, 0], [-2, -4, 0], [3, 3, 1], [4, 2, 1], [-4, -1, 0], [2, 5, 1]]
    request = small(dataset={"points": points, "test_fraction": 0})
    request["network"] = {"layers": [2, 1], "activations": ["sigmoid"], "init": {"seed": 0}}
    request.update(loss="bce", batch_size=6, epochs=50, regularization={"kind": "none"},
                   optimizer={"name": "sgd", "learning_rate": 0.5})
    body = client.post("/api/v1/train", json=request).json()
    assert body["history"][-1]["train_accuracy"] == 1.0 and body["history"][-1]["test_loss"] is None
    data = client.post("/api/v1/datasets", json=request["dataset"]).json()
    assert len(data["train"]["x"]) == 6 and data["task"] == "classification"


def test_explicit_test_points(client):
    dataset = {"points": [[-3, -3, 0], [3, 3, 1], [4, 2, 1]], "test_points": [[-1, -2, 0]],
               "test_fraction": 0.9}
    data = client.post("/api/v1/datasets", json=dataset).json()
    assert data["train"]["x"] == [[-3, -3], [3, 3], [4, 2]] and data["test"]["y"] == [0]
    body = client.post("/api/v1/train", json=small(dataset=dataset, batch_size=3)).json()
    assert body["history"][-1]["test_loss"] is not None


def test_divergence_is_reported_without_nan(client):
    request = small(optimizer={"name": "sgd", "learning_rate": 90}, epochs=200,
                    features=["x1", "x2", "x1^2", "x2^2", "x1*x2"])
    request["network"] = {"layers": [5, 8, 1], "activations": ["relu", "linear"],
                          "init": {"scheme": "he", "seed": 0}}
    response = client.post("/api/v1/train", json=request)
    assert response.status_code == 200 and "NaN" not in response.text
    body = response.json()
    assert body["diverged"] is True and body["diverged_at_epoch"] >= 1
    assert body["epoch"] == body["diverged_at_epoch"] - 1
    assert all(v is not None for layer in body["network"]["weights"] for row in layer for v in row)


def test_dataset_endpoint_matches_what_train_uses(client):
    spec = {"name": "spiral", "n": 80, "noise": 0.3, "seed": 9, "test_fraction": 0.25}
    first = client.post("/api/v1/datasets", json=spec).json()
    assert first == client.post("/api/v1/datasets", json=spec).json()
    assert len(first["train"]["x"]) == 60 and len(first["test"]["x"]) == 20
    assert set(first["train"]["y"]) == {0, 1}


@pytest.mark.parametrize("change, field, rule", [
    ({"features": ["x1"]}, "network.layers.0", "features"),
    ({"features": ["x1", "x1"]}, "features", "unique"),
    ({"features": ["x1", "warp"]}, "features.1", "enum"),
    ({"dataset": {"name": "sine"}, "features": ["x1", "x2"]}, "features.1", "needs_x2"),
    ({"dataset": {"name": "plane"}, "loss": "bce"}, "network.activations.2", "loss_needs_output"),
    ({"dataset": {"name": "circle", "task": "regression"}}, "dataset.name", "task"),
    ({"dataset": {"name": "circle", "points": [[0, 0, 1], [1, 1, 0]]}}, "dataset.name",
     "name_or_points"),
    ({"epochs": 1001}, "epochs", "less_than_equal"),
    ({"epochs": 1000, "dataset": {"name": "circle", "n": 2000}}, "epochs", "too_much_work"),
    ({"epochs": 1000, "batch_size": 1}, "epochs", "too_much_work"),
    ({"optimizer": {"name": "adam", "state": {"steps": 1, "m": [0.0]}}}, "optimizer.state.m",
     "shape"),
    ({"optimizer": {"name": "adam", "learning_rate": 0}}, "optimizer.learning_rate",
     "greater_than"),
    ({"regularization": {"kind": "l3"}}, "regularization.kind", "enum"),
    ({"boundary": {"resolution": 1000}}, "boundary.resolution", "less_than_equal"),
    ({"dataset": {"name": "circle", "test_points": [[0, 0, 1]]}}, "dataset.test_points",
     "needs_points"),
    ({"batch_size": 0}, "batch_size", "greater_than_equal"),
    ({"history_every": 0}, "history_every", "greater_than_equal"),
    ({"history_every": 2 * 10**9}, "history_every", "less_than_equal"),
])
def test_bad_training_requests(client, change, field, rule):
    response = client.post("/api/v1/train", json=small(**change))
    assert response.status_code == 422, response.text[:300]
    assert {"field": field, "type": rule} in [
        {"field": d["field"], "type": d["type"]} for d in response.json()["detail"]]


def test_the_default_features_fit_one_input_data(client):
    answer = client.post("/api/v1/train", json={
        "network": {"layers": [1, 4, 1], "activations": ["tanh", "linear"],
                    "init": {"scheme": "xavier", "seed": 0}},
        "loss": "mse", "dataset": {"name": "sine", "n": 100, "seed": 1}, "epochs": 2})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["history"]) == 2
