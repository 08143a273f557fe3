"""Bad input gets a 4xx naming the field and the rule, as strict JSON, never a 5xx."""

import copy
import time

import pytest

from app.schemas.limits import MAX_BODY_BYTES, MAX_EXAMPLES
from tests.routes.test_engine import CLASSIC


def with_change(path: str, value):
    request = copy.deepcopy(CLASSIC)
    *parents, last = path.split(".")
    node = request
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is DELETE:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return request


DELETE = object()

CASES = [
    ("network.weights.0.1", [0.25], "network.weights.0.1", "shape"),
    ("network.weights.1", [[0.4, 0.45]], "network.weights.1", "shape"),
    ("network.biases.1", [0.6], "network.biases.1", "shape"),
    ("network.activations", ["sigmoid"], "network.activations", "count"),
    ("network.activations.0", "swish", "network.activations.0", "enum"),
    ("network.activations.0", "softmax", "network.activations.0", "output_only"),
    ("loss", "hinge", "loss", "enum"),
    ("loss", "cross_entropy", "network.activations.1", "loss_needs_output"),
    ("inputs.0", [0.05], "inputs.0", "shape"),
    ("inputs", [], "inputs", "too_short"),
    ("targets", [[0.01, 0.99], [0, 1]], "targets", "shape"),
    ("network.layers", [2] * 12, "network.layers", "too_long"),
    ("network.layers", [2, 65, 2], "network.layers.1", "less_than_equal"),
    ("network.layers.0", 0, "network.layers.0", "greater_than_equal"),
    ("learning_rate", -1, "learning_rate", "greater_than_equal"),
    ("learning_rate", "fast", "learning_rate", "float_type"),
    ("learning_rate", True, "learning_rate", "float_type"),
    ("network.layers.0", 2.0, "network.layers.0", "int_type"),
    ("network.weights", DELETE, "network.weights", "weights_or_init"),
    ("network.init", {"scheme": "xavier"}, "network.weights", "weights_or_init"),
    ("colour", "red", "colour", "extra_forbidden"),
    ("network.init", DELETE, "network.weights", None),  # valid: nothing to remove
]


@pytest.mark.parametrize("path, value, field, rule", [c for c in CASES if c[3]])
def test_bad_input_names_field_and_rule(client, path, value, field, rule):
    response = client.post("/api/v1/trace", json=with_change(path, value)
                           if path != "network.init" or value is DELETE else
                           {**CLASSIC, "network": {**CLASSIC["network"], "init": value}})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert {"field": field, "type": rule} in [{"field": d["field"], "type": d["type"]}
                                             for d in detail], detail


def test_bce_targets_must_be_probabilities(client):
    request = copy.deepcopy(CLASSIC)
    request.update(loss="bce", targets=[[0.5, 1.5]])
    detail = client.post("/api/v1/trace", json=request).json()["detail"]
    assert detail[0]["field"] == "targets.0" and detail[0]["type"] == "probability"


def test_cross_entropy_targets_must_sum_to_one(client):
    request = {"network": {"layers": [2, 2], "activations": ["softmax"], "init": {"seed": 0}},
               "loss": "cross_entropy", "inputs": [[1, 2]], "targets": [[0.5, 0.4]]}
    detail = client.post("/api/v1/trace", json=request).json()["detail"]
    assert detail[0]["field"] == "targets.0" and detail[0]["type"] == "distribution"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_422_not_500(client, literal):
    body = ('{"network": {"layers": [1, 1], "activations": ["linear"], "init": {}}, '
            f'"loss": "mse", "inputs": [[{literal}]], "targets": [[0]]}}')
    response = client.post("/api/v1/trace", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0] == {"field": "inputs.0.0", "type": "finite_number",
                                            "msg": "Input should be a finite number",
                                            "loc": ["body", "inputs", 0, 0]}


def test_malformed_json_is_422(client):
    response = client.post("/api/v1/trace", content="{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    error = response.json()["detail"][0]
    assert error["type"] == "json_invalid" and error["field"] == "body"  # not an offset
    assert error["msg"].endswith("at line 1, column 2")


def test_too_many_examples(client):
    request = copy.deepcopy(CLASSIC)
    request["inputs"] = [[0, 0]] * (MAX_EXAMPLES + 1)
    request["targets"] = [[0, 0]] * (MAX_EXAMPLES + 1)
    detail = client.post("/api/v1/trace", json=request).json()["detail"]
    assert {"field": "inputs", "type": "too_long"} in [
        {"field": d["field"], "type": d["type"]} for d in detail]


def test_gradient_check_on_a_large_network_is_refused(client):
    request = {"network": {"layers": [64, 64, 2], "activations": ["relu", "linear"],
                           "init": {"seed": 0}},
               "loss": "mse", "inputs": [[0] * 64], "targets": [[0, 0]], "gradient_check": True}
    detail = client.post("/api/v1/trace", json=request).json()["detail"]
    assert detail[0]["field"] == "gradient_check" and detail[0]["type"] == "too_many_parameters"


def test_oversized_body_is_413_quickly(client):
    body = b'{"inputs": [' + b"0.123456789," * (MAX_BODY_BYTES // 12 + 10) + b"0]}"
    started = time.perf_counter()
    response = client.post("/api/v1/trace", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["detail"][0]["type"] == "too_large"
    assert time.perf_counter() - started < 5


def test_streamed_oversized_body_is_413(client):
    def chunks():
        yield b'{"inputs": ['
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"0," * 32768
        yield b"0]}"
    response = client.post("/api/v1/trace", content=chunks(),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize("parameter, field", [
    ({"kind": "weight", "layer": 2, "row": 0, "col": 0}, "parameter.layer"),
    ({"kind": "weight", "layer": 0, "row": 2, "col": 0}, "parameter.row"),
    ({"kind": "weight", "layer": 0, "row": 0}, "parameter.col"),
    ({"kind": "bias", "layer": 0, "row": 0, "col": 1}, "parameter.col"),
])
def test_loss_slice_parameter_must_exist(client, parameter, field):
    request = {k: CLASSIC[k] for k in ("network", "loss", "inputs", "targets")}
    response = client.post("/api/v1/loss-slice", json={**request, "parameter": parameter})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


def test_loss_slice_range_must_be_ordered(client):
    request = {k: CLASSIC[k] for k in ("network", "loss", "inputs", "targets")}
    response = client.post("/api/v1/loss-slice", json={
        **request, "parameter": {"kind": "bias", "layer": 0, "row": 0}, "range": [1, 1]})
    assert response.json()["detail"][0]["field"] == "range"


def test_trace_size_is_bounded(client):
    n = 4096
    request = {"network": {"layers": [2, 64, 1], "activations": ["relu", "linear"],
                           "init": {"seed": 0}},
               "loss": "mse", "inputs": [[0, 0]] * n, "targets": [[0]] * n}
    detail = client.post("/api/v1/trace", json=request).json()["detail"]
    assert detail[0]["field"] == "inputs" and detail[0]["type"] == "too_many_values"


def test_per_example_size_is_bounded(client):
    n = 1024
    request = {"network": {"layers": [8, 16, 1], "activations": ["relu", "linear"],
                           "init": {"seed": 0}},
               "loss": "mse", "inputs": [[0] * 8] * n, "targets": [[0]] * n}
    assert client.post("/api/v1/trace", json=request).status_code == 200
    detail = client.post("/api/v1/trace", json={**request, "per_example": True}).json()["detail"]
    assert detail[0]["field"] == "per_example" and detail[0]["type"] == "too_many_values"
