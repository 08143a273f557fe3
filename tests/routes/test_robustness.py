"""Mutated requests never get a 5xx: each valid example, with one value swapped for a bad one."""

import copy
import json
import random

import pytest

from app.routes.engine import SLICE_EXAMPLE, TRACE_EXAMPLES
from app.routes.lab import DATASET_EXAMPLE, TRAIN_EXAMPLE

BAD_VALUES = [None, True, "x", "", -1, 0, 1e308, -1e308, 1e-320, 10**30, [], [[]], {}, [1, "a"],
              [[1e308, -1e308]], "NaN", 65, 2**63]
EXAMPLES = [("/api/v1/trace", e["value"]) for e in TRACE_EXAMPLES.values()] + [
    ("/api/v1/loss-slice", e["value"]) for e in SLICE_EXAMPLE.values()] + [
    ("/api/v1/train", {**e["value"], "epochs": 3}) for e in TRAIN_EXAMPLE.values()] + [
    ("/api/v1/datasets", e["value"]) for e in DATASET_EXAMPLE.values()]


def leaves(node, path=()):
    """Every place in a JSON document a value can be put: (parent, key) pairs."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield node, key
            yield from leaves(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield node, i
            yield from leaves(value, path + (i,))


@pytest.mark.parametrize("seed", range(60))
def test_one_bad_value_anywhere_is_a_4xx_or_a_200(client, seed):
    rng = random.Random(seed)
    for path, example in EXAMPLES:
        request = copy.deepcopy(example)
        places = list(leaves(request))
        for _ in range(rng.choice([1, 1, 2])):
            parent, key = rng.choice(places)
            parent[key] = copy.deepcopy(rng.choice(BAD_VALUES))
        body = json.dumps(request)
        response = client.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code in (200, 413, 422), (path, body[:300], response.text[:300])
        json.loads(response.text)  # strict JSON either way


def test_not_json_at_all(client):
    for body in ["", "[", "null", "[]", "1", '"text"', "{" * 5000 + "}" * 5000]:
        response = client.post("/api/v1/trace", content=body,
                               headers={"content-type": "application/json"})
        assert 400 <= response.status_code < 500, (body[:20], response.status_code)


NOT_JSON = {"detail": [{"field": "body", "type": "content_type",
                        "msg": "send the body as JSON: Content-Type: application/json",
                        "loc": ["body"]}]}


@pytest.mark.parametrize("content_type", [None, "text/plain",
                                          "application/x-www-form-urlencoded", "text/json"])
def test_a_body_not_sent_as_json_is_told_so(client, content_type):
    """What `curl -d` without `-H 'content-type: application/json'` gets, on every operation
    that takes a body: 415 and what to do, whatever the body holds."""
    from tests.conftest import APP

    body_operations = [(method, path) for path, item in APP.openapi()["paths"].items()
                       for method, operation in item.items() if "requestBody" in operation]
    assert ("post", "/api/v1/trace") in body_operations and len(body_operations) >= 7
    headers = {} if content_type is None else {"content-type": content_type}
    for method, path in body_operations:
        path = path.replace("{session_id}", "abc")
        for body in (json.dumps(EXAMPLES[0][1]), ""):
            response = client.request(method, path, content=body, headers=headers)
            assert response.status_code == 415, (method, path, response.text)
            assert response.json() == NOT_JSON


def test_json_with_a_charset_or_a_json_suffix_is_json(client):
    path, body = EXAMPLES[0]
    for content_type in ("application/json; charset=utf-8", "Application/JSON",
                         "application/vnd.api+json"):
        response = client.post(path, content=json.dumps(body),
                               headers={"content-type": content_type})
        assert response.status_code == 200, (content_type, response.text)
