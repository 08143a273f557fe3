"""What a follower needs to draw a change, computed once on the server and sent with it, so a
thousand followers do not each ask /trace for the same numbers when the presenter moves on.

For the step-through: the traced training step the state is at (the network it started from
and every intermediate) and, with a parameter selected, its loss slice: exactly what the
presenter's page fetched. For the lab: the data set's points, which change only with the
settings; followers draw the boundary from the snapshot's weights themselves.
"""

from collections import OrderedDict
from typing import Any

import numpy as np

from app.nn.network import Network
from app.nn.trace import parameter_slice, training_step
from app.responses import network_json, slice_json, trace_json
from app.schemas.lab import DatasetSpec
from app.schemas.limits import (
    MAX_ABS_VALUE,
    MAX_GRADIENT_CHECK_PARAMETERS,
    MAX_GRADIENT_CHECK_WORK,
    MAX_TRACE_VALUES,
)
from app.schemas.sessions import LabState, StepState

SLICE_POINTS = 81  # as the page asks
CACHED_SETUPS = 64


class NetworkCache:
    """The networks at the start of each training step of a setup, kept for the setups seen
    last, so a presenter stepping on into the next training step costs one step, not all."""

    def __init__(self, size: int = CACHED_SETUPS) -> None:
        self.size = size
        self._runs: OrderedDict[str, list[Network]] = OrderedDict()

    def network_at(self, key: str, state: StepState, iteration: int) -> Network:
        setup = state.setup
        runs = self._runs.pop(key, None) or [setup.network.build()]
        self._runs[key] = runs
        while len(self._runs) > self.size:
            self._runs.popitem(last=False)
        x, t = np.asarray(setup.inputs, dtype=float), np.asarray(setup.targets, dtype=float)
        while len(runs) <= iteration:
            runs.append(training_step(runs[-1], x, t, setup.loss, setup.learning_rate,
                                      setup.update_biases).network)
        return runs[iteration]


def step_frame(state: StepState, cache: NetworkCache) -> dict[str, Any]:
    """The training step a step-through state is at, traced as the page traces it."""
    setup = state.setup
    key = setup.model_dump_json()
    iteration = state.position.iteration
    net = cache.network_at(key, state, iteration)
    x, t = np.asarray(setup.inputs, dtype=float), np.asarray(setup.targets, dtype=float)
    n_weights = sum(a * b for a, b in zip(setup.network.layers[:-1], setup.network.layers[1:]))
    per_example = len(setup.inputs) > 1 and len(setup.inputs) * n_weights <= MAX_TRACE_VALUES
    n_params = setup.network.n_parameters
    check = (n_params <= MAX_GRADIENT_CHECK_PARAMETERS
             and len(setup.inputs) * n_params**2 <= MAX_GRADIENT_CHECK_WORK)
    trace = training_step(net, x, t, setup.loss, setup.learning_rate, setup.update_biases,
                          per_example, check, MAX_ABS_VALUE)
    frame: dict[str, Any] = {"iteration": iteration, "network": network_json(net),
                             "trace": trace_json(trace), "slice": None}
    p = state.view.selected
    if p is not None:
        index = (p.row, p.col) if p.kind == "weight" else (p.row,)
        frame["slice"] = slice_json(p.model_dump(), parameter_slice(
            net, x, t, setup.loss, p.kind, p.layer, index, setup.learning_rate, SLICE_POINTS))
    return frame


def lab_dataset(state: LabState) -> DatasetSpec:
    """The data set a lab state trains on, as the lab page asks /datasets for it."""
    settings = state.settings
    if settings.points is not None:
        return DatasetSpec(points=settings.points.train, test_points=settings.points.test,
                           task=settings.dataset.task)
    return DatasetSpec(**settings.dataset.model_dump())


def lab_data(spec: DatasetSpec) -> dict[str, Any]:
    """The points, exactly as POST /api/v1/datasets answers them."""
    x_train, y_train, x_test, y_test = spec.build()
    return {"task": spec.task, "inputs": spec.inputs, "train": {"x": x_train, "y": y_train},
            "test": {"x": x_test, "y": y_test}}
