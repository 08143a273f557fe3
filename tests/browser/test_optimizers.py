"""Optimizers in the step-through, and the code that reproduces a step: used as a teacher would,
each number on screen checked against what the API answers for the same request."""

import base64
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser.test_lab import lab_url, open_lab, trace_first_point


def post(base_url: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(base_url + path, data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def link(state: dict) -> str:
    return "/?s=" + base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def state_of(page) -> dict:
    """The state the page's URL carries (written a moment after each change)."""
    query = until(lambda: urllib.parse.parse_qs(page.evaluate("() => location.search")[1:]),
                  lambda q: "s" in q)
    token = query["s"][0]
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def classic(base_url: str) -> dict:
    with urllib.request.urlopen(base_url + "/api/v1/presets/classic") as answer:
        request = json.load(answer)["request"]
    return {key: request[key] for key in ("network", "loss", "inputs", "targets", "update_biases")}


def shown(value: float, decimals: int = 4) -> str:
    """A value as the page writes it: fixed decimals and a true minus sign (format.js)."""
    text = f"{value:.{decimals}f}"
    return ("0." + "0" * decimals if re.fullmatch(r"-0\.0*", text) else text).replace("-", "−")


def shown_small(value: float, decimals: int = 4) -> str:
    """An optimizer's state value as the page writes it (stepthrough/notation.js fmtSmall)."""
    if value == 0 or abs(value) >= 10 ** (2 - decimals):
        return shown(value, decimals)
    mantissa, exponent = f"{value:.{min(3, max(2, decimals - 2))}e}".split("e")
    power = "10" + str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"{mantissa}·{power}".replace("-", "−")


def until(get, ok, timeout=5.0):
    """What `get` answers once `ok` holds of it (the URL is written a moment after a change)."""
    deadline = time.monotonic() + timeout
    while True:
        value = get()
        if ok(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def formula(page) -> str:
    return page.locator("#explain .formula").text_content()


def test_adam_from_a_traced_lab_point_steps_as_the_api_does(watched, base_url):
    lab = open_lab(watched, lab_url(base_url, optimizer="adam", learning_rate=0.03,
                                    regularization="l2", rate=0.01))
    lab.click(".step")
    expect(lab.locator("#epoch")).to_have_text("000001")
    page = trace_first_point(lab)
    setup = state_of(page)["setup"]
    # The lab's optimizer, with the state one epoch of training left, and its penalty.
    assert setup["optimizer"]["name"] == "adam" and setup["optimizer"]["state"]["steps"] > 0
    assert setup["regularization"] == {"kind": "l2", "rate": 0.01}
    assert "learning_rate" not in setup
    steps_before = setup["optimizer"]["state"]["steps"]

    answer = post(base_url, "/api/v1/trace", setup)
    layers = setup["network"]["layers"]
    last = len(layers) - 2  # the first update step sets the output layer's first weight
    index = sum(a * b for a, b in zip(layers[:-2], layers[1:-1]))  # weights before that layer's
    state = answer["optimizer"]["state"]
    t = state["steps"]
    assert t == steps_before + 1
    m_hat = state["m"][index] / (1 - 0.9 ** t)
    v_hat = state["v"][index] / (1 - 0.999 ** t)
    updated = answer["network"]["weights"][last][0][0]

    page.keyboard.press("5")
    expect(page.locator("#explain .step-title")).to_contain_text("Update with Adam")
    expect(page.locator("#explain .step-title")).to_contain_text("its moments")
    expect(page.locator("#explain .step-text")).to_contain_text(f"step t = {t}")
    moments = formula(page)
    assert "λ" in moments  # L2's term joins the gradient
    assert shown_small(state["m"][index]) in moments and shown_small(state["v"][index]) in moments
    page.keyboard.press("ArrowRight")
    expect(page.locator("#explain .step-title")).to_contain_text("the step")
    text = formula(page)
    assert "m̂" in text and "v̂" in text
    assert shown_small(m_hat) in text and shown_small(v_hat) in text
    # The updated weight is the API's, and the diagram shows it too.
    expect(page.locator("#explain .formula .update")).to_have_text(shown(updated))
    # The inspector shows the same weight's state beside its gradient.
    edge = f"w,{last},0,0"
    page.locator(f"#diagram .edge[data-param='{edge}'] .edge-hit").click(force=True)
    expect(page.locator("#inspector .opt-state")).to_contain_text(f"Adam, step t = {t}")
    expect(page.locator("#inspector .opt-state")).to_contain_text(f"m̂ = {shown_small(m_hat)}")
    expect(page.locator("#inspector .opt-state")).to_contain_text(f"v̂ = {shown_small(v_hat)}")
    page.close()


def test_momentum_chosen_in_the_editor(page, base_url):
    page.keyboard.press("e")
    page.locator("#editor .optimizer").select_option("momentum")
    mu = page.locator("#editor .momentum")
    expect(mu).to_be_visible()
    expect(mu).to_have_value("0.9")
    expect(page.locator("#editor .beta1")).to_be_hidden()
    # μ = 1 never decays: refused next to the field, the value in use kept.
    mu.fill("1")
    mu.press("Enter")
    expect(mu).to_have_attribute("aria-invalid", "true")
    message = page.locator("#" + mu.get_attribute("aria-describedby"))
    expect(message).to_contain_text("below 1")
    expect(message).to_contain_text("it stays 0.9")
    expect(mu).to_have_value("0.9")
    mu.fill("0.5")
    mu.press("Enter")
    expect(mu).not_to_have_attribute("aria-invalid", "true")
    setup = until(lambda: state_of(page)["setup"],
                  lambda s: s.get("optimizer", {}).get("momentum") == 0.5)
    page.keyboard.press("Escape")
    expect(page.locator("#editor")).to_be_hidden()
    assert setup["optimizer"] == {"name": "momentum", "learning_rate": 0.5, "momentum": 0.5,
                                  "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}

    # The second training step: the velocity carries the first step's gradient.
    first = post(base_url, "/api/v1/trace", {**classic(base_url), "optimizer": setup["optimizer"]})
    second = post(base_url, "/api/v1/trace", {**classic(base_url), "network": first["network"],
                                              "optimizer": first["optimizer"]})
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".position")).to_contain_text("Training step 2")
    page.keyboard.press("5")
    expect(page.locator("#explain .step-title")).to_contain_text("Update with momentum: into o1")
    text = formula(page)
    v_before = first["optimizer"]["state"]["velocity"][4]
    v_after = second["optimizer"]["state"]["velocity"][4]
    assert f"0.5·{shown_small(v_before)}" in text  # μ·v, with the chosen μ
    assert shown_small(v_after) in text
    expect(page.locator("#explain .formula .update").first).to_have_text(
        shown(second["network"]["weights"][1][0][0]))


def test_the_loss_curve_marks_where_the_optimizers_own_update_lands(watched, base_url):
    """Adam at 0.01 with L2 on the classic example: the curve beside w5 asks with the training
    step's own rule, so its update lands where the trace's does (about 0.39, not 0.3589)."""
    setup = {**classic(base_url), "optimizer": {"name": "adam", "learning_rate": 0.01},
             "regularization": {"kind": "l2", "rate": 0.01}}
    w5 = {"kind": "weight", "layer": 1, "row": 0, "col": 0}
    updated = post(base_url, "/api/v1/trace", setup)["network"]["weights"][1][0][0]
    page = watched.page
    with page.expect_response("**/api/v1/loss-slice") as answered:
        page.goto(base_url + link({"setup": setup, "view": {"selected": w5}}))
    curve = answered.value.json()
    assert curve["parameter"] == w5
    assert curve["updated"]["value"] == pytest.approx(updated, abs=1e-12)
    assert round(updated, 2) == 0.39
    expect(page.locator("#inspector .slice circle.updated")).to_have_count(1)


def test_the_loss_curve_of_a_frozen_bias_marks_no_step(watched, base_url):
    """The classic example freezes its biases: the update leaves b_o1 where it is, and so does
    the curve's mark (it once stepped it as if it were a weight)."""
    setup = {**classic(base_url), "learning_rate": 0.5}
    page = watched.page
    with page.expect_response("**/api/v1/loss-slice") as answered:
        selected = {"kind": "bias", "layer": 1, "row": 0}
        page.goto(base_url + link({"setup": setup, "view": {"selected": selected}}))
    curve = answered.value.json()
    assert setup["update_biases"] is False
    assert curve["updated"] == curve["current"] and curve["current"]["value"] == 0.6


@pytest.mark.parametrize("optimizer, says", [
    ({"name": "rmsprop", "learning_rate": 0.1}, "“rmsprop” is not one of sgd, momentum, adam"),
    ({"name": "adam", "learning_rate": 0.1, "state": {"steps": 1, "m": [0.0]}},
     "its state m has 1 values, and this network 12 parameters"),
    ({"name": "momentum", "learning_rate": 0.1, "momentum": 1.5}, "momentum 1.5 is not from 0"),
])
def test_a_link_with_a_bad_optimizer_is_refused_visibly(watched, base_url, optimizer, says):
    state = {"setup": {**classic(base_url), "optimizer": optimizer},
             "position": {"iteration": 0, "step": 0}}
    page = watched.page
    page.goto(base_url + link(state))
    page.wait_for_selector("body.ready")
    banner = page.locator("#error")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(says)
    expect(banner).to_contain_text("plain gradient descent at η = 0.1")
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")
    # Plain descent at the optimizer's η: w ← w − 0.1·g, one line a parameter.
    expect(page.locator("#explain .step-title")).to_have_text("Update: layer 1 of 2")
    expect(page.locator("#explain .formula")).to_contain_text("0.1·")


def test_a_link_with_a_bad_regularisation_is_refused_visibly(watched, base_url):
    state = {"setup": {**classic(base_url), "learning_rate": 0.5,
                       "regularization": {"kind": "l3", "rate": 0.1}}}
    page = watched.page
    page.goto(base_url + link(state))
    page.wait_for_selector("body.ready")
    expect(page.locator("#error")).to_contain_text("not one of none, l1, l2")
    expect(page.locator("#error")).to_contain_text("no penalty is added")


def test_copy_as_code_runs_and_prints_the_loss_on_screen(watched, base_url, tmp_path):
    setup = {**classic(base_url), "optimizer": {"name": "adam", "learning_rate": 0.1},
             "regularization": {"kind": "l1", "rate": 0.01}}
    state = {"setup": setup, "position": {"iteration": 1, "step": 0}}
    page = watched.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(base_url + link(state))
    page.wait_for_selector("body.ready")
    page.keyboard.press("3")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#explain .step-title")).to_have_text("Loss: the total")
    loss_shown = page.locator("#explain .formula .loss").last.text_content()
    page.keyboard.press("w")
    expect(page.locator(".param-name")).to_contain_text("w1")

    page.click("#toolbar .code")
    dialog = page.locator("#code")
    expect(dialog).to_be_visible()
    code = dialog.locator(".code-text")
    expect(code).to_contain_text("import numpy as np")
    script = code.text_content()
    dialog.locator(".copy").click()
    expect(dialog.locator(".code-status")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == script

    path = tmp_path / "step.py"
    path.write_text(script)
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    printed = json.loads(run.stdout.strip().splitlines()[-1])
    assert shown(printed["loss"]) == loss_shown
    # Training step 2: the script starts from step 1's weights and Adam state.
    first = post(base_url, "/api/v1/trace", setup)
    second = post(base_url, "/api/v1/trace", {**setup, "network": first["network"],
                                              "optimizer": first["optimizer"]})
    flat = lambda layers: [w for matrix in layers for row in matrix for w in row]  # noqa: E731
    assert flat(printed["weights"]) == pytest.approx(flat(second["network"]["weights"]), abs=1e-12)

    dialog.locator("[data-lang='pytorch']").click()
    expect(code).to_contain_text("import torch")
    compile(code.text_content(), "step_torch.py", "exec")
    # Where the page may not copy, the script is selected for Ctrl+C instead.
    page.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    dialog.locator(".copy").click()
    expect(dialog.locator(".code-status")).to_contain_text("the script is selected")
    assert page.evaluate("getSelection().toString()").strip() == code.text_content().strip()
    # Closing it leaves the page as it was: the same step, the same weight inspected.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#explain .step-title")).to_have_text("Loss: the total")
    expect(page.locator(".param-name")).to_contain_text("w1")
