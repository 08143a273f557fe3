import pytest


def test_list_names_the_presets(client):
    names = [p["name"] for p in client.get("/api/v1/presets").json()]
    assert {"classic", "xor", "softmax"} <= set(names)


@pytest.mark.parametrize("name", ["classic", "xor", "softmax"])
def test_each_preset_is_a_working_trace_request(client, name):
    preset = client.get(f"/api/v1/presets/{name}").json()
    assert preset["name"] == name and preset["title"]
    response = client.post("/api/v1/trace", json=preset["request"])
    assert response.status_code == 200
    assert response.json()["loss_after"] < response.json()["loss"]


def test_classic_preset_is_the_worked_example(client):
    request = client.get("/api/v1/presets/classic").json()["request"]
    assert request["learning_rate"] == 0.5 and request["update_biases"] is False
    assert client.post("/api/v1/trace", json=request).json()["loss"] == pytest.approx(
        0.298371109, abs=1e-9)


def test_unknown_preset_is_404_json(client):
    response = client.get("/api/v1/presets/nope")
    assert response.status_code == 404
    [error] = response.json()["detail"]
    assert (error["field"], error["type"]) == ("name", "not_found") and "classic" in error["msg"]
    # A long name is not echoed back whole.
    long = client.get("/api/v1/presets/" + "x" * 50_000)
    assert long.status_code == 404 and len(long.content) < 500
