"""The server as shipped (`backprop-viz`): idle and slow-header connections are closed, and a
crowd of them under a 1,024-descriptor limit cannot keep /health unreachable; what a serving
process sets up; the guards of accepting (tests/test_connections.py has the rest)."""

import os
import resource
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from app.server import GuardedH11Protocol
from tests.conftest import ROOT, free_port


@pytest.fixture
def guarded_server(tmp_path):
    """`backprop-viz` on a free port, under `ulimit -n 1024`, with a one-second head deadline."""
    port = free_port()

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    env = {**os.environ, "BACKPROP_VIZ_DB": str(tmp_path / "s.db"),
           "BACKPROP_VIZ_HEADER_TIMEOUT": "1", "BACKPROP_VIZ_LOG_LEVEL": "warning"}
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "--port", str(port)], cwd=ROOT,
                               env=env, preexec_fn=limit)
    url = f"http://127.0.0.1:{port}/api/v1/health"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            break
        except OSError:
            assert time.monotonic() < deadline and process.poll() is None, "did not start"
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)


def health_within(port, seconds):
    """Seconds until /health answered, trying until `seconds` have passed; None if never."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).read()
            return time.monotonic() - start
        except OSError:
            time.sleep(0.05)
    return None


def test_a_connection_that_sends_no_request_is_closed(guarded_server):
    idle = socket.create_connection(("127.0.0.1", guarded_server))
    slow = socket.create_connection(("127.0.0.1", guarded_server))
    slow.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
    idle.settimeout(5)
    slow.settimeout(5)
    started = time.monotonic()
    assert idle.recv(1) == b"" and slow.recv(1) == b""  # the server closed them
    assert time.monotonic() - started < 4


def test_eleven_hundred_idle_sockets_cannot_shut_out_health(guarded_server):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    sockets = []
    try:
        for _ in range(1100):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", guarded_server))
            except BlockingIOError:
                pass
            sockets.append(s)
        waited = health_within(guarded_server, 10)
        assert waited is not None and waited < 5, waited
    finally:
        for s in sockets:
            s.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_more_than_one_worker_needs_redis():
    from app.server import run
    from app.settings import Settings

    with pytest.raises(SystemExit, match="needs BACKPROP_VIZ_REDIS_URL"):
        run(Settings(workers=2))


def test_the_protocol_is_uvicorns_with_a_cap_below_the_descriptor_limit():
    from uvicorn.protocols.http.h11_impl import H11Protocol

    assert issubclass(GuardedH11Protocol, H11Protocol)
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    assert GuardedH11Protocol.max_connections < soft


def test_two_workers_on_redis_serve_a_session(redis_url, tmp_path):
    import httpx

    from tests.conftest import flush_redis

    flush_redis(redis_url)
    port = free_port()
    env = {**os.environ, "BACKPROP_VIZ_DB": str(tmp_path / "s.db"), "BACKPROP_VIZ_WORKERS": "2",
           "BACKPROP_VIZ_REDIS_URL": redis_url, "BACKPROP_VIZ_LOG_LEVEL": "info"}
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "--port", str(port)], cwd=ROOT,
                               env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert health_within(port, 20) is not None
        base = f"http://127.0.0.1:{port}"
        created = httpx.post(f"{base}/api/v1/sessions", json={"page": "step", "state": {
            "setup": {"network": {"layers": [1, 1], "activations": ["linear"],
                                  "weights": [[[1.0]]], "biases": [[0.0]]},
                      "loss": "mse", "inputs": [[1.0]], "targets": [[0.5]]}}})
        assert created.status_code == 201
        # Whichever worker answers, the session is there (it lives in Redis).
        for _ in range(6):
            assert httpx.get(f"{base}/api/v1/sessions/{created.json()['id']}").status_code == 200
    finally:
        process.terminate()
        _, log = process.communicate(timeout=20)
    assert log.count("Started server process") == 2


def test_a_serving_process_sets_up_logging_the_collector_and_the_protocol(tmp_path):
    """What `backprop-viz` runs in each worker: the app from the environment, and the process
    set up for serving, its training kernels compiled, numpy's BLAS on one thread (none of
    which importing the app does)."""
    script = ("import gc, logging\n"
              "from threadpoolctl import threadpool_info\n"
              "from app.nn import kernel\n"
              "from app.server import GuardedH11Protocol, served_app\n"
              "app = served_app()\n"
              "print(len(logging.getLogger().handlers), gc.get_freeze_count() > 0,\n"
              "      gc.get_threshold()[0], GuardedH11Protocol.header_timeout,\n"
              "      GuardedH11Protocol.keepalive_timeout, app.state.settings.db,\n"
              "      len(kernel.train_epoch.signatures), len(kernel.evaluate.signatures),\n"
              "      {p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'})\n")
    env = {**os.environ, "BACKPROP_VIZ_DB": str(tmp_path / "s.db"),
           "BACKPROP_VIZ_HEADER_TIMEOUT": "2.5", "BACKPROP_VIZ_KEEPALIVE_TIMEOUT": "1.5"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    assert out.stdout.split() == ["1", "True", "50000", "2.5", "1.5", str(tmp_path / "s.db"),
                                  "1", "1", "{1}"]  # kernels compiled; BLAS on one thread


def test_accepting_with_no_descriptor_left_pauses_and_logs_one_line(monkeypatch, caplog):
    """asyncio's accept loop, on EMFILE, logged a traceback and scheduled a retry for each of
    up to `backlog` accepts a tick. The guarded listener pauses accepting, and tells asyncio
    the queue is empty, with one line a second at most."""
    import errno
    import logging

    from app.connections import OncePerSecond
    from app.server import LOG, GuardedListener

    class Exhausted:
        def accept(self):
            raise OSError(errno.EMFILE, "Too many open files")

    monkeypatch.setattr(GuardedListener, "exhausted", OncePerSecond(LOG, interval=3600))
    pauses = []
    listener = GuardedListener(Exhausted(), cap=100, pause=lambda: pauses.append(1))
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        for _ in range(2048):
            with pytest.raises(BlockingIOError):
                listener.accept()
    assert len(pauses) == 2048
    assert [r.getMessage()[:23] for r in caplog.records] == ["out of file descriptors"]
    assert not any(r.exc_info for r in caplog.records)


def test_a_connection_is_counted_once_and_a_reused_descriptor_is_a_new_one():
    from app.server import ConnectionBook

    book = ConnectionBook()
    assert book.admit(7, "10.0.0.1", cap=2) and book.admit(7, "10.0.0.1", cap=2)  # accepted
    assert book.admit(8, "10.0.0.1", cap=2)  # made: counted once
    assert not book.admit(9, "10.0.0.1", cap=2)
    assert book.admit(8, "10.0.0.2", cap=2)  # descriptor 8 holds another connection now
    assert dict(book.per_address) == {"10.0.0.1": 1, "10.0.0.2": 1}
    book.forget(7)
    book.forget(8)
    assert dict(book.per_address) == {} and book.address_of == {}
