"""What a follower needs to draw a change, computed once on the server and sent with it, so a
thousand followers do not each ask /trace for the same numbers when the presenter moves on.

For the step-through: the traced training step the state is at (the network it started from
and every intermediate) and, with a parameter selected, its loss slice: exactly what the
presenter's page fetched. For the lab: the data set's points, which change only with the
settings; followers draw the boundary from the snapshot's weights themselves.
"""

from collections import OrderedDict
from typing import Any

from app.answers import dataset_answer, slice_answer, trace_answer
from app.nn.network import Network
from app.nn.optimizers import Optimizer
from app.responses import network_json, optimizer_json, slice_json, trace_json
from app.schemas.engine import TraceRequest
from app.schemas.lab import DatasetSpec
from app.schemas.limits import (
    MAX_GRADIENT_CHECK_PARAMETERS,
    MAX_GRADIENT_CHECK_WORK,
    MAX_TRACE_VALUES,
)
from app.schemas.sessions import LabState, StepState

SLICE_POINTS = 81  # as the page asks
CACHED_SETUPS = 64


class NetworkCache:
    """The network and optimizer at the start of each training step of a setup, kept for the
    setups seen last, so a presenter stepping on into the next training step costs one step."""

    def __init__(self, size: int = CACHED_SETUPS) -> None:
        self.size = size
        self._runs: OrderedDict[str, list[tuple[Network, Optimizer | None]]] = OrderedDict()

    def start_of(self, key: str, setup: TraceRequest, iteration: int
                 ) -> tuple[Network, Optimizer | None]:
        start = (setup.network.build(), setup.optimizer.build() if setup.optimizer else None)
        runs = self._runs.pop(key, None) or [start]
        self._runs[key] = runs
        while len(self._runs) > self.size:
            self._runs.popitem(last=False)
        while len(runs) <= iteration:
            net, optimizer = runs[-1]
            trace = trace_answer(setup, network=net, optimizer=optimizer, per_example=False,
                                 gradient_check=False)
            runs.append((trace.network, trace.optimizer))
        return runs[iteration]


def step_frame(state: StepState, cache: NetworkCache) -> dict[str, Any]:
    """The training step a step-through state is at, traced as the page traces it."""
    setup = state.setup
    key = setup.model_dump_json()
    iteration = state.position.iteration
    net, optimizer = cache.start_of(key, setup, iteration)
    n_weights = sum(a * b for a, b in zip(setup.network.layers[:-1], setup.network.layers[1:]))
    per_example = len(setup.inputs) > 1 and len(setup.inputs) * n_weights <= MAX_TRACE_VALUES
    n_params = setup.network.n_parameters
    check = (n_params <= MAX_GRADIENT_CHECK_PARAMETERS
             and len(setup.inputs) * n_params**2 <= MAX_GRADIENT_CHECK_WORK)
    trace = trace_answer(setup, network=net, optimizer=optimizer, per_example=per_example,
                         gradient_check=check)
    # The optimizer's state before the step: what the page shows beside the step's own.
    before = optimizer_json(optimizer)["state"] if optimizer is not None else None
    frame: dict[str, Any] = {"iteration": iteration, "network": network_json(net),
                             "optimizer": before, "trace": trace_json(trace), "slice": None}
    p = state.view.selected
    if p is not None:  # where this training step's own update lands, as on the presenter's page
        frame["slice"] = slice_json(p.model_dump(), slice_answer(
            setup, p, points=SLICE_POINTS, network=net, optimizer=optimizer))
    return frame


def lab_dataset(state: LabState) -> DatasetSpec:
    """The data set a lab state trains on, as the lab page asks /datasets for it."""
    return state.settings.dataset_spec()


def lab_data(spec: DatasetSpec) -> dict[str, Any]:
    """The points, exactly as POST /api/v1/datasets answers them."""
    return dataset_answer(spec)
