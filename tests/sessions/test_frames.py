"""A follower's frame shows what the presenter's page shows: the same training step, and on the
loss curve the update where the step's own optimizer and penalty land it (it once marked plain
gradient descent at the default rate, whatever the presenter used)."""

import pytest

from app.presets import PRESETS
from app.responses import example
from app.schemas.sessions import StepState
from app.sessions.frames import NetworkCache, step_frame

CLASSIC = PRESETS["classic"].request.model_dump(exclude_none=True)
W5 = {"kind": "weight", "layer": 1, "row": 0, "col": 0}
B1 = {"kind": "bias", "layer": 0, "row": 0}
RULES = {
    "sgd": {"learning_rate": 0.5},
    "momentum": {"optimizer": {"name": "momentum", "learning_rate": 0.1, "momentum": 0.9}},
    "adam": {"optimizer": {"name": "adam", "learning_rate": 0.01}},
    "l2": {"learning_rate": 0.5, "regularization": {"kind": "l2", "rate": 0.1}},
    "adam+l1": {"optimizer": {"name": "adam", "learning_rate": 0.05},
                "regularization": {"kind": "l1", "rate": 0.01}},
}


def setup_with(rule: dict) -> dict:
    setup = {k: v for k, v in CLASSIC.items() if k != "learning_rate"}
    return {**setup, **rule}


def presenter_trace(client, setup: dict, iteration: int) -> tuple[dict, dict]:
    """The training step the presenter's page shows, by posting /trace's answers back as the
    page does: the network it starts from, and the step's answer."""
    request = dict(setup)
    for _ in range(iteration):
        answer = client.post("/api/v1/trace", json=request).json()
        request["network"] = answer["network"]
        if "optimizer" in request:
            request["optimizer"] = answer["optimizer"]
    return request, client.post("/api/v1/trace", json=request).json()


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("iteration", [0, 2])
def test_a_followers_slice_marks_the_presenters_update(client, rule, iteration):
    setup = setup_with(RULES[rule])
    frame = example(step_frame(StepState.model_validate({
        "setup": setup, "position": {"iteration": iteration, "step": 0},
        "view": {"selected": W5}}), NetworkCache()))
    request, answer = presenter_trace(client, setup, iteration)
    # The network the presenter is at, and the update the presenter's page marks for w5.
    assert frame["network"]["weights"] == request["network"]["weights"]
    before = request["network"]["weights"][1][0][0]
    after = answer["network"]["weights"][1][0][0]
    assert frame["slice"]["current"]["value"] == before
    assert frame["slice"]["updated"]["value"] == pytest.approx(after, rel=1e-12, abs=1e-15)
    # And /loss-slice, asked with the presenter's rule and state, says the same.
    rule = {k: v for k, v in request.items() if k not in ("per_example", "gradient_check")}
    sliced = client.post("/api/v1/loss-slice", json={**rule, "parameter": W5, "points": 81})
    assert sliced.status_code == 200, sliced.text
    assert sliced.json()["updated"] == frame["slice"]["updated"]
    assert sliced.json()["values"] == frame["slice"]["values"]


def test_adam_on_the_classic_example_lands_where_the_presenter_sees_it(client):
    setup = setup_with(RULES["adam"])
    frame = example(step_frame(StepState.model_validate({
        "setup": setup, "position": {"iteration": 0, "step": 0},
        "view": {"selected": W5}}), NetworkCache()))
    # Adam's first step moves every parameter by about its learning rate: 0.40 → 0.39 (plain
    # descent at 0.5 would have put it at 0.3589).
    assert frame["slice"]["updated"]["value"] == pytest.approx(0.39, abs=1e-6)


def test_a_frozen_bias_is_marked_where_it_stays(client):
    """The classic example freezes its biases: the update leaves b1 where it is."""
    frame = example(step_frame(StepState.model_validate({
        "setup": CLASSIC, "position": {"iteration": 0, "step": 0},
        "view": {"selected": B1}}), NetworkCache()))
    assert frame["slice"]["updated"]["value"] == frame["slice"]["current"]["value"] == 0.35
