import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.nn.kernel import warm_up
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[1]

# Sessions the tests create go to a file of their own, never to the user's: the app the tests
# call in-process is built with these settings, and the servers they start get the same file.
TEST_STATE = Path(tempfile.mkdtemp(prefix="backprop-viz-tests-"))
# Every test's requests come from one address: the limits per address are tested on apps of
# their own (tests/routes/test_sessions_quota.py, test_sessions_join.py), not met by accident.
SETTINGS = Settings(db=str(TEST_STATE / "sessions.db"), sessions_per_address=100_000,
                    join_misses_per_minute=100_000)
APP = create_app(SETTINGS)
# The training kernels compile once for the whole run, before a test or a server needs them
# (25 s with nothing in numba's cache on disk, half a second after): every server the tests
# start then loads them from that cache, as a deployed server does.
warm_up()


@pytest.fixture(scope="session")
def client() -> TestClient:
    return TestClient(APP)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, **env: str) -> subprocess.Popen:
    """Starts the app in uvicorn on a loopback port, as `uvicorn app.main:app` serves it in
    development, and waits until it answers. `env` adds BACKPROP_VIZ_ settings."""
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port",
         str(port), "--log-level", "warning", "--timeout-graceful-shutdown", "1"],
        cwd=ROOT, env={**os.environ, "BACKPROP_VIZ_DB": SETTINGS.db,
                       "BACKPROP_VIZ_SESSIONS_PER_ADDRESS": str(SETTINGS.sessions_per_address),
                       "BACKPROP_VIZ_JOIN_MISSES_PER_MINUTE": str(SETTINGS.join_misses_per_minute),
                       **env})
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).read()
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("the test server did not start") from None
            time.sleep(0.1)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=10)


def run_async(make_coroutine) -> object:
    """Runs a coroutine to its end in a thread of its own: Playwright's sync API keeps an event
    loop running in the main thread once a browser test has run, and asyncio.run refuses that."""
    import asyncio
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


@pytest.fixture(scope="session")
def redis_url():
    """A redis-server of the tests' own on a free loopback port, with nothing saved to disk
    (Debian's redis-server; .ci/run installs it)."""
    import shutil

    binary = shutil.which("redis-server")
    if binary is None and not os.environ.get("CI"):
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    port = free_port()
    server = subprocess.Popen([binary or "redis-server", "--port", str(port), "--bind",
                               "127.0.0.1", "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("redis-server did not start") from None
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushall()
    client.close()
