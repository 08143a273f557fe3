"""Live sessions: the state a presenter shares (the step-through's or the lab's own state
object, exactly what its URL carries), what followers are sent to draw it, and the session
records anyone may read.

Each kind of page is a `PageKind` with its state and frame models in `PAGE_SCHEMAS`; the
records, requests and events are built from it, one model per kind (`StepSession`,
`LabSession`...) chosen by `page`, so a generated client gets each page's state typed.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    WithJsonSchema,
    create_model,
    model_validator,
)
from pydantic_core import PydanticCustomError
from typing_extensions import TypeAliasType

from app.schemas.common import (
    Finite,
    HiddenActivationName,
    LossName,
    NetworkSpec,
    OptimizerName,
    OptimizerState,
    RegularizationKind,
    Strict,
    Task,
    Vector,
    rule_broken,
)
from app.schemas.engine import (
    LossSliceResponse,
    ParameterRef,
    TraceRequest,
    TraceResponse,
    check_parameter,
)
from app.schemas.lab import DatasetName, DatasetResponse, DatasetSpec, FeatureName
from app.schemas.limits import (
    FORWARD_STEP_FRACTION,
    FRAME_EXTRA_STEPS,
    LAB_MAX_HIDDEN_LAYERS,
    LAB_MAX_NEURONS,
    MAX_EPOCH_NUMBER,
    MAX_EXAMPLES,
    MAX_FRAME_WORK,
    MAX_GRADIENT_CHECK_PARAMETERS,
    MAX_GRADIENT_CHECK_WORK,
    MAX_ITERATION,
    MAX_LEARNING_RATE,
    MAX_LOSS_POINTS,
    MAX_NEURONS,
    MAX_POINTS,
    MAX_REGULARIZATION_RATE,
    MAX_SEED,
    MAX_STEPS_IN_TRAINING_STEP,
    MAX_WEIGHT_LAYERS,
    STEP_LAYER_WORK,
    STEP_PRODUCT_DIVISOR,
)

MAX_GRAPH_STEP = 100  # a neuron's graph has 13 sub-steps; room to grow without a schema change


STEP_NAME = r"^[A-Za-z]{1,20}$"


class StepRef(Strict):
    """A small step named by what it is, so adding a kind of step moves no saved position: the
    page lists a training step's small steps (static/js/stepthrough/sequence.js) and finds this
    one among them (position.js); one its list does not have opens at the first."""

    kind: str = Field(pattern=STEP_NAME, description="inputs, z, a, lossTerm, dLdw, update, …")
    layer: int | None = Field(None, ge=0, lt=MAX_WEIGHT_LAYERS, description="The weight layer.")
    neuron: int | None = Field(None, ge=0, lt=MAX_NEURONS,
                               description="The neuron it is about (an update's first).")
    from_: int | None = Field(None, alias="from", ge=0, lt=MAX_NEURONS,
                              description="A weight's input neuron, in the layer before.")
    part: int | None = Field(None, ge=1, le=MAX_NEURONS,
                             description="Which part of a neuron's update, 1 the first.")
    stage: str | None = Field(None, pattern=STEP_NAME, description="An update's stage (Adam's).")


class Position(Strict):
    """Version 2 names the small step (`step` a StepRef); a position with no version, as links
    made before it carry, holds the step's index in that version's list (the page upgrades it)."""

    version: Literal[2] | None = Field(None, description="2; none: `step` is an index.")
    iteration: int = Field(0, ge=0, le=MAX_ITERATION, description=(
        "Which training step, 0 the first: each one starts from the weights the last left."))
    step: Annotated[
        Annotated[Annotated[int, Field(ge=0, le=MAX_STEPS_IN_TRAINING_STEP)], Tag("index")]
        | Annotated[StepRef, Tag("named")],
        Discriminator(lambda v: "named" if isinstance(v, dict | StepRef) else "index"),
    ] = Field(0, description="Which small step within it: a StepRef (version 2), or an index.")

    @model_validator(mode="after")
    def check_form(self) -> "Position":
        if self.version == 2 and not isinstance(self.step, StepRef):
            raise rule_broken("step", "step_ref", "version 2 names the step: {kind, layer, …}")
        if self.version is None and isinstance(self.step, StepRef):
            raise rule_broken("version", "missing", "a named step needs version 2")
        return self


class NeuronGraphRef(Strict):
    layer: int = Field(ge=0, description="The weight layer into the neuron, 0 the first.")
    neuron: int = Field(ge=0, description="The neuron within its layer.")
    step: int = Field(0, ge=0, le=MAX_GRAPH_STEP, description="The sub-step of its graph.")


SPEEDS = (0.25, 0.5, 1, 2, 4, 8)


def one_of_speeds(speed: float) -> float:
    if speed not in SPEEDS:
        raise PydanticCustomError("literal_error", "Input should be 0.25, 0.5, 1, 2, 4 or 8")
    return speed


# A number checked against the list rather than a Literal: clients generated from the API
# cannot all write an enum of numbers that are not whole (openapi-python-client drops it).
Speed = Annotated[float, Field(ge=min(SPEEDS), le=max(SPEEDS), description=(
    "Play speed: 0.25, 0.5, 1, 2, 4 or 8 steps a second.")), AfterValidator(one_of_speeds)]


class StepView(Strict):
    example: int = Field(0, ge=0, le=MAX_EXAMPLES - 1, description="The example drawn.")
    selected: ParameterRef | None = Field(None, description="The parameter in the inspector.")
    decimals: Literal[2, 3, 4, 5, 6, 8] = 4
    projector: bool = False
    speed: Speed = 1
    playing: bool = False
    inputNames: list[Annotated[str, Field(max_length=20)]] | None = Field(  # noqa: N815
        None, max_length=MAX_NEURONS, description="The input neurons' names (lab features).")
    graph: NeuronGraphRef | None = Field(None, description="The neuron whose graph is open.")
    matrices: bool = Field(False, description="Whether the matrix form is shown.")


def step_work(setup: TraceRequest) -> int:
    """What one training step of `setup` costs the server, in values touched (the model and
    its measurement: app/schemas/limits.py)."""
    layers, examples = setup.network.layers, len(setup.inputs)
    parameters = setup.network.n_parameters
    return (examples * sum(layers) + examples * parameters // STEP_PRODUCT_DIVISOR + parameters
            + STEP_LAYER_WORK * (len(layers) - 1))


def frame_work(setup: TraceRequest, iteration: int) -> int:
    """A follower's frame of training step `iteration`: the steps before it replayed, then the
    step traced, its loss slice and its answer encoded (the gradient check apart)."""
    return (iteration + FRAME_EXTRA_STEPS) * step_work(setup)


def check_work(setup: TraceRequest) -> int | None:
    """The gradient check a frame adds, as the page asks /trace for it (two forward passes a
    parameter), or None where the page does without."""
    n = setup.network.n_parameters
    if n > MAX_GRADIENT_CHECK_PARAMETERS or len(setup.inputs) * n**2 > MAX_GRADIENT_CHECK_WORK:
        return None
    return int(2 * n * FORWARD_STEP_FRACTION * step_work(setup))


class StepState(Strict):
    """The step-through's state object, as its `?s=` link carries it."""

    preset: str | None = Field(None, max_length=40)
    setup: TraceRequest = Field(description="Validated exactly as POST /api/v1/trace's body.")
    position: Position = Position()
    view: StepView = StepView()

    @model_validator(mode="after")
    def check_view(self) -> "StepState":
        if self.view.example >= len(self.setup.inputs):
            raise rule_broken("view.example", "index", f"needs < {len(self.setup.inputs)}")
        if self.view.selected is not None:
            check_parameter(self.view.selected, self.setup.network.layers, "view.selected.")
        names = self.view.inputNames
        if names is not None and len(names) != self.setup.network.layers[0]:
            raise rule_broken("view.inputNames", "shape", "one name per input neuron")
        graph, layers = self.view.graph, self.setup.network.layers
        if graph is not None and graph.layer >= len(layers) - 1:
            raise rule_broken("view.graph.layer", "index", f"needs < {len(layers) - 1}")
        if graph is not None and graph.neuron >= layers[graph.layer + 1]:
            raise rule_broken("view.graph.neuron", "index", f"needs < {layers[graph.layer + 1]}")
        return self

    @model_validator(mode="after")
    def check_frame_work(self) -> "StepState":
        """Followers are sent the training step the state is at, which the server reaches by
        replaying every step before it: bounded, as any request's work is."""
        iteration = self.position.iteration
        work = frame_work(self.setup, iteration)
        if work > MAX_FRAME_WORK:
            furthest = MAX_FRAME_WORK // step_work(self.setup) - FRAME_EXTRA_STEPS
            raise rule_broken(
                "position.iteration", "too_much_work",
                f"replaying {iteration} training steps of this network on these examples is "
                f"{work:.2e} of work; a session's step may be up to {MAX_FRAME_WORK:.0e}: "
                f"here, iteration {furthest} (training step {furthest + 1}) at the furthest")
        return self


