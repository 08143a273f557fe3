"""Slow followers cost one event, not a history: against the guarded protocol and the real app
in a server thread of this process, so the test can look at what the server holds for each
connection (its write buffer, and what the kernel has sent but the client not acknowledged).
A follower that never reads, while the presenter sends many large states, holds at most one
event (and one 64 KiB piece of it in the server's memory), and is dropped at the send
deadline; a follower that reads gets the latest state."""

import contextlib
import fcntl
import random
import socket
import struct
import termios
import threading
import time

import httpx
import uvicorn

from app.main import create_app
from app.routes.sessions import WRITE_BYTES
from app.server import DELAYED_ACK_BYTES, GuardedH11Protocol
from app.settings import Settings
from tests.conftest import free_port

CHANGES = 20


@contextlib.contextmanager
def server_thread(settings: Settings):
    """The app served by uvicorn with the guarded protocol, in a thread; yields the port and
    uvicorn's server (its `server_state.connections` are the protocols)."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                            http=GuardedH11Protocol, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive()
        time.sleep(0.05)
    try:
        yield port, server
    finally:
        server.should_exit = True
        thread.join(20)


def large_state(learning_rate: float) -> dict:
    """A step-through state whose events are about 400 KB (400 examples of 16 inputs, traced
    per example), quick to compute."""
    rng = random.Random(0)
    return {"setup": {
        "network": {"layers": [16, 2], "activations": ["tanh"],
                    "init": {"scheme": "xavier", "seed": 1}},
        "loss": "mse", "learning_rate": learning_rate, "targets": [[0.5, 0.5]] * 400,
        "inputs": [[round(rng.uniform(-1, 1), 3) for _ in range(16)] for _ in range(400)]}}


def held_for(protocol) -> int:
    """Bytes the server holds for a connection: its write buffer, and what the kernel sent
    but the client has not acknowledged (SIOCOUTQ)."""
    transport = protocol.transport
    try:
        fd = transport.get_extra_info("socket").fileno()
        unacknowledged = struct.unpack("i", fcntl.ioctl(fd, termios.TIOCOUTQ, b"\0" * 4))[0]
    except (OSError, AttributeError, ValueError):
        unacknowledged = 0
    return transport.get_write_buffer_size() + unacknowledged


def test_a_follower_that_never_reads_holds_one_event_and_is_dropped(tmp_path):
    settings = Settings(db=str(tmp_path / "s.db"), send_timeout=1)
    with server_thread(settings) as (port, server):
        base = f"http://127.0.0.1:{port}"
        created = httpx.post(f"{base}/api/v1/sessions", timeout=30,
                             json={"page": "step", "state": large_state(0.1)}).json()
        events = f"/api/v1/sessions/{created['id']}/events"

        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.connect(("127.0.0.1", port))
        stalled.sendall(f"GET {events} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        port_of_stalled = stalled.getsockname()[1]

        def stalled_protocol():
            return next((p for p in list(server.server_state.connections)
                         if p.client and p.client[1] == port_of_stalled), None)

        seen, sizes = [], []

        def read_along():
            with httpx.stream("GET", base + events, timeout=30) as response:
                size = 0
                for line in response.iter_lines():
                    size += len(line) + 1
                    if line.startswith("id: "):
                        seen.append(int(line[4:]))
                    if line == "":
                        sizes.append(size)
                        size = 0
                    if seen and seen[-1] == CHANGES + 1:
                        return

        reader = threading.Thread(target=read_along)
        reader.start()
        deadline = time.monotonic() + 20
        while stalled_protocol() is None or not seen:
            assert time.monotonic() < deadline
            time.sleep(0.02)

        held, buffered = [], []
        headers = {"authorization": f"Bearer {created['presenter_token']}"}
        for version in range(1, CHANGES + 1):
            answer = httpx.put(f"{base}/api/v1/sessions/{created['id']}/state", timeout=30,
                               headers=headers, json={"version": version,
                                                      "state": large_state(0.1 + version / 100)})
            assert answer.status_code == 200
            protocol = stalled_protocol()
            held.append(held_for(protocol) if protocol else 0)
            buffered.append(protocol.transport.get_write_buffer_size() if protocol else 0)
        reader.join(30)

        # The reader got the latest; the stalled follower was held to one event, then dropped.
        assert seen[-1] == CHANGES + 1
        event = max(sizes)
        assert event > 300_000
        assert max(held) <= event + DELAYED_ACK_BYTES, (max(held), event)
        assert max(buffered) <= WRITE_BYTES + 16  # of which in our memory: one piece at most
        deadline = time.monotonic() + 20
        while stalled_protocol() is not None:
            assert time.monotonic() < deadline, "the stalled follower was never dropped"
            time.sleep(0.05)
        stalled.close()


def test_a_follower_keeps_no_copy_of_the_state(tmp_path):
    """Each stream kept the session it read, its state parsed: megabytes for a large state,
    for every follower (issue 16 saw 4.4 MB a follower). Counted as live Session objects."""
    import gc

    from app.sessions.store import Session

    with server_thread(Settings(db=str(tmp_path / "s.db"))) as (port, _):
        base = f"http://127.0.0.1:{port}"
        created = httpx.post(f"{base}/api/v1/sessions", timeout=30,
                             json={"page": "step", "state": large_state(0.1)}).json()
        followers = []
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(f"GET /api/v1/sessions/{created['id']}/events HTTP/1.1\r\n"
                         f"Host: x\r\n\r\n".encode())
            data = b""
            while b"event: state" not in data:
                data += sock.recv(65536)
            followers.append(sock)
        gc.collect()
        # type(), not isinstance(): a dead weak proxy among the objects raises on isinstance
        kept = sum(1 for o in gc.get_objects()
                   if type(o) is Session and o.id == created["id"])
        for sock in followers:
            sock.close()
    assert kept == 0


def read_until_closed_or(sock: socket.socket, enough) -> bytes:
    data = b""
    while not enough(data):
        more = sock.recv(65536)
        if not more:
            break
        data += more
    return data


def dechunk(body: bytes) -> bytes:
    """A chunked body's data, asserting each chunk is framed as HTTP/1.1 says."""
    data = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        assert body[size:size + 2] == b"\r\n", body[:size + 2]
        data, body = data + body[:size], body[size + 2:]
    return data


