"""The training lab's endpoints: data sets, and many epochs of training in one call."""

from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from app.answers import dataset_answer, train_answer
from app.jsonbody import FastJSONRoute
from app.responses import JSONBytes, example
from app.schemas.common import ErrorBody
from app.schemas.lab import DatasetResponse, DatasetSpec, TrainRequest, TrainResponse
from app.work import BUSY, POOL

router = APIRouter(route_class=FastJSONRoute, prefix="/api/v1", tags=["lab"],
                   responses={413: {"model": ErrorBody}, 422: {"model": ErrorBody}})

TRAIN_EXAMPLE = {"circle": {"summary": "2-8-8-1 tanh on the circle, 100 epochs", "value": {
    "network": {"layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "tanh"],
                "init": {"scheme": "xavier", "seed": 1}},
    "loss": "mse", "dataset": {"name": "circle", "n": 500, "noise": 0.0, "seed": 1,
                               "test_fraction": 0.5},
    "features": ["x1", "x2"], "optimizer": {"name": "sgd", "learning_rate": 0.03},
    "regularization": {"kind": "l2", "rate": 0.001}, "batch_size": 10, "epochs": 100,
    "boundary": {"resolution": 50}}}}
DATASET_EXAMPLE = {"spiral": {"summary": "A noisy spiral, 200 points, half held out",
                              "value": {"name": "spiral", "n": 200, "noise": 0.2, "seed": 3}}}

def short_train_answer() -> dict:
    """Three epochs on a small circle, as /train answers them: the description's example."""
    request = TrainRequest.model_validate({
        "network": {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"],
                    "init": {"scheme": "xavier", "seed": 1}},
        "loss": "bce", "dataset": {"name": "circle", "n": 20, "seed": 1}, "epochs": 3,
        "optimizer": {"name": "adam", "learning_rate": 0.03}})
    return example(train_answer(request))


@router.post("/train", operation_id="train",
             response_model=TrainResponse, summary="Train for some epochs",
             responses=BUSY)
async def train_(request: Annotated[TrainRequest, Body(openapi_examples=TRAIN_EXAMPLE)],
                 http: Request) -> Response:
    """Train for a number of epochs and return the network, its optimizer state and history."""
    # Trained and encoded in the bounded pool; a client that leaves stops it at the next epoch.
    return await POOL.run(lambda stopped: JSONBytes(train_answer(request, stopped)),
                          request=http)


@router.post("/datasets", operation_id="datasets",
             response_model=DatasetResponse, summary="A data set's points")
def dataset(spec: Annotated[DatasetSpec, Body(openapi_examples=DATASET_EXAMPLE)]) -> JSONBytes:
    """Generate (or split given) points: the same ones /train uses for the same spec."""
    return JSONBytes(dataset_answer(spec))