class LabDataset(Strict):
    name: DatasetName
    task: Task
    n: int = Field(ge=2, le=MAX_POINTS)
    noise: float = Field(ge=0, le=1)
    seed: int = Field(ge=0, le=MAX_SEED)
    test_fraction: float = Field(ge=0, le=0.9)


class LabPoints(Strict):
    train: list[Vector] = Field(max_length=MAX_POINTS, description="Rows x1, x2, label.")
    test: list[Vector] = Field(max_length=MAX_POINTS)


class LabSettings(Strict):
    """The lab's settings object, as its `?lab=` link carries it."""

    dataset: LabDataset
    points: LabPoints | None = None
    features: list[FeatureName] = Field(min_length=1, max_length=7)
    hidden: list[Annotated[int, Field(ge=1, le=LAB_MAX_NEURONS)]] = Field(
        max_length=LAB_MAX_HIDDEN_LAYERS)
    activation: HiddenActivationName
    loss: LossName
    optimizer: OptimizerName
    learning_rate: float = Field(gt=0, le=MAX_LEARNING_RATE)
    batch_size: int = Field(ge=1, le=MAX_POINTS)
    regularization: RegularizationKind
    rate: float = Field(ge=0, le=MAX_REGULARIZATION_RATE)
    seed: int = Field(ge=0, le=MAX_SEED)

    def dataset_spec(self) -> DatasetSpec:
        """The data set these settings train on, as the lab page asks /datasets for it."""
        if self.points is not None:
            return DatasetSpec(points=self.points.train, test_points=self.points.test,
                               task=self.dataset.task)
        return DatasetSpec(**self.dataset.model_dump())

    @model_validator(mode="after")
    def check_dataset(self) -> "LabSettings":
        """That the data set can be made (xor is no regression set; points come in rows of
        two or three): followers are sent its points."""
        try:
            self.dataset_spec()
        except ValidationError as error:
            first = error.errors()[0]
            extra = (first.get("ctx") or {}).get("field")
            path = [str(p) for p in first["loc"]] + (str(extra).split(".") if extra else [])
            ours = {"points": ["points", "train"], "test_points": ["points", "test"]}
            field = ours.get(path[0], ["dataset", path[0]]) + path[1:] if path else ["dataset"]
            raise rule_broken(".".join(field), first["type"], first["msg"]) from None
        return self


