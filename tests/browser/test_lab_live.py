"""The training lab presented to a class: the teacher trains, students who joined by code see the
same epoch, plane and network, drawn in their browsers from the weights; they take the settings
away to explore; a reload carries on presenting; stopping tells them. And the follower's forward
pass in JavaScript against the server's."""

import random
import re
import time

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settled_epoch
from tests.browser.test_live import join, start_presenting


@pytest.fixture
def lab_lesson(browser, base_url):
    """A teacher presenting the lab, and the session's join code."""
    teacher, code = start_presenting(browser, base_url, "/lab")
    # The code stays on screen for late arrivals, in projector mode too.
    expect(teacher.locator(".toolbar .present")).to_have_text(code)
    teacher.keyboard.press("p")
    expect(teacher.locator(".toolbar .present")).to_be_visible()
    teacher.keyboard.press("p")
    yield teacher, code
    teacher.context.close()
    assert teacher.problems == []


def epoch_of(page):
    return int(page.locator("#epoch").text_content())


# Read through a copy: reading the page's own canvas again and again makes Chromium warn.
PIXELS = """(c) => {
  const copy = document.createElement('canvas');
  [copy.width, copy.height] = [c.width, c.height];
  const ctx = copy.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(c, 0, 0);
  return Array.from(ctx.getImageData(0, 0, c.width, c.height).data);
}"""


def same_plane(teacher, student, timeout=10.0):
    """Whether the two heatmaps come to agree, pixel by pixel, but for rounding (the server sends
    outputs to four decimals; the student computes them in full): each redraws on its own frame."""
    deadline = time.monotonic() + timeout
    while True:
        a = np.array(teacher.locator("#heatmap").evaluate(PIXELS), dtype=float)
        b = np.array(student.locator("#heatmap").evaluate(PIXELS), dtype=float)
        if a.shape == b.shape and np.abs(a - b).mean() < 1.0:
            return True
        if time.monotonic() > deadline:
            return False
        teacher.wait_for_timeout(200)


def test_students_follow_the_lab_as_the_teacher_trains(browser, base_url, lab_lesson):
    teacher, code = lab_lesson
    student = join(browser, base_url, code)
    expect(student.locator("#epoch")).to_have_text("000000")
    before = student.locator("#heatmap").evaluate(PIXELS)
    for n in range(1, 4):
        teacher.click(".step")
        expect(teacher.locator("#epoch")).to_have_text(f"{n:06d}")
        expect(student.locator("#epoch")).to_have_text(f"{n:06d}")
    assert student.locator("#heatmap").evaluate(PIXELS) != before
    assert same_plane(teacher, student)
    # The loss the student computes from the weights is the one the server reported.
    for sel in ("#train-loss", "#test-loss", "#accuracy"):
        expect(student.locator(sel)).to_have_text(teacher.locator(sel).inner_text())

    # A short play: the student sees it move, from snapshots at most about four a second.
    # When each push left, by the browser's own clock (Python sees the events later, in bursts).
    requests = []
    teacher.on("request", lambda r: r.method == "PUT" and requests.append(r))
    started = time.time()
    teacher.click(".play")
    student.wait_for_function("() => Number(document.querySelector('#epoch').textContent) > 3")
    teacher.wait_for_timeout(1500)
    paused = time.time()
    teacher.click(".play")
    expect(teacher.locator(".play")).to_have_attribute("aria-pressed", "false")
    played = time.time() - started
    final = settled_epoch(teacher)
    expect(student.locator("#epoch")).to_have_text(f"{final:06d}")  # the last state, once paused
    for r in requests:
        r.response()  # finished, so its timing is known
    pushes = [r.timing["startTime"] / 1000 for r in requests]
    # While playing, one every 250 ms at most; once paused, the last state at once (and the
    # answer that was on its way).
    while_playing = [t for t in pushes if t < paused]
    assert len(while_playing) >= 3 and len(pushes) <= played * 4 + 3, (pushes, played)
    assert np.diff(while_playing).min() > 0.15, np.diff(while_playing)
    assert same_plane(teacher, student)
    expect(student.locator("#train-loss")).to_have_text(teacher.locator("#train-loss").inner_text())

    # Settings reach the class: a new data set (its points come with the change), a learning rate.
    student_points = student.locator("#heatmap").evaluate(PIXELS)
    teacher.click(".dataset[data-name='xor']")
    expect(student.locator(".data-facts")).to_contain_text("xor")
    expect(student.locator("#epoch")).to_have_text("000000")
    teacher.select_option("#settings .lr", "0.1")
    expect(student.locator(".training-facts")).to_contain_text("learning rate 0.1")
    assert student.locator("#heatmap").evaluate(PIXELS) != student_points
    assert same_plane(teacher, student)

    # Everything the student drew came with the session's events.
    assert not [c for c in student.api_calls if c in ("/api/v1/train", "/api/v1/datasets")]
    student.context.close()
    assert student.problems == []