def test_events_written_straight_to_the_socket_are_framed_as_the_client_reads_them(tmp_path):
    """The guarded protocol writes each event to the socket itself (FollowerConnection.write):
    chunks to an HTTP/1.1 client, the bare stream to an HTTP/1.0 one, nothing after a HEAD."""
    with server_thread(Settings(db=str(tmp_path / "s.db"))) as (port, _):
        base = f"http://127.0.0.1:{port}"
        created = httpx.post(f"{base}/api/v1/sessions", timeout=30,
                             json={"page": "step", "state": large_state(0.1)}).json()
        events = f"/api/v1/sessions/{created['id']}/events"
        answers = {}
        for version in ("1.1", "1.0"):
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            # As a browser asks: gzip welcome (the app compresses, but never a stream).
            sock.sendall(f"GET {events} HTTP/{version}\r\nHost: x\r\n"
                         f"Accept-Encoding: gzip\r\n\r\n".encode())
            answers[version] = sock
        head = socket.create_connection(("127.0.0.1", port), timeout=30)
        head.sendall(f"HEAD {events} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                     .encode())
        head_answer = read_until_closed_or(head, lambda d: False)
        head.close()
        first = {v: read_until_closed_or(s, lambda d: b"\nid: 1\n\n" in d)
                 for v, s in answers.items()}
        httpx.put(f"{base}/api/v1/sessions/{created['id']}/state", timeout=30,
                  headers={"authorization": f"Bearer {created['presenter_token']}"},
                  json={"version": 1, "state": large_state(0.2)}).raise_for_status()
        httpx.delete(f"{base}/api/v1/sessions/{created['id']}", timeout=30,
                     headers={"authorization": f"Bearer {created['presenter_token']}"})
        whole = {v: first[v] + read_until_closed_or(s, lambda d: d.endswith(b"0\r\n\r\n"))
                 for v, s in answers.items()}
        for sock in answers.values():
            sock.close()

    heads, bodies = {}, {}
    for version, raw in whole.items():
        heads[version], _, bodies[version] = raw.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in heads["1.1"].lower()
    assert b"transfer-encoding" not in heads["1.0"].lower()
    assert b"content-encoding" not in heads["1.1"].lower() + heads["1.0"].lower()
    stream = dechunk(bodies["1.1"])
    assert stream == bodies["1.0"]  # the same events, framed for each
    assert stream.startswith(b": backprop-viz session\nretry: 1000\n\n")
    assert stream.count(b"event: state\n") == 2 and stream.endswith(b"event: end\ndata: "
                                                                    b'{"ended": true}\n\n')
    assert len(stream) > 2 * 300_000  # each event, some 400 KB, went out in pieces
    status, _, rest = head_answer.partition(b"\r\n")
    assert status.startswith(b"HTTP/1.1 200") and rest.endswith(b"\r\n\r\n")
    assert b"event:" not in rest
