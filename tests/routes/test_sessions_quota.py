"""Sessions cannot be hoarded: a quota of live sessions per client address, a server cap one
address cannot fill, and an idle expiry that followers hold off; on both stores. Once, one
client created 999 sessions in ten seconds, and every create from anyone got 503 for a day."""

import asyncio
import sqlite3
import time

import pytest
from fastapi.testclient import TestClient

import app.sessions.redis as redis_module
import app.sessions.sqlite as sqlite_module
from app.main import create_app
from app.sessions.classroom import Classroom, LocalFanout
from app.sessions.hub import Hub
from app.sessions.sqlite import SQLiteStore
from app.sessions.store import QuotaFull, StoreFull
from app.settings import Settings
from tests.conftest import flush_redis, run_async
from tests.routes.test_sessions import STEP, STORES


def from_address(app):
    """The app, each request from the client address its `x-test-client` header names."""
    async def wrapped(scope, receive, send):
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            scope = {**scope, "client": (headers.get(b"x-test-client", b"10.0.0.1").decode(), 1)}
        await app(scope, receive, send)
    return wrapped


@pytest.fixture(params=STORES)
def settings(request, tmp_path):
    limits = {"sessions_per_address": 2, "max_sessions": 3}
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        flush_redis(url)
        return Settings(db=str(tmp_path / "unused.db"), redis_url=url, **limits)
    return Settings(db=str(tmp_path / "sessions.db"), **limits)


def test_one_address_holds_its_quota_and_cannot_fill_the_server(settings):
    app = create_app(settings)
    with TestClient(from_address(app)) as client:
        def create(address):
            return client.post("/api/v1/sessions", json={"page": "step", "state": STEP},
                               headers={"x-test-client": address})

        first, second = create("10.0.0.1").json(), create("10.0.0.1").json()
        third = create("10.0.0.1")
        assert third.status_code == 429
        [problem] = third.json()["detail"]
        assert (problem["field"], problem["type"]) == ("page", "too_many_sessions_here")
        assert 0 < int(third.headers["retry-after"]) <= settings.session_idle
        # Others still present: the server's cap is theirs too, until it is full.
        assert create("10.0.0.2").status_code == 201
        full = create("10.0.0.3")
        assert full.status_code == 503 and full.json()["detail"][0]["type"] == "too_many_sessions"
        # Ending one gives its room back to its address.
        token = {"authorization": f"Bearer {first['presenter_token']}",
                 "x-test-client": "10.0.0.1"}
        assert client.delete(f"/api/v1/sessions/{first['id']}", headers=token).status_code == 204
        assert create("10.0.0.1").status_code == 201
        assert second["id"]


class Clock:
    """Store time, moved by the test: expiry is tested by counts and states, not by waiting."""

    def __init__(self) -> None:
        self.at = time.time()

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(sqlite_module, "now", clock)
    monkeypatch.setattr(redis_module, "now", clock)
    return clock


def make_store(kind, request, tmp_path, **limits):
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "s.db", **limits)
    url = request.getfixturevalue("redis_url")
    flush_redis(url)
    return redis_module.RedisStore(redis_module.connect(url), **limits)


@pytest.mark.parametrize("kind", STORES)
def test_a_session_idles_out_without_a_change_or_a_follower(kind, request, tmp_path, clock):
    async def scenario():
        store = make_store(kind, request, tmp_path, ttl=100, max_sessions=10, idle=10,
                           per_owner=1)
        s, _ = await store.create("step", STEP, "10.0.0.1")
        with pytest.raises(QuotaFull) as full:
            await store.create("step", STEP, "10.0.0.1")
        assert full.value.retry_after == pytest.approx(10)
        clock.at += 9
        assert await store.put(s.id, 1, STEP) == 2  # a change: idle from now again
        clock.at += 9.5
        assert (await store.get(s.id)).version == 2
        clock.at += 1
        assert await store.get(s.id) is None
        assert await store.find(s.join_code) is None
        await store.create("step", STEP, "10.0.0.1")  # its room is free again
        await store.close()

    run_async(scenario)


@pytest.mark.parametrize("kind", STORES)
def test_a_followed_session_lives_on_until_a_day_after_its_last_change(kind, request, tmp_path,
                                                                        clock):
    async def scenario():
        store = make_store(kind, request, tmp_path, ttl=100, max_sessions=10, idle=10)
        s, _ = await store.create("step", STEP, "10.0.0.1")
        for _ in range(11):  # followed: touched every 9 s, past its idle time many times
            clock.at += 9
            await store.touch([s.id, "no-such-session"])
            assert await store.get(s.id) is not None
        clock.at += 2  # 101 s after its last change: the outer bound, followers or not
        assert await store.get(s.id) is None
        await store.touch([s.id])  # touching an expired session does not bring it back
        assert await store.get(s.id) is None
        await store.close()

    run_async(scenario)


