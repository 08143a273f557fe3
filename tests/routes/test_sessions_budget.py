"""A session's work is bounded as any request's is: a state whose frame would replay past the
budget is refused naming the field; the frame is computed in the work pool (503 when it is
full), before anything is stored, and stops when its client leaves. Once, one 8 KB body far
into training on a large network kept the server busy for two minutes, outside the pool, after
its client had gone, and created its session all the same."""

import copy
import re

import pytest
from fastapi.testclient import TestClient

import app.sessions.classroom as classroom_module
import app.sessions.frames as frames_module
from app.main import create_app
from app.schemas.limits import MAX_FRAME_WORK, MAX_ITERATION
from app.schemas.sessions import StepState, frame_work
from app.sessions.frames import NetworkCache, Stopped, step_frame
from app.settings import Settings
from app.work import WorkPool
from tests.conftest import flush_redis, run_async
from tests.routes.test_sessions import STEP, STORES, auth, create


def large(iteration: int) -> dict:
    """Ten layers of 64 neurons on 200 examples: a body of 3 KB, and 5 ms a training step."""
    return {"setup": {"network": {"layers": [1] + [64] * 9 + [1],
                                  "activations": ["tanh"] * 9 + ["sigmoid"],
                                  "init": {"scheme": "xavier", "seed": 0}},
                      "loss": "mse", "inputs": [[0.5]] * 200, "targets": [[0.5]] * 200},
            "position": {"iteration": iteration, "step": 0}}


def medium(iteration: int) -> dict:
    """A 1-32-32-1 network on 1,000 examples: the budget stops it short of the last training
    step, not far short."""
    return {"setup": {"network": {"layers": [1, 32, 32, 1], "activations": ["tanh", "tanh",
                                                                           "sigmoid"],
                                  "init": {"scheme": "xavier", "seed": 0}},
                      "loss": "mse", "inputs": [[0.5]] * 1000, "targets": [[0.5]] * 1000},
            "position": {"iteration": iteration, "step": 0}}


