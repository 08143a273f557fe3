"""A live lesson at classroom scale: one presenter, many followers over Server-Sent Events.

Starts the server (one worker, pinned to core 0, on a database file of its own), connects the
followers from core 1 (plain asyncio sockets: an EventSource needs no more), then the presenter
changes the state 40 times at 4 a second. Prints, for 1 follower (the baseline, same run) and
for N: delivery latency from the PUT being sent to each follower reading the event (median,
99th percentile, worst), versions missed, the server's CPU time per delivery, and how many API
calls the followers' pages make per change (none: each event carries its traced step).

    python bench/classroom.py [--followers 1000] [--changes 40] [--rate 4]
    python bench/classroom.py --processes 2 --followers 2000   # two processes on one Redis

With --processes N above 1, a redis-server of its own is started and N server processes share
it (all on core 0, the followers on core 1): the presenter talks to the first, the followers
are split evenly between them, and the CPU time is summed over the servers.
"""

import argparse
import asyncio
import contextlib
import copy
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import free_port, other_core_affinity, server_process  # noqa: E402

STATE = {
    "setup": {"network": {"layers": [2, 2, 2], "activations": ["sigmoid", "sigmoid"],
                          "weights": [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]],
                          "biases": [[0.35, 0.35], [0.6, 0.6]]},
              "loss": "mse", "inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]],
              "learning_rate": 0.5, "update_biases": False},
    "position": {"iteration": 0, "step": 0}, "view": {"decimals": 4}}


async def request(host: str, port: int, method: str, path: str, body: dict | None = None,
                  token: str | None = None) -> dict:
    reader, writer = await asyncio.open_connection(host, port)
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    writer.write(head.encode() + b"\r\n" + data)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    status = int(raw.split(b" ", 2)[1])
    payload = raw.split(b"\r\n\r\n", 1)[1]
    if status >= 400:
        raise RuntimeError(f"{method} {path}: {status} {payload[:200]!r}")
    return json.loads(payload) if payload else {}


class Follower:
    def __init__(self) -> None:
        self.received: dict[int, float] = {}  # version -> when it was read
        self.event_bytes = 0
        self.frames = 0

    async def run(self, host: str, port: int, path: str, connected: asyncio.Event,
                  counter: list[int], total: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n"
                     .encode())
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # the response head
        counter[0] += 1
        if counter[0] == total:
            connected.set()
        version, data = None, b""
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                if line.startswith(b"id: "):
                    version = int(line[4:])
                elif line.startswith(b"data: "):
                    data = line[6:]
                elif line.startswith(b"event: end"):
                    return
                elif line in (b"\n", b"\r\n") and version is not None:
                    self.received.setdefault(version, time.perf_counter())
                    self.event_bytes = len(data)
                    self.frames += b'"frame":{' in data
                    version = None
                # Chunked transfer: size lines are neither fields nor blank, and are skipped.
        finally:
            writer.close()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def lesson(bases: list[str], pids: list[int], followers: int, changes: int,
                 rate: float) -> dict:
    addresses = [(b.removeprefix("http://").split(":")[0], int(b.rsplit(":", 1)[1]))
                 for b in bases]
    host, port = addresses[0]
    created = await request(host, port, "POST", "/api/v1/sessions",
                            {"page": "step", "state": STATE})
    sid, token = created["id"], created["presenter_token"]
    connected = asyncio.Event()
    counter = [0]
    crowd = [Follower() for _ in range(followers)]
    tasks = [asyncio.create_task(f.run(*addresses[k % len(addresses)],
                                       f"/api/v1/sessions/{sid}/events", connected, counter,
                                       followers)) for k, f in enumerate(crowd)]
    await asyncio.wait_for(connected.wait(), 120)
    await asyncio.sleep(1.0)  # every follower has its first event
    sent: dict[int, float] = {}
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    version = 1
    state = copy.deepcopy(STATE)
    for i in range(changes):
        state["position"] = {"iteration": i // 10, "step": i % 10}  # a new training step every 10
        started = time.perf_counter()
        sent[version + 1] = started
        answer = await request(host, port, "PUT", f"/api/v1/sessions/{sid}/state",
                               {"version": version, "state": state}, token)
        version = answer["version"]
        await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - started)))
    await asyncio.sleep(2.0)
    cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    await request(host, port, "DELETE", f"/api/v1/sessions/{sid}", None, token)
    await asyncio.wait(tasks, timeout=10)
    for task in tasks:
        task.cancel()
    latencies = [f.received[v] - t for f in crowd for v, t in sent.items() if v in f.received]
    missed = sum(1 for f in crowd for v in sent if v not in f.received)
    latencies_ms = sorted(x * 1000 for x in latencies)
    return {
        "followers": followers, "deliveries": len(latencies), "missed": missed,
        "p50_ms": statistics.median(latencies_ms),
        "p99_ms": latencies_ms[int(0.99 * (len(latencies_ms) - 1))],
        "max_ms": latencies_ms[-1],
        "cpu_ms_per_delivery": 1000 * cpu / max(1, len(latencies)),
        "event_bytes": max(f.event_bytes for f in crowd),
        "events_with_frame": min(f.frames for f in crowd),
    }


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    time.sleep(0.3)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait()


def run(followers: int, changes: int, rate: float, processes: int) -> dict:
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        os.environ["BACKPROP_VIZ_DB"] = str(Path(folder) / "sessions.db")
        # Every follower comes from 127.0.0.1: one address, as a class behind a NAT is.
        os.environ["BACKPROP_VIZ_STREAMS_PER_ADDRESS"] = str(followers)
        if processes > 1:
            os.environ["BACKPROP_VIZ_REDIS_URL"] = stack.enter_context(redis_server())
        servers = [stack.enter_context(server_process(core=0)) for _ in range(processes)]
        other_core_affinity()
        return asyncio.run(lesson([b for b, _ in servers], [p for _, p in servers], followers,
                                  changes, rate))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--rate", type=float, default=4.0, help="changes a second")
    parser.add_argument("--processes", type=int, default=1,
                        help="server processes; above 1 they share a Redis of their own")
    args = parser.parse_args()
    # A thousand connections need a thousand descriptors, here and in the server (inherited).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    baseline = run(1, args.changes, args.rate, args.processes)
    crowd = run(args.followers, args.changes, args.rate, args.processes)
    for r in (baseline, crowd):
        print(f"{r['followers']:>5} followers on {args.processes} process(es): "
              f"{r['deliveries']} deliveries, {r['missed']} missed; "
              f"latency p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, "
              f"max {r['max_ms']:.1f} ms; server CPU {r['cpu_ms_per_delivery']:.3f} ms "
              f"per delivery; {r['event_bytes']} bytes an event")
    print(f"p99 ratio {args.followers} / 1 follower: {crowd['p99_ms'] / baseline['p99_ms']:.1f}")
    print("API calls the followers' pages make per change: 0 "
          f"(every event carried its traced step: {crowd['events_with_frame'] >= args.changes})")
    print("every version delivered:", crowd["missed"] == 0 and baseline["missed"] == 0)


if __name__ == "__main__":
    main()
