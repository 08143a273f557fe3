"""Heavy work (/train, large /trace steps, /loss-slice, live-session frames) runs in a bounded
pool of threads, never on the event loop, and the pool shares the cores fairly between clients,
so thirty students playing the lab at once each get a thirtieth and a step-through's /trace
is not stuck behind their training.

The policy, in the order it applies:
- Turns: as many jobs run at once as the process has cores to run on (its CPU affinity, not
  the machine's count: pinned to one core, two threads would only fight over it).
- Slices: a job that asks `stopped()` (training does before each epoch, a frame before each
  step it replays) gives its turn back there once it has held it for SLICE_SECONDS and another
  job should go first, and waits for its next turn. A job that never asks runs to its end
  (each request's work is bounded at about a second by the schemas' budget).
- Fair shares: the next turn goes to the waiting job whose client address (as app/connections.py
  keys it) has used the least time; its own requests take turns in arrival order. An address
  that had nothing running starts CREDIT_SECONDS behind the least-served one, so a short
  request from a client that was idle or light (a /trace, a slice, a frame) gets the very next
  turn: it waits about one slice, never behind the queue. An address keeps what it used beyond
  the others while it comes and goes, so a client cannot win turns by asking again: one with
  ten loops gets one address's share, and a greedy client behind the same address as others (a
  school's NAT) gets a share per request in flight, never the whole server. The per-address
  caps on requests in flight (app/connections.py) still apply before any of this.
- Overload: past QUEUE jobs waiting, a request is answered 503 with Retry-After at once.
- A client that leaves: its job's `stopped()` turns True (it is polled every
  DISCONNECT_POLL_SECONDS), and a waiting job whose client has gone goes first, to end."""

import asyncio
import itertools
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread
from fastapi import HTTPException, Request
from threadpoolctl import threadpool_limits

from app.connections import client_address
from app.errors import error
from app.schemas.common import ErrorBody


def usable_cores() -> int:
    """The cores this process may run on (taskset, a container's cpuset), else all of them."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


WORKERS = usable_cores()
# A class of thirty to sixty students playing the lab holds one request each in the pool; more
# than that waiting is overload, told to come back.
QUEUE = max(64, 32 * WORKERS)
# Six epochs or so of the lab's default network (today's engine); a turn change costs about
# ten microseconds.
SLICE_SECONDS = 0.005
# A newly active address goes first; this much lets a light client (a /trace every 100 ms)
# keep going first even while it uses a little more than its share.
CREDIT_SECONDS = 0.02
DISCONNECT_POLL_SECONDS = 0.1


class Busy(HTTPException):
    def __init__(self) -> None:
        super().__init__(503, [error("body", "busy", "the server is busy with heavy requests: "
                                                     "try again in a second")],
                         headers={"Retry-After": "1"})


class Ticket:
    """One job's place: its client address, whether its client has gone, and its turn."""

    def __init__(self, address: str, gone: threading.Event) -> None:
        self.address, self.gone = address, gone
        self.turn = threading.Event()  # set while the job may run
        self.seq = 0  # arrival order among the waiting: a job that gives its turn back goes last


