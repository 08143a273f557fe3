"""Live sessions: the state a presenter shares (the step-through's or the lab's own state
object, exactly what its URL carries) and the session records anyone may read."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag, model_validator

from app.schemas.common import (
    Finite,
    HiddenActivationName,
    LossName,
    NetworkSpec,
    OptimizerName,
    RegularizationKind,
    Strict,
    Task,
    Vector,
    rule_broken,
)
from app.schemas.engine import ParameterRef, TraceRequest, check_parameter
from app.schemas.lab import DatasetName, FeatureName
from app.schemas.limits import (
    LAB_MAX_HIDDEN_LAYERS,
    LAB_MAX_NEURONS,
    MAX_EPOCH_NUMBER,
    MAX_EXAMPLES,
    MAX_ITERATION,
    MAX_LEARNING_RATE,
    MAX_LOSS_POINTS,
    MAX_NEURONS,
    MAX_POINTS,
    MAX_REGULARIZATION_RATE,
    MAX_SEED,
    MAX_STEPS_IN_TRAINING_STEP,
    MAX_WEIGHT_LAYERS,
)

PageName = Literal["step", "lab"]
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


class StepView(Strict):
    example: int = Field(0, ge=0, le=MAX_EXAMPLES - 1, description="The example drawn.")
    selected: ParameterRef | None = Field(None, description="The parameter in the inspector.")
    decimals: Literal[2, 3, 4, 5, 6, 8] = 4
    projector: bool = False
    speed: Literal[0.25, 0.5, 1, 2, 4, 8] = 1
    playing: bool = False
    inputNames: list[Annotated[str, Field(max_length=20)]] | None = Field(  # noqa: N815
        None, max_length=MAX_NEURONS, description="The input neurons' names (lab features).")
    graph: NeuronGraphRef | None = Field(None, description="The neuron whose graph is open.")
    matrices: bool = Field(False, description="Whether the matrix form is shown.")


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


STATE_MODELS: dict[str, type[Strict]] = {"step": StepState, "lab": LabState}


class SessionCreate(Strict):
    page: PageName = Field(description="Which page the session presents.")
    state: dict[str, Any] = Field(description=(
        "The page's own state object: a StepState for `step`, a LabState for `lab`."))


class StateChange(Strict):
    version: int = Field(ge=1, le=2**53, description="The version this change was based on.")
    state: dict[str, Any] = Field(description="The whole new state, validated as on create.")


class SessionOut(BaseModel):
    id: str
    join_code: str = Field(description="Six characters, easy to read aloud; any case.")
    version: int
    page: PageName
    state: dict[str, Any]


class SessionCreated(SessionOut):
    presenter_token: str = Field(description=(
        "Send as `Authorization: Bearer …` to change or end the session. Shown only once."))


class VersionOut(BaseModel):
    version: int
