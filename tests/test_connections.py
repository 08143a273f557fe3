"""Connections shared fairly, against the server as shipped (`backprop-viz`), under a lowered
descriptor limit: one client address cannot take every stream, every connection or every
request slot; a body that trickles is answered 408, a request framed two ways 400; running
out of descriptors is refused quietly. Other addresses are other loopback addresses
(127.0.0.2, ...), which Linux routes to the same server."""

import contextlib
import http.client
import json
import os
import resource
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter

import pytest

from tests.conftest import ROOT, free_port, run_async

STEP = {"setup": {"network": {"layers": [1, 1], "activations": ["linear"],
                              "weights": [[[1.0]]], "biases": [[0.0]]},
                  "loss": "mse", "inputs": [[1.0]], "targets": [[0.5]]}}


@contextlib.contextmanager
def guarded(tmp_path, descriptors: int, **settings: str):
    """`backprop-viz` on a free port under `ulimit -n descriptors`, with BACKPROP_VIZ_
    settings; yields the port and the file its log goes to."""
    port, log = free_port(), tmp_path / "server.log"

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (descriptors, descriptors))

    env = {**os.environ, "BACKPROP_VIZ_DB": str(tmp_path / "s.db"),
           "BACKPROP_VIZ_LOG_LEVEL": "warning",
           **{f"BACKPROP_VIZ_{k.upper()}": str(v) for k, v in settings.items()}}
    with open(log, "w") as log_file:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "--port", str(port)],
                                   cwd=ROOT, env=env, preexec_fn=limit, stderr=log_file)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1)
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.1)
        yield port, log
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(autouse=True)
def enough_descriptors_here():
    """This process holds hundreds of sockets in these tests."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))


def get(port: int, path: str, source: str = "127.0.0.1") -> int:
    """The status of GET `path`, asked from the address `source`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                            source_address=(source, 0))
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def status_and_detail(answer: bytes) -> tuple[int, dict, dict | None]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    item = json.loads(body)["detail"][0] if body.startswith(b"{") else None
    return int(lines[0].split()[1]), headers, item


def create_session(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/api/v1/sessions", json.dumps({"page": "step", "state": STEP}),
                       {"content-type": "application/json"})
    return json.loads(connection.getresponse().read())["id"]


