"""From a validated request to its answer: one function per answer.

Routes, follower frames (`app/sessions/frames.py`), the API description's examples and the
benchmarks call these, with keywords, so each rule (how a step updates, where its update lands
on the loss curve, which points a data set has, what a training call reports) is written once
and every caller gives the same numbers. They return the engine's own objects; the routes turn
them into JSON with `app/responses.py`.
"""

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from app.nn.datasets import features
from app.nn.network import Network
from app.nn.optimizers import Optimizer
from app.nn.trace import ParameterSlice, Trace, Update, parameter_slice, training_step
from app.nn.train import neuron_health, output_grids, train
from app.responses import network_json, optimizer_json
from app.schemas.engine import ParameterRef, StepRule, TraceRequest
from app.schemas.lab import DatasetSpec, TrainRequest
from app.schemas.limits import MAX_ABS_VALUE

OWN: Any = object()  # "the request's own optimizer", as opposed to a given one or None


def step_rule(request: StepRule, optimizer: Optimizer | None = OWN) -> Update:
    """The rule a request's training step updates by: its optimizer (or `optimizer`, the one a
    caller has carried on to this step, left untouched) and penalty, or plain descent."""
    if optimizer is OWN:
        optimizer = request.optimizer.build() if request.optimizer else None
    else:
        optimizer = optimizer.copy() if optimizer is not None else None
    reg = request.regularization
    return Update(request.learning_rate, request.update_biases, optimizer,
                  reg.kind if reg else "none", reg.rate if reg else 0.0)


def trace_answer(request: TraceRequest, *, network: Network | None = None,
                 optimizer: Optimizer | None = OWN, per_example: bool | None = None,
                 gradient_check: bool | None = None) -> Trace:
    """One training step of a /trace request: from its own network and optimizer, or from the
    `network` and `optimizer` a caller has reached (a later training step of the same setup)."""
    return training_step(
        network if network is not None else request.network.build(),
        np.asarray(request.inputs, dtype=float), np.asarray(request.targets, dtype=float),
        request.loss, step_rule(request, optimizer),
        per_example=request.per_example if per_example is None else per_example,
        gradient_check=request.gradient_check if gradient_check is None else gradient_check,
        bound=MAX_ABS_VALUE)


def slice_answer(request: StepRule, parameter: ParameterRef, *, points: int,
                 span: tuple[float, float] | None = None, network: Network | None = None,
                 optimizer: Optimizer | None = OWN) -> ParameterSlice:
    """The loss along one parameter, with where the request's training step really moves it:
    /loss-slice's answer, and a follower's, from the same `network` and `optimizer` the
    presenter's page is at."""
    index = (parameter.row, parameter.col) if parameter.kind == "weight" else (parameter.row,)
    return parameter_slice(
        network if network is not None else request.network.build(),
        np.asarray(request.inputs, dtype=float), np.asarray(request.targets, dtype=float),
        request.loss, parameter.kind, parameter.layer, index, step_rule(request, optimizer),
        points=points, span=span)


def dataset_answer(spec: DatasetSpec) -> dict[str, Any]:
    """A data set's points, the same ones /train uses for the same spec."""
    x_train, y_train, x_test, y_test = spec.build()
    return {"task": spec.task, "inputs": spec.inputs, "train": {"x": x_train, "y": y_train},
            "test": {"x": x_test, "y": y_test}}


def train_answer(request: TrainRequest, stopped: Callable[[], bool] = lambda: False
                 ) -> dict[str, Any]:
    """Many epochs of training, as /train answers them; `stopped` ends it at the next epoch."""
    x_train, y_train, x_test, y_test = request.dataset.build()
    optimizer = request.optimizer.build()
    f_train, f_test = features(x_train, request.features), features(x_test, request.features)
    started = time.perf_counter()
    run = train(request.network.build(), request.loss, f_train, y_train, f_test, y_test,
                optimizer=optimizer, batch_size=min(request.batch_size, len(x_train)),
                epochs=request.epochs, start_epoch=request.start_epoch, seed=request.seed,
                regularization=request.regularization.kind, rate=request.regularization.rate,
                classification=request.dataset.task == "classification", stopped=stopped,
                bound=MAX_ABS_VALUE)
    seconds = time.perf_counter() - started
    answer = {
        "network": network_json(run.net),
        "optimizer": optimizer_json(optimizer),
        "task": request.dataset.task,
        "epoch": run.history[-1].epoch if run.history else request.start_epoch,
        "history": [vars(e) for e in thinned(run.history, request.history_every)],
        "diverged": run.diverged_at is not None,
        "diverged_at_epoch": run.diverged_at,
        "neurons": neuron_health(run.net, f_train),
        "boundary": None,
    }
    if request.history_every is not None:
        answer["train_seconds"] = seconds
    if request.boundary is not None:
        spec = request.boundary
        answer["boundary"] = output_grids(run.net, request.features, request.dataset.inputs,
                                          spec.resolution, spec.neuron_resolution)
    return answer


def thinned(history: list, every: int | None) -> list:
    """The epochs a playing client keeps: those numbered a multiple of `every`, and the last."""
    if every is None or every == 1:
        return history
    return [e for i, e in enumerate(history) if e.epoch % every == 0 or i == len(history) - 1]