class LabLosses(Strict):
    """The run's loss so far, thinned to at most MAX_LOSS_POINTS epochs (first and last kept),
    so a student who joins late sees the whole curve, not just what happened since."""

    epochs: list[Annotated[int, Field(ge=0, le=MAX_EPOCH_NUMBER)]] = Field(
        max_length=MAX_LOSS_POINTS)
    train: list[Finite | None] = Field(max_length=MAX_LOSS_POINTS)
    test: list[Finite | None] = Field(max_length=MAX_LOSS_POINTS,
                                      description="null where there is no test set.")

    @model_validator(mode="after")
    def check_lengths(self) -> "LabLosses":
        for name in ("train", "test"):
            if len(getattr(self, name)) != len(self.epochs):
                raise rule_broken(name, "shape", f"needs one value per epoch: {len(self.epochs)}")
        if any(b <= a for a, b in zip(self.epochs, self.epochs[1:])):
            raise rule_broken("epochs", "order", "epochs go up, each once")
        return self


class LabSnapshot(Strict):
    """Where training is: followers draw the boundary from these weights themselves."""

    network: NetworkSpec
    epoch: int = Field(ge=0, le=MAX_EPOCH_NUMBER)
    losses: LabLosses | None = None


class LabState(Strict):
    settings: LabSettings
    snapshot: LabSnapshot | None = None