@pytest.fixture(params=STORES)
def client(request, tmp_path):
    """The app on either store, one session a client address at most: a create that was
    refused but stored anyway would leave no room for the next."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        flush_redis(url)
        settings = Settings(db=str(tmp_path / "unused.db"), redis_url=url, sessions_per_address=1)
    else:
        settings = Settings(db=str(tmp_path / "sessions.db"), sessions_per_address=1)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_a_state_past_the_budget_is_refused_naming_the_iteration_and_creates_nothing(client):
    refused = client.post("/api/v1/sessions", json={"page": "step", "state": large(500)})
    assert refused.status_code == 422
    [problem] = refused.json()["detail"]
    assert (problem["field"], problem["type"]) == ("state.position.iteration", "too_much_work")
    furthest = int(re.search(r"iteration (\d+) \(training step \d+\) at the furthest",
                             problem["msg"]).group(1))
    assert 0 < furthest < 500
    create(client)  # the address's one session: the refused create took no room


def test_the_furthest_step_the_refusal_names_is_accepted_and_one_more_is_not(client):
    state = medium(MAX_ITERATION)
    setup = StepState.model_validate(medium(0)).setup
    assert frame_work(setup, MAX_ITERATION) > MAX_FRAME_WORK  # the budget binds here
    problem = client.post("/api/v1/sessions", json={"page": "step", "state": state}).json()
    furthest = int(re.search(r"iteration (\d+) ", problem["detail"][0]["msg"]).group(1))
    assert frame_work(setup, furthest) <= MAX_FRAME_WORK < frame_work(setup, furthest + 1)
    StepState.model_validate(medium(furthest))  # valid (computing it: bench/session_frames.py)
    # A change is held to the same budget.
    s = create(client, state=medium(1))
    past = client.put(f"/api/v1/sessions/{s['id']}/state", headers=auth(s),
                      json={"version": 1, "state": medium(furthest + 1)})
    assert past.status_code == 422
    assert past.json()["detail"][0]["field"] == "state.position.iteration"


def test_with_the_work_pool_full_a_create_is_503_and_creates_nothing(client, monkeypatch):
    monkeypatch.setattr(classroom_module, "POOL", WorkPool(workers=1, queue=0))
    busy = client.post("/api/v1/sessions", json={"page": "step", "state": STEP})
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
    assert busy.json()["detail"][0]["type"] == "busy"
    monkeypatch.undo()
    create(client)  # the room was never taken


def test_a_stale_change_is_refused_before_any_work(client, monkeypatch):
    s = create(client)
    url = f"/api/v1/sessions/{s['id']}/state"
    assert client.put(url, json={"version": 1, "state": STEP}, headers=auth(s)).status_code == 200
    computed = []
    room = client.app.state.classroom
    monkeypatch.setattr(room, "prepare_now", lambda *args: computed.append(args))
    stale = client.put(url, json={"version": 1, "state": large(400)}, headers=auth(s))
    assert stale.status_code == 409 and computed == []


def test_a_replay_asks_whether_its_client_is_still_there_at_every_step():
    asked = []

    def stopped() -> bool:
        asked.append(True)
        return len(asked) > 3  # the client leaves during the fourth step

    state = StepState.model_validate(medium(40))
    cache = NetworkCache()
    with pytest.raises(Stopped):
        step_frame(state, cache, stopped)
    assert len(asked) == 4
    # What it replayed is kept: asked again, it goes on from there.
    run = next(iter(cache._runs.values()))
    assert max(run.kept) == 3 // run.stride * run.stride
    frame = step_frame(state, cache)
    assert frame["iteration"] == 40


def test_a_frame_past_its_cpu_time_is_stopped_and_creates_nothing(client, monkeypatch):
    """The budget counts values; numbers that compute slowly (subnormal floats) escape it, so
    a frame is also stopped once it has taken MAX_FRAME_SECONDS of CPU: here, at once."""
    monkeypatch.setattr(frames_module, "MAX_FRAME_SECONDS", -1.0)
    stopped = client.post("/api/v1/sessions", json={"page": "step", "state": medium(3)})
    assert stopped.status_code == 503 and stopped.headers["retry-after"] == "1"
    assert stopped.json()["detail"][0]["type"] == "stopped"
    monkeypatch.undo()
    create(client)  # nothing was created: the address's one session is still to come


def test_a_create_whose_client_leaves_creates_nothing(tmp_path):
    """Through the app's ASGI interface, with a client that has gone once its body is sent."""
    import orjson

    app = create_app(Settings(db=str(tmp_path / "s.db")))
    body = orjson.dumps({"page": "step", "state": medium(100)})
    sent = []

    async def scenario():
        messages = iter([{"type": "http.request", "body": body, "more_body": False}])

        async def receive():
            return next(messages, {"type": "http.disconnect"})

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "POST", "scheme": "http", "path": "/api/v1/sessions",
                 "raw_path": b"/api/v1/sessions", "root_path": "", "query_string": b"",
                 "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                             (b"content-length", str(len(body)).encode())],
                 "client": ("10.0.0.9", 5000), "server": ("testserver", 80), "app": app}
        await app(scope, receive, send)
        room = app.state.classroom
        try:
            await room.store.room_for("10.0.0.9")  # nothing of its own: it could still create
            return await room.store._run(lambda: room.store._db.execute(
                "SELECT count(*) FROM sessions").fetchone()[0])
        finally:
            await room.close()

    count = run_async(scenario)
    assert count == 0
    assert sent[0]["status"] == 503
    assert b'"stopped"' in sent[1]["body"]


def test_the_replay_cache_keeps_to_its_size_whatever_it_is_asked():
    """It once kept every training step of its last 64 setups: 64 × 500 networks of 40,000
    numbers could be asked of it, 10 GB."""
    cache = NetworkCache(values=200_000)
    for seed in range(6):  # six large setups, each far into training
        state = copy.deepcopy(large(60))
        state["setup"]["network"]["init"]["seed"] = seed
        step_frame(StepState.model_validate(state), cache)
        assert sum(run.values for run in cache._runs.values()) <= 200_000
    assert len(cache._runs) < 6  # the oldest went
    for run in cache._runs.values():  # each keeps its starts every `stride` steps, and the last
        assert sorted(run.kept) == [0, 60] and run.stride > 60
