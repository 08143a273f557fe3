"""The pool heavy requests run in: bounded, telling the overflow to come back, and stopping
work whose client has gone."""

import asyncio
import threading
import time

import pytest

from app.work import Busy, WorkPool
from tests.conftest import run_async


class GoneAfter:
    """A stand-in for a request whose client disconnects after `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds

    async def is_disconnected(self) -> bool:
        return time.monotonic() >= self.at


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

        assert await pool.run(long_work, request=GoneAfter(0.2)) == "stopped"
        assert time.monotonic() - started < 2

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
