"""Thirty students playing the lab at once on one core: does each still see an epoch a frame,
and does a step-through's /trace stay quick meanwhile?

The server runs pinned to core 0 (bench.common.server); this process drives it from core 1.
Each student is a loop doing what a playing lab page sends (static/js/lab/play.js): POST
/api/v1/train for the lab's default setup, no boundary, one call at a time, each continuing
from the last answer, its epochs sized by the page's own rule (CALL_MS of the server's
training time at the last call's pace; the constants below). Each student has a loopback
address of its own (127.0.1.x), as students on a school network do; `--one-address` puts them
all on 127.0.0.1, as behind a NAT. A 31st client steps through traces (a small one, answered
inline, and one large enough for the work pool, in turn), one every TRACE_EVERY seconds.

Measured first, in the same run: /trace alone, then one student alone (the baselines). Then
everyone together for `--seconds` after a warm-up. Printed: the slowest student's epochs/s
(target 60: one epoch a frame) and, times the class, its ratio to one student alone (what
sharing keeps); the spread (slowest over fastest, >= 0.5: fair); the trace client's p50 and
p99 against /trace alone and the 150 ms target. `--greedy` adds one client opening ten loops
from an address of its own (from 127.0.0.1 with `--one-address`), and prints what it got
against the shares the pool deals it (app/work.py: one an address, one a request within one).
`--quick`: 10 students for 5 s.

    python bench/classlab.py [--clients 30] [--seconds 20] [--greedy] [--one-address] [--quick]
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.schemas.lab import TrainRequest  # noqa: E402
from app.schemas.limits import (  # noqa: E402
    MAX_BATCH_STEPS,
    MAX_EPOCHS,
    MAX_LAYER_STEPS,
    MAX_TRAIN_WORK,
)
from bench.common import ROOT, other_core_affinity, report, server  # noqa: E402

# The play loop's rule for sizing its calls (static/js/lab/play.js, where it is written out):
# these must equal its exported constants of the same names (tests/test_bench.py checks).
CALL_MS = 200  # a call's training time on the server
OUTSIDE_SHARE = 4  # and at least this many times its time outside the server
FIRST_EPOCHS = 10  # the first call of a run
GROWTH = 2  # a call at most this many times the last
RECORDS_PER_CALL = 16  # history records a playing call asks for at most (history_every)
TARGET_EPOCHS_PER_SECOND = 60  # one epoch a frame, as the TensorFlow Playground shows
TARGET_TRACE_P99_MS = 150
FAIR_SPREAD = 0.5  # the slowest student gets at least half what the fastest does
# The class together trains at least this share of what one student alone does: each call
# costs the server about a millisecond besides its epochs, and thirty students make a call
# every CALL_MS or so each, which takes a fifth of the core whatever the engine.
KEPT = 0.7
TRACE_EVERY = 0.1  # a student stepping through, faster than anyone clicks
GREEDY_LOOPS = 10
STEPPER_ADDRESS, GREEDY_ADDRESS = "127.0.0.250", "127.0.0.251"

LAB = {"network": {"layers": [2, 4, 2, 1], "activations": ["tanh", "tanh", "sigmoid"],
                   "init": {"scheme": "xavier", "seed": 1}},
       "loss": "bce",
       "dataset": {"name": "circle", "task": "classification", "n": 500, "noise": 0, "seed": 1,
                   "test_fraction": 0.5},
       "features": ["x1", "x2"], "optimizer": {"name": "sgd", "learning_rate": 0.03},
       "regularization": {"kind": "none", "rate": 0}, "batch_size": 10, "seed": 1}


def max_epochs_per_call() -> int:
    """The most epochs one call of the lab's setup may ask for (the schema's work budget)."""
    spec = TrainRequest.model_validate({**LAB, "epochs": 1})
    n_train, layers = spec.dataset.n_train, len(spec.network.layers) - 1
    steps = -(-n_train // spec.batch_size)
    return min(MAX_EPOCHS, MAX_BATCH_STEPS // steps, MAX_LAYER_STEPS // (steps * layers),
               MAX_TRAIN_WORK // (n_train * spec.network.n_parameters))


def traces() -> dict[str, dict]:
    """A step-through's /trace: one lab point (answered inline), and a batch of 128 points
    through 2-8-8-1 (past the inline bound, so it runs in the work pool)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (128, 2)).round(3)
    batch = {"network": {"layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"],
                         "init": {"scheme": "xavier", "seed": 1}},
             "loss": "bce", "inputs": x.tolist(),
             "targets": [[float(a * a + b * b < 0.5)] for a, b in x], "learning_rate": 0.03}
    point = {**batch, "network": LAB["network"], "inputs": [[0.5, -0.25]], "targets": [[1]]}
    return {"small": point, "pooled": batch}


