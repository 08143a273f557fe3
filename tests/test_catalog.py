"""The catalog the pages check against is the API's own: same names, same limits."""

import pytest

from app.catalog import catalog
from tests.conftest import ROOT

SPEC_ENUMS = {"activations": "Activation", "losses": "Loss", "optimizers": "Optimizer",
              "regularizations": "Regularization", "init_schemes": "InitScheme",
              "features": "Feature"}


def test_the_api_serves_the_catalog_the_pages_import(client):
    answer = client.get("/api/v1/catalog")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == catalog()
    again = client.get("/api/v1/catalog", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    module = (ROOT / "static" / "js" / "catalog.js").read_text()
    assert "from '/api/v1/catalog' with { type: 'json' }" in module


@pytest.mark.parametrize("page", ["/", "/lab", "/handout"])
def test_no_page_embeds_a_copy(client, page):
    assert 'id="catalog"' not in client.get(page).text


@pytest.mark.parametrize("key, schema", SPEC_ENUMS.items())
def test_its_names_are_the_openapi_enums(client, key, schema):
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    assert catalog()[key] == spec[schema]["enum"]


def test_its_limits_are_the_schemas_bounds(client):
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    limits = catalog()["limits"]
    network = spec["NetworkSpec"]["properties"]
    assert network["layers"]["items"]["maximum"] == limits["max_neurons"]
    assert network["layers"]["maxItems"] == limits["max_weight_layers"] + 1
    rate = spec["RegularizationSpec"]["properties"]["rate"]
    assert rate["maximum"] == limits["max_regularization_rate"]
    assert spec["InitSpec"]["properties"]["seed"]["maximum"] == limits["max_seed"]
    optimizer = spec["OptimizerSpec"]["properties"]
    assert catalog()["optimizer_defaults"] == {
        key: optimizer[key]["default"] for key in ("momentum", "beta1", "beta2", "eps")}


def test_hidden_activations_leave_out_the_output_only_ones():
    assert "softmax" in catalog()["activations"]
    assert "softmax" not in catalog()["hidden_activations"]


NOTATION_FIELDS = {
    "activations": {"label", "symbol", "formula", "derivative", "slope", "output_only", "range",
                    "max_slope", "saturates", "can_die"},
    "losses": {"label", "formula", "term", "reduction", "requires_output", "fused_delta",
               "matrix_formula"},
    "optimizers": {"label", "rule", "hyperparameters", "state_keys"},
    "regularizations": {"label", "term"},
    "init_schemes": {"label", "formula"},
    "features": {"label", "inputs"},
}


@pytest.mark.parametrize("kind, fields", NOTATION_FIELDS.items())
def test_every_name_has_its_whole_notation(kind, fields):
    c = catalog()
    assert list(c["notation"][kind]) == c[kind]  # the same names, in the same order
    for name, entry in c["notation"][kind].items():
        assert set(entry) == fields, name
        assert entry["label"], name


def test_notation_agrees_with_the_maths():
    """What the page says of an activation is what the engine does with it."""
    import numpy as np

    from app.nn.activations import ACTIVATIONS
    z = np.linspace(-30, 30, 6001)
    for name, entry in catalog()["notation"]["activations"].items():
        a = ACTIVATIONS[name].output(z.reshape(1, -1) if name == "softmax" else z)
        if entry["range"]:
            low, high = entry["range"]
            assert low <= a.min() and a.max() <= high, name
        if entry["max_slope"] is not None and ACTIVATIONS[name].der is not None:
            assert np.isclose(ACTIVATIONS[name].der(z, a).max(), entry["max_slope"]), name
    losses = catalog()["notation"]["losses"]
    assert {k: v["requires_output"] for k, v in losses.items() if v["requires_output"]} == \
        catalog()["required_output"]


def test_hyperparameter_bounds_are_the_schemas(client):
    spec = client.get("/openapi.json").json()["components"]["schemas"]["OptimizerSpec"]
    for entry in catalog()["notation"]["optimizers"].values():
        for key, h in entry["hyperparameters"].items():
            field = spec["properties"][key]
            assert field["default"] == h["default"]
            assert field["exclusiveMaximum" if h["max_exclusive"] else "maximum"] == h["max"]
            assert field["exclusiveMinimum" if h["min_exclusive"] else "minimum"] == h["min"]
    state = client.get("/openapi.json").json()["components"]["schemas"]["OptimizerState"]
    keys = {k for o in catalog()["notation"]["optimizers"].values() for k in o["state_keys"]}
    assert keys == set(state["properties"]) - {"steps"}
