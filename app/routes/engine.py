"""The engine's endpoints: one traced training step, and the loss along one parameter."""

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request, Response

from app.answers import slice_answer, trace_answer
from app.codegen import numpy_script, torch_script
from app.jsonbody import FastJSONRoute
from app.presets import PRESETS
from app.responses import JSONBytes, example, network_json, slice_json, trace_json
from app.schemas.common import ErrorBody, NetworkSpec
from app.schemas.engine import LossSliceRequest, LossSliceResponse, TraceRequest, TraceResponse
from app.work import BUSY, POOL

INLINE_VALUES = 2048
INLINE_CHECK_WORK = 100_000  # examples × parameters² of a gradient check done inline

router = APIRouter(route_class=FastJSONRoute, prefix="/api/v1", tags=["engine"],
                   responses={413: {"model": ErrorBody}, 422: {"model": ErrorBody}})

TRACE_EXAMPLES = {
    name: {"summary": p.title, "value": p.request.model_dump(exclude_none=True)}
    for name, p in PRESETS.items()
}
TRACE_EXAMPLES["init"] = {"summary": "Weights from a seeded scheme", "value": {
    "network": {"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"],
                "init": {"scheme": "xavier", "seed": 0}},
    "loss": "bce", "inputs": [[0.5, -1.0], [1.0, 0.2]], "targets": [[1], [0]],
    "learning_rate": 0.1, "gradient_check": True}}

NETWORK_EXAMPLE = {"init": {"summary": "Xavier's weights from seed 0",
                            "value": TRACE_EXAMPLES["init"]["value"]["network"]}}

SLICE_EXAMPLE = {"classic_w5": {"summary": "The classic example's w5 (layer 1, row 0, col 0)",
                                "value": {**PRESETS["classic"].request.model_dump(
                                    include={"network", "loss", "inputs", "targets",
                                             "learning_rate"}, exclude_none=True),
                                          "parameter": {"kind": "weight", "layer": 1, "row": 0,
                                                        "col": 0},
                                          "points": 41}},
                 "adam_w5": {"summary": "w5 under Adam with L2: the update lands where Adam's "
                                        "step takes it",
                             "value": {**PRESETS["classic"].request.model_dump(
                                 include={"network", "loss", "inputs", "targets"},
                                 exclude_none=True),
                                 "optimizer": {"name": "adam", "learning_rate": 0.01},
                                 "regularization": {"kind": "l2", "rate": 0.1},
                                 "parameter": {"kind": "weight", "layer": 1, "row": 0, "col": 0},
                                 "points": 41}}}


def classic_answer() -> dict:
    """The classic example's step, as /trace answers it: the description's example (see
    app.openapi.describe: FastAPI would drop its nulls)."""
    return example(trace_json(trace_answer(PRESETS["classic"].request)))


@router.post("/trace", operation_id="trace",
             response_model=TraceResponse, summary="One training step, traced",
             responses=BUSY)
async def trace(request: Annotated[TraceRequest, Body(openapi_examples=TRACE_EXAMPLES)],
                http: Request) -> Response:
    """Run one training step (forward, loss, backward, update) and return every intermediate."""
    def step(stopped: Callable[[], bool] = lambda: False) -> Response:
        return JSONBytes(trace_json(trace_answer(request)))

    # A classroom-sized step takes a fraction of a millisecond: a thread hop would cost more
    # than the work. Larger ones go to the bounded pool, answer encoded there too.
    values = len(request.inputs) * sum(request.network.layers[1:])
    check = len(request.inputs) * request.network.n_parameters ** 2 if request.gradient_check else 0
    if values <= INLINE_VALUES and check <= INLINE_CHECK_WORK:
        return step()
    return await POOL.run(step, request=http)


@router.post("/network", operation_id="network", response_model=NetworkSpec,
             summary="A network's explicit weights",
             responses={200: {"content": {"application/json": {"example": example(network_json(
                 NetworkSpec.model_validate(NETWORK_EXAMPLE["init"]["value"]).build()))}}}})
def network(spec: Annotated[NetworkSpec, Body(openapi_examples=NETWORK_EXAMPLE)]) -> Response:
    """The network a spec describes, with every weight and bias written out: what an `init`
    scheme and seed draw (the same numbers /trace starts from), to read, edit or post back as
    weights."""
    return JSONBytes(network_json(spec.build()))


@router.post("/loss-slice", operation_id="lossSlice",
             response_model=LossSliceResponse,
             summary="The loss along one parameter", responses=BUSY)
async def slice_(request: Annotated[LossSliceRequest, Body(openapi_examples=SLICE_EXAMPLE)],
                 http: Request) -> Response:
    """The loss as one weight or bias varies, every other value held constant, with its slope,
    and where the training step's update moves it: plain descent at `learning_rate`, or the
    `optimizer`'s own step with its state, with the `regularization` penalty (as /trace)."""
    def compute(stopped: Callable[[], bool]) -> Response:
        s = slice_answer(request, request.parameter, points=request.points,
                         span=tuple(request.range) if request.range else None)
        return JSONBytes(slice_json(request.parameter.model_dump(), s))

    return await POOL.run(compute, request=http)


CodeLanguage = Literal["numpy", "pytorch"]


@router.post("/code", operation_id="code",
             response_class=Response, summary="Code that reproduces a step",
             responses={200: {"content": {"text/x-python": {"schema": {"type": "string"}}},
                              "description": "A runnable script; its last line prints the "
                                             "numbers as one JSON object."}})
def code(request: Annotated[TraceRequest, Body(openapi_examples=TRACE_EXAMPLES)],
         lang: Annotated[CodeLanguage, Query(description="numpy or pytorch")] = "numpy"
         ) -> Response:
    """A NumPy or PyTorch script that computes this training step and prints its loss,
    gradients and updated weights, the same numbers /trace answers."""
    script = numpy_script(request) if lang == "numpy" else torch_script(request)
    return Response(script, media_type="text/x-python")