def test_a_student_who_joins_late_sees_the_whole_loss_curve(browser, base_url, lab_lesson):
    teacher, code = lab_lesson
    for n in range(1, 7):
        teacher.click(".step")
        expect(teacher.locator("#epoch")).to_have_text(f"{n:06d}")
    student = join(browser, base_url, code)
    expect(student.locator("#epoch")).to_have_text("000006")
    chart = student.locator("#loss-chart polyline").first
    expect(chart).to_be_attached()
    assert len(chart.get_attribute("points").split()) == 6  # epochs 1 to 6, not only the last
    teacher_points = teacher.locator("#loss-chart polyline").first.get_attribute("points")
    assert len(teacher_points.split()) == 6
    student.context.close()


def test_a_phone_follows_without_sideways_scroll_and_explores_alone(browser, base_url, lab_lesson):
    teacher, code = lab_lesson
    teacher.click(".dataset[data-name='moons']")
    expect(teacher.locator("#epoch")).to_have_text("000000")
    teacher.click(".step")
    student = join(browser, base_url, code, size=(390, 844), touch=True)
    expect(student.locator("#epoch")).to_have_text("000001")
    expect(student.locator(".data-facts")).to_contain_text("moons")
    inner, scroll = student.evaluate("[innerWidth, document.documentElement.scrollWidth]")
    assert inner == 390 and scroll <= 390
    plane = student.locator("#heatmap").bounding_box()
    assert plane["width"] >= 0.85 * 390 and plane["y"] + plane["height"] <= 844
    for y in range(0, student.evaluate("document.documentElement.scrollHeight"), 400):
        student.evaluate(f"window.scrollTo(0, {y})")
        assert student.evaluate("document.documentElement.scrollWidth") <= 390
    explore = student.locator(".explore")
    assert explore.bounding_box()["height"] >= 44
    explore.scroll_into_view_if_needed()
    explore.tap()
    student.wait_for_url(re.compile(r"/lab\?lab="))
    student.wait_for_selector("body.ready")
    expect(student.locator(".dataset[data-name='moons']")).to_have_attribute("aria-pressed", "true")
    # Training alone does not move the class.
    student.locator(".step").tap()
    expect(student.locator("#epoch")).to_have_text("000001")
    teacher.wait_for_timeout(300)
    assert epoch_of(teacher) == 1
    student.context.close()
    assert student.problems == []


def test_a_reload_carries_on_presenting_from_the_same_weights(browser, base_url, lab_lesson):
    teacher, code = lab_lesson
    student = join(browser, base_url, code)
    for _ in range(3):
        teacher.click(".step")
    expect(student.locator("#epoch")).to_have_text("000003")
    assert "present=" in teacher.url
    teacher.reload()
    teacher.wait_for_selector("body.ready")
    expect(teacher.locator(".toolbar .present")).to_have_text(code)
    expect(teacher.locator("#epoch")).to_have_text("000003")
    assert same_plane(teacher, student)  # the weights carried on, not drawn afresh from the seed
    teacher.click(".step")
    expect(student.locator("#epoch")).to_have_text("000004")
    expect(student.locator(".live-status")).to_have_text("Live: following the presenter")
    # The loss curve, the class's and the teacher's, still begins at epoch 1: the reload lost
    # none of it.
    for page in (student, teacher):
        points = page.locator("#loss-chart polyline").first.get_attribute("points")
        assert len(points.split()) == 4
    student.context.close()
    assert student.problems == []


def test_stopping_tells_the_class(browser, base_url, lab_lesson):
    teacher, code = lab_lesson
    student = join(browser, base_url, code)
    teacher.click(".toolbar .present")
    teacher.locator("#present .stop").click()
    expect(student.locator(".live-status")).to_have_text("The presenter has ended this session.")
    expect(teacher.locator(".toolbar .present")).to_have_text("Present")
    assert "present=" not in teacher.url
    student.context.close()


FORWARD = """async ([network, features, inputs]) => {
  const { outputGrids } = await import('/static/js/forward.js');
  return outputGrids(network, features, inputs, 40, 14);
}"""
EVALUATE = """async ([network, features, points, loss]) => {
  const { evaluate } = await import('/static/js/forward.js');
  return evaluate(network, features, points, loss, true);
}"""
FEATURES = {"x1": lambda x: x[:, 0], "x2": lambda x: x[:, 1], "x1^2": lambda x: x[:, 0] ** 2,
            "x2^2": lambda x: x[:, 1] ** 2, "x1*x2": lambda x: x[:, 0] * x[:, 1],
            "sin(x1)": lambda x: np.sin(x[:, 0]), "sin(x2)": lambda x: np.sin(x[:, 1])}


