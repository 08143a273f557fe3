"""The training lab's requests and answers: data sets, optimizers, training runs."""


import numpy as np
from pydantic import BaseModel, Field, model_validator

from app.nn.datasets import CLASSIFICATION, FEATURES, ONE_DIMENSIONAL, REGRESSION, generate, split
from app.schemas.common import (
    LossName,
    NetworkSpec,
    Nullable,
    OptimizerSpec,
    RegularizationSpec,
    Strict,
    Task,
    Vector,
    check_count,
    check_output_for_loss,
    named,
    rule_broken,
)
from app.schemas.limits import (
    MAX_BATCH_STEPS,
    MAX_BOUNDARY_RESOLUTION,
    MAX_BOUNDARY_VALUES,
    MAX_EPOCH_NUMBER,
    MAX_EPOCHS,
    MAX_LAYER_STEPS,
    MAX_POINTS,
    MAX_SEED,
    MAX_TRAIN_WORK,
)

DatasetName = named("Dataset", sorted(set(CLASSIFICATION) | set(REGRESSION)))
FeatureName = named("Feature", FEATURES)


class DatasetSpec(Strict):
    """A generated data set (name, points, noise, seed) or explicit points; then a split."""

    name: DatasetName | None = Field(None, description=(
        f"classification: {', '.join(CLASSIFICATION)}; regression: {', '.join(REGRESSION)} "
        "(sine has one input). Or give points instead."))
    task: Task | None = Field(None, description=(
        "Default: regression for plane and sine, and for points whose labels are not all 0 or "
        "1; classification otherwise. gauss is both: set task to choose."))
    n: int = Field(200, ge=2, le=MAX_POINTS, description="How many points to generate.")
    noise: float = Field(0.0, ge=0, le=1, description="0 clean, 1 the most.")
    seed: int = Field(0, ge=0, le=MAX_SEED)
    test_fraction: float = Field(0.5, ge=0, le=0.9, description="The share held out for testing.")
    points: list[Vector] | None = Field(None, min_length=2, max_length=MAX_POINTS, description=(
        "Explicit rows [x1, x2, label] (or [x1, label] for one input)."))
    test_points: list[Vector] | None = Field(None, max_length=MAX_POINTS, description=(
        "With points: the test set, rows as in points; then points are all for training and "
        "test_fraction is not used."))

    @model_validator(mode="after")
    def check_source(self) -> "DatasetSpec":
        if (self.name is None) == (self.points is None):
            raise rule_broken("name", "name_or_points", "give exactly one of name or points")
        if self.test_points is not None and self.points is None:
            raise rule_broken("test_points", "needs_points", "test_points go with points")
        if self.points is not None:
            width = len(self.points[0])
            if width not in (2, 3):
                raise rule_broken("points.0", "shape", "rows are [x1, x2, label] or [x1, label]")
            for i, row in enumerate(self.points):
                check_count(f"points.{i}", row, width)
            for i, row in enumerate(self.test_points or []):
                check_count(f"test_points.{i}", row, width)
            if len(self.points) + len(self.test_points or []) > MAX_POINTS:
                raise rule_broken("test_points", "too_long", f"at most {MAX_POINTS} points in all")
            binary = all(row[-1] in (0.0, 1.0) for row in self.points + (self.test_points or []))
            if self.task == "classification" and not binary:
                raise rule_broken("points", "labels", "classification labels must be 0 or 1")
            self.task = self.task or ("classification" if binary else "regression")
            return self
        allowed = CLASSIFICATION if self.task == "classification" else (
            REGRESSION if self.task == "regression" else ())
        if self.task is None:
            self.task = "regression" if self.name in ("plane", "sine") else "classification"
        elif self.name not in allowed:
            raise rule_broken("name", "task", f"{self.name} is not a {self.task} data set")
        return self

    @property
    def inputs(self) -> int:
        if self.points is not None:
            return len(self.points[0]) - 1
        return 1 if self.name in ONE_DIMENSIONAL else 2

    def build(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Train inputs, train labels, test inputs, test labels."""
        if self.points is not None:
            rows = np.asarray(self.points, dtype=float)
            x, y = rows[:, :-1], rows[:, -1]
            if self.test_points is not None:
                test = np.asarray(self.test_points, dtype=float).reshape(-1, rows.shape[1])
                return x, y, test[:, :-1], test[:, -1]
        else:
            x, y = generate(self.task, self.name, self.n, self.noise, self.seed)
        return split(x, y, self.test_fraction, self.seed)

    @property
    def n_train(self) -> int:
        if self.test_points is not None:
            return len(self.points)
        size = len(self.points) if self.points is not None else self.n
        return size - int(size * self.test_fraction)


class BoundarySpec(Strict):
    resolution: int = Field(50, ge=2, le=MAX_BOUNDARY_RESOLUTION,
                            description="Grid points per side over [-6, 6], for the outputs.")
    neuron_resolution: int = Field(0, ge=0, le=MAX_BOUNDARY_RESOLUTION, description=(
        "Also every hidden neuron's output, on a grid this fine (0: not at all): thumbnails."))


class TrainRequest(Strict):
    network: NetworkSpec
    loss: LossName
    dataset: DatasetSpec
    features: list[FeatureName] | None = Field(None, min_length=1, max_length=len(FEATURES),
                                               description=(
        "The inputs the network sees; default x1 and x2, or x1 alone for one-input data."))
    optimizer: OptimizerSpec = OptimizerSpec()
    regularization: RegularizationSpec = RegularizationSpec()
    batch_size: int = Field(10, ge=1, le=MAX_POINTS, description=(
        "1 for one example at a time; the training set's size (or more) for full batch."))
    epochs: int = Field(1, ge=0, le=MAX_EPOCHS, description=(
        "0 trains nothing: the network, its health and boundary as they are."))
    start_epoch: int = Field(0, ge=0, le=MAX_EPOCH_NUMBER, description=(
        "Epochs already trained: numbers the history, and fixes each epoch's shuffle, so two "
        "calls continue exactly as one."))
    seed: int = Field(0, ge=0, le=MAX_SEED, description="Seeds the shuffle of every epoch.")
    boundary: BoundarySpec | None = None
    history_every: int | None = Field(None, ge=1, le=MAX_EPOCH_NUMBER, description=(
        "For a client that plays (the lab): the history keeps only the epochs whose number is "
        "a multiple of this, and the call's last, and the answer adds train_seconds, the time "
        "the training took, to size the next call by. Absent: every epoch, no train_seconds."))

    @model_validator(mode="after")
    def check_fit(self) -> "TrainRequest":
        layers, ds = self.network.layers, self.dataset
        if self.features is None:
            self.features = ["x1"] if ds.inputs == 1 else ["x1", "x2"]
        if len(set(self.features)) != len(self.features):
            raise rule_broken("features", "unique", "each feature once")
        for i, name in enumerate(self.features):
            if FEATURES[name].inputs > ds.inputs:
                raise rule_broken(f"features.{i}", "needs_x2",
                                  f"{name} needs x2; this data set has one input")
        if layers[0] != len(self.features):
            raise rule_broken("network.layers.0", "features",
                              f"the input layer needs one neuron per feature: {len(self.features)}")
        check_output_for_loss(self.network, self.loss)
        if ds.task == "regression" and layers[-1] != 1:
            raise rule_broken("network.layers", "outputs", "regression needs one output")
        if ds.task == "regression" and self.loss != "mse":
            raise rule_broken("loss", "task", "regression targets in [-1, 1] need mse")
        if ds.task == "classification" and layers[-1] > 2:
            raise rule_broken("network.layers", "outputs",
                              "two classes: one output (a probability) or two (one-hot)")
        if self.loss == "cross_entropy" and layers[-1] != 2:
            raise rule_broken("network.layers", "outputs", "cross_entropy needs two outputs")
        n_train = ds.n_train
        steps = self.epochs * -(-n_train // self.batch_size)
        work = self.epochs * n_train * self.network.n_parameters
        layer_steps = steps * (len(layers) - 1)
        if steps > MAX_BATCH_STEPS or work > MAX_TRAIN_WORK or layer_steps > MAX_LAYER_STEPS:
            raise rule_broken("epochs", "too_much_work",
                              f"{steps} mini-batch steps through {len(layers) - 1} weight layers "
                              f"and {work} example-parameter updates; the limits are "
                              f"{MAX_BATCH_STEPS} steps, {MAX_LAYER_STEPS} steps × layers and "
                              f"{MAX_TRAIN_WORK} updates: ask for fewer epochs per call, or "
                              "larger batches")
        if self.boundary is not None:
            hidden = sum(layers[1:-1])
            values = (self.boundary.resolution ** 2 * layers[-1]
                      + self.boundary.neuron_resolution ** 2 * hidden)
            if values > MAX_BOUNDARY_VALUES:
                raise rule_broken("boundary", "too_many_values",
                                  f"grid points × neurons is {values}; the limit is "
                                  f"{MAX_BOUNDARY_VALUES}: a coarser grid, or fewer neurons")
        self.optimizer.check_state(self.network.n_parameters)
        return self


# Responses (values are null where not finite).

class EpochOut(BaseModel):
    epoch: int
    train_loss: Nullable
    test_loss: Nullable = Field(description="Null without a test set.")
    train_accuracy: Nullable = Field(description="Classification only.")
    test_accuracy: Nullable
    grad_norms: list[Nullable] = Field(description=(
        "Per weight layer: the norm of dL/dW over the whole training set at the epoch's end."))


class NeuronHealth(BaseModel):
    dead: list[bool] = Field(description="ReLU neurons that no training example activates.")
    saturated: list[float] = Field(description=(
        "Share of training examples where the activation's slope is under 5% of its peak."))


class BoundaryOut(BaseModel):
    resolution: int
    x1: list[float] = Field(description="Grid coordinates along x1 (and x2), from -6 to 6.")
    x2: list[float] | None
    outputs: list[list[Nullable]] = Field(description=(
        "Per output neuron, its value at each grid point, row by row (x2 rows, x1 columns)."))
    neuron_resolution: int
    hidden: list[list[list[Nullable]]] | None = Field(description=(
        "Per hidden layer, per neuron, on the neuron_resolution grid."))


class TrainResponse(BaseModel):
    network: NetworkSpec = Field(description=(
        "The last finite network, as a request takes it: post it back to continue."))
    optimizer: OptimizerSpec
    task: Task
    epoch: int = Field(description="Epochs trained in all: the next call's start_epoch.")
    history: list[EpochOut]
    diverged: bool
    diverged_at_epoch: int | None
    neurons: list[NeuronHealth]
    boundary: BoundaryOut | None
    train_seconds: float | None = Field(None, description=(
        "Only when the request gives history_every: the seconds this call spent training, "
        "on the server's clock (longer when it is busy)."))


class DatasetPart(BaseModel):
    x: list[list[float]]
    y: list[float]


class DatasetResponse(BaseModel):
    task: Task
    inputs: int
    train: DatasetPart
    test: DatasetPart
