import math

import pytest

CLASSIC = {
    "network": {"layers": [2, 2, 2], "activations": ["sigmoid", "sigmoid"],
                "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
                "biases": [[0.35, 0.35], [0.60, 0.60]]},
    "loss": "mse", "inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]],
    "learning_rate": 0.5, "update_biases": False,
}


def test_trace_reproduces_the_classic_example(client):
    response = client.post("/api/v1/trace", json=CLASSIC)
    assert response.status_code == 200
    body = response.json()
    assert body["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert body["forward"][1]["a"][0] == pytest.approx([0.75136507, 0.772928465], abs=1e-8)
    assert body["backward"][1]["dL_dW"][0][0] == pytest.approx(0.082167041, abs=1e-9)
    assert body["network"]["weights"][1][0][0] == pytest.approx(0.35891648, abs=1e-8)
    assert body["network"]["weights"][0][0][0] == pytest.approx(0.149780716, abs=1e-9)
    assert body["network"]["biases"] == CLASSIC["network"]["biases"]
    assert body["diverged"] is False and body["loss_after"] < body["loss"]
    assert set(body["backward"][0]) == {"dL_da", "da_dz", "dL_dz", "dL_dW", "dL_db"}
    assert body["per_example"] is None and body["gradient_check"] is None


def test_trace_output_network_continues_the_next_step(client):
    first = client.post("/api/v1/trace", json=CLASSIC).json()
    second = client.post("/api/v1/trace", json={**CLASSIC, "network": first["network"]}).json()
    assert second["loss"] == pytest.approx(first["loss_after"], rel=1e-12)


def test_per_example_and_gradient_check(client):
    request = {**CLASSIC, "inputs": [[0.05, 0.10], [0.5, -0.3], [1.0, 1.0]],
               "targets": [[0.01, 0.99], [0.5, 0.5], [1.0, 0.0]],
               "per_example": True, "gradient_check": True}
    body = client.post("/api/v1/trace", json=request).json()
    per = body["per_example"][0]["dL_dW"]
    assert len(per) == 3
    mean = sum(example[1][0] for example in per) / 3
    assert mean == pytest.approx(body["backward"][0]["dL_dW"][1][0], rel=1e-12)
    assert body["gradient_check"]["max_relative_error"] < 1e-6
    assert body["gradient_check"]["dL_db"][1] == pytest.approx(body["backward"][1]["dL_db"],
                                                               rel=1e-6)


def test_softmax_layer_has_null_da_dz(client):
    body = client.post("/api/v1/trace", json={
        "network": {"layers": [2, 3], "activations": ["softmax"], "init": {"seed": 1}},
        "loss": "cross_entropy", "inputs": [[1, 2]], "targets": [[0, 1, 0]]}).json()
    assert body["backward"][0]["da_dz"] is None
    a = body["forward"][0]["a"][0]
    assert body["backward"][0]["dL_dz"][0] == pytest.approx([a[0], a[1] - 1, a[2]])


def test_init_is_reproducible_from_the_seed(client):
    request = {"network": {"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"],
                           "init": {"scheme": "he", "seed": 12}},
               "loss": "bce", "inputs": [[0.5, -1]], "targets": [[1]]}
    first = client.post("/api/v1/trace", json=request).json()
    assert first == client.post("/api/v1/trace", json=request).json()
    other = client.post("/api/v1/trace", json={
        **request, "network": {**request["network"], "init": {"scheme": "he", "seed": 13}}})
    assert other.json()["loss"] != first["loss"]


def test_network_writes_out_the_weights_an_init_draws(client):
    spec = {"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"],
            "init": {"scheme": "he", "seed": 12}}
    answer = client.post("/api/v1/network", json=spec)
    assert answer.status_code == 200
    network = answer.json()
    assert [len(w) for w in network["weights"]] == [4, 1]
    assert [len(w[0]) for w in network["weights"]] == [2, 4]
    assert "init" not in network
    # The same numbers /trace starts from: posted back as weights, the step is the same.
    request = {"loss": "bce", "inputs": [[0.5, -1]], "targets": [[1]]}
    by_seed = client.post("/api/v1/trace", json={**request, "network": spec}).json()
    by_weights = client.post("/api/v1/trace", json={**request, "network": network}).json()
    assert by_weights == by_seed
    # Explicit weights come back as they were given, biases filled in.
    given = CLASSIC["network"]
    assert client.post("/api/v1/network", json=given).json() == given
    no_biases = {k: v for k, v in given.items() if k != "biases"}
    assert client.post("/api/v1/network", json=no_biases).json()["biases"] == [[0, 0], [0, 0]]


def test_network_documents_its_real_answer(client):
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/network"]["post"]
    asked = operation["requestBody"]["content"]["application/json"]["examples"]["init"]["value"]
    shown = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert client.post("/api/v1/network", json=asked).json() == shown


def test_network_names_what_is_missing(client):
    answer = client.post("/api/v1/network", json={"layers": [2, 1], "activations": ["sigmoid"]})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["type"] == "weights_or_init"