def explicit_network(layers, activations, seed):
    rng = random.Random(seed)
    return {"layers": layers, "activations": activations,
            "weights": [[[rng.uniform(-2, 2) for _ in range(n_in)] for _ in range(n_out)]
                        for n_in, n_out in zip(layers, layers[1:])],
            "biases": [[rng.uniform(-1, 1) for _ in range(n_out)] for n_out in layers[1:]]}


@pytest.mark.parametrize(("features", "hidden", "output", "dataset"), [
    (["x1", "x2"], "tanh", "sigmoid", {"name": "circle"}),
    (["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"], "relu", "sigmoid",
     {"name": "spiral"}),
    (["x1", "x1*x2", "sin(x2)"], "leaky_relu", "linear", {"name": "plane", "task": "regression"}),
    (["x2^2", "x1"], "sigmoid", "linear", {"name": "gauss", "task": "regression"}),
    (["x1", "sin(x1)"], "linear", "linear", {"name": "sine", "task": "regression"}),
], ids=["tanh", "relu-all-features", "leaky-relu", "sigmoid", "one-input"])
def test_the_followers_forward_pass_is_the_servers(page, base_url, features, hidden, output,
                                                   dataset):
    import httpx

    layers = [len(features), 3, 2, 1]
    network = explicit_network(layers, [hidden, hidden, output], seed=len(features))
    inputs = 1 if dataset["name"] == "sine" else 2
    request = {"network": network, "loss": "mse", "features": features, "epochs": 0,
               "dataset": {"n": 40, "noise": 0.1, "seed": 2, "test_fraction": 0.5, **dataset},
               "optimizer": {"name": "sgd", "learning_rate": 0.1}, "batch_size": 10,
               "boundary": {"resolution": 40, "neuron_resolution": 14}}
    server = httpx.post(f"{base_url}/api/v1/train", json=request).json()["boundary"]
    mine = page.evaluate(FORWARD, [network, features, inputs])
    assert mine["resolution"] == 40 and mine["neuron_resolution"] == 14
    np.testing.assert_allclose(mine["x1"], server["x1"], rtol=0, atol=1e-12)
    # The server rounds its grids to four decimals: the same numbers, to that rounding.
    np.testing.assert_allclose(mine["outputs"], server["outputs"], rtol=0, atol=0.5e-4 + 1e-9)
    for mine_layer, server_layer in zip(mine["hidden"], server["hidden"], strict=True):
        np.testing.assert_allclose(mine_layer, server_layer, rtol=0, atol=0.5e-4 + 1e-9)

    # In full precision: /trace's forward pass over the same grid, its features made here.
    axis = np.linspace(-6, 6, 40)
    grid = axis.reshape(-1, 1) if inputs == 1 else np.stack(
        [a.ravel() for a in np.meshgrid(axis, axis)], axis=1)
    x = np.stack([FEATURES[f](grid) for f in features], axis=1)
    trace = httpx.post(f"{base_url}/api/v1/trace", json={
        "network": network, "loss": "mse", "inputs": x.tolist(),
        "targets": [[0.0]] * len(x)}).json()
    np.testing.assert_allclose(mine["outputs"][0], np.array(trace["forward"][-1]["a"])[:, 0],
                               rtol=0, atol=1e-9)


def test_the_followers_loss_and_accuracy_are_the_servers(page, base_url):
    import httpx

    features = ["x1", "x2", "x1*x2"]
    request = {"network": explicit_network([3, 4, 1], ["tanh", "sigmoid"], seed=7),
               "loss": "bce", "features": features, "epochs": 1,
               "dataset": {"name": "xor", "n": 200, "noise": 0.2, "seed": 3,
                           "test_fraction": 0.3},
               "optimizer": {"name": "sgd", "learning_rate": 0.3}, "batch_size": 10}
    answer = httpx.post(f"{base_url}/api/v1/train", json=request).json()
    data = httpx.post(f"{base_url}/api/v1/datasets", json=request["dataset"]).json()
    last = answer["history"][-1]
    for part in ("train", "test"):
        mine = page.evaluate(EVALUATE, [answer["network"], features, data[part], "bce"])
        assert mine["loss"] == pytest.approx(last[f"{part}_loss"], rel=1e-12)
        assert mine["accuracy"] == pytest.approx(last[f"{part}_accuracy"], rel=1e-12)