@dataclass
class Tally:
    """What one client got: (time it came, epochs) of each answer, latencies, refusals."""
    answers: list[tuple[float, int]] = field(default_factory=list)
    latencies: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    refused: int = 0

    def rate(self, start: float, end: float) -> float:
        return sum(e for t, e in self.answers if start <= t < end) / (end - start)

    def latency(self, kind: str, start: float, end: float) -> list[float]:
        return [ms for t, ms in self.latencies.get(kind, []) if start <= t < end]


class Connection:
    """One kept-alive HTTP/1.1 connection from a loopback address of its own (Linux answers
    all of 127/8), as lean as a client gets: httpx took more CPU a request than the server's own
    parsing, and thirty of them on one core measured the client, not the server."""

    def __init__(self, base: str, address: str) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.address = parts.hostname, parts.port, address
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, path: str, body: dict) -> tuple[int, dict[str, str], bytes]:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port,
                                                         local_addr=(self.address, 0))
        reader, writer = self.streams
        data = orjson.dumps(body)
        writer.write(b"POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (path.encode(), self.host.encode(),
                                                         self.port, len(data), data))
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in head[1:] if line)
        answer = await reader.readexactly(int(headers["content-length"]))
        if headers.get("connection") == "close":
            await self.close()
        return int(head[0].split()[1]), headers, answer

    async def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def student(base: str, address: str, stop: float, tally: Tally, limit: int) -> None:
    """A playing lab page: one /train at a time, each continuing the last, sized by the play
    loop's rule (play.js): CALL_MS of the server's training time at the last call's pace,
    longer when its time outside the server is long, at most GROWTH times the last call."""
    http = Connection(base, address)
    run: dict = {"network": LAB["network"], "start_epoch": 0}
    epochs = min(FIRST_EPOCHS, limit)
    while time.monotonic() < stop:
        started = time.perf_counter()
        every = 1
        while epochs / every > RECORDS_PER_CALL:
            every *= 2
        status, headers, body = await http.post(
            "/api/v1/train", {**LAB, **run, "epochs": epochs, "history_every": every})
        took = time.perf_counter() - started
        if status != 200:
            tally.refused += 1
            await asyncio.sleep(float(headers.get("retry-after", 1)))
            continue
        answer = orjson.loads(body)
        trained = answer["epoch"] - run["start_epoch"]
        tally.answers.append((time.monotonic(), trained))
        run = {"network": answer["network"], "optimizer": answer["optimizer"],
               "start_epoch": answer["epoch"]}
        seconds = max(answer["train_seconds"], 1e-6)
        outside_ms = took * 1000 - seconds * 1000
        wanted = round(trained / seconds * max(CALL_MS, OUTSIDE_SHARE * outside_ms) / 1000)
        epochs = max(1, min(limit, GROWTH * max(trained, 1), wanted))
    await http.close()


async def stepper(base: str, stop: float, tally: Tally) -> None:
    """A student stepping through: a /trace every TRACE_EVERY seconds, small and pooled in turn."""
    http = Connection(base, STEPPER_ADDRESS)
    requests = list(traces().items())
    i = 0
    while time.monotonic() < stop:
        kind, request = requests[i % len(requests)]
        i += 1
        started = time.perf_counter()
        status, _, body = await http.post("/api/v1/trace", request)
        orjson.loads(body)  # as a page reads it
        took = time.perf_counter() - started
        tally.refused += status != 200
        tally.latencies.setdefault(kind, []).append((time.monotonic(), took * 1000))
        await asyncio.sleep(max(0.0, TRACE_EVERY - took))
    await http.close()


def print_steps(base: str, stop: float) -> None:
    """The stepper, in a process of its own (`stepping_process`), printing its tally as JSON."""
    tally = Tally()
    asyncio.run(stepper(base, stop, tally))
    print(json.dumps(vars(tally)))


