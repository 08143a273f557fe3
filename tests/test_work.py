"""The pool heavy requests run in: bounded, telling the overflow to come back, stopping work
whose client has gone, and sharing its turns fairly between clients. The fairness tests run
on a clock the jobs themselves advance (one unit a step of work), so what they assert is the
order of turns, never how long anything took."""

import asyncio
import shutil
import subprocess
import sys
import threading
import time

import pytest

from app.work import Busy, WorkPool
from tests.conftest import ROOT, run_async


class FakeRequest:
    """A stand-in for a request from `address` whose client disconnects after `seconds`."""

    def __init__(self, address: str = "10.0.0.1", seconds: float | None = None) -> None:
        self.scope = {"client": (address, 40000)}
        self.at = None if seconds is None else time.monotonic() + seconds

    async def is_disconnected(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at


class Units:
    """A clock that moves only when a job does a unit of work, and the log of who did each."""

    def __init__(self) -> None:
        self.now = 0.0
        self.log: list[str] = []

    def __call__(self) -> float:
        return self.now

    def job(self, name: str, units: int, start: threading.Event | None = None,
            pause: float = 0.0):
        """A job doing `units` units, asking `stopped()` after each (as training does before
        each epoch); it waits for `start` first, so every job is queued before any works, and
        sleeps `pause` seconds a unit, so other clients have time to ask."""
        def work(stopped):
            if start is not None:
                start.wait(5)
            for _ in range(units):
                time.sleep(pause)
                self.now += 1
                self.log.append(name)
                if stopped():
                    return "stopped"
            return name
        return work


def fair_pool(units: Units, queue: int = 16) -> WorkPool:
    return WorkPool(workers=1, queue=queue, slice_seconds=1, credit_seconds=0.5, clock=units)


async def queued(pool: WorkPool, n: int) -> None:
    """Waits until `n` jobs wait for a turn (the event loop admits them when it gets to them)."""
    for _ in range(500):
        if len(pool.turns.waiting) >= n:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the jobs were never queued")


def test_past_the_queue_a_request_is_told_to_come_back():
    async def scenario():
        pool = WorkPool(workers=1, queue=1)
        release = threading.Event()

        def hold(stopped):
            release.wait(5)
            return "done"

        running = asyncio.create_task(pool.run(hold))
        await asyncio.sleep(0.05)
        waiting = asyncio.create_task(pool.run(hold))
        await asyncio.sleep(0.05)
        with pytest.raises(Busy) as refused:
            await pool.run(hold)
        assert refused.value.status_code == 503
        assert refused.value.headers["Retry-After"] == "1"
        release.set()
        assert await running == await waiting == "done"

    run_async(scenario)


def test_work_stops_when_its_client_goes():
    async def scenario():
        pool = WorkPool(workers=1, queue=1)
        started = time.monotonic()

        def long_work(stopped):
            while not stopped():
                if time.monotonic() - started > 5:
                    return "ran to the end"
                time.sleep(0.01)
            return "stopped"

        assert await pool.run(long_work, request=FakeRequest(seconds=0.2)) == "stopped"
        assert time.monotonic() - started < 2

    run_async(scenario)


def test_a_waiting_job_whose_client_has_gone_goes_first_and_ends():
    """Its address has used far more than the running one's, so it would wait long for a turn;
    once its client has gone it gets the next, and stops there."""
    async def scenario():
        units = Units()
        pool = fair_pool(units)
        assert await pool.run(units.job("before", 10_000), request=FakeRequest("10.0.0.2")) \
            == "before"
        ended = threading.Event()

        def long_work(stopped):
            for _ in range(1000):  # about 10 s unless the other job ends first
                if ended.is_set():
                    return "saw it end"
                units.now += 1
                stopped()
                time.sleep(0.01)
            return "ran to the end"

        def left(stopped):
            try:
                return "stopped" if stopped() else "ran"
            finally:
                ended.set()

        first = asyncio.create_task(pool.run(long_work, request=FakeRequest("10.0.0.1")))
        await asyncio.sleep(0)  # it is admitted (and has the turn) before the other comes
        gone = await pool.run(left, request=FakeRequest("10.0.0.2", seconds=0.1))
        assert (gone, await first) == ("stopped", "saw it end")

    run_async(scenario)


def test_training_stops_at_the_epoch_after_it_is_told():
    import numpy as np

    from app.nn.network import init_network
    from app.nn.optimizers import Optimizer
    from app.nn.train import train

    x = np.random.default_rng(0).normal(size=(20, 2))
    y = (x[:, 0] > 0).astype(float)
    asked = []

    def stopped():
        asked.append(1)
        return len(asked) > 3

    run = train(init_network([2, 3, 1], ["tanh", "sigmoid"], "xavier", 0), "bce", x, y, x, y,
                optimizer=Optimizer("sgd", 0.1), batch_size=5, epochs=100, stopped=stopped)
    assert len(run.history) == 3


async def run_together(jobs: list[tuple[str, int, str]], waiting: int) -> tuple[list, list]:
    """Jobs (name, units of work, client address) put to one fair pool at once, released when
    `waiting` of them wait for a turn: what each answered, and the order the units ran in."""
    units, start = Units(), threading.Event()
    pool = fair_pool(units)
    tasks = [asyncio.create_task(pool.run(units.job(name, n, start),
                                          request=FakeRequest(address)))
             for name, n, address in jobs]
    await queued(pool, waiting)
    start.set()
    return await asyncio.gather(*tasks), units.log


def test_a_short_job_goes_before_a_long_one_ends():
    async def scenario():
        answers, log = await run_together([("train", 50, "10.0.0.1"), ("trace", 1, "10.0.0.2")],
                                          waiting=1)
        assert answers == ["train", "trace"]
        assert log.index("trace") == 1  # the very next turn after one slice

    run_async(scenario)


def test_two_clients_take_turns():
    async def scenario():
        answers, log = await run_together([("a", 20, "10.0.0.1"), ("b", 20, "10.0.0.2")],
                                          waiting=1)
        assert answers == ["a", "b"]
        assert log == ["a", "b"] * 20

    run_async(scenario)


def test_the_jobs_of_one_address_take_turns_among_themselves():
    async def scenario():
        names = ["first", "second", "third"]
        answers, log = await run_together([(name, 5, "10.0.0.1") for name in names], waiting=2)
        assert answers == names
        assert log == names * 5

    run_async(scenario)


def test_a_client_with_many_loops_gets_one_address_share():
    async def scenario():
        units, start = Units(), threading.Event()
        pool = fair_pool(units)
        greedy = [asyncio.create_task(pool.run(units.job(f"greedy{i}", 30, start),
                                               request=FakeRequest("10.0.0.9")))
                  for i in range(4)]
        await queued(pool, 3)
        fair = asyncio.create_task(pool.run(units.job("fair", 30),
                                            request=FakeRequest("10.0.0.1")))
        await queued(pool, 4)
        start.set()
        assert await fair == "fair"
        before_fair_ended = units.log[:len(units.log) - units.log[::-1].index("fair")]
        greedy_units = sum(name.startswith("greedy") for name in before_fair_ended)
        assert greedy_units <= 31  # one address's half, not four fifths
        assert await asyncio.gather(*greedy) == [f"greedy{i}" for i in range(4)]

    run_async(scenario)


def test_a_client_asking_again_and_again_keeps_what_it_used():
    """Each of its jobs runs whole (it never asks `stopped`), and it is idle between them: it
    would go first every time if its use were forgotten when it has nothing running."""
    async def scenario():
        units, start = Units(), threading.Event()
        pool = fair_pool(units)
        fair = asyncio.create_task(pool.run(units.job("fair", 30, start, pause=0.005),
                                            request=FakeRequest("10.0.0.1")))
        done = asyncio.Event()

        def chunk(stopped):
            for _ in range(5):
                units.now += 1
                units.log.append("greedy")

        async def greedy():
            while not done.is_set():
                await pool.run(chunk, request=FakeRequest("10.0.0.9"))

        loop = asyncio.create_task(greedy())
        await queued(pool, 1)
        start.set()
        assert await fair == "fair"
        done.set()
        await loop
        before_fair_ended = units.log[:len(units.log) - units.log[::-1].index("fair")]
        assert before_fair_ended.count("greedy") <= 30 + 5 + 1  # its share, a job, the credit

    run_async(scenario)


def test_as_many_turns_as_the_cores_the_process_may_use():
    """Pinned to one core of two, the pool runs one job at a time, not one per machine core."""
    if shutil.which("taskset") is None:
        pytest.skip("no taskset here")
    pinned = subprocess.run(["taskset", "-c", "0", sys.executable, "-c",
                             "import app.work as w; print(w.WORKERS, w.POOL.turns.workers)"],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    assert pinned.stdout.split() == ["1", "1"]