@pytest.mark.parametrize("kind", STORES)
def test_the_server_cap_counts_live_sessions_only(kind, request, tmp_path, clock):
    async def scenario():
        store = make_store(kind, request, tmp_path, ttl=100, max_sessions=2, idle=10)
        await store.create("step", STEP, "10.0.0.1")
        await store.create("step", STEP, "10.0.0.2")
        with pytest.raises(StoreFull):
            await store.room_for("10.0.0.3")
        with pytest.raises(StoreFull):
            await store.create("step", STEP, "10.0.0.3")
        clock.at += 11
        await store.room_for("10.0.0.3")
        await store.create("step", STEP, "10.0.0.3")
        await store.close()

    run_async(scenario)


def test_the_classroom_touches_the_sessions_its_followers_follow(tmp_path, clock):
    async def scenario():
        store = SQLiteStore(tmp_path / "s.db", ttl=100, max_sessions=10, idle=10)
        touched = []
        real_touch = store.touch

        async def touch(ids):
            touched.append(list(ids))
            await real_touch(ids)

        store.touch = touch
        hub = Hub()
        room = Classroom(store, hub, LocalFanout(hub))
        followed, _ = await store.create("step", STEP)
        alone, _ = await store.create("step", STEP)
        queue = hub.subscribe(followed.id)
        clock.at += 8
        room.tasks.append(asyncio.get_running_loop().create_task(room.keep_followed(0.01)))
        while not touched:
            await asyncio.sleep(0.01)
        assert touched[0] == [followed.id]
        clock.at += 8  # 16 s after both were made: only the followed one lives
        assert await store.get(followed.id) is not None
        assert await store.get(alone.id) is None
        hub.unsubscribe(followed.id, queue)
        count = len(touched)
        while len(touched) < count + 2:
            await asyncio.sleep(0.01)
        assert touched[-1] == []
        clock.at += 11
        assert await store.get(followed.id) is None
        await room.close()

    run_async(scenario)


def test_a_database_from_before_idle_expiry_opens_and_its_sessions_expire(tmp_path, clock):
    """Its rows have no owner and no expiry: they last as long as from their last change."""
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE sessions (id TEXT PRIMARY KEY, join_code TEXT NOT NULL UNIQUE,
            token_hash TEXT NOT NULL, version INTEGER NOT NULL, page TEXT NOT NULL,
            state BLOB NOT NULL, updated REAL NOT NULL);
        CREATE INDEX sessions_updated ON sessions (updated);""")
    db.execute("INSERT INTO sessions VALUES ('old', 'ACDEFH', 'x', 3, 'step', '{}', ?)",
               (clock.at,))
    db.commit()
    db.close()

    async def scenario():
        store = SQLiteStore(path, ttl=100, max_sessions=10, idle=10)
        assert (await store.find("acdefh")).version == 3
        await store.create("step", STEP, "10.0.0.1")
        clock.at += 11
        assert await store.get("old") is None
        await store.close()

    run_async(scenario)


def test_the_settings_read_their_variables():
    settings = Settings.from_env({
        "BACKPROP_VIZ_SESSION_IDLE": "5400", "BACKPROP_VIZ_SESSIONS_PER_ADDRESS": "40",
        "BACKPROP_VIZ_JOIN_MISSES_PER_MINUTE": "30",
        "BACKPROP_VIZ_PUBLIC_URL": "https://ml.example.edu/bpv/"})
    assert (settings.session_idle, settings.sessions_per_address,
            settings.join_misses_per_minute) == (5400, 40, 30)
    assert settings.public_url == "https://ml.example.edu/bpv"
    defaults = Settings()
    assert (defaults.session_idle, defaults.sessions_per_address) == (3 * 3600, 20)
    assert defaults.sessions_per_address * 10 <= defaults.max_sessions  # one address: 2% at most
    for wrong in ("ml.example.edu", "ftp://x", "https://x/?a=1"):
        with pytest.raises(ValueError, match="PUBLIC_URL"):
            Settings.from_env({"BACKPROP_VIZ_PUBLIC_URL": wrong})
