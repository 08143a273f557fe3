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
