"""Request bodies as JSON: nested too deep is said so, by its own rule, at any depth past the
parsers' (it was refused as "not UTF-8")."""

import pytest

from app.jsonbody import MAX_DEPTH


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 100_000])
def test_json_nested_too_deep_is_refused_by_its_rule(client, depth):
    body = b"[" * depth + b"]" * depth
    response = client.post("/api/v1/trace", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert (item["field"], item["type"]) == ("body", "json_too_deep")
    assert str(MAX_DEPTH) in item["msg"]


def test_deep_json_with_nan_is_refused_by_the_same_rule(client):
    """orjson refuses NaN, so the standard parser reads such a body again, with a stack of
    its own: deep enough, that one overflows first."""
    depth = 1020  # within orjson's limit, past Python's recursion limit of 1000
    body = b'{"a": NaN, "b": ' + b"[" * depth + b"]" * depth + b"}"
    response = client.post("/api/v1/trace", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_too_deep"


def test_json_nested_as_deep_as_allowed_is_read_and_validated(client):
    depth = 50
    body = b'{"network": ' + b"[" * depth + b"]" * depth + b"}"
    response = client.post("/api/v1/trace", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert {i["type"] for i in response.json()["detail"]} != {"json_too_deep"}
