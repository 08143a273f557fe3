"""What one client can do to the server: each attack of issue 16, against `backprop-viz` pinned
to one core under `ulimit -n 1024` (as the issue found them), while another client (another
loopback address, 127.0.0.2, in a process of its own) asks /api/v1/health over and over.

For each attack, on a server of its own, prints /health's p99 during it as a ratio to a quiet
run measured first in the same process (a health check that failed counts as its 2 s timeout,
and the failures are counted), the server's memory (RSS) before and after, its log lines, and
what the attacker got (statuses, streams held, connections dropped). The attacker runs on the
other core, from 127.0.0.1:

  1. 960 SSE followers of one session;
  2. 960 requests whose bodies trickle a byte a second;
  3. 400 followers that never read, while the presenter sends ten 0.95 MB states;
  4. session creates as fast as 8 connections go;
  5. join-code guessing, as fast as 8 connections go;
  6. heavy session creates (a large network at training step 500), abandoned after 3 s.

    python bench/abuse.py [--seconds 10] [--quick]

--quick (for CI) measures 2 s a phase with a fifth of the connections, under `ulimit -n 256`:
the whole run takes about 30 s; the full one about 90 s.

The target (issue #16: /health keeps answering whatever one client does): no /health check
fails, and its p99 stays under 1 s, the default timeout of a Kubernetes liveness probe.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import (  # noqa: E402
    ROOT,
    free_port,
    other_core_affinity,
    report_within,
    shutil_which,
)
from bench.load import rss_mb  # noqa: E402

HOST, OTHER = "127.0.0.1", "127.0.0.2"  # the attacker's address, and another client's
HEALTH_TIMEOUT = 2.0
HEALTH_P99_MS = 1000.0  # a Kubernetes liveness probe's default timeout
SMALL = {"setup": {"network": {"layers": [1, 1], "activations": ["linear"],
                               "weights": [[[1.0]]], "biases": [[0.0]]},
                   "loss": "mse", "inputs": [[1.0]], "targets": [[0.5]]}}


def large_state(learning_rate: float) -> dict:
    """A 0.95 MB step-through state (2,000 examples of 64 inputs), as in the issue."""
    rng = random.Random(0)
    return {"setup": {
        "network": {"layers": [64, 2], "activations": ["tanh"],
                    "init": {"scheme": "xavier", "seed": 1}},
        "loss": "mse", "learning_rate": learning_rate, "targets": [[0.5, 0.5]] * 2000,
        "inputs": [[round(rng.uniform(-1, 1), 3) for _ in range(64)] for _ in range(2000)]}}


def heavy_state() -> dict:
    """An 8 KB state far into training on a large network: 500 steps to replay (each with a
    seed of its own, so that no cache has it)."""
    rng = random.Random(1)
    return {"setup": {
        "network": {"layers": [64] * 10 + [2], "activations": ["tanh"] * 9 + ["sigmoid"],
                    "init": {"scheme": "xavier", "seed": random.randrange(2**32)}},
        "loss": "mse", "targets": [[0.5, 0.5]] * 16,
        "inputs": [[round(rng.uniform(-1, 1), 2) for _ in range(64)] for _ in range(16)]},
        "position": {"iteration": 500, "step": 0}}


@contextlib.contextmanager
def server(folder: str, descriptors: int) -> Iterator[tuple[int, int, Path]]:
    """`backprop-viz` on core 0 under `ulimit -n descriptors`; yields port, pid and log file."""
    port, log = free_port(), Path(folder) / "server.log"
    command = [sys.executable, "-m", "app.cli", "--port", str(port)]
    if shutil_which("taskset"):
        command = ["taskset", "-c", "0"] + command
    env = {**os.environ, "BACKPROP_VIZ_DB": str(Path(folder) / "s.db"),
           "BACKPROP_VIZ_LOG_LEVEL": "warning"}

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (descriptors, descriptors))

    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=out, preexec_fn=limit)
    try:
        deadline = time.monotonic() + 60  # a busy machine starts it slowly
        while asyncio.run(status_of("GET", port, "/api/v1/health")) != 200:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start: " + log.read_text()[-2000:])
            time.sleep(0.1)
        yield port, process.pid, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:  # still replaying a heavy state: no need to wait
            process.kill()
            process.wait()


async def exchange(method: str, port: int, path: str, body: bytes = b"", source: str = HOST,
                   timeout: float = 30, token: str | None = None) -> tuple[int, bytes]:
    """One request on a connection of its own; the status and the body."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(
        HOST, port, local_addr=(source, 0)), timeout)
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        writer.write(head.encode() + b"\r\n" + body)
        raw = await asyncio.wait_for(reader.read(), timeout)
        return int(raw.split(b" ", 2)[1]), raw.partition(b"\r\n\r\n")[2]
    finally:
        writer.close()