def test_exploding_network_answers_200_diverged_with_nulls(client):
    # Every value within the bound of ±1e9, yet ten linear layers reach 1e99 and the update
    # overshoots past what a float holds.
    response = client.post("/api/v1/trace", json={
        "network": {"layers": [1] * 11, "activations": ["linear"] * 10,
                    "weights": [[[1e9]]] * 10},
        "loss": "mse", "inputs": [[1e9]], "targets": [[0]], "learning_rate": 100})
    assert response.status_code == 200
    assert "NaN" not in response.text and "Infinity" not in response.text
    body = response.json()
    assert body["diverged"] is True and body["loss"] > 1e197 and body["loss_after"] is None


@pytest.mark.parametrize("field, value", [
    ("inputs", [[1e10, 0]]), ("targets", [[0, -2e9]]), ("learning_rate", 101)])
def test_every_number_has_a_bound(client, field, value):
    request = {**{k: CLASSIC[k] for k in ("network", "loss", "inputs", "targets")}, field: value}
    response = client.post("/api/v1/trace", json=request)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"].startswith(field)


def test_loss_slice_shows_the_slope(client):
    request = {k: CLASSIC[k] for k in ("network", "loss", "inputs", "targets", "learning_rate")}
    body = client.post("/api/v1/loss-slice", json={
        **request, "parameter": {"kind": "weight", "layer": 1, "row": 0, "col": 0},
        "points": 21}).json()
    assert len(body["values"]) == len(body["losses"]) == 21
    assert body["current"] == {"value": 0.4, "loss": pytest.approx(0.298371109, abs=1e-9)}
    assert body["slope"] == pytest.approx(0.082167041, abs=1e-9)
    assert body["updated"]["value"] == pytest.approx(0.35891648, abs=1e-8)
    assert body["updated"]["loss"] < body["current"]["loss"]
    assert body["values"][0] == pytest.approx(-1.6) and body["values"][-1] == pytest.approx(2.4)
    # The current value lies in the middle of the default range.
    assert body["losses"][10] == pytest.approx(body["current"]["loss"])


def test_loss_slice_marks_where_the_optimizer_moves_it(client):
    """With an optimizer (and its state) and a penalty, the update is the real step's: /trace's."""
    request = {k: CLASSIC[k] for k in ("network", "loss", "inputs", "targets")}
    rule = {"optimizer": {"name": "adam", "learning_rate": 0.01},
            "regularization": {"kind": "l2", "rate": 0.1}}
    w5 = {"kind": "weight", "layer": 1, "row": 0, "col": 0}
    body = client.post("/api/v1/loss-slice", json={**request, **rule, "parameter": w5}).json()
    step = client.post("/api/v1/trace", json={**request, **rule}).json()
    assert body["updated"]["value"] == step["network"]["weights"][1][0][0]
    assert body["updated"]["value"] == pytest.approx(0.39, abs=1e-6)
    both = client.post("/api/v1/loss-slice", json={**request, **rule, "parameter": w5,
                                                   "learning_rate": 0.5})
    assert both.status_code == 422
    assert both.json()["detail"][0]["type"] == "with_optimizer"


def test_loss_slice_of_a_bias_over_a_given_range(client):
    request = {k: CLASSIC[k] for k in ("network", "loss", "inputs", "targets")}
    body = client.post("/api/v1/loss-slice", json={
        **request, "parameter": {"kind": "bias", "layer": 0, "row": 1}, "range": [-2, 2],
        "points": 5}).json()
    assert body["values"] == [-2, -1, 0, 1, 2]
    assert all(math.isfinite(v) for v in body["losses"])


def test_a_large_step_runs_off_the_event_loop_with_the_same_numbers(client):
    """Above the inline size the step runs in a worker thread; the answer must not change."""
    rows = [[i / 1000, -i / 2000] for i in range(1200)]
    request = {"network": {"layers": [2, 3, 1], "activations": ["tanh", "linear"],
                           "init": {"seed": 4}},
               "loss": "mse", "inputs": rows, "targets": [[r[0]] for r in rows]}
    big = client.post("/api/v1/trace", json=request).json()
    small = client.post("/api/v1/trace", json={**request, "inputs": rows[:1],
                                               "targets": [[rows[0][0]]]}).json()
    assert len(big["forward"][0]["a"]) == 1200
    assert big["forward"][0]["a"][0] == small["forward"][0]["a"][0]


def test_openapi_examples_are_valid_requests(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/trace", "/api/v1/loss-slice"):
        examples = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"][
            "examples"]
        for name, example in examples.items():
            response = client.post(path, json=example["value"])
            assert response.status_code == 200, (path, name, response.text)


def test_json_writer_handles_array_views():
    import numpy as np

    from app.responses import JSONBytes
    body = JSONBytes({"t": np.arange(6.0).reshape(2, 3).T, "nan": np.array([np.nan])}).body
    assert body == b'{"t":[[0.0,3.0],[1.0,4.0],[2.0,5.0]],"nan":[null]}'


def lab_batch_of_one():
    """One example and the lab's network, as /train and /trace each take them."""
    network = {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"],
               "init": {"scheme": "xavier", "seed": 4}}
    return network, [0.5, -1.5], 1.0


