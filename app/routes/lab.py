"""The training lab's endpoints: data sets, and many epochs of training in one call."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Body, Request, Response

from app.jsonbody import FastJSONRoute
from app.nn.datasets import features
from app.nn.train import neuron_health, output_grids, train
from app.responses import JSONBytes, example, network_json, optimizer_json
from app.schemas.common import ErrorBody
from app.schemas.lab import DatasetResponse, DatasetSpec, TrainRequest, TrainResponse
from app.schemas.limits import MAX_ABS_VALUE
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

def run_training(request: TrainRequest, stopped: Callable[[], bool] = lambda: False) -> dict:
    x_train, y_train, x_test, y_test = request.dataset.build()
    optimizer = request.optimizer.build()
    classification = request.dataset.task == "classification"
    f_train, f_test = features(x_train, request.features), features(x_test, request.features)
    run = train(request.network.build(), request.loss, f_train, y_train, f_test, y_test,
                optimizer, min(request.batch_size, len(x_train)), request.epochs,
                request.start_epoch, request.seed, request.regularization.kind,
                request.regularization.rate, classification, stopped, MAX_ABS_VALUE)
    answer = {
        "network": network_json(run.net),
        "optimizer": optimizer_json(optimizer),
        "task": request.dataset.task,
        "epoch": run.history[-1].epoch if run.history else request.start_epoch,
        "history": [vars(e) for e in run.history],
        "diverged": run.diverged_at is not None,
        "diverged_at_epoch": run.diverged_at,
        "neurons": neuron_health(run.net, f_train),
        "boundary": None,
    }
    if request.boundary is not None:
        spec = request.boundary
        answer["boundary"] = output_grids(run.net, request.features, request.dataset.inputs,
                                          spec.resolution, spec.neuron_resolution)
    return answer


def short_train_answer() -> dict:
    """Three epochs on a small circle, as /train answers them: the description's example."""
    request = TrainRequest.model_validate({
        "network": {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"],
                    "init": {"scheme": "xavier", "seed": 1}},
        "loss": "bce", "dataset": {"name": "circle", "n": 20, "seed": 1}, "epochs": 3,
        "optimizer": {"name": "adam", "learning_rate": 0.03}})
    return example(run_training(request))


@router.post("/train", operation_id="train",
             response_model=TrainResponse, summary="Train for some epochs",
             responses=BUSY)
async def train_(request: Annotated[TrainRequest, Body(openapi_examples=TRAIN_EXAMPLE)],
                 http: Request) -> Response:
    """Train for a number of epochs and return the network, its optimizer state and history."""
    # Trained and encoded in the bounded pool; a client that leaves stops it at the next epoch.
    return await POOL.run(lambda stopped: JSONBytes(run_training(request, stopped)),
                          request=http)


@router.post("/datasets", operation_id="datasets",
             response_model=DatasetResponse, summary="A data set's points")
def dataset(spec: Annotated[DatasetSpec, Body(openapi_examples=DATASET_EXAMPLE)]) -> JSONBytes:
    """Generate (or split given) points: the same ones /train uses for the same spec."""
    x_train, y_train, x_test, y_test = spec.build()
    return JSONBytes({"task": spec.task, "inputs": spec.inputs,
                      "train": {"x": x_train, "y": y_train}, "test": {"x": x_test, "y": y_test}})