async def status_of(method: str, port: int, path: str, body: bytes = b"",
                    source: str = HOST, timeout: float = 30) -> int:
    try:
        return (await exchange(method, port, path, body, source, timeout))[0]
    except (TimeoutError, OSError, IndexError, ValueError):
        return 0  # refused, reset, or no answer in time


async def create(port: int, state: dict) -> tuple[str, str]:
    _, body = await exchange("POST", port, "/api/v1/sessions",
                             json.dumps({"page": "step", "state": state}).encode(), timeout=120)
    created = json.loads(body)
    return created["id"], created["presenter_token"]


async def probe_health(port: int, seconds: float) -> tuple[list[float], int]:
    """/health from another address, one after another; latencies (failures as the timeout)."""
    latencies, failures = [], 0
    await status_of("GET", port, "/api/v1/health", source=OTHER, timeout=HEALTH_TIMEOUT)
    stop = time.monotonic() + seconds  # from here: the first, warming up, is not counted
    while time.monotonic() < stop:
        started = time.perf_counter()
        ok = await status_of("GET", port, "/api/v1/health", source=OTHER,
                             timeout=HEALTH_TIMEOUT) == 200
        latencies.append(time.perf_counter() - started if ok else HEALTH_TIMEOUT)
        failures += not ok
        await asyncio.sleep(0.01)
    return latencies, failures


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[int(0.99 * (len(ordered) - 1))]


# Each attack starts, sets `ready` once it has taken hold, and goes on until `stop` is set;
# it answers a line on what it got.
Attack = Callable[[int, asyncio.Event, asyncio.Event, int], Awaitable[str]]


async def followers(port: int, ready: asyncio.Event, stop: asyncio.Event, n: int) -> str:
    session_id, _ = await create(port, SMALL)
    held, statuses = [], Counter()
    for _ in range(n):
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(f"GET /api/v1/sessions/{session_id}/events HTTP/1.1\r\nHost: x\r\n\r\n"
                         .encode())
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            statuses[int(head.split(b" ", 2)[1])] += 1
            held.append(writer)
        except (TimeoutError, OSError, asyncio.IncompleteReadError):
            statuses["closed"] += 1
    ready.set()
    await stop.wait()
    for writer in held:
        writer.close()
    return f"{n} streams asked: {dict(statuses)}"


async def trickle(port: int, ready: asyncio.Event, stop: asyncio.Event, n: int) -> str:
    conns, statuses = [], Counter()

    async def answer(reader: asyncio.StreamReader) -> None:
        try:
            raw = await reader.read()
            statuses[int(raw.split(b" ", 2)[1]) if raw else "closed"] += 1
        except OSError:
            statuses["reset"] += 1

    for _ in range(n):
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            statuses["refused"] += 1
            continue
        writer.write(b"POST /api/v1/trace HTTP/1.1\r\nHost: x\r\nContent-Type: "
                     b"application/json\r\nContent-Length: 4096\r\n\r\n{")
        conns.append((writer, asyncio.create_task(answer(reader))))
    ready.set()
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1)
        for writer, task in conns:
            if not task.done() and not writer.is_closing():
                writer.write(b" ")  # a byte a second
    waiting = sum(not task.done() for _, task in conns)
    for writer, task in conns:
        writer.close()
        task.cancel()
    return f"{n} trickling bodies: {dict(statuses)}, {waiting} still in flight"


async def never_read(port: int, ready: asyncio.Event, stop: asyncio.Event, n: int) -> str:
    session_id, token = await create(port, large_state(0.1))
    socks = []
    for _ in range(n):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # and never read
        sock.connect((HOST, port))
        sock.sendall(f"GET /api/v1/sessions/{session_id}/events HTTP/1.1\r\nHost: x\r\n\r\n"
                     .encode())
        sock.setblocking(False)
        socks.append(sock)
    ready.set()
    version, sent, failed = 1, 0, Counter()
    while sent < 10 and not stop.is_set():
        body = json.dumps({"version": version, "state": large_state(0.2 + sent / 100)})
        try:
            status, answer = await exchange("PUT", port, f"/api/v1/sessions/{session_id}/state",
                                            body.encode(), timeout=120, token=token)
        except (TimeoutError, OSError) as error:
            status, answer = type(error).__name__, b""
        if status == 200:
            version, sent = json.loads(answer)["version"], sent + 1
        else:
            failed[status] += 1
    await stop.wait()
    dropped = 0
    for sock in socks:
        try:
            while sock.recv(65536):
                pass
            dropped += 1  # closed by the server
        except BlockingIOError:
            pass  # still open
        except OSError:
            dropped += 1  # reset by the server
        sock.close()
    return (f"{n} followers never reading, {sent} states of 0.95 MB sent "
            f"({dict(failed)} failed): {dropped} dropped so far")


