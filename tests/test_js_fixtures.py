"""The Node tests (tests/js/) read real /trace answers from a fixture: setups that use every
activation, loss, optimizer and penalty the catalog names, each traced by the app. This test
traces them again and compares, so the fixture cannot go stale; `python -m
tests.test_js_fixtures` writes it (after a change to the engine, or a new name in the catalog).
"""

import json
from pathlib import Path

import pytest

from app.catalog import catalog
from app.presets import PRESETS

FIXTURES = Path(__file__).resolve().parent / "js" / "fixtures"
SAMPLES = [[0.05, 0.1], [0.6, -0.3]]  # two examples: a batch, so the batch notes are drawn


def preset_setup(name: str) -> dict:
    """A preset as the page's state holds it (stepper/state.js fromPreset)."""
    request = PRESETS[name].request.model_dump(exclude_none=True)
    keep = ("network", "loss", "inputs", "targets", "learning_rate")
    return {**{k: request[k] for k in keep}, "update_biases": request.get("update_biases", True)}


def small_setup(hidden: str, output: str, loss: str, outputs: int) -> dict:
    """A 2-2-`outputs` network with these activations, and targets `loss` takes."""
    targets = [[1.0 if k == i % outputs else 0.0 for k in range(outputs)] for i in range(2)]
    weights = [[[0.15, -0.2], [0.25, 0.3]],
               [[0.4 - 0.1 * j, 0.45 + 0.05 * j] for j in range(outputs)]]
    return {"network": {"layers": [2, 2, outputs], "activations": [hidden, output],
                        "weights": weights, "biases": [[0.35, -0.35], [0.6] * outputs]},
            "loss": loss, "inputs": SAMPLES, "targets": targets, "learning_rate": 0.5,
            "update_biases": True}


def setups() -> list[tuple[str, dict, int]]:
    """(name, setup, training steps to take before the one traced): every name in the
    catalog used at least once, so a new one is covered when the fixtures are written."""
    names = catalog()
    cases = [("classic", preset_setup("classic"), 0),
             ("classic, step 2", preset_setup("classic"), 1),
             ("xor", preset_setup("xor"), 0), ("softmax", preset_setup("softmax"), 0)]
    for act in names["hidden_activations"]:
        cases.append((f"hidden {act}", small_setup(act, "sigmoid", "mse", 2), 0))
        cases.append((f"output {act}", small_setup("sigmoid", act, "mse", 2), 0))
    for act in names["activations"]:
        if act not in names["hidden_activations"]:
            cases.append((f"output {act} with mse", small_setup("tanh", act, "mse", 3), 0))
    for loss in names["losses"]:
        output = names["required_output"].get(loss, "sigmoid")
        cases.append((f"loss {loss}", small_setup("sigmoid", output, loss, 3), 0))
    defaults = names["optimizer_defaults"]
    for optimizer in names["optimizers"]:
        for reg in names["regularizations"]:
            setup = preset_setup("classic")
            if optimizer != "sgd":
                del setup["learning_rate"]
                setup["optimizer"] = {**defaults, "name": optimizer, "learning_rate": 0.1}
            if reg != "none":
                setup["regularization"] = {"kind": reg, "rate": 0.01}
            setup["update_biases"] = reg != "l1"  # frozen biases under one penalty of each
            cases.append((f"{optimizer} with {reg}", setup, 1))
    return cases


def trace_request(setup: dict, network: dict, state: dict | None) -> dict:
    """The request the page sends (stepper/state.js traceRequest) for these settings."""
    request = {k: v for k, v in setup.items() if k != "optimizer"}
    request["network"] = network
    request["per_example"] = len(setup["inputs"]) > 1
    request["gradient_check"] = True
    if "optimizer" in setup:
        request["optimizer"] = {**setup["optimizer"], **({"state": state} if state else {})}
    return request


def traces(client) -> list[dict]:
    cases = []
    for name, setup, before in setups():
        network, state = setup["network"], None
        for _ in range(before + 1):
            response = client.post("/api/v1/trace", json=trace_request(setup, network, state))
            assert response.status_code == 200, (name, response.text)
            trace = response.json()
            if _ < before:
                network = trace["network"]
                state = (trace["optimizer"] or {}).get("state")
        cases.append({"name": name, "setup": setup, "iteration": before, "network": network,
                      "optimizerState": state, "trace": trace})
    return cases


def fixtures(client) -> dict[str, object]:
    return {"traces.json": traces(client)}


def text(value: object) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", ["traces.json"])
def test_the_node_tests_fixtures_are_the_apps_own_answers(client, name):
    fresh = fixtures(client)[name]
    stored = json.loads((FIXTURES / name).read_text())
    assert stored == json.loads(text(fresh)), (
        f"tests/js/fixtures/{name} is stale: run `python -m tests.test_js_fixtures`")


if __name__ == "__main__":
    from tests.conftest import client as make_client

    built = fixtures(make_client.__wrapped__())
    for file, value in built.items():
        (FIXTURES / file).write_text(text(value))
        print(f"wrote tests/js/fixtures/{file}")
