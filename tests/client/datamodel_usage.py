"""What a programmer writes with the models datamodel-code-generator makes (default options)
from /openapi.json: a trace request built in code and posted, the answer's loss read, and a
live session created and read back with its state as its page's own type. Run as
`python datamodel_usage.py BASE_URL` beside the generated `models.py`; checked with mypy."""

import sys

import httpx
from models import (
    Activation,
    Layer,
    Loss,
    NetworkSpec,
    Session,
    SessionCreated,
    StepSession,
    StepSessionCreate,
    StepState,
    TraceRequest,
    TraceResponse,
)


def main(base_url: str) -> None:
    request = TraceRequest(
        network=NetworkSpec(layers=[Layer(root=2), Layer(root=2), Layer(root=2)],
                            activations=[Activation.sigmoid, Activation.sigmoid],
                            weights=[[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]],
                            biases=[[0.35, 0.35], [0.6, 0.6]]),
        loss=Loss.mse, inputs=[[0.05, 0.1]], targets=[[0.01, 0.99]], learning_rate=0.5,
        update_biases=False)
    posted = httpx.post(f"{base_url}/api/v1/trace",
                        json=request.model_dump(mode="json", exclude_none=True))
    step = TraceResponse.model_validate_json(posted.content)
    print(f"loss {step.loss}")

    start = StepSessionCreate(page="step", state=StepState(setup=request))
    answer = httpx.post(f"{base_url}/api/v1/sessions",
                        json=start.model_dump(mode="json", exclude_none=True))
    created = SessionCreated.model_validate_json(answer.content).root
    read = httpx.get(f"{base_url}/api/v1/sessions/{created.id}")
    session = Session.model_validate_json(read.content).root
    if isinstance(session, StepSession):  # else a LabSession, with its settings
        print(f"session {session.page} {session.state.setup.learning_rate}")


def refused(session: StepSession) -> object:
    """Never called: the types know a step session's state from a lab's (if they did not,
    mypy --strict would call this ignore unused)."""
    return session.state.settings  # type: ignore[attr-defined]


if __name__ == "__main__":
    main(sys.argv[1])