@pytest.mark.parametrize("optimizer", [
    {"name": "sgd", "learning_rate": 0.1},
    {"name": "momentum", "learning_rate": 0.1, "momentum": 0.8},
    {"name": "adam", "learning_rate": 0.01}])
@pytest.mark.parametrize("regularization", [None, {"kind": "l2", "rate": 0.01},
                                            {"kind": "l1", "rate": 0.003}])
def test_a_trace_with_an_optimizer_steps_exactly_as_train(client, optimizer, regularization):
    """Equal to 1e-12 relative, not bit for bit: /trace is numpy (BLAS's products, numpy's own
    tanh and exp) and /train the compiled engine (sums in example order, its own tanh), so the
    last bits of a value may differ; the two are each held to PyTorch within 1e-12 too."""
    network, x, label = lab_batch_of_one()
    extra = {"regularization": regularization} if regularization else {}
    trained = client.post("/api/v1/train", json={
        "network": network, "loss": "bce", "features": ["x1", "x2"],
        "dataset": {"points": [[*x, label]] * 2, "test_points": [], "task": "classification"},
        "optimizer": optimizer, "batch_size": 1, "epochs": 2, **extra}).json()
    # The same four steps (two epochs of the one example, twice) through /trace, each posting
    # back what the last answered.
    step = {"network": network, "loss": "bce", "inputs": [x], "targets": [[label]],
            "optimizer": optimizer, **extra}
    for _ in range(4):
        answer = client.post("/api/v1/trace", json=step).json()
        step = {**step, "network": answer["network"], "optimizer": answer["optimizer"]}
    assert close_json(answer["network"], trained["network"])
    assert close_json(answer["optimizer"], trained["optimizer"])


def close_json(a, b, rel=1e-12) -> bool:
    """The same JSON, numbers equal to `rel` relative (and exact where they are integers)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(close_json(a[k], b[k], rel) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(close_json(u, v, rel) for u, v in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=rel, abs=1e-300)
    return a == b


def test_adam_follows_its_formulas_term_by_term(client):
    network, x, label = lab_batch_of_one()
    plain = client.post("/api/v1/trace", json={
        "network": network, "loss": "bce", "inputs": [x], "targets": [[label]]}).json()
    adam = client.post("/api/v1/trace", json={
        "network": network, "loss": "bce", "inputs": [x], "targets": [[label]],
        "optimizer": {"name": "adam", "learning_rate": 0.01}}).json()
    g = plain["backward"][0]["dL_dW"][0][0]
    m, v = 0.1 * g, 0.001 * g * g  # (1 − β1)·g and (1 − β2)·g² from zero
    m_hat, v_hat = m / (1 - 0.9), v / (1 - 0.999)
    state = adam["optimizer"]["state"]
    assert state["steps"] == 1
    assert state["m"][0] == pytest.approx(m, rel=1e-12)
    assert state["v"][0] == pytest.approx(v, rel=1e-12)
    # w ← w − η·m̂/(√v̂ + ε): the first step moves every weight by about η·sign(g).
    before = plain["network"]["weights"][0][0][0] + 0.5 * g  # undo plain descent's step
    step = 0.01 * m_hat / (v_hat ** 0.5 + 1e-8)
    assert adam["network"]["weights"][0][0][0] == pytest.approx(before - step, rel=1e-12)


def test_plain_descent_still_answers_as_before(client):
    request = {k: CLASSIC[k] for k in ("network", "loss", "inputs", "targets", "learning_rate",
                                       "update_biases")}
    body = client.post("/api/v1/trace", json=request).json()
    assert body["optimizer"] is None
    assert body["network"]["weights"][1][0][0] == pytest.approx(0.35891647971788465, abs=1e-15)
    both = client.post("/api/v1/trace", json={**request, "optimizer": {"name": "sgd"}})
    assert both.status_code == 422 and both.json()["detail"][0]["type"] == "with_optimizer"


def test_a_step_whose_optimizer_state_passes_the_bound_has_diverged(client):
    """Adam's second moment is the squared gradient: with inputs of a million it passes 1e9
    while every weight moves by the learning rate. Past the bound no request could carry it
    back, so the step has diverged, as /train says of such an epoch."""
    request = {"network": {"layers": [2, 1], "activations": ["linear"],
                           "weights": [[[0.5, 0.5]]], "biases": [[0.0]]},
               "loss": "mse", "inputs": [[1e6, 1e6]], "targets": [[0.0]],
               "optimizer": {"name": "adam", "learning_rate": 0.01}}
    body = client.post("/api/v1/trace", json=request).json()
    assert body["diverged"] is True
    assert body["network"] is None and body["optimizer"] is None
    # Just inside the bound, the same step goes on, and its answer posts back.
    request["inputs"] = [[10.0, 10.0]]
    body = client.post("/api/v1/trace", json=request).json()
    assert body["diverged"] is False and max(body["optimizer"]["state"]["v"]) < 1e9
    again = client.post("/api/v1/trace", json={**request, "network": body["network"],
                                               "optimizer": body["optimizer"]})
    assert again.status_code == 200