def follow(port: int, session_id: str, source: str) -> tuple[socket.socket, int, dict | None]:
    """Opens an event stream; answers the socket, the status, and a refusal's error."""
    sock = connect(port, source)
    sock.sendall(f"GET /api/v1/sessions/{session_id}/events HTTP/1.1\r\nHost: x\r\n\r\n"
                 .encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    if data.startswith(b"HTTP/1.1 200"):
        while b"event: state" not in data:  # the first event: the stream is live
            data += sock.recv(65536)
        return sock, 200, None
    status, headers, item = status_and_detail(data + until_closed(sock))
    assert headers["retry-after"] and headers["connection"] == "close"
    sock.close()
    return sock, status, item


def test_one_address_cannot_take_every_stream(tmp_path):
    """Under `ulimit -n 256` the server holds 192 connections and keeps 32 of them from
    streams: one address may follow 100 (the setting), another the 60 left; then 503, while
    /health and other requests from anyone still answer. 960 followers from one client used
    to shut out /health entirely."""
    with guarded(tmp_path, 256, streams_per_address=100) as (port, log):
        session_id = create_session(port)
        first = [follow(port, session_id, "127.0.0.1") for _ in range(110)]
        second = [follow(port, session_id, "127.0.0.2") for _ in range(70)]
        assert Counter(status for _, status, _ in first) == {200: 100, 429: 10}
        assert Counter(status for _, status, _ in second) == {200: 60, 503: 10}
        assert {item["type"] for _, _, item in first if item} == {"too_many_streams"}
        assert {item["type"] for _, _, item in second if item} == {"streams_full"}
        for source in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
            assert get(port, "/api/v1/health", source) == 200
            assert get(port, "/api/v1/presets", source) == 200
        for sock, _, _ in first + second:
            sock.close()
        # Streams that end give their places back.
        deadline = time.monotonic() + 10
        while follow(port, session_id, "127.0.0.1")[1] != 200:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert "Traceback" not in log.read_text()


def test_one_address_cannot_hold_every_connection(tmp_path):
    """200 connections that send nothing, from one address, under `ulimit -n 256` (192
    connections): 160 stay open until their head deadline, the other 40 are closed at once,
    and another address is answered meanwhile."""
    with guarded(tmp_path, 256, header_timeout=60) as (port, log):
        idle = [connect(port) for _ in range(200)]
        assert get(port, "/api/v1/health", "127.0.0.2") == 200
        assert get(port, "/api/v1/presets", "127.0.0.2") == 200

        def closed(sock):
            sock.setblocking(False)
            try:
                return sock.recv(1) == b""
            except BlockingIOError:
                return False

        deadline = time.monotonic() + 10
        while sum(map(closed, idle)) < 40:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert sum(map(closed, idle)) == 40
        for sock in idle:
            sock.close()
    assert "Traceback" not in log.read_text()


def test_a_trickling_body_is_answered_408_and_one_address_has_so_many_in_flight(tmp_path):
    """80 requests from one address whose bodies never come: 50 (the setting) are in flight
    and answered 408 at the body deadline, 30 refused at once with 429; meanwhile other
    addresses, and /health from anyone, are answered. Then a large body sent at once by an
    address at its cap reads its 429 (closing on an unread body would reset it)."""
    with guarded(tmp_path, 256, requests_per_address=50, body_timeout=3,
                 header_timeout=2) as (port, log):
        trickling = []
        for _ in range(80):
            sock = connect(port)
            sock.sendall(b"POST /api/v1/trace HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         b"application/json\r\nContent-Length: 100\r\n\r\n{")
            trickling.append(sock)
        assert get(port, "/api/v1/presets", "127.0.0.2") == 200
        assert get(port, "/api/v1/health", "127.0.0.1") == 200
        large = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        large.request("POST", "/api/v1/trace", b"[" + b"0," * 1_000_000 + b"0]",
                      {"content-type": "application/json"})
        assert large.getresponse().status == 429
        large.close()
        answers = [status_and_detail(until_closed(sock)) for sock in trickling]
        assert Counter(status for status, _, _ in answers) == {408: 50, 429: 30}
        assert {(status, item["type"]) for status, _, item in answers} == {
            (408, "body_timeout"), (429, "too_many_requests")}
        # A 408 closes the connection; a 429 with a body on its way leaves it open, so that
        # the client reads it rather than a reset (the head deadline closes it after).
        assert all(headers.get("connection") == "close"
                   for status, headers, _ in answers if status == 408)
        assert all(headers["retry-after"] for status, headers, _ in answers if status == 429)
        for sock in trickling:
            sock.close()
    assert "Traceback" not in log.read_text()


def test_content_length_with_transfer_encoding_is_refused(tmp_path):
    body = json.dumps({"page": "step", "state": STEP}).encode()
    with guarded(tmp_path, 256) as (port, _):
        sock = connect(port)
        sock.sendall(b"POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/json\r\nContent-Length: %d\r\nTransfer-Encoding: chunked"
                     b"\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), len(body), body))
        status, headers, item = status_and_detail(until_closed(sock))
        sock.close()
    assert (status, item["type"], item["field"]) == (400, "ambiguous_length", "headers")
    assert headers["connection"] == "close"


def test_an_idle_kept_alive_connection_is_closed(tmp_path):
    with guarded(tmp_path, 256, keepalive_timeout=1, header_timeout=60) as (port, _):
        sock = connect(port)
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while not answer.endswith(b'{"status":"ok"}'):
            answer += sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200")
        assert sock.recv(1) == b""  # closed by the server (the socket's own timeout is 10 s)
        sock.close()


def test_out_of_descriptors_new_connections_wait_and_the_log_says_so_once_a_second(tmp_path):
    """Under `ulimit -n 14` connections take every descriptor: accepting then fails. Accepting
    pauses, with a line a second at most (asyncio alone logged a traceback for each failed
    accept: 15,934 in 7 s), and the server answers again once descriptors are free."""
    with guarded(tmp_path, 14, header_timeout=60) as (port, log):
        started = time.monotonic()
        flood = []
        for _ in range(40):
            sock = socket.socket()
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", port))
            flood.append(sock)
        deadline = time.monotonic() + 10
        while "out of file descriptors" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        time.sleep(1.5)  # accepting fails on: the log must stay quiet meanwhile
        for sock in flood:
            sock.close()
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError):
                if get(port, "/api/v1/health") == 200:
                    break
            assert time.monotonic() < deadline
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        text = log.read_text()
    assert "Traceback" not in text
    assert 1 <= text.count("out of file descriptors") <= elapsed + 1


def test_streams_opened_at_once_meet_the_stream_caps_not_the_request_cap():
    """A class reconnecting at once (400 streams from one address) met the cap on requests in
    flight before each request became a stream: 429s, for streams the caps allowed."""
    import asyncio

    from app.connections import ClientBook, ClientLimits, open_stream

    book = ClientBook(requests_per_address=2, streams_per_address=5, streams=100)
    release = asyncio.Event()

    async def app(scope, receive, send):
        if scope["path"].endswith("/events"):
            open_stream(scope, book)
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def ask(path):
        statuses = []

        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        scope = {"type": "http", "path": path, "headers": [], "client": ("10.0.0.9", 1)}
        try:
            await ClientLimits(app, book)(scope, receive, send)
        except Exception as error:  # a refusal raised by the route, as FastAPI would answer it
            statuses.append(error.status_code)
        return statuses[0]

    async def scenario():
        streams = [asyncio.create_task(ask("/api/v1/sessions/s1/events")) for _ in range(7)]
        others = [asyncio.create_task(ask("/api/v1/presets")) for _ in range(4)]
        await asyncio.sleep(0.01)
        counts = (dict(book.streams), dict(book.requests))
        release.set()
        done = await asyncio.gather(*streams, *others)
        return counts, Counter(done[:7]), Counter(done[7:]), (book.streams, book.requests)

    counts, streams, others, after = run_async(scenario)
    assert counts == ({"10.0.0.9": 5}, {"10.0.0.9": 2})
    assert streams == {200: 5, 429: 2} and others == {200: 2, 429: 2}
    assert after == (Counter(), Counter())  # every hold given back


def test_an_ipv6_client_is_counted_by_its_block():
    """Else one machine is as many clients as the last 64 bits of its address allow."""
    from app.connections import address_key
    from app.server import address_of

    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9") == (
        "2001:db8:1:2::/64")
    assert address_key("::ffff:10.0.0.7") == address_of(("::ffff:10.0.0.7", 80, 0, 0)) == (
        "10.0.0.7")
    assert address_key("10.0.0.7") == "10.0.0.7" and address_of("") == "local"
