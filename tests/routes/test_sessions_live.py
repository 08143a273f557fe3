"""Live sessions against a real server process: followers over Server-Sent Events, and a
restart on the same database file that loses nothing."""

import json
import threading

import httpx
import pytest

from tests.conftest import free_port, serve, stop
from tests.routes.test_sessions import STEP, at_step


@pytest.fixture
def server(tmp_path):
    """A server on a database file of its own; restart() starts a new process on the same file."""
    port = free_port()
    db = str(tmp_path / "sessions.db")
    box = {"process": serve(port, BACKPROP_VIZ_DB=db)}

    def restart():
        stop(box["process"])
        box["process"] = serve(port, BACKPROP_VIZ_DB=db)

    yield f"http://127.0.0.1:{port}", restart
    stop(box["process"])


def read_events(response, count):
    """The next `count` events of a stream, as (event, id, data) triples; comments skipped."""
    events, fields = [], {}
    for line in response.iter_lines():
        if line == "":
            if "event" in fields or "data" in fields:
                events.append((fields.get("event"), fields.get("id"), fields.get("data")))
                if len(events) == count:
                    return events
            fields = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(": ")
            fields[key] = value
    return events


def test_a_follower_gets_the_state_at_once_then_every_change_then_the_end(server):
    base, _ = server
    s = httpx.post(f"{base}/api/v1/sessions", json={"page": "step", "state": STEP}).json()
    headers = {"authorization": f"Bearer {s['presenter_token']}"}
    received = []
    connected = threading.Event()

    def follow():
        with httpx.stream("GET", f"{base}/api/v1/sessions/{s['id']}/events", timeout=10) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            connected.set()
            received.extend(read_events(r, 4))

    follower = threading.Thread(target=follow)
    follower.start()
    assert connected.wait(10)
    for version in (1, 2):
        answer = httpx.put(f"{base}/api/v1/sessions/{s['id']}/state", headers=headers,
                           json={"version": version, "state": at_step(version + 10)})
        assert answer.json() == {"version": version + 1}
    httpx.delete(f"{base}/api/v1/sessions/{s['id']}", headers=headers)
    follower.join(10)
    assert [(e, i) for e, i, _ in received] == [("state", "1"), ("state", "2"), ("state", "3"),
                                                ("end", None)]
    first, second = json.loads(received[0][2]), json.loads(received[1][2])
    assert first["state"] == STEP and second["state"] == at_step(11)
    # What the follower draws comes with the change: the classic step, traced on the server.
    frame = second["frame"]
    assert frame["iteration"] == 0
    assert frame["trace"]["loss"] == pytest.approx(0.2983711087600027, abs=1e-15)
    assert frame["trace"]["network"]["weights"][1][0][0] == pytest.approx(0.35891647971788465)


def test_a_reconnecting_follower_gets_the_latest_state_at_once(server):
    base, _ = server
    s = httpx.post(f"{base}/api/v1/sessions", json={"page": "step", "state": STEP}).json()
    headers = {"authorization": f"Bearer {s['presenter_token']}"}
    for version in (1, 2, 3):
        httpx.put(f"{base}/api/v1/sessions/{s['id']}/state", headers=headers,
                  json={"version": version, "state": at_step(version)})
    with httpx.stream("GET", f"{base}/api/v1/sessions/{s['id']}/events",
                      headers={"last-event-id": "1"}, timeout=10) as r:
        [(event, version, data)] = read_events(r, 1)
    assert (event, version) == ("state", "4")
    assert json.loads(data)["state"] == at_step(3)


def test_a_restart_loses_no_session_and_no_version(server):
    base, restart = server
    s = httpx.post(f"{base}/api/v1/sessions", json={"page": "step", "state": STEP}).json()
    headers = {"authorization": f"Bearer {s['presenter_token']}"}
    httpx.put(f"{base}/api/v1/sessions/{s['id']}/state", headers=headers,
              json={"version": 1, "state": at_step(7)})
    restart()
    back = httpx.get(f"{base}/api/v1/sessions/join/{s['join_code']}").json()
    assert back["version"] == 2 and back["state"] == at_step(7)
    # The presenter carries on after the restart with the same token.
    answer = httpx.put(f"{base}/api/v1/sessions/{s['id']}/state", headers=headers,
                       json={"version": 2, "state": at_step(8)})
    assert answer.json() == {"version": 3}
    with httpx.stream("GET", f"{base}/api/v1/sessions/{s['id']}/events", timeout=10) as r:
        [(_, version, data)] = read_events(r, 1)
    assert version == "3" and json.loads(data)["state"] == at_step(8)


def test_lab_followers_get_the_points_once_and_then_only_the_weights(server):
    from tests.routes.test_sessions import LAB

    base, _ = server
    s = httpx.post(f"{base}/api/v1/sessions", json={"page": "lab", "state": LAB}).json()
    headers = {"authorization": f"Bearer {s['presenter_token']}"}
    received = []
    connected = threading.Event()

    def follow():
        with httpx.stream("GET", f"{base}/api/v1/sessions/{s['id']}/events", timeout=10) as r:
            connected.set()
            received.extend(read_events(r, 3))

    follower = threading.Thread(target=follow)
    follower.start()
    assert connected.wait(10)
    later = json.loads(json.dumps(LAB))
    later["snapshot"]["epoch"] = 13
    httpx.put(f"{base}/api/v1/sessions/{s['id']}/state", headers=headers,
              json={"version": 1, "state": later})
    later["settings"]["dataset"]["noise"] = 0.5  # new data: the points come again
    httpx.put(f"{base}/api/v1/sessions/{s['id']}/state", headers=headers,
              json={"version": 2, "state": later})
    follower.join(10)
    first, second, third = (json.loads(data)["frame"] for _, _, data in received)
    datasets = httpx.post(f"{base}/api/v1/datasets", json=LAB["settings"]["dataset"]).json()
    assert first["data"] == datasets
    assert second["data"] is None
    assert third["data"]["train"]["x"] != first["data"]["train"]["x"]
