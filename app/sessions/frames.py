"""What a follower needs to draw a change, computed once on the server and sent with it, so a
thousand followers do not each ask /trace for the same numbers when the presenter moves on.

For the step-through: the traced training step the state is at (the network it started from
and every intermediate) and, with a parameter selected, its loss slice: exactly what the
presenter's page fetched. For the lab: the data set's points, which change only with the
settings; followers draw the boundary from the snapshot's weights themselves.

A step's frame replays every training step before it. Its work is bounded before it starts
(app/schemas/sessions.py refuses a state past MAX_FRAME_WORK); it runs in the work pool, stops
when its client leaves (`stopped`) or past MAX_FRAME_SECONDS of CPU, and keeps what it
replayed for the next change.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.answers import dataset_answer, slice_answer, trace_answer
from app.nn.network import Network
from app.nn.optimizers import Optimizer
from app.responses import network_json, optimizer_json, slice_json, trace_json
from app.schemas.engine import TraceRequest
from app.schemas.limits import (
    MAX_FRAME_SECONDS,
    MAX_FRAME_WORK,
    MAX_ITERATION,
    MAX_TRACE_VALUES,
)
from app.schemas.sessions import LabState, StepState, check_work, frame_work, step_work

SLICE_POINTS = 81  # as the page asks
# Numbers the cache keeps of replayed networks and optimizer states, all setups together (32 MB):
# the largest network with Adam is 125,000 a training step.
CACHED_VALUES = 4_000_000


class Stopped(Exception):
    """The frame's client left, or it has taken MAX_FRAME_SECONDS of CPU: nothing to send."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def never() -> bool:
    return False


Start = tuple[Network, Optimizer | None]


def start_size(start: Start) -> int:
    net, optimizer = start
    return (sum(w.size for w in net.weights) + sum(b.size for b in net.biases)
            + sum(v.size for v in (optimizer.state.values() if optimizer else ())))


@dataclass
class Run:
    """A setup's training steps replayed so far: the start of every `stride`-th, and of the
    last one asked for, so stepping on costs one step and stepping back at most `stride`."""

    kept: dict[int, Start]
    stride: int
    size: int  # numbers in one kept start
    last: int = 0  # the one kept off the stride, if any
    lock: threading.Lock = field(default_factory=threading.Lock)  # one replay of it at a time

    @property
    def values(self) -> int:
        return len(self.kept) * self.size


class NetworkCache:
    """The network and optimizer at the start of training steps of the setups seen last, within
    CACHED_VALUES numbers in all. Pool threads share it: each run is replayed by one at a time."""

    def __init__(self, values: int = CACHED_VALUES) -> None:
        self.values = values
        self._runs: OrderedDict[str, Run] = OrderedDict()
        self._lock = threading.Lock()

    def _run(self, key: str, setup: TraceRequest) -> Run:
        with self._lock:
            run = self._runs.pop(key, None)
            if run is None:
                start = (setup.network.build(),
                         setup.optimizer.build() if setup.optimizer else None)
                size = start_size(start)
                # The starts of the furthest replay allowed fit in a quarter of the cache.
                furthest = min(MAX_ITERATION, MAX_FRAME_WORK // step_work(setup))
                stride = max(1, -(-(furthest + 1) * size // (self.values // 4)))
                run = Run({0: start}, stride, size)
            self._runs[key] = run  # the newest, evicted last
            return run

    def _trim(self) -> None:
        with self._lock:
            total = sum(run.values for run in self._runs.values())
            while total > self.values and len(self._runs) > 1:
                total -= self._runs.popitem(last=False)[1].values

    def start_of(self, key: str, setup: TraceRequest, iteration: int,
                 check: Callable[[], None] = lambda: None) -> Start:
        """Training step `iteration`'s start, replayed from the nearest one kept; `check()`
        before each step may raise Stopped (what was replayed so far is kept)."""
        run = self._run(key, setup)
        with run.lock:
            at = max(i for i in run.kept if i <= iteration)
            net, optimizer = run.kept[at]
            while at < iteration:
                check()
                trace = trace_answer(setup, network=net, optimizer=optimizer, per_example=False,
                                     gradient_check=False)
                net, optimizer, at = trace.network, trace.optimizer, at + 1
                if at % run.stride == 0:
                    run.kept[at] = (net, optimizer)
            if iteration % run.stride:  # kept too, in place of the last one off the stride
                if run.last % run.stride and run.last != iteration:
                    del run.kept[run.last]
                run.kept[iteration], run.last = (net, optimizer), iteration
        self._trim()
        return net, optimizer


def checker(stopped: Callable[[], bool]) -> Callable[[], None]:
    """Raises Stopped once `stopped()` turns True, or once this thread has spent
    MAX_FRAME_SECONDS of CPU (not of the clock: a machine busy with other work is no reason
    to give up, numbers that compute slowly are)."""
    deadline = time.thread_time() + MAX_FRAME_SECONDS

    def check() -> None:
        if stopped():
            raise Stopped("the client left")
        if time.thread_time() > deadline:
            raise Stopped("computing it took too long")
    return check


def step_frame(state: StepState, cache: NetworkCache, stopped: Callable[[], bool] = never
               ) -> dict[str, Any]:
    """The training step a step-through state is at, traced as the page traces it (the
    gradient check left out where it would take the frame past its budget). Raises Stopped
    between its parts (each replayed step, the trace, the slice) as `checker` says."""
    check = checker(stopped)
    setup = state.setup
    key = setup.model_dump_json()
    iteration = state.position.iteration
    net, optimizer = cache.start_of(key, setup, iteration, check)
    n_weights = sum(a * b for a, b in zip(setup.network.layers[:-1], setup.network.layers[1:]))
    per_example = len(setup.inputs) > 1 and len(setup.inputs) * n_weights <= MAX_TRACE_VALUES
    work = check_work(setup)
    fits = work is not None and frame_work(setup, iteration) + work <= MAX_FRAME_WORK
    check()
    trace = trace_answer(setup, network=net, optimizer=optimizer, per_example=per_example,
                         gradient_check=fits)
    # The optimizer's state before the step: what the page shows beside the step's own.
    before = optimizer_json(optimizer)["state"] if optimizer is not None else None
    frame: dict[str, Any] = {"iteration": iteration, "network": network_json(net),
                             "optimizer": before, "trace": trace_json(trace), "slice": None}
    p = state.view.selected
    if p is not None:  # where this training step's own update lands, as on the presenter's page
        check()
        frame["slice"] = slice_json(p.model_dump(), slice_answer(
            setup, p, points=SLICE_POINTS, network=net, optimizer=optimizer))
    return frame


def lab_data(state: LabState) -> dict[str, Any]:
    """The points a lab state trains on, exactly as POST /api/v1/datasets answers them."""
    return dataset_answer(state.settings.dataset_spec())
