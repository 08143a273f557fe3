"""The work budget: every accepted request is bounded in time and in the size of its answer,
and each bound is a 422 that names the field and says what to ask for instead."""

import copy

import pytest

from app.routes.lab import TRAIN_EXAMPLE
from app.schemas.limits import MAX_BOUNDARY_VALUES, MAX_EPOCH_NUMBER, MAX_LAYER_STEPS

TRAIN = TRAIN_EXAMPLE["circle"]["value"]


def train(client, **changes):
    request = copy.deepcopy(TRAIN)
    for path, value in changes.items():
        target = request
        *parents, key = path.split("__")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[key] = value
    return client.post("/api/v1/train", json=request)


def refused(response, field, rule):
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert (error["field"], error["type"]) == (field, rule)
    return error["msg"]


def test_deep_networks_get_fewer_steps_a_call(client):
    deep = {"layers": [2] + [8] * 9 + [1], "activations": ["tanh"] * 10,
            "init": {"scheme": "xavier", "seed": 1}}
    steps = MAX_LAYER_STEPS // 10 + 10  # over the bound for ten weight layers
    epochs = -(-steps // 25)  # 250 training points in batches of 10: 25 steps an epoch
    message = refused(train(client, network=deep, epochs=epochs), "epochs", "too_much_work")
    assert "steps × layers" in message
    assert train(client, network=deep, epochs=epochs // 2).status_code == 200


def test_the_boundary_answer_is_bounded(client):
    wide = {"layers": [2, 64, 64, 1], "activations": ["tanh", "tanh", "sigmoid"],
            "init": {"scheme": "xavier", "seed": 1}}
    message = refused(train(client, network=wide, epochs=0,
                            boundary={"resolution": 100, "neuron_resolution": 100}),
                      "boundary", "too_many_values")
    assert str(MAX_BOUNDARY_VALUES) in message
    ok = train(client, network=wide, epochs=0, boundary={"resolution": 50, "neuron_resolution": 20})
    assert ok.status_code == 200


@pytest.mark.parametrize("path", ["start_epoch", "optimizer__state__steps"])
def test_epoch_and_step_counts_are_bounded(client, path):
    field = path.replace("__", ".")
    refused(train(client, **{path: MAX_EPOCH_NUMBER + 1}), field, "less_than_equal")
    huge = train(client, **{path: 2**64})  # past 64 bits the parser reads a float: no count
    assert huge.status_code == 422 and huge.json()["detail"][0]["field"] == field
    assert train(client, epochs=1, **{path: MAX_EPOCH_NUMBER}).status_code == 200


def test_the_gradient_check_is_bounded_by_examples_times_parameters_squared(client):
    network = {"layers": [2, 20, 20, 2], "activations": ["tanh", "tanh", "sigmoid"],
               "init": {"scheme": "xavier", "seed": 0}}  # 522 parameters
    request = {"network": network, "loss": "mse", "gradient_check": True,
               "inputs": [[0.1, 0.2]] * 400, "targets": [[0, 1]] * 400}
    refused(client.post("/api/v1/trace", json=request), "gradient_check", "too_much_work")
    request.update(inputs=[[0.1, 0.2]] * 300, targets=[[0, 1]] * 300)
    assert client.post("/api/v1/trace", json=request).status_code == 200


def test_a_slice_range_is_bounded(client):
    from tests.routes.test_engine import CLASSIC

    request = {k: CLASSIC[k] for k in ("network", "loss", "inputs", "targets")}
    body = {**request, "parameter": {"kind": "weight", "layer": 1, "row": 0, "col": 0}}
    refused(client.post("/api/v1/loss-slice", json={**body, "range": [-1e300, 1e300]}),
            "range.0", "greater_than_equal")
    wide = client.post("/api/v1/loss-slice", json={**body, "range": [-1e9, 1e9]})
    assert wide.status_code == 200 and None not in wide.json()["values"]