async def stepping_process(base: str, stop: float) -> Tally:
    """Runs the stepper in a process of its own, so what it measures is the server's answer,
    not this process's event loop busy with thirty students (time.monotonic is the system's
    clock, the same in both)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", f"import bench.classlab as c; c.print_steps({base!r}, {stop!r})",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE)
    out, _ = await child.communicate()
    if child.returncode:
        raise RuntimeError("the stepping client failed")
    return Tally(**json.loads(out))


def address(i: int, one_address: bool) -> str:
    return "127.0.0.1" if one_address else f"127.0.{1 + i // 250}.{1 + i % 250}"


async def phase(base: str, *, students: int, seconds: float, warmup: float, stepping: bool,
                greedy: bool = False, one_address: bool = False
                ) -> tuple[list[Tally], Tally, Tally, float, float]:
    """Everyone at once; returns each student's tally, the stepper's, the greedy client's, and
    the measured window."""
    limit = max_epochs_per_call()
    start = time.monotonic() + warmup
    stop = start + seconds
    tallies = [Tally() for _ in range(students)]
    hog = Tally()
    tasks = [student(base, address(i, one_address), stop, t, limit)
             for i, t in enumerate(tallies)]
    stepping_done = asyncio.create_task(stepping_process(base, stop)) if stepping else None
    if greedy:
        greedy_address = address(0, True) if one_address else GREEDY_ADDRESS
        tasks += [student(base, greedy_address, stop, hog, limit) for _ in range(GREEDY_LOOPS)]
    await asyncio.gather(*tasks)
    steps = await stepping_done if stepping_done is not None else Tally()
    return tallies, steps, hog, start, stop


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def engine_rate(seconds: float = 1.0) -> float:
    """Epochs a second of the lab's setup trained in this process, calls of 100 epochs: the
    most one core could share out (this process is on the other core)."""
    from app.answers import train_answer
    request = TrainRequest.model_validate({**LAB, "epochs": 100})
    train_answer(request)  # warm (and compiled, where the engine compiles)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        done += train_answer(request)["epoch"]
    return done / (time.perf_counter() - started)


async def measure(base: str, args: argparse.Namespace) -> None:
    alone_seconds = 2.0 if args.quick else 5.0
    _, steps, _, start, stop = await phase(base, students=0, seconds=alone_seconds, warmup=0.5,
                                           stepping=True)
    trace_alone = {kind: steps.latency(kind, start, stop) for kind in traces()}
    (one,), _, _, start, stop = await phase(base, students=1, seconds=alone_seconds,
                                            warmup=1.0, stepping=False)
    one_rate = one.rate(start, stop)
    tallies, steps, hog, start, stop = await phase(
        base, students=args.clients, seconds=args.seconds, warmup=args.warmup, stepping=True,
        greedy=args.greedy, one_address=args.one_address)
    rates = sorted(t.rate(start, stop) for t in tallies)
    refused = sum(t.refused for t in tallies) + steps.refused + hog.refused
    print(f"one student alone {one_rate:.0f} epochs/s; {args.clients} students for "
          f"{args.seconds:g} s: slowest {rates[0]:.0f}, median {statistics.median(rates):.0f}, "
          f"fastest {rates[-1]:.0f}, all together {sum(rates):.0f} epochs/s; "
          f"{refused} refused (503)")
    report(f"slowest of {args.clients} students", rates[0], TARGET_EPOCHS_PER_SECOND, 1.0,
           "epochs/s")
    # What sharing keeps of the server: 1.0 if the class together trains as fast as one
    # student alone; each call's own cost (a call per CALL_MS or so per student) takes some.
    report(f"slowest x {args.clients} vs one student alone", rates[0] * args.clients, one_rate,
           KEPT, "epochs/s")
    report("spread (slowest / fastest) x 100", 100 * rates[0] / rates[-1], 100, FAIR_SPREAD, "%")
    for kind, alone in trace_alone.items():
        busy = steps.latency(kind, start, stop)
        print(f"/trace {kind}: alone p50 {percentile(alone, 50):.1f} ms, p99 "
              f"{percentile(alone, 99):.1f} ms; with the class p50 {percentile(busy, 50):.1f} ms "
              f"({len(busy)} traces)")
        report(f"/trace {kind} p99 vs alone (150 ms)", percentile(busy, 99),
               percentile(alone, 99), TARGET_TRACE_P99_MS / percentile(alone, 99), "ms",
               higher_is_better=False)
    if args.greedy:
        greedy = hog.rate(start, stop)
        # Shares as the pool deals them: per address, or per request within one address.
        shares = GREEDY_LOOPS if args.one_address else 1
        even = (sum(rates) + greedy) / (args.clients + shares)
        print(f"greedy client ({GREEDY_LOOPS} loops): {greedy:.0f} epochs/s; an even share "
              f"{even:.0f}")
        report("slowest student vs an even share", rates[0], even, FAIR_SPREAD, "epochs/s")
        report(f"greedy client vs {shares} share(s)", greedy, even * shares, 1.5, "epochs/s",
               higher_is_better=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--greedy", action="store_true",
                        help=f"one more client, from an address of its own, with {GREEDY_LOOPS} "
                             "loops at once")
    parser.add_argument("--one-address", action="store_true",
                        help="every student from 127.0.0.1, as behind a school's NAT")
    parser.add_argument("--quick", action="store_true", help="10 students for 5 s (for CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.seconds, args.warmup = 10, 5, 1.5
    other_core_affinity()
    needed = args.clients * TARGET_EPOCHS_PER_SECOND
    print(f"the lab's default setup in this process (core 1): {engine_rate():.0f} epochs/s; "
          f"{args.clients} x {TARGET_EPOCHS_PER_SECOND} needs {needed} on the server's one "
          f"core, with each call's own cost on top", flush=True)
    with server() as base:
        asyncio.run(measure(base, args))


if __name__ == "__main__":
    main()
