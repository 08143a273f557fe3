"""The catalog the pages check against is the API's own: same names, same limits."""

import html
import json
import re

import pytest

from app.catalog import catalog

SPEC_ENUMS = {"activations": "Activation", "losses": "Loss", "optimizers": "Optimizer",
              "regularizations": "Regularization", "init_schemes": "InitScheme",
              "features": "Feature"}


@pytest.mark.parametrize("page", ["/", "/lab", "/handout"])
def test_every_page_embeds_the_catalog(client, page):
    body = client.get(page).text
    embedded = re.search(r'<script type="application/json" id="catalog">(.*?)</script>', body, re.S)
    assert embedded, f"{page} has no catalog"
    assert json.loads(html.unescape(embedded.group(1))) == catalog()


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
