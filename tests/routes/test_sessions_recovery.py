"""Redis recovers without a gap: while it is away, followers' streams stay open and the server
says it is not ready; when it is back, every change acknowledged reaches them, and what was
published while a process was not listening is caught up from the store. Once, changes made in
the first two seconds after Redis returned reached no follower until the next one."""

import json
import socket
import subprocess
import threading
import time

import httpx
import pytest

from app.sessions.classroom import Classroom, LocalFanout
from app.sessions.hub import END, Hub
from tests.conftest import free_port, run_async, serve, stop
from tests.routes.test_sessions import STEP, STORES, at_step
from tests.routes.test_sessions_quota import make_store


def start_redis(port: int, directory) -> subprocess.Popen:
    """A redis-server that keeps its data across a restart (its append-only file)."""
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "yes", "--appendfsync", "always", "--dir", str(directory)],
        stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.05)


def until(condition, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never came"
        time.sleep(0.05)


def follow(url: str, received: list, count: int) -> threading.Thread:
    """A follower on one connection throughout, keeping each event as it comes."""
    connected = threading.Event()

    def read():
        with httpx.stream("GET", url, timeout=30) as r:
            connected.set()
            fields = {}
            for line in r.iter_lines():
                if line == "" and "data" in fields:
                    received.append((fields.get("event"), fields.get("id"), fields["data"]))
                    if len(received) == count:
                        return
                    fields = {}
                elif line and not line.startswith(":"):
                    key, _, value = line.partition(": ")
                    fields[key] = value

    thread = threading.Thread(target=read)
    thread.start()
    assert connected.wait(10)
    until(lambda: len(received) == 1)
    return thread


def change(base: str, s: dict, version: int) -> None:
    """As the presenter's page does: again, while the answer is 503."""
    headers = {"authorization": f"Bearer {s['presenter_token']}"}
    while True:
        answer = httpx.put(f"{base}/api/v1/sessions/{s['id']}/state", headers=headers,
                           json={"version": version, "state": at_step(version)})
        if answer.status_code != 503:
            break
        time.sleep(0.05)
    assert answer.json() == {"version": version + 1}


def ready(base: str) -> int:
    return httpx.get(f"{base}/api/v1/ready", timeout=5).status_code


@pytest.mark.parametrize("processes", [1, 2])
def test_a_follower_whose_stream_stays_open_gets_every_change_after_redis_returns(
        tmp_path, redis_url, processes):
    """The presenter on the first process, the follower on the last. Alone, the presenter
    changes at once (refused until its process listens again); with two, once the follower's
    process is ready, and the change travels through Redis on connections from before its
    restart."""
    redis_port = free_port()
    redis_process = start_redis(redis_port, tmp_path)
    env = {"BACKPROP_VIZ_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "BACKPROP_VIZ_DB": str(tmp_path / "unused.db")}
    ports = [free_port() for _ in range(processes)]
    servers = [serve(port, **env) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        s = httpx.post(f"{bases[0]}/api/v1/sessions", json={"page": "step", "state": STEP}).json()
        received = []
        follower = follow(f"{bases[-1]}/api/v1/sessions/{s['id']}/events", received, 3)
        assert all(ready(base) == 200 for base in bases)
        redis_process.terminate()
        redis_process.wait()
        until(lambda: all(ready(base) == 503 for base in bases))
        assert httpx.get(f"{bases[-1]}/api/v1/health").status_code == 200
        redis_process = start_redis(redis_port, tmp_path)
        if processes > 1:  # the follower's process listens again (one alone: changed at once)
            until(lambda: ready(bases[-1]) == 200)
        for version in (1, 2):
            change(bases[0], s, version)
        follower.join(15)
        assert [(event, version) for event, version, _ in received] == [
            ("state", "1"), ("state", "2"), ("state", "3")]
        assert json.loads(received[2][2])["state"] == at_step(2)
    finally:
        for server in servers:
            stop(server)
        redis_process.terminate()
        redis_process.wait()


@pytest.mark.parametrize("kind", STORES)
def test_followers_are_caught_up_from_the_store(kind, request, tmp_path):
    """What reached the store but no follower of this process (published while its relay was
    not subscribed) is sent once it is; a session gone meanwhile ends its streams."""
    async def scenario():
        store = make_store(kind, request, tmp_path, ttl=3600, max_sessions=10)
        hub = Hub()
        room = Classroom(store, hub, LocalFanout(hub))
        kept, _ = await store.create("step", STEP)
        gone, _ = await store.create("step", STEP)
        for session in (kept, gone):
            await room.first_event(session)  # what followers had: version 1
        queues = {s.id: hub.subscribe(s.id) for s in (kept, gone)}
        assert await store.put(kept.id, 1, at_step(4)) == 2  # stored, never published here
        await store.delete(gone.id)
        await room.catch_up()
        version, event = await queues[kept.id].take(0)
        assert version == 2 and b'"step":4' in event
        assert await queues[gone.id].take(0) is END
        await room.close()

    run_async(scenario)
