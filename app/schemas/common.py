"""What every resource shares: strict models, the network and the problem it is given, the
error body, and the rule-breaking helper.

Rules that relate one field to another (shapes, which loss needs which output) are checked in
`model_validator`s that name the offending field in the error's `ctx.field`, relative to the
model that raised it; the error handler joins it onto the model's location.
"""

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic_core import PydanticCustomError

from app.nn.activations import ACTIVATIONS, HIDDEN, OUTPUT_ONLY
from app.nn.losses import LOSSES, REQUIRED_OUTPUT
from app.nn.network import INIT_SCHEMES, Network, init_network
from app.nn.optimizers import HYPERPARAMETERS, OPTIMIZERS, STATE_KEYS, Optimizer
from app.nn.regularizers import NAMES as REGULARIZATION
from app.schemas.limits import (
    MAX_ABS_VALUE,
    MAX_EPOCH_NUMBER,
    MAX_EXAMPLES,
    MAX_LEARNING_RATE,
    MAX_NEURONS,
    MAX_REGULARIZATION_RATE,
    MAX_SEED,
    MAX_TRACE_VALUES,
    MAX_WEIGHT_LAYERS,
)


# Each name list is one named schema in the API description (a generated client gets one type
# for it, whichever model uses it), built from the registry the maths keeps.
def named(name: str, values: Iterable[str]) -> Any:
    """A named enum of strings, taken from JSON strings (the models' strict mode would ask
    for instances of the enum class itself)."""
    return Annotated[StrEnum(name, {value: value for value in values}), Field(strict=False)]


ActivationName = named("Activation", ACTIVATIONS)
HiddenActivationName = named("HiddenActivation", HIDDEN)
LossName = named("Loss", LOSSES)
InitScheme = named("InitScheme", INIT_SCHEMES)
Task = named("Task", ("classification", "regression"))
# Finiteness is enforced by `allow_inf_nan=False` on every model; the size by this bound.
Finite = Annotated[float, Field(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]
Vector = list[Finite]
Matrix = list[Vector]
Nullable = float | None  # a response value that is null where it is not finite



LearningRate = Annotated[float, Field(ge=0, le=MAX_LEARNING_RATE, description=(
    f"The step size η of w ← w − η·dL/dw, 0 to {MAX_LEARNING_RATE:g}."))]


def rule_broken(field: str, rule: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(rule, message, {"field": field})


class Strict(BaseModel):
    """Unknown fields, NaN, Infinity and values of the wrong JSON type (true for a number,
    "1" or 1.5 for a count) are client errors."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True,
                              use_enum_values=True)


class InitSpec(Strict):
    scheme: InitScheme = Field("xavier", description=(
        "xavier: U(±√(6/(n_in+n_out))), biases 0; he: N(0, 2/n_in), biases 0; "
        "uniform: U(±1/√n_in) for weights and biases (torch.nn.Linear's default); zeros."))
    seed: int = Field(0, ge=0, le=MAX_SEED, description="The same seed gives the same numbers.")


class NetworkSpec(Strict):
    """A fully connected network: explicit weights and biases, or an init scheme and seed."""

    # "Weights or init" as the schema states it, not only as check_shapes does: with init, no
    # weights or biases; without, weights. An if/then/else, because it leaves one Network
    # type in every client generator tested (tests/client/), where a oneOf of the two forms
    # splits it in two (datamodel-code-generator) or drops it (openapi-python-client).
    model_config = ConfigDict(json_schema_extra={
        "if": {"required": ["init"], "properties": {"init": {"type": "object"}}},
        "then": {"properties": {"weights": {"type": "null"}, "biases": {"type": "null"}}},
        "else": {"required": ["weights"], "properties": {"weights": {"type": "array"}}}})

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



# Responses shared by every resource (values are null where not finite).

class Health(BaseModel):
    status: Literal["ok"]


class ErrorItem(BaseModel):
    field: str = Field(description="Dotted path of the field at fault, e.g. network.weights.0.")
    type: str = Field(description="The rule broken, e.g. shape, finite_number, too_long.")
    msg: str
    loc: list[str | int] = Field(description=(
        "Where in the request: 'body' or 'path' first, then field names and list indexes."))


class ErrorBody(BaseModel):
    detail: list[ErrorItem]


# Optimizers and regularisation: what /train steps with, and /trace too when asked.

OptimizerName = named("Optimizer", OPTIMIZERS)
RegularizationKind = named("Regularization", REGULARIZATION)


# The optimizers' hyperparameters and state keys, with their bounds, come from their registry
# entries: a new optimizer's settings are fields here without a line written for them.
OptimizerState = create_model(
    "OptimizerState", __base__=Strict, __module__=__name__,
    steps=(int, Field(0, ge=0, le=MAX_EPOCH_NUMBER)),
    **{key: (list[Finite] | None, Field(None, description=entry.description))
       for key, entry in STATE_KEYS.items()})


class OptimizerBase(Strict):
    name: OptimizerName = "sgd"
    learning_rate: Annotated[LearningRate, Field(gt=0)] = 0.03

    def check_state(self, n_parameters: int, at: str = "optimizer.state.") -> None:
        """That the state fits a network of `n_parameters` (a model validator's helper)."""
        if self.state is None:
            return
        for key, entry in STATE_KEYS.items():
            values = getattr(self.state, key)
            if values is not None and len(values) != n_parameters:
                raise rule_broken(f"{at}{key}", "shape",
                                  f"needs {n_parameters} values, one a parameter")
            if entry.nonnegative and values is not None and min(values, default=0) < 0:
                raise rule_broken(f"{at}{key}", "negative", "second moments are never negative")

    def build(self) -> Optimizer:
        """The optimizer this spec describes, with its state when given."""
        optimizer = Optimizer(self.name, self.learning_rate,
                              {key: getattr(self, key) for key in HYPERPARAMETERS})
        if self.state is not None:
            optimizer.steps = self.state.steps
            for key in STATE_KEYS:
                values = getattr(self.state, key)
                if values is not None:
                    optimizer.state[key] = np.asarray(values, dtype=float)
        return optimizer


def hyperparameter_field(key: str) -> tuple[type, Any]:
    h = HYPERPARAMETERS[key]
    return float, Field(h.default, ge=h.ge, gt=h.gt, le=h.le, lt=h.lt,
                        description=h.description or None)


OptimizerSpec = create_model(
    "OptimizerSpec", __base__=OptimizerBase, __module__=__name__,
    **{key: hyperparameter_field(key) for key in HYPERPARAMETERS},
    state=(OptimizerState | None, Field(None, description=(
        "From a previous answer, to continue exactly. Flat, in the order: every weight "
        "(layer by layer, row by row), then every bias."))))


class RegularizationSpec(Strict):
    kind: RegularizationKind = "none"
    rate: float = Field(0.0, ge=0, le=MAX_REGULARIZATION_RATE, description=(
        "Adds rate·w (l2) or rate·sign(w) (l1) to each weight's gradient; biases are not "
        "penalised. Reported losses are the data loss alone."))
