"""Live sessions against real server processes: followers over Server-Sent Events, a restart
that loses nothing; with SQLite and with Redis, where two processes share the lesson, one of
them can die, and Redis itself can restart, and the lesson goes on."""

import json
import threading

import httpx
import pytest

from tests.conftest import flush_redis, free_port, serve, stop
from tests.routes.test_sessions import STEP, at_step


@pytest.fixture(params=["sqlite", "redis"])
def server(request, tmp_path):
    """A server with its sessions in a database file of its own, or in the tests' Redis;
    restart() starts a new process on the same store."""
    port = free_port()
    env = {"BACKPROP_VIZ_DB": str(tmp_path / "sessions.db")}
    if request.param == "redis":
        env["BACKPROP_VIZ_REDIS_URL"] = request.getfixturevalue("redis_url")
        flush_redis(env["BACKPROP_VIZ_REDIS_URL"])
    box = {"process": serve(port, **env)}

    def restart():
        stop(box["process"])
        box["process"] = serve(port, **env)

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


def test_two_processes_on_one_redis_share_the_lesson_and_survive_one_dying(redis_url, tmp_path):
    """The presenter on one process, followers on both: every version reaches every follower;
    one process dies and its followers reconnect to the other, missing nothing; Redis
    restarts and the lesson goes on."""
    flush_redis(redis_url)
    env = {"BACKPROP_VIZ_REDIS_URL": redis_url, "BACKPROP_VIZ_DB": str(tmp_path / "unused.db")}
    ports = [free_port(), free_port()]
    processes = [serve(port, **env) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        s = httpx.post(f"{bases[0]}/api/v1/sessions",
                       json={"page": "step", "state": STEP}).json()
        headers = {"authorization": f"Bearer {s['presenter_token']}"}
        seen = {0: [], 1: []}

        def follow(k, count, last_id=None):
            extra = {"last-event-id": last_id} if last_id else {}
            with httpx.stream("GET", f"{bases[k]}/api/v1/sessions/{s['id']}/events",
                              headers=extra, timeout=15) as r:
                seen[k].extend(int(i) for _, i, _ in read_events(r, count))

        followers = [threading.Thread(target=follow, args=(k, 4)) for k in (0, 1)]
        for f in followers:
            f.start()
        import time
        time.sleep(1.0)  # both connected
        for version in (1, 2, 3):
            answer = httpx.put(f"{bases[0]}/api/v1/sessions/{s['id']}/state", headers=headers,
                               json={"version": version, "state": at_step(version)})
            assert answer.json() == {"version": version + 1}
        for f in followers:
            f.join(15)
        assert seen[0] == seen[1] == [1, 2, 3, 4]
        # Process 0 dies; its follower reconnects to process 1 and catches up at once.
        processes[0].kill()
        processes[0].wait()
        httpx.put(f"{bases[1]}/api/v1/sessions/{s['id']}/state", headers=headers,
                  json={"version": 4, "state": at_step(9)})
        seen[1] = []
        follow(1, 1, last_id="4")
        assert seen[1] == [5]
        # A stale presenter on the surviving process still gets 409: the check is in Redis.
        stale = httpx.put(f"{bases[1]}/api/v1/sessions/{s['id']}/state", headers=headers,
                          json={"version": 4, "state": at_step(1)})
        assert stale.status_code == 409
    finally:
        for process in processes:
            if process.poll() is None:
                stop(process)


def test_redis_down_answers_503_then_the_lesson_goes_on(tmp_path):
    """Redis stops: requests answer 503 at once, not hang; it comes back (from its append-only
    file, as a production Redis would): so does the lesson, at the version it had reached."""
    import subprocess
    import time

    redis_port, port = free_port(), free_port()
    command = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "yes", "--appendfsync", "always", "--dir", str(tmp_path)]

    def start_redis():
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        time.sleep(0.3)
        return process

    redis_process = start_redis()
    url = f"redis://127.0.0.1:{redis_port}/0"
    app = serve(port, BACKPROP_VIZ_REDIS_URL=url, BACKPROP_VIZ_DB=str(tmp_path / "u.db"))
    base = f"http://127.0.0.1:{port}"
    try:
        s = httpx.post(f"{base}/api/v1/sessions", json={"page": "step", "state": STEP}).json()
        headers = {"authorization": f"Bearer {s['presenter_token']}"}
        redis_process.terminate()
        redis_process.wait()
        started = time.monotonic()
        down = httpx.get(f"{base}/api/v1/sessions/{s['id']}", timeout=10)
        assert down.status_code == 503 and down.headers["retry-after"]
        assert down.json()["detail"][0]["type"] == "store_unavailable"
        assert time.monotonic() - started < 5
        redis_process = start_redis()
        deadline = time.monotonic() + 10
        while True:
            again = httpx.put(f"{base}/api/v1/sessions/{s['id']}/state", headers=headers,
                              json={"version": 1, "state": at_step(3)})
            if again.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert again.json() == {"version": 2}
        with httpx.stream("GET", f"{base}/api/v1/sessions/{s['id']}/events", timeout=10) as r:
            [(event, version, data)] = read_events(r, 1)
        assert (event, version) == ("state", "2") and json.loads(data)["state"] == at_step(3)
    finally:
        stop(app)
        redis_process.terminate()
        redis_process.wait()


def test_a_session_with_adam_sends_each_step_traced_with_the_state_so_far(server):
    base, _ = server
    setup = {k: v for k, v in STEP["setup"].items() if k != "learning_rate"}
    state = {"setup": {**setup, "optimizer": {"name": "adam", "learning_rate": 0.01},
                       "regularization": {"kind": "l2", "rate": 0.01}},
             "position": {"iteration": 1, "step": 0}}
    s = httpx.post(f"{base}/api/v1/sessions", json={"page": "step", "state": state}).json()
    with httpx.stream("GET", f"{base}/api/v1/sessions/{s['id']}/events", timeout=10) as r:
        [(_, _, data)] = read_events(r, 1)
    frame = json.loads(data)["frame"]
    # Training step 2 starts from step 1's weights and Adam state: /trace, posted twice, agrees.
    first = httpx.post(f"{base}/api/v1/trace", json=state["setup"]).json()
    second = httpx.post(f"{base}/api/v1/trace", json={
        **state["setup"], "network": first["network"], "optimizer": first["optimizer"]}).json()
    assert frame["optimizer"] == first["optimizer"]["state"]
    assert frame["trace"]["optimizer"] == second["optimizer"]
    assert frame["trace"]["network"] == second["network"]