class Turns:
    """Who runs and who is next (the policy above), whatever the threads: `admit` on arrival,
    then in the job's thread wait for `ticket.turn`, `checkpoint` as often as it likes, and
    `finish`."""

    def __init__(self, workers: int, slice_seconds: float = SLICE_SECONDS,
                 credit_seconds: float = CREDIT_SECONDS,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.workers, self.slice, self.credit, self.clock = (
            workers, slice_seconds, credit_seconds, clock)
        self.lock = threading.Lock()
        self.waiting: list[Ticket] = []
        self.running: dict[Ticket, float] = {}  # each job running, and since when it is counted
        self.jobs: Counter[str] = Counter()  # per address: jobs admitted and not finished
        self.used: dict[str, float] = {}  # per address: seconds of turns, on a shared scale
        self.floor = 0.0  # the least-served active address's use, never going back
        self.order = itertools.count()

    def admit(self, ticket: Ticket, queue: int) -> None:
        """Counts a new job in, and gives it a turn if one is free; Busy past `queue` waiting."""
        with self.lock:
            if len(self.waiting) >= queue:
                raise Busy()
            if not self.jobs[ticket.address]:
                start = self.least_used() - self.credit
                self.used[ticket.address] = max(self.used.get(ticket.address, start), start)
            self.jobs[ticket.address] += 1
            self.enqueue(ticket)
            if len(self.running) < self.workers:
                self.grant()

    def checkpoint(self, ticket: Ticket) -> None:
        """Where a running job may give its turn back: once its slice is over and a job of a
        less-served address (or an older one of its own) waits; blocks until its next turn."""
        if self.clock() - self.running[ticket] < self.slice or ticket.gone.is_set():
            return
        with self.lock:
            self.count(ticket)
            best = self.best()
            if best is None or (not best.gone.is_set()
                                and self.used[best.address] > self.used[ticket.address]):
                return
            del self.running[ticket]
            ticket.turn.clear()
            self.enqueue(ticket)
            self.grant()
        ticket.turn.wait()

    def finish(self, ticket: Ticket) -> None:
        """The job is done (or was never taken up): its turn or its place goes to the next."""
        with self.lock:
            if ticket in self.running:
                self.count(ticket)
                del self.running[ticket]
            elif ticket in self.waiting:
                self.waiting.remove(ticket)
            else:
                return
            self.jobs[ticket.address] -= 1
            if not self.jobs[ticket.address]:
                del self.jobs[ticket.address]
                self.forget_if_even(ticket.address)
            if self.waiting and len(self.running) < self.workers:
                self.grant()

    # Below: called with the lock held.
    def enqueue(self, ticket: Ticket) -> None:
        ticket.seq = next(self.order)
        self.waiting.append(ticket)

    def best(self) -> Ticket | None:
        """The next to run: a job whose client has gone (it ends at once), then the least-served
        address's oldest job."""
        return min(self.waiting, default=None,
                   key=lambda t: (not t.gone.is_set(), self.used[t.address], t.seq))

    def grant(self) -> None:
        ticket = self.best()
        if ticket is not None:
            self.waiting.remove(ticket)
            self.running[ticket] = self.clock()
            ticket.turn.set()

    def count(self, ticket: Ticket) -> None:
        """Adds a running job's time since it was last counted to its address's use."""
        now = self.clock()
        self.used[ticket.address] += now - self.running[ticket]
        self.running[ticket] = now

    def least_used(self) -> float:
        active = [self.used[a] for a in self.jobs]
        self.floor = max(self.floor, min(active, default=self.floor))
        return self.floor

    def forget_if_even(self, address: str) -> None:
        """An idle address's use is kept only while it is ahead of what a newcomer would get
        (else it would start there anyway), so the book holds the active and the indebted."""
        floor = self.least_used() - self.credit
        if self.used[address] <= floor:
            del self.used[address]
        if len(self.used) > 2 * len(self.jobs) + 1024:
            for idle in [a for a, u in self.used.items() if a not in self.jobs and u <= floor]:
                del self.used[idle]


class WorkPool:
    def __init__(self, workers: int = WORKERS, queue: int = QUEUE,
                 slice_seconds: float = SLICE_SECONDS, credit_seconds: float = CREDIT_SECONDS,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.turns = Turns(workers, slice_seconds, credit_seconds, clock)
        self.queue = queue
        # A thread for every job admitted (each waits for its turn in it), so none waits for
        # a thread behind jobs that wait for a turn.
        self.threads = anyio.CapacityLimiter(workers + queue)

    async def run(self, fn: Callable[..., Any], *args: Any,
                  request: Request | None = None) -> Any:
        """`fn(*args, stopped)` in a worker thread when its turn comes; `stopped()` turns True
        once `request`'s client has disconnected, and is where the job may give its turn to
        another for a while. Raises Busy when the queue is full."""
        gone = threading.Event()
        ticket = Ticket(client_address(request.scope) if request is not None else "unknown",
                        gone)
        self.turns.admit(ticket, self.queue)
        watcher = asyncio.create_task(watch(request, gone)) if request is not None else None

        def stopped() -> bool:
            self.turns.checkpoint(ticket)
            return gone.is_set()

        def job() -> Any:
            ticket.turn.wait()
            try:
                return fn(*args, stopped)
            finally:
                self.turns.finish(ticket)

        try:
            return await anyio.to_thread.run_sync(job, limiter=self.threads)
        finally:
            self.turns.finish(ticket)  # a no-op unless it was cancelled before its thread began
            if watcher is not None:
                watcher.cancel()


async def watch(request: Request, gone: threading.Event) -> None:
    while not await request.is_disconnected():
        await asyncio.sleep(DISCONNECT_POLL_SECONDS)
    gone.set()


POOL = WorkPool()
BUSY = {503: {"description": "Busy with heavy requests: retry after the Retry-After seconds.",
              "model": ErrorBody}}


def one_blas_thread() -> None:
    """Lets numpy's BLAS use one thread: the pool already runs one job per core, and BLAS's own
    threads on top of it fight the other jobs for the same cores (measured: the heaviest
    session frame took 1.9 s of CPU for 1.1 s of work with OpenBLAS's default threads on two
    cores, 1.1 s with one). Called when a serving process starts (app/server.py)."""
    threadpool_limits(1, user_api="blas")
