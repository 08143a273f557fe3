"""The JSON contract: request models carry every limit, response models document the answers.

All limits live here, in one place, and the README's "Limits" table repeats them. Rules that
relate one field to another (shapes, which loss needs which output) are checked in
`model_validator`s that name the offending field in the error's `ctx.field`, relative to the
model that raised it; the error handler joins it onto the model's location.
"""

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from app.nn.activations import ACTIVATIONS, OUTPUT_ONLY
from app.nn.datasets import CLASSIFICATION, FEATURES, ONE_DIMENSIONAL, REGRESSION, generate, split
from app.nn.losses import LOSSES, REQUIRED_OUTPUT
from app.nn.network import INIT_SCHEMES, Network, init_network
from app.nn.optimizers import NAMES as OPTIMIZERS
from app.nn.train import REGULARIZATION

MAX_WEIGHT_LAYERS = 10
MAX_NEURONS = 64
MAX_EXAMPLES = 4096
MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_LEARNING_RATE = 100.0
MAX_GRADIENT_CHECK_PARAMETERS = 1000
# examples x neurons past the input layer: bounds the work and the answer (about 100 bytes a
# value across z, a and the three backward arrays, so at most about 13 MB of JSON).
MAX_TRACE_VALUES = 131_072
MAX_SLICE_POINTS = 201

ActivationName = Literal[tuple(ACTIVATIONS)]  # type: ignore[valid-type]
LossName = Literal[tuple(LOSSES)]  # type: ignore[valid-type]
InitScheme = Literal[INIT_SCHEMES]  # type: ignore[valid-type]
Finite = float  # finiteness is enforced by `allow_inf_nan=False` on every model
Vector = list[Finite]
Matrix = list[Vector]
Nullable = float | None  # a response value that is null where it is not finite


