"""A step-through session's position: version 2 names the small step by what it is; a position
with no version (as every link made before it) holds an index, and is still taken as it is.
Bad positions are refused with a 422 that names the field."""

import copy

import pytest

from app.routes.sessions import CREATE_EXAMPLE

STEP = CREATE_EXAMPLE["classic"]["value"]["state"]
W5 = {"kind": "dLdw", "layer": 1, "neuron": 0, "from": 0}


def at(position):
    state = copy.deepcopy(STEP)
    state["position"] = position
    return state


@pytest.mark.parametrize("position", [
    {"version": 2, "iteration": 0, "step": W5},
    {"version": 2, "iteration": 3, "step": {"kind": "update", "layer": 1, "neuron": 0, "part": 2,
                                            "stage": "moments"}},
    {"version": 2, "iteration": 0, "step": {"kind": "inputs"}},
    {"iteration": 0, "step": 14},  # a link made before positions had a version
    {"iteration": 1},
])
def test_a_position_old_or_new_is_taken_as_sent(client, position):
    created = client.post("/api/v1/sessions", json={"page": "step", "state": at(position)})
    assert created.status_code == 201, created.text
    session = client.get(f"/api/v1/sessions/{created.json()['id']}").json()
    assert session["state"]["position"] == position


@pytest.mark.parametrize("position, field, rule", [
    ({"version": 2, "iteration": 0, "step": 14}, "state.position.step", "step_ref"),
    ({"iteration": 0, "step": W5}, "state.position.version", "missing"),
    ({"version": 3, "iteration": 0, "step": W5}, "state.position.version", "literal_error"),
    ({"version": 2, "step": {"kind": "dL dw"}}, "state.position.step.kind",
     "string_pattern_mismatch"),
    ({"version": 2, "step": {"kind": "z", "layer": 0, "col": 1}}, "state.position.step.col",
     "extra_forbidden"),
    ({"version": 2, "step": {"kind": "z", "layer": 10, "neuron": 0}},
     "state.position.step.layer", "less_than"),
    ({"version": 2, "step": {"kind": "z", "layer": "1"}}, "state.position.step.layer",
     "int_type"),
    # An index's errors name it as what it is: the step's index (the union's member for it).
    ({"iteration": 0, "step": -1}, "state.position.step.index", "greater_than_equal"),
    ({"iteration": 0, "step": 2.5}, "state.position.step.index", "int_type"),
])
def test_a_bad_position_is_refused_naming_the_field(client, position, field, rule):
    refused = client.post("/api/v1/sessions", json={"page": "step", "state": at(position)})
    assert refused.status_code == 422
    first = refused.json()["detail"][0]
    assert (first["field"], first["type"]) == (field, rule)