# What followers are sent to draw a change (app/sessions/frames.py computes it).

class StepFrame(BaseModel):
    """The training step a step-through state is at, traced exactly as /trace traces it."""

    iteration: int = Field(description="Which training step, as the state's position says.")
    network: NetworkSpec = Field(description="The network the step starts from.")
    optimizer: OptimizerState | None = Field(description=(
        "The optimizer's state before the step, when the setup names an optimizer."))
    trace: TraceResponse
    slice: LossSliceResponse | None = Field(description="The selected parameter's loss slice.")


class LabFrame(BaseModel):
    """The lab's data set: followers draw the boundary from the snapshot's weights."""

    data: DatasetResponse | None = Field(description=(
        "The points, as POST /api/v1/datasets answers them; null in a change that kept them "
        "(followers keep the last they got)."))


class PageKind(StrEnum):
    """The pages a session can present, as `page` names them."""

    step = "step"
    lab = "lab"


@dataclass(frozen=True)
class PageSchemas:
    state: type[Strict]  # what the presenter sends, as the page's link carries it
    frame: type[BaseModel]  # what followers are sent to draw it


PAGE_SCHEMAS = {PageKind.step: PageSchemas(StepState, StepFrame),
                PageKind.lab: PageSchemas(LabState, LabFrame)}


def one_per_page(name: str, base: type[BaseModel], doc: str, frame: bool = False
                 ) -> dict[PageKind, type[BaseModel]]:
    """A model per page kind (`Step<name>`, `Lab<name>`...): `base`'s fields, then `page`
    fixed to the kind, its `state` and, with `frame`, its frame."""
    return {kind: create_model(
        f"{kind.value.title()}{name}", __base__=base, __doc__=doc.format(page=kind.value),
        page=(Literal[kind.value], Field(description="Which page the session presents.")),
        state=(schemas.state, Field(description=f"The {kind.value} page's own state object.")),
        **({"frame": (schemas.frame, ...)} if frame else {}))
        for kind, schemas in PAGE_SCHEMAS.items()}


def chosen_by_page(name: str, models: dict[PageKind, type[BaseModel]]) -> Any:
    """One of the models, as `page` says: a discriminated union, named (in the API
    description, a schema of that name: oneOf the models, with a discriminator)."""
    return TypeAliasType(name, Annotated[Union[tuple(models.values())],  # noqa: UP007
                                         Field(discriminator="page")])


class SessionHead(BaseModel):
    id: str
    join_code: str = Field(description=(
        "Eight characters without look-alikes, easy to read aloud; typed in any case, with or "
        "without spaces or a dash between its halves."))
    version: int


class EventHead(BaseModel):
    version: int


SessionCreate = chosen_by_page("SessionCreate", one_per_page(
    "SessionCreate", Strict, "Start presenting the {page} page's state."))
SESSION_MODELS = one_per_page("Session", SessionHead, "A live session of the {page} page.")
SessionOut = chosen_by_page("Session", SESSION_MODELS)
SessionCreated = chosen_by_page("SessionCreated", {kind: create_model(
    f"{model.__name__}Created", __base__=model, __doc__=model.__doc__,
    presenter_token=(str, Field(description=(
        "Send as `Authorization: Bearer …` to change or end the session. Shown only once."))))
    for kind, model in SESSION_MODELS.items()})
SessionEvent = chosen_by_page("SessionEvent", one_per_page(
    "SessionEvent", EventHead, "The data of an `event: state` of a {page} session's stream.",
    frame=True))
AnyState = Annotated[dict[str, Any], WithJsonSchema({"anyOf": [
    {"$ref": f"#/components/schemas/{schemas.state.__name__}"}
    for schemas in PAGE_SCHEMAS.values()]})]


class StateChange(Strict):
    version: int = Field(ge=1, le=2**53, description="The version this change was based on.")
    state: AnyState = Field(description=(
        "The whole new state, of the session's page, validated as on create."))


class VersionOut(BaseModel):
    version: int
