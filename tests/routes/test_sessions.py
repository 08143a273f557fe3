"""The live-session API: every rule of its contract, through the app in-process."""

import copy
import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.routes.sessions import CREATE_EXAMPLE
from app.sessions.store import CODE_ALPHABET, CODE_LENGTH
from app.settings import Settings
from tests.conftest import flush_redis, run_async

STORES = ["sqlite", "redis"]


@pytest.fixture(params=STORES)
def client(request, tmp_path):
    """The app with its sessions in SQLite, or in Redis: every test here runs against both."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        flush_redis(url)
        settings = Settings(db=str(tmp_path / "unused.db"), redis_url=url)
    else:
        settings = Settings(db=str(tmp_path / "sessions.db"))
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def make_store(kind, request, tmp_path, ttl, max_sessions):
    from app.sessions.sqlite import SQLiteStore

    if kind == "sqlite":
        return SQLiteStore(tmp_path / "s.db", ttl=ttl, max_sessions=max_sessions)
    from app.sessions.redis import RedisStore, connect

    return RedisStore(connect(request.getfixturevalue("redis_url")), ttl, max_sessions)

STEP = CREATE_EXAMPLE["classic"]["value"]["state"]
LAB = {"settings": {
    "dataset": {"name": "circle", "task": "classification", "n": 200, "noise": 0, "seed": 1,
                "test_fraction": 0.5},
    "points": None, "features": ["x1", "x2"], "hidden": [4, 2], "activation": "tanh",
    "loss": "bce", "optimizer": "sgd", "learning_rate": 0.03, "batch_size": 10,
    "regularization": "none", "rate": 0, "seed": 1},
    "snapshot": {"network": {"layers": [2, 1], "activations": ["sigmoid"],
                             "weights": [[[0.5, -0.5]]], "biases": [[0.1]]}, "epoch": 12}}


def create(client, page="step", state=STEP):
    response = client.post("/api/v1/sessions", json={"page": page, "state": state})
    assert response.status_code == 201, response.text
    return response.json()


def auth(session):
    return {"authorization": f"Bearer {session['presenter_token']}"}


def at_step(step):
    """The example's state at small step number `step`, a position in the index form (links
    made before steps were named; still valid)."""
    state = copy.deepcopy(STEP)
    state["position"] = {"iteration": state["position"]["iteration"], "step": step}
    return state


def test_a_session_is_created_with_a_code_and_a_token(client):
    s = create(client)
    assert s["version"] == 1 and s["page"] == "step" and s["state"] == STEP
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}", s["join_code"])
    assert len(s["presenter_token"]) >= 22  # 128 bits of base64url at the least
    assert len(s["id"]) >= 16


def test_anyone_reads_a_session_by_id_or_code_but_never_the_token(client):
    s = create(client)
    by_id = client.get(f"/api/v1/sessions/{s['id']}").json()
    by_code = client.get(f"/api/v1/sessions/join/{s['join_code'].lower()}").json()
    assert by_id == by_code == {k: s[k] for k in ("id", "join_code", "version", "page", "state")}
    assert "presenter_token" not in client.get(f"/api/v1/sessions/{s['id']}").text
    assert s["presenter_token"] not in client.get(f"/api/v1/sessions/{s['id']}").text


def test_unknown_sessions_and_codes_are_404(client):
    assert client.get("/api/v1/sessions/nope").status_code == 404
    response = client.get("/api/v1/sessions/join/XXXXXX")
    assert response.status_code == 404
    assert response.json()["detail"][0]["field"] == "join_code"


def test_only_the_presenter_changes_the_state_and_only_from_the_current_version(client):
    s = create(client)
    url = f"/api/v1/sessions/{s['id']}/state"
    body = {"version": 1, "state": at_step(3)}
    missing = client.put(url, json=body)
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    assert client.put(url, json=body, headers={"authorization": "Bearer wrong"}).status_code == 403
    assert client.put(url, json=body, headers={"authorization": "Basic abc"}).status_code == 401
    assert client.put(url, json=body, headers=auth(s)).json() == {"version": 2}
    stale = client.put(url, json={"version": 1, "state": at_step(4)}, headers=auth(s))
    assert stale.status_code == 409 and "version 2" in stale.json()["detail"][0]["msg"]
    current = client.get(f"/api/v1/sessions/{s['id']}").json()
    assert current["version"] == 2 and current["state"]["position"]["step"] == 3


@pytest.mark.parametrize("change, field", [
    (lambda st: st["setup"].update(learning_rate=1000), "state.setup.learning_rate"),
    (lambda st: st["setup"]["network"].update(layers=[2, 3, 2]), "state.setup.network.weights"),
    (lambda st: st["position"].update(iteration=10**6), "state.position.iteration"),
    (lambda st: st["view"].update(decimals=7), "state.view.decimals"),
    (lambda st: st["view"].update(selected={"kind": "weight", "layer": 4, "row": 0, "col": 0}),
     "state.view.selected.layer"),
    (lambda st: st.update(extra=1), "state.extra"),
])
def test_an_invalid_state_is_refused_naming_the_field(client, change, field):
    state = copy.deepcopy(STEP)
    change(state)
    created = client.post("/api/v1/sessions", json={"page": "step", "state": state})
    assert created.status_code == 422
    assert created.json()["detail"][0]["field"].startswith(field)
    s = create(client)
    changed = client.put(f"/api/v1/sessions/{s['id']}/state", json={"version": 1, "state": state},
                         headers=auth(s))
    assert changed.status_code == 422
    assert client.get(f"/api/v1/sessions/{s['id']}").json()["version"] == 1


def test_a_state_over_the_size_limit_is_refused(client):
    # Valid in every field (ten layers of 64, 200 examples), but over a mebibyte of JSON.
    value = 0.12345678901234568
    state = {"setup": {
        "network": {"layers": [64] * 11, "activations": ["tanh"] * 10,
                    "weights": [[[value] * 64] * 64] * 10, "biases": [[0.0] * 64] * 10},
        "loss": "mse", "inputs": [[value] * 64] * 200, "targets": [[value] * 64] * 200}}
    response = client.post("/api/v1/sessions", json={"page": "step", "state": state})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "too_large"


def test_a_lab_session_carries_settings_and_a_snapshot(client):
    s = create(client, "lab", LAB)
    assert s["page"] == "lab"
    bad = copy.deepcopy(LAB)
    bad["settings"]["hidden"] = [99]
    response = client.post("/api/v1/sessions", json={"page": "lab", "state": bad})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "state.settings.hidden.0"
    # A lab state is not a step state.
    assert client.post("/api/v1/sessions", json={"page": "step", "state": LAB}).status_code == 422


def test_a_lab_snapshot_may_carry_the_runs_loss_curve(client):
    state = copy.deepcopy(LAB)
    curve = {"epochs": [1, 6, 12], "train": [0.69, 0.41, 0.2], "test": [0.7, None, 0.25]}
    state["snapshot"]["losses"] = curve
    s = create(client, "lab", state)
    assert client.get(f"/api/v1/sessions/{s['id']}").json()["state"]["snapshot"]["losses"] == curve


@pytest.mark.parametrize("curve, field", [
    ({"epochs": [1, 2], "train": [0.5], "test": [None, None]}, "train"),
    ({"epochs": [2, 2], "train": [0.5, 0.4], "test": [None, None]}, "epochs"),
    ({"epochs": list(range(201)), "train": [0.5] * 201, "test": [None] * 201}, "epochs"),
    ({"epochs": [1], "train": [1e300], "test": [None]}, "train.0"),
])
def test_a_loss_curve_that_does_not_add_up_is_refused(client, curve, field):
    state = copy.deepcopy(LAB)
    state["snapshot"]["losses"] = curve
    response = client.post("/api/v1/sessions", json={"page": "lab", "state": state})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == f"state.snapshot.losses.{field}"


def test_ending_a_session_needs_the_token_and_then_it_is_gone(client):
    s = create(client)
    assert client.delete(f"/api/v1/sessions/{s['id']}").status_code == 401
    assert client.delete(f"/api/v1/sessions/{s['id']}", headers=auth(s)).status_code == 204
    assert client.get(f"/api/v1/sessions/{s['id']}").status_code == 404
    assert client.get(f"/api/v1/sessions/join/{s['join_code']}").status_code == 404


@pytest.mark.parametrize("kind", STORES)
def test_idle_sessions_expire_and_the_count_is_capped(kind, request, tmp_path):
    import asyncio

    from app.sessions.store import StoreFull

    if kind == "redis":
        flush_redis(request.getfixturevalue("redis_url"))

    async def scenario():
        store = make_store(kind, request, tmp_path, 0.2, 2)
        first, _ = await store.create("step", STEP)
        await store.create("step", STEP)
        with pytest.raises(StoreFull):
            await store.create("step", STEP)
        await asyncio.sleep(0.3)
        assert await store.get(first.id) is None
        assert await store.find(first.join_code) is None
        await store.create("step", STEP)  # the expired ones no longer count
        await store.close()

    run_async(scenario)


@pytest.mark.parametrize("kind", STORES)
def test_a_store_reopened_has_every_session_and_version(kind, request, tmp_path):
    async def scenario():
        store = make_store(kind, request, tmp_path, 3600, 10)
        s, _ = await store.create("step", STEP)
        assert await store.put(s.id, 1, at_step(5)) == 2
        await store.close()
        again = make_store(kind, request, tmp_path, 3600, 10)
        back = await again.get(s.id)
        assert back.version == 2 and back.state == at_step(5)
        await again.close()

    run_async(scenario)