def rule_broken(field: str, rule: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(rule, message, {"field": field})


class Strict(BaseModel):
    """Unknown fields, NaN and Infinity are client errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class InitSpec(Strict):
    scheme: InitScheme = Field("xavier", description=(
        "xavier: U(±√(6/(n_in+n_out))), biases 0; he: N(0, 2/n_in), biases 0; "
        "uniform: U(±1/√n_in) for weights and biases (torch.nn.Linear's default); zeros."))
    seed: int = Field(0, ge=0, le=2**32 - 1, description="The same seed gives the same numbers.")


class NetworkSpec(Strict):
    """A fully connected network: explicit weights and biases, or an init scheme and seed."""

    layers: list[Annotated[int, Field(ge=1, le=MAX_NEURONS)]] = Field(
        min_length=2, max_length=MAX_WEIGHT_LAYERS + 1,
        description=f"Neurons per layer, inputs first; 1 to {MAX_WEIGHT_LAYERS} weight layers "
                    f"of 1 to {MAX_NEURONS} neurons.")
    activations: list[ActivationName] = Field(
        description="One per weight layer; softmax only on the output layer.")
    weights: list[Matrix] | None = Field(None, description=(
        "W[l] has shape (n_out, n_in), as torch.nn.Linear: z = a_prev·Wᵀ + b."))
    biases: list[Vector] | None = Field(None, description="b[l] has n_out values; default 0.")
    init: InitSpec | None = Field(None, description="Instead of weights: a scheme and a seed.")

    @model_validator(mode="after")
    def check_shapes(self) -> "NetworkSpec":
        n_weight_layers = len(self.layers) - 1
        if len(self.activations) != n_weight_layers:
            raise rule_broken("activations", "count",
                              f"needs one activation per weight layer: {n_weight_layers}, "
                              f"got {len(self.activations)}")
        for l, name in enumerate(self.activations[:-1]):
            if name in OUTPUT_ONLY:
                raise rule_broken(f"activations.{l}", "output_only",
                                  f"{name} is allowed on the output layer only")
        if (self.weights is None) == (self.init is None):
            raise rule_broken("weights", "weights_or_init",
                              "give exactly one of weights (with biases) or init")
        if self.weights is None:
            if self.biases is not None:
                raise rule_broken("biases", "weights_or_init", "biases go with weights, not init")
            return self
        check_count("weights", self.weights, n_weight_layers)
        for l, W in enumerate(self.weights):
            check_matrix(f"weights.{l}", W, self.layers[l + 1], self.layers[l])
        if self.biases is None:
            self.biases = [[0.0] * n for n in self.layers[1:]]
        check_count("biases", self.biases, n_weight_layers)
        for l, b in enumerate(self.biases):
            check_count(f"biases.{l}", b, self.layers[l + 1])
        return self

    def build(self) -> Network:
        """The network this spec describes, weights drawn from the seed where asked."""
        if self.init is not None:
            return init_network(self.layers, self.activations, self.init.scheme, self.init.seed)
        return Network([np.asarray(w, dtype=float) for w in self.weights],
                       [np.asarray(b, dtype=float) for b in self.biases], list(self.activations))

    @property
    def n_parameters(self) -> int:
        return sum((n_in + 1) * n_out for n_in, n_out in zip(self.layers[:-1], self.layers[1:]))


def check_count(field: str, values: list, expected: int) -> None:
    if len(values) != expected:
        raise rule_broken(field, "shape", f"needs {expected} entries, got {len(values)}")


def check_matrix(field: str, rows: list[list[float]], n_rows: int, n_cols: int) -> None:
    check_count(field, rows, n_rows)
    for i, row in enumerate(rows):
        check_count(f"{field}.{i}", row, n_cols)


def check_output_for_loss(network: NetworkSpec, loss: str) -> None:
    output, needed = network.activations[-1], REQUIRED_OUTPUT.get(loss)
    if needed and output != needed:
        raise rule_broken(f"network.activations.{len(network.layers) - 2}", "loss_needs_output",
                          f"loss {loss} needs a {needed} output layer, not {output}")


class Problem(Strict):
    """A network, a loss and a batch of examples: what every computation starts from."""

    network: NetworkSpec
    loss: LossName = Field(description=(
        "mse: mean over all elements of (a − t)²; bce: mean over all elements of "
        "−(t·log a + (1−t)·log(1−a)), sigmoid output; cross_entropy: mean over examples of "
        "−Σ t·log softmax(z), softmax output, rows of t summing to 1 (PyTorch's definitions)."))
    inputs: Matrix = Field(min_length=1, max_length=MAX_EXAMPLES, description=(
        f"One row per example, 1 to {MAX_EXAMPLES} examples, and examples × neurons past the "
        f"input layer up to {MAX_TRACE_VALUES}."))
    targets: Matrix = Field(min_length=1, max_length=MAX_EXAMPLES,
                            description="One row per example, as many values as outputs.")

    @model_validator(mode="after")
    def check_examples(self) -> "Problem":
        layers = self.network.layers
        check_matrix("inputs", self.inputs, len(self.inputs), layers[0])
        check_matrix("targets", self.targets, len(self.inputs), layers[-1])
        values = len(self.inputs) * sum(layers[1:])
        if values > MAX_TRACE_VALUES:
            raise rule_broken("inputs", "too_many_values",
                              f"examples × neurons past the input layer is {values}; the limit "
                              f"is {MAX_TRACE_VALUES}: use fewer examples or a smaller network")
        check_output_for_loss(self.network, self.loss)
        for i, row in enumerate(self.targets):
            if self.loss in ("bce", "cross_entropy") and any(v < 0 or v > 1 for v in row):
                raise rule_broken(f"targets.{i}", "probability",
                                  f"{self.loss} targets must lie in [0, 1]")
            if self.loss == "cross_entropy" and abs(sum(row) - 1.0) > 1e-6:
                raise rule_broken(f"targets.{i}", "distribution",
                                  "cross_entropy targets must sum to 1 in every row")
        return self


class TraceRequest(Problem):
    learning_rate: float = Field(0.5, ge=0, le=MAX_LEARNING_RATE)
    update_biases: bool = Field(True, description="False reproduces tutorials that freeze biases.")
    per_example: bool = Field(False, description=(
        f"Add each example's own dL_dW and dL_db; examples × weights up to {MAX_TRACE_VALUES}."))
    gradient_check: bool = Field(False, description=(
        f"Add central-finite-difference gradients; networks of up to "
        f"{MAX_GRADIENT_CHECK_PARAMETERS} parameters."))

    @model_validator(mode="after")
    def check_optional_sizes(self) -> "TraceRequest":
        weights = self.network.n_parameters - sum(self.network.layers[1:])
        if self.per_example and len(self.inputs) * weights > MAX_TRACE_VALUES:
            raise rule_broken("per_example", "too_many_values",
                              f"examples × weights is {len(self.inputs) * weights}; per-example "
                              f"gradients are limited to {MAX_TRACE_VALUES} values")
        if self.gradient_check and self.network.n_parameters > MAX_GRADIENT_CHECK_PARAMETERS:
            raise rule_broken("gradient_check", "too_many_parameters",
                              f"the gradient check needs {2 * self.network.n_parameters} extra "
                              f"forward passes; allowed up to {MAX_GRADIENT_CHECK_PARAMETERS} "
                              f"parameters, this network has {self.network.n_parameters}")
        return self


class ParameterRef(Strict):
    kind: Literal["weight", "bias"]
    layer: int = Field(ge=0, description="Weight layer, 0 = the one fed by the inputs.")
    row: int = Field(ge=0, description="The neuron the parameter feeds (index into n_out).")
    col: int | None = Field(None, ge=0, description="For a weight: the input neuron (n_in).")


class LossSliceRequest(Problem):
    parameter: ParameterRef
    points: int = Field(41, ge=3, le=MAX_SLICE_POINTS)
    range: tuple[float, float] | None = Field(None, description=(
        "Lowest and highest value; default: the current value ± max(1, |value|, 2·|step|)."))
    learning_rate: float = Field(0.5, ge=0, le=MAX_LEARNING_RATE,
                                 description="Only for where the update would move the value.")

    @model_validator(mode="after")
    def check_parameter(self) -> "LossSliceRequest":
        p, layers = self.parameter, self.network.layers
        if p.layer >= len(layers) - 1:
            raise rule_broken("parameter.layer", "index", f"needs < {len(layers) - 1}")
        if p.row >= layers[p.layer + 1]:
            raise rule_broken("parameter.row", "index", f"needs < {layers[p.layer + 1]}")
        if p.kind == "weight" and (p.col is None or p.col >= layers[p.layer]):
            raise rule_broken("parameter.col", "index",
                              f"a weight needs col < {layers[p.layer]}")
        if p.kind == "bias" and p.col is not None:
            raise rule_broken("parameter.col", "index", "a bias has no col")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise rule_broken("range", "order", "needs lowest < highest")
        return self


# The training lab

MAX_POINTS = 2000
MAX_EPOCHS = 1000
MAX_BOUNDARY_RESOLUTION = 100
# Two bounds keep one /train call to about a second: mini-batch steps (each costs tens of
# microseconds however small the network) and epochs x training points x parameters.
MAX_BATCH_STEPS = 40_000
MAX_TRAIN_WORK = 200_000_000

DatasetName = Literal[tuple(sorted(set(CLASSIFICATION) | set(REGRESSION)))]  # type: ignore
FeatureName = Literal[tuple(FEATURES)]  # type: ignore[valid-type]
OptimizerName = Literal[OPTIMIZERS]  # type: ignore[valid-type]


class DatasetSpec(Strict):
    """A generated data set (name, points, noise, seed) or explicit points; then a split."""

    name: DatasetName | None = Field(None, description=(
        f"classification: {', '.join(CLASSIFICATION)}; regression: {', '.join(REGRESSION)} "
        "(sine has one input). Or give points instead."))
    task: Literal["classification", "regression"] | None = Field(None, description=(
        "Default: regression for plane and sine, and for points whose labels are not all 0 or "
        "1; classification otherwise. gauss is both: set task to choose."))
    n: int = Field(200, ge=2, le=MAX_POINTS, description="How many points to generate.")
    noise: float = Field(0.0, ge=0, le=1, description="0 clean, 1 the most.")
    seed: int = Field(0, ge=0, le=2**32 - 1)
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


class OptimizerState(Strict):
    steps: int = Field(0, ge=0)
    velocity: list[float] | None = Field(None, description="momentum: one value per parameter.")
    m: list[float] | None = Field(None, description="adam: first moments.")
    v: list[float] | None = Field(None, description="adam: second moments (not negative).")


class OptimizerSpec(Strict):
    name: OptimizerName = "sgd"
    learning_rate: float = Field(0.03, gt=0, le=MAX_LEARNING_RATE)
    momentum: float = Field(0.9, ge=0, lt=1)
    beta1: float = Field(0.9, ge=0, lt=1)
    beta2: float = Field(0.999, ge=0, lt=1)
    eps: float = Field(1e-8, gt=0, le=1)
    state: OptimizerState | None = Field(None, description=(
        "From a previous answer, to continue exactly. Flat, in the order: every weight "
        "(layer by layer, row by row), then every bias."))


class RegularizationSpec(Strict):
    kind: Literal[REGULARIZATION] = "none"  # type: ignore[valid-type]
    rate: float = Field(0.0, ge=0, le=10, description=(
        "Adds rate·w (l2) or rate·sign(w) (l1) to each weight's gradient; biases are not "
        "penalised. Reported losses are the data loss alone."))


class BoundarySpec(Strict):
    resolution: int = Field(50, ge=2, le=MAX_BOUNDARY_RESOLUTION,
                            description="Grid points per side over [-6, 6], for the outputs.")
    neuron_resolution: int = Field(0, ge=0, le=MAX_BOUNDARY_RESOLUTION, description=(
        "Also every hidden neuron's output, on a grid this fine (0: not at all): thumbnails."))


class TrainRequest(Strict):
    network: NetworkSpec
    loss: LossName
    dataset: DatasetSpec
    features: list[FeatureName] = Field(["x1", "x2"], min_length=1, max_length=len(FEATURES))
    optimizer: OptimizerSpec = OptimizerSpec()
    regularization: RegularizationSpec = RegularizationSpec()
    batch_size: int = Field(10, ge=1, le=MAX_POINTS, description=(
        "1 for one example at a time; the training set's size (or more) for full batch."))
    epochs: int = Field(1, ge=0, le=MAX_EPOCHS, description=(
        "0 trains nothing: the network, its health and boundary as they are."))
    start_epoch: int = Field(0, ge=0, description=(
        "Epochs already trained: numbers the history, and fixes each epoch's shuffle, so two "
        "calls continue exactly as one."))
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seeds the shuffle of every epoch.")
    boundary: BoundarySpec | None = None

    @model_validator(mode="after")
    def check_fit(self) -> "TrainRequest":
        layers, ds = self.network.layers, self.dataset
        if len(set(self.features)) != len(self.features):
            raise rule_broken("features", "unique", "each feature once")
        for i, name in enumerate(self.features):
            if FEATURES[name][1] > ds.inputs:
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
        if steps > MAX_BATCH_STEPS or work > MAX_TRAIN_WORK:
            raise rule_broken("epochs", "too_much_work",
                              f"{steps} mini-batch steps and {work} example-parameter updates; "
                              f"the limits are {MAX_BATCH_STEPS} and {MAX_TRAIN_WORK}: ask for "
                              "fewer epochs per call, or larger batches")
        state = self.optimizer.state
        if state is not None:
            for key in ("velocity", "m", "v"):
                values = getattr(state, key)
                if values is not None and len(values) != self.network.n_parameters:
                    raise rule_broken(f"optimizer.state.{key}", "shape",
                                      f"needs {self.network.n_parameters} values, one a parameter")
            if state.v is not None and min(state.v, default=0) < 0:
                raise rule_broken("optimizer.state.v", "negative",
                                  "second moments are never negative")
        return self


# Responses: documentation of what the endpoints return (values are null where not finite).

class NetworkOut(BaseModel):
    layers: list[int]
    activations: list[str]
    weights: list[list[list[Nullable]]]
    biases: list[list[Nullable]]


class LayerForwardOut(BaseModel):
    z: list[list[Nullable]] = Field(description="Weighted sums, one row per example.")
    a: list[list[Nullable]] = Field(description="Activations a = f(z).")


class LayerBackwardOut(BaseModel):
    dL_da: list[list[Nullable]]
    da_dz: list[list[Nullable]] | None = Field(description="Null for softmax.")
    dL_dz: list[list[Nullable]] = Field(description="The delta: dL/da · da/dz.")
    dL_dW: list[list[Nullable]] = Field(description="Batch mean: dL_dzᵀ · a_prev.")
    dL_db: list[Nullable]


class PerExampleOut(BaseModel):
    dL_dW: list[list[list[Nullable]]] = Field(description="One matrix per example.")
    dL_db: list[list[Nullable]]


class GradientCheckOut(BaseModel):
    dL_dW: list[list[list[Nullable]]]
    dL_db: list[list[Nullable]]
    max_relative_error: Nullable = Field(description="Worst |a − n| / max(|a|, |n|).")


class TraceResponse(BaseModel):
    loss: Nullable = Field(description="The batch loss before the update.")
    loss_after: Nullable = Field(description="The same batch's loss after the update.")
    diverged: bool = Field(description="True when any loss or parameter is not finite.")
    forward: list[LayerForwardOut]
    backward: list[LayerBackwardOut]
    network: NetworkOut = Field(description="After the update; post it back for the next step.")
    per_example: list[PerExampleOut] | None
    gradient_check: GradientCheckOut | None


class SlicePoint(BaseModel):
    value: float
    loss: Nullable


class LossSliceResponse(BaseModel):
    parameter: ParameterRef
    values: list[float]
    losses: list[Nullable]
    current: SlicePoint
    slope: Nullable = Field(description="dL/dparameter, the tangent's slope at the current value.")
    updated: SlicePoint = Field(description="Where w − learning_rate·slope lands.")


class PresetSummary(BaseModel):
    name: str
    title: str
    description: str


class Preset(PresetSummary):
    request: TraceRequest


class Health(BaseModel):
    status: Literal["ok"]


class ErrorItem(BaseModel):
    field: str = Field(description="Dotted path of the field at fault, e.g. network.weights.0.")
    type: str = Field(description="The rule broken, e.g. shape, finite_number, too_long.")
    msg: str
    loc: list[Any]


class ErrorBody(BaseModel):
    detail: list[ErrorItem] | str


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
    outputs: list[list[float]] = Field(description=(
        "Per output neuron, its value at each grid point, row by row (x2 rows, x1 columns)."))
    neuron_resolution: int
    hidden: list[list[list[float]]] | None = Field(description=(
        "Per hidden layer, per neuron, on the neuron_resolution grid."))


class TrainResponse(BaseModel):
    network: NetworkOut
    optimizer: OptimizerSpec
    task: Literal["classification", "regression"]
    epoch: int = Field(description="Epochs trained in all: the next call's start_epoch.")
    history: list[EpochOut]
    diverged: bool
    diverged_at_epoch: int | None
    neurons: list[NeuronHealth]
    boundary: BoundaryOut | None


class DatasetPart(BaseModel):
    x: list[list[float]]
    y: list[float]


class DatasetResponse(BaseModel):
    task: Literal["classification", "regression"]
    inputs: int
    train: DatasetPart
    test: DatasetPart
