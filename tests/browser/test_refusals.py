"""The step-through never changes anything silently: bad typing and bad links are refused
visibly, next to the field or in the banner, and what was on screen stays as it was."""

import base64
import json

import pytest
from playwright.sync_api import expect


def link(state: dict) -> str:
    return "/?s=" + base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def classic_setup(base_url) -> dict:
    import urllib.request
    with urllib.request.urlopen(base_url + "/api/v1/presets/classic") as answer:
        request = json.load(answer)["request"]
    return {key: request[key] for key in
            ("network", "loss", "inputs", "targets", "learning_rate", "update_biases")}


def open_link(watched, base_url, path):
    watched.page.goto(base_url + path)
    watched.page.wait_for_selector("body.ready")
    return watched.page


def message_of(page, field):
    """The message a refused field is described by."""
    expect(field).to_have_attribute("aria-invalid", "true")
    return page.locator("#" + field.get_attribute("aria-describedby"))


@pytest.mark.parametrize("typed", ["2,-3,2", "2.5-3-2", "2-0-2", "2", "two"])
def test_layers_are_used_exactly_as_typed_or_refused(page, typed):
    page.keyboard.press("e")
    field = page.locator("#editor .layers")
    field.fill(typed)
    field.press("Enter")
    expect(message_of(page, field)).to_contain_text(f"“{typed}” was not used")
    expect(message_of(page, field)).to_contain_text("Still 2-2-2")
    expect(field).to_have_value("2-2-2")
    expect(page.locator("#diagram .neuron")).to_have_count(6)
    # A good value afterwards is used, and the message goes.
    field.fill("2 3 2")
    field.press("Enter")
    expect(page.locator("#diagram .neuron")).to_have_count(7)
    expect(field).not_to_have_attribute("aria-invalid", "true")


@pytest.mark.parametrize("typed, says", [("", "needs a number"), ("1000", "between 0 and 100")])
def test_a_learning_rate_that_cannot_be_used_is_refused(page, typed, says):
    page.keyboard.press("e")
    field = page.locator("#editor .lr")
    field.fill(typed)
    field.press("Enter")
    message = message_of(page, field)
    expect(message).to_contain_text(says)
    expect(message).to_contain_text("it stays 0.5")
    expect(field).to_have_value("0.5")
    page.keyboard.press("Escape")
    page.keyboard.press("End")
    expect(page.locator("#explain .formula")).to_contain_text("0.2910")  # still η = 0.5


def test_an_empty_data_cell_is_refused_not_made_zero(page):
    page.keyboard.press("e")
    cell = page.locator("#editor input[data-kind='inputs'][data-row='0'][data-col='0']")
    cell.fill("")
    cell.press("Enter")
    expect(message_of(page, cell)).to_contain_text(
        "Input 1 of example 1 needs a number; it stays 0.05")
    expect(cell).to_have_value("0.05")


def test_a_weight_too_large_is_refused_in_the_inspector(page):
    page.locator("#diagram .edge[data-param='w,1,0,0'] .edge-hit").click(force=True)
    expect(page.locator(".param-name")).to_contain_text("w5")
    value = page.locator("#inspector .param-value")
    value.fill("1e308")
    value.press("Enter")
    expect(message_of(page, value)).to_contain_text(
        "w5 must be between −1,000,000 and 1,000,000; it stays 0.4")
    expect(value).to_have_value("0.4")
    expect(page.locator("#inspector .slice .curve")).to_have_count(1)
    value.fill("0.5")
    value.press("Enter")
    label = page.locator("#diagram .edge-label[data-param='w,1,0,0'] text")
    expect(label).to_have_text("w5 0.5000")
    expect(value).not_to_have_attribute("aria-invalid", "true")


def test_undo_is_enabled_by_the_first_edit(page):
    undo = page.locator("#toolbar .undo")
    expect(undo).to_be_disabled()
    page.keyboard.press("e")
    page.fill("#editor .lr", "0.25")
    page.press("#editor .lr", "Enter")
    expect(undo).to_be_enabled()
    undo.click()
    expect(page.locator("#editor .lr")).to_have_value("0.5")
    expect(undo).to_be_disabled()


def test_a_link_that_does_not_decode_opens_the_preset_and_says_so(watched, base_url):
    page = open_link(watched, base_url, "/?s=not-a-state%%%")
    expect(page.locator("#error")).to_contain_text("could not be read")
    expect(page.locator("#error")).to_contain_text("classic preset")
    expect(page.locator(".step-title")).to_have_text("The inputs enter")


def test_an_unknown_preset_is_named(watched, base_url):
    page = open_link(watched, base_url, "/?preset=nonesuch")
    expect(page.locator("#error")).to_contain_text("no preset called “nonesuch”")
    expect(page.locator(".preset")).to_have_value("classic")
    page.locator("#error .close").click()
    expect(page.locator("#error")).to_be_hidden()


@pytest.mark.parametrize("position, view, says, shown", [
    ({"iteration": -3, "step": 0}, {}, "not a whole number", "Training step 1 · step 1 of"),
    ({"iteration": 0, "step": 999}, {}, "past the last", "step 35 of 35"),
    ({"iteration": 0, "step": 2.5}, {}, "not a whole number", "step 1 of"),
    ({"iteration": 0, "step": 0}, {"decimals": 99}, "showing 8", "step 1 of"),
    ({"iteration": 0, "step": 0}, {"speed": "fast"}, "playing at 1×", "step 1 of"),
    ({"iteration": 0, "step": 0}, {"example": 7}, "not in the batch", "step 1 of"),
    ({"iteration": 0, "step": 0}, {"selected": {"kind": "weight", "layer": 5, "row": 0, "col": 0}},
     "does not have", "step 1 of"),
])
def test_a_link_partly_wrong_opens_with_what_is_valid(watched, base_url, position, view, says,
                                                     shown):
    state = {"setup": classic_setup(base_url), "position": position, "view": view}
    page = open_link(watched, base_url, link(state))
    expect(page.locator("#error")).to_contain_text(says)
    expect(page.locator("#timeline .position")).to_contain_text(shown)
    expect(page.locator("#diagram .neuron")).to_have_count(6)


def test_a_link_far_into_training_says_it_is_computing(watched, base_url):
    state = {"setup": classic_setup(base_url), "position": {"iteration": 300, "step": 3}}
    page = watched.page
    seen = []
    page.goto(base_url + link(state))
    # While the 300 earlier steps are traced, the page says so and shows the last one done.
    status = page.locator("#status")
    status.wait_for(state="visible")
    seen.append(status.inner_text())
    page.wait_for_selector("body.ready")
    expect(page.locator("#timeline .position")).to_have_text("Training step 301 · step 4 of 35")
    expect(status).to_be_hidden()
    expect(page.locator("#error")).to_be_hidden()
    assert seen[0].startswith("Computing training step")


def test_a_link_past_the_limit_is_clamped_with_a_message(watched, base_url):
    state = {"setup": classic_setup(base_url), "position": {"iteration": 10**9, "step": 0}}
    page = open_link(watched, base_url, link(state))
    expect(page.locator("#error")).to_contain_text("further than a link may go")
    expect(page.locator("#timeline .position")).to_contain_text("Training step 501 ·")


def test_a_corrupt_link_with_an_unknown_preset_says_each_thing_once(watched, base_url):
    page = open_link(watched, base_url, "/?s=garbage&preset=nope")
    text = page.locator("#error").inner_text()
    assert "could not be read" in text and "no preset called “nope”" in text
    assert text.lower().count("showing") == 1
