"""Heavy work runs in a bounded pool of threads, never on the event loop: as many at once as
there are cores, a short queue behind them, and past that a 503 with Retry-After, so a burst
of heavy requests waits its turn or is told to come back instead of starving everyone else.
A request whose client goes away stops its work."""

import asyncio
import os
import threading
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread
from fastapi import HTTPException, Request

from app.errors import error
from app.schemas.common import ErrorBody

WORKERS = max(1, os.cpu_count() or 1)
QUEUE = 32 * WORKERS  # a burst of a class's requests waits; a pile-up of heavy ones is told
DISCONNECT_POLL_SECONDS = 0.1


class Busy(HTTPException):
    def __init__(self) -> None:
        super().__init__(503, [error("body", "busy", "the server is busy with heavy requests: "
                                                     "try again in a second")],
                         headers={"Retry-After": "1"})


class WorkPool:
    def __init__(self, workers: int = WORKERS, queue: int = QUEUE) -> None:
        self.limiter = anyio.CapacityLimiter(workers)
        self.queue = queue

    async def run(self, fn: Callable[..., Any], *args: Any,
                  request: Request | None = None) -> Any:
        """`fn(*args, stopped)` in a worker thread; `stopped()` turns True once `request`'s
        client has disconnected. Raises Busy when the queue is full."""
        if self.limiter.statistics().tasks_waiting >= self.queue:
            raise Busy()
        gone = threading.Event()
        watcher = asyncio.create_task(watch(request, gone)) if request is not None else None
        try:
            return await anyio.to_thread.run_sync(fn, *args, gone.is_set, limiter=self.limiter)
        finally:
            if watcher is not None:
                watcher.cancel()


async def watch(request: Request, gone: threading.Event) -> None:
    while not await request.is_disconnected():
        await asyncio.sleep(DISCONNECT_POLL_SECONDS)
    gone.set()


POOL = WorkPool()
BUSY = {503: {"description": "Busy with heavy requests: retry after the Retry-After seconds.",
              "model": ErrorBody}}
