"""The API description as a programmer's tools read it: stable operation names, one named
schema per enum, tags, and real answers (overflowing and diverged ones too) valid against the
schemas published for them (JSON Schema draft 2020-12)."""

import jsonschema
import pytest

from tests.conftest import APP
from tests.routes.test_engine import CLASSIC

SPEC = APP.openapi()


def validate(answer: dict, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": SPEC["components"]}
    jsonschema.Draft202012Validator(schema).validate(answer)


def test_operations_have_names_a_generated_client_reads_well():
    ids = sorted(op["operationId"] for path in SPEC["paths"].values() for op in path.values())
    assert ids == sorted(["trace", "network", "lossSlice", "code", "listPresets", "getPreset",
                          "train", "datasets", "health", "ready", "getCatalog", "createSession",
                          "getSession", "joinSession", "changeSession", "endSession",
                          "followSession"])


@pytest.mark.parametrize("name, values", [
    ("Activation", {"sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"}),
    ("Loss", {"mse", "bce", "cross_entropy"}), ("Optimizer", {"sgd", "momentum", "adam"}),
    ("Regularization", {"none", "l1", "l2"}), ("Task", {"classification", "regression"}),
    ("InitScheme", {"xavier", "he", "uniform", "zeros"})])
def test_each_enum_is_one_named_schema(name, values):
    assert set(SPEC["components"]["schemas"][name]["enum"]) == values

    def inline(node):  # every enum written out anywhere in the description
        if isinstance(node, dict):
            found = [set(node["enum"])] if "enum" in node else []
            return found + [e for v in node.values() for e in inline(v)]
        if isinstance(node, list):
            return [e for v in node for e in inline(v)]
        return []

    # Only the named schema lists these values; every model refers to it.
    assert inline(SPEC).count(values) == 1


def test_the_description_is_valid_openapi():
    from openapi_spec_validator import validate as validate_spec

    validate_spec(SPEC)


def test_tags_and_servers_are_described():
    assert all(tag.get("description") for tag in SPEC["tags"])
    assert SPEC["servers"][0]["url"] == "/"


def test_real_answers_validate_against_their_schemas(client):
    request = {k: CLASSIC[k] for k in ("network", "loss", "inputs", "targets")}
    validate(client.post("/api/v1/trace", json=request).json(), "TraceResponse")
    diverged = client.post("/api/v1/trace", json={
        "network": {"layers": [1] * 11, "activations": ["linear"] * 10,
                    "weights": [[[1e9]]] * 10},
        "loss": "mse", "inputs": [[1e9]], "targets": [[0]], "learning_rate": 100}).json()
    assert diverged["diverged"] is True
    validate(diverged, "TraceResponse")
    wide = client.post("/api/v1/loss-slice", json={
        **request, "parameter": {"kind": "weight", "layer": 1, "row": 0, "col": 0},
        "range": [-1e9, 1e9], "learning_rate": 100}).json()
    validate(wide, "LossSliceResponse")
    trained = client.post("/api/v1/train", json={
        "network": {"layers": [2, 3, 1], "activations": ["linear", "linear"],
                    "init": {"scheme": "xavier", "seed": 0}},
        "loss": "mse", "dataset": {"name": "plane", "n": 50, "seed": 1},
        "optimizer": {"name": "sgd", "learning_rate": 100}, "epochs": 5,
        "boundary": {"resolution": 5, "neuron_resolution": 3}}).json()
    validate(trained, "TrainResponse")
    validate(client.get("/api/v1/presets/classic").json(), "Preset")
    validate(client.get("/api/v1/presets/nope").json(), "ErrorBody")
    validate(client.post("/api/v1/trace", json={**request, "loss": "l7"}).json(), "ErrorBody")


@pytest.mark.parametrize("path, schema", [("/api/v1/trace", "TraceResponse"),
                                          ("/api/v1/train", "TrainResponse")])
def test_answer_examples_are_real_answers(client, path, schema):
    shown = SPEC["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]
    validate(shown["example"], schema)
    if path == "/api/v1/trace":
        request = {k: CLASSIC[k] for k in ("network", "loss", "inputs", "targets",
                                           "learning_rate", "update_biases")}
        assert client.post(path, json=request).json() == shown["example"]


@pytest.mark.parametrize("network", [
    {"weights": [[[0.5, -0.5]]]},
    {"weights": [[[0.5, -0.5]]], "biases": [[0.1]], "init": None},
    {"init": {"scheme": "he", "seed": 3}},
    {"init": {"scheme": "he", "seed": 3}, "weights": None, "biases": None},
    {},
    {"biases": [[0.1]]},
    {"weights": [[[0.5, -0.5]]], "init": {"scheme": "he", "seed": 3}},
    {"init": {"scheme": "he", "seed": 3}, "biases": [[0.1]]},
])
def test_weights_or_init_is_a_rule_of_the_schema_as_of_the_api(client, network):
    """The description states the rule the validator enforces: exactly one of weights (with
    biases, if any) or init. The schema and the app agree on each network."""
    network = {"layers": [2, 1], "activations": ["sigmoid"], **network}
    schema = {"$ref": "#/components/schemas/NetworkSpec", "components": SPEC["components"]}
    by_schema = jsonschema.Draft202012Validator(schema).is_valid(network)
    answer = client.post("/api/v1/network", json=network)
    assert answer.status_code in (200, 422)
    assert by_schema == (answer.status_code == 200), answer.text