def looping(make: Callable[[], tuple[str, str, bytes]], label: str, timeout: float = 30
            ) -> Attack:
    """An attack of `n` connections, each sending the request `make` makes as fast as the
    server answers."""
    async def attack(port: int, ready: asyncio.Event, stop: asyncio.Event, n: int) -> str:
        statuses: Counter = Counter()

        async def loop() -> None:
            while not stop.is_set():
                method, path, body = make()
                statuses[await status_of(method, port, path, body, timeout=timeout) or
                         "no answer"] += 1

        ready.set()
        await asyncio.gather(*(loop() for _ in range(n)))
        return f"{label} ({n} connections): {dict(statuses)}"

    return attack


def session_body(state: dict) -> bytes:
    return json.dumps({"page": "step", "state": state}).encode()


CODES = "ACDEFGHJKMNPQRTWXY34679"
ATTACKS: list[tuple[str, Attack, int]] = [
    ("SSE followers from one address", followers, 960),
    ("bodies trickling a byte a second", trickle, 960),
    ("followers that never read a large state", never_read, 400),
    ("session creates from one address", looping(
        lambda: ("POST", "/api/v1/sessions", session_body(SMALL)), "creates"), 8),
    ("join-code guessing", looping(lambda: (
        "GET", "/api/v1/sessions/join/" + "".join(random.choices(CODES, k=6)), b""),
        "guesses"), 8),
    ("heavy session creates, abandoned after 3 s", looping(
        lambda: ("POST", "/api/v1/sessions", session_body(heavy_state())),
        "heavy creates", timeout=3), 4),
]


async def phase(port: int, attack: Attack | None, n: int, seconds: float
                ) -> tuple[list[float], int, str]:
    """/health from another process and address while the attack holds; what it got."""
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(attack(port, ready, stop, n)) if attack else None
    if task:
        await asyncio.wait([task, asyncio.create_task(ready.wait())], timeout=60,
                           return_when=asyncio.FIRST_COMPLETED)
    probe = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--probe", str(port), "--seconds", str(seconds),
        stdout=asyncio.subprocess.PIPE)
    latencies, failures = json.loads((await probe.communicate())[0])
    stop.set()
    got = await asyncio.wait_for(task, 120) if task else ""
    return latencies, failures, got


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured per phase")
    parser.add_argument("--descriptors", type=int, help="the server's ulimit -n (1024; 256 "
                        "with --quick, so that a fifth as many connections meet the caps)")
    parser.add_argument("--quick", action="store_true", help="2 s a phase, a fifth as many")
    parser.add_argument("--only", help="the attacks whose names contain this")
    parser.add_argument("--probe", type=int, help=argparse.SUPPRESS)  # the health checker
    args = parser.parse_args(argv)
    if args.probe:
        print(json.dumps(asyncio.run(probe_health(args.probe, args.seconds))))
        return
    seconds, scale = (2.0, 5) if args.quick else (args.seconds, 1)
    descriptors = args.descriptors or (256 if args.quick else 1024)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    base = None
    chosen = [a for a in ATTACKS if not args.only or args.only in a[0]]
    for name, attack, n in [("quiet", None, 0)] + chosen:
        with tempfile.TemporaryDirectory() as folder, server(folder, descriptors) as (
                port, pid, log):
            other_core_affinity()
            before = rss_mb(pid)
            count = max(1, n // scale) if n > 8 else n
            latencies, failures, got = asyncio.run(phase(port, attack, count, seconds))
            after, lines = rss_mb(pid), log.read_text().splitlines()
        base = base or p99(latencies)
        print(f"{name}: /health p99 {1000 * p99(latencies):.1f} ms = "
              f"{p99(latencies) / base:.1f} x quiet, {failures}/{len(latencies)} failed; "
              f"server RSS {before:.0f} -> {after:.0f} MB; {len(lines)} log lines "
              f"({sum('Traceback' in line for line in lines)} tracebacks)"
              + (f"\n    {got}" if got else "")
              + "".join(f"\n    log: {line[:160]}" for line in lines[:3]), flush=True)
        if attack is not None:
            report_within(f"{name}: /health p99 / quiet", 1000 * p99(latencies), 1000 * base,
                          HEALTH_P99_MS, "ms", width=66)
        if failures:
            print(f"{name}: {failures} /health checks failed   WARNING: the target is none")


if __name__ == "__main__":
    main()
