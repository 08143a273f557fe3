"""The engine's requests and answers: one traced training step, a loss slice, the presets."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.schemas.common import (
    Finite,
    LearningRate,
    NetworkSpec,
    Nullable,
    OptimizerSpec,
    Problem,
    RegularizationSpec,
    Strict,
    rule_broken,
)
from app.schemas.limits import (
    MAX_GRADIENT_CHECK_PARAMETERS,
    MAX_GRADIENT_CHECK_WORK,
    MAX_SLICE_POINTS,
    MAX_TRACE_VALUES,
)


class StepRule(Problem):
    """A problem and the rule its training step updates by: what /trace steps with, and what
    /loss-slice marks the update of."""

    learning_rate: LearningRate = Field(0.5, description=(
        "Plain gradient descent's step size; with `optimizer`, give it there instead."))
    update_biases: bool = Field(True, description="False reproduces tutorials that freeze biases.")
    optimizer: OptimizerSpec | None = Field(None, description=(
        "Update with this optimizer's own step (PyTorch's rules), as /train does; the answer's "
        "`optimizer` carries its new state, to post back beside `network` for the next step. "
        "Without it, plain gradient descent at `learning_rate`."))
    regularization: RegularizationSpec | None = Field(None, description=(
        "Added to each weight's gradient before the step, as /train does."))

    @model_validator(mode="after")
    def check_optimizer(self) -> "StepRule":
        if self.optimizer is not None:
            if "learning_rate" in self.model_fields_set:
                raise rule_broken("learning_rate", "with_optimizer",
                                  "with an optimizer, its own learning_rate is the one used: "
                                  "leave this one out")
            self.optimizer.check_state(self.network.n_parameters)
        return self


class TraceRequest(StepRule):
    per_example: bool = Field(False, description=(
        f"Add each example's own dL_dW and dL_db; examples × weights up to {MAX_TRACE_VALUES}."))
    gradient_check: bool = Field(False, description=(
        f"Add central-finite-difference gradients; networks of up to "
        f"{MAX_GRADIENT_CHECK_PARAMETERS} parameters, and examples × parameters² up to "
        f"{MAX_GRADIENT_CHECK_WORK:.0e}."))

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
        n_params = self.network.n_parameters
        if self.gradient_check and len(self.inputs) * n_params**2 > MAX_GRADIENT_CHECK_WORK:
            raise rule_broken("gradient_check", "too_much_work",
                              f"the gradient check needs {2 * n_params} forward passes of "
                              f"{len(self.inputs)} examples; examples × parameters² may be up "
                              f"to {MAX_GRADIENT_CHECK_WORK:.0e}, this is "
                              f"{len(self.inputs) * n_params**2:.2e}")
        return self


class ParameterRef(Strict):
    kind: Literal["weight", "bias"]
    layer: int = Field(ge=0, description="Weight layer, 0 = the one fed by the inputs.")
    row: int = Field(ge=0, description="The neuron the parameter feeds (index into n_out).")
    col: int | None = Field(None, ge=0, description="For a weight: the input neuron (n_in).")


def check_parameter(p: ParameterRef, layers: list[int], at: str = "parameter.") -> None:
    """That the network has the weight or bias `p` names; `at` prefixes the field named."""
    if p.layer >= len(layers) - 1:
        raise rule_broken(f"{at}layer", "index", f"needs < {len(layers) - 1}")
    if p.row >= layers[p.layer + 1]:
        raise rule_broken(f"{at}row", "index", f"needs < {layers[p.layer + 1]}")
    if p.kind == "weight" and (p.col is None or p.col >= layers[p.layer]):
        raise rule_broken(f"{at}col", "index", f"a weight needs col < {layers[p.layer]}")
    if p.kind == "bias" and p.col is not None:
        raise rule_broken(f"{at}col", "index", "a bias has no col")


class LossSliceRequest(StepRule):
    """The loss along one parameter. The step rule (learning rate, or optimizer with its state,
    penalty, frozen biases) says where the training step's update moves it, as /trace does."""

    parameter: ParameterRef
    points: int = Field(41, ge=3, le=MAX_SLICE_POINTS)
    range: list[Finite] | None = Field(None, min_length=2, max_length=2, description=(
        "Lowest and highest value; default: the current value ± max(2, |value|, 2.5·|step|), "
        "where step is how far the update moves it: the curve bends, and the update lands "
        "inside."))

    @model_validator(mode="after")
    def check_parameter_and_range(self) -> "LossSliceRequest":
        check_parameter(self.parameter, self.network.layers)
        if self.range is not None and not self.range[0] < self.range[1]:
            raise rule_broken("range", "order", "needs lowest < highest")
        return self


# Responses (values are null where not finite).

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
    diverged: bool = Field(description=(
        "True when a loss or a parameter is not finite, or a parameter is past ±1e9 (the bound "
        "every request holds to): such a network cannot be posted back for a next step."))
    forward: list[LayerForwardOut]
    backward: list[LayerBackwardOut]
    network: NetworkSpec | None = Field(description=(
        "After the update, as a request takes it: post it back for the next step. Null when "
        "the step diverged."))
    optimizer: OptimizerSpec | None = Field(description=(
        "After its step, with its new state, when the request gave one; post it back too. "
        "Null when the step diverged."))
    per_example: list[PerExampleOut] | None
    gradient_check: GradientCheckOut | None


class SlicePoint(BaseModel):
    value: Nullable = Field(description="Null only where the update overflows.")
    loss: Nullable


class LossSliceResponse(BaseModel):
    parameter: ParameterRef
    values: list[float]
    losses: list[Nullable]
    current: SlicePoint
    slope: Nullable = Field(description="dL/dparameter, the tangent's slope at the current value.")
    updated: SlicePoint = Field(description=(
        "Where the training step's update lands: w − learning_rate·slope for plain descent, "
        "else the optimizer's own step (with its state) on the penalised gradient, as /trace."))


class PresetSummary(BaseModel):
    name: str
    title: str
    description: str


class Preset(PresetSummary):
    request: TraceRequest
