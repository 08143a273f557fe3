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
