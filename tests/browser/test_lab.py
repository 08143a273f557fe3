"""The training lab, used as a learner would: pick data, play, pause, edit points, export."""

import base64
import json
import re

from playwright.sync_api import expect

from tests.browser.conftest import settle, settled_epoch

DEFAULT = {"dataset": {"name": "circle", "task": "classification", "n": 500, "noise": 0,
                       "seed": 1, "test_fraction": 0.5}}


def lab_url(base_url, **settings):
    token = base64.urlsafe_b64encode(json.dumps({**DEFAULT, **settings}).encode()).decode()
    return f"{base_url}/lab?lab={token.rstrip('=')}"


def open_lab(watched, url):
    watched.page.goto(url)
    watched.page.wait_for_selector("body.ready")
    return watched.page


def epoch(page):
    return int(page.locator("#epoch").text_content())


def next_answer(page):
    """Waits for the epoch to move on: one more /train answer has come in."""
    before = epoch(page)
    page.wait_for_function(f"() => Number(document.querySelector('#epoch').textContent) > {before}")


def train_points(page, count):
    page.wait_for_function(f"""() => {{
        const token = new URLSearchParams(location.search).get('lab');
        const lab = JSON.parse(atob(token.replace(/-/g, '+').replace(/_/g, '/')));
        return lab.points && lab.points.train.length === {count};
    }}""")


def trace_first_point(page):
    """Trace a point, on the default circle's first training point: the step-through it opens."""
    data = page.evaluate("""async () => (await fetch('/api/v1/datasets', {method: 'POST',
        headers: {'content-type': 'application/json'}, body: JSON.stringify({name: 'circle',
        task: 'classification', n: 500, noise: 0, seed: 1, test_fraction: 0.5})})).json()""")
    x1, x2 = data["train"]["x"][0]
    box = page.locator("#heatmap").bounding_box()
    page.click(".trace-point")
    with page.context.expect_page() as opened:
        page.mouse.click(box["x"] + (x1 + 6) / 12 * box["width"],
                         box["y"] + (6 - x2) / 12 * box["height"])
    stepper = opened.value
    stepper.wait_for_selector("body.ready")
    return stepper


def test_one_epoch_then_play_and_pause(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    assert epoch(page) == 0
    page.click(".step")
    expect(page.locator("#epoch")).to_have_text("000001")
    assert float(page.locator("#train-loss").text_content()) > 0
    page.click(".play")
    expect(page.locator(".play")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#epoch")).not_to_have_text(re.compile("^0000[0-2]"), timeout=5000)
    page.click(".play")
    expect(page.locator(".play")).to_have_attribute("aria-pressed", "false")
    stopped = settled_epoch(page)
    page.wait_for_timeout(400)
    assert epoch(page) == stopped
    points = page.locator("#loss-chart polyline").first.get_attribute("points")
    assert len(points.split()) > 10
    assert page.locator("#accuracy").text_content().endswith("%")


def test_changing_the_data_set_starts_over_and_lands_in_the_url(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    page.click(".step")
    page.click(".dataset[data-name='xor']")
    expect(page.locator(".dataset[data-name='xor']")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#epoch")).to_have_text("000000")
    url = page.url
    assert "lab=" in url
    settle(page)  # the new data set's points may still be on their way: navigating cancels them
    page.goto(url)
    page.wait_for_selector("body.ready")
    expect(page.locator(".dataset[data-name='xor']")).to_have_attribute("aria-pressed", "true")


def test_adding_and_removing_points(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    expect(page.locator("#data .custom")).to_be_hidden()
    box = page.locator("#heatmap").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.98, box["y"] + box["height"] * 0.02)
    expect(page.locator("#data .custom")).to_be_visible()
    train_points(page, 251)
    page.mouse.click(box["x"] + box["width"] * 0.98, box["y"] + box["height"] * 0.02,
                     button="right")
    train_points(page, 250)
    page.click(".step")
    expect(page.locator("#epoch")).to_have_text("000001")


def test_layers_and_features(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    page.click("#lab-network [aria-label='add a hidden layer']")
    expect(page.locator("#lab-network foreignObject")).to_have_count(2 + 4 + 2 + 2 + 1)
    page.check(".features input[value='x1^2']")
    expect(page.locator("#lab-network foreignObject")).to_have_count(3 + 4 + 2 + 2 + 1)


def test_trace_a_point_opens_the_step_through_with_its_batch(watched, base_url, browser):
    page = open_lab(watched, base_url + "/lab")
    page.click(".step")
    stepper = trace_first_point(page)
    expect(stepper.locator("#example")).to_contain_text("example 1 of 10")
    # The inputs keep the lab's feature names.
    assert stepper.locator("#diagram .neuron .name").first.text_content() == "x₁"
    stepper.keyboard.press("w")
    expect(stepper.locator("#inspector .batch tbody tr")).to_have_count(8)
    stepper.close()


def test_export_network_and_history(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    page.click(".step")
    page.click(".step")
    expect(page.locator("#epoch")).to_have_text("000002")
    with page.expect_download() as download:
        page.select_option(".export", "network")
    saved = json.loads(open(download.value.path()).read())
    assert saved["epoch"] == 2 and len(saved["history"]) == 2
    assert saved["network"]["layers"] == [2, 4, 2, 1] and saved["settings"]["hidden"] == [4, 2]
    with page.expect_download() as download:
        page.select_option(".export", "history")
    lines = open(download.value.path()).read().splitlines()
    assert lines[0].startswith("epoch,train_loss,test_loss") and len(lines) == 3
    with page.expect_download() as download:
        page.select_option(".export", "svg")
    svg = open(download.value.path()).read()
    assert svg.startswith("<svg") and "data:image/png;base64" in svg and "foreignObject" not in svg


def test_csv_points_load(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    page.click(".csv-box summary")
    page.fill(".csv", "x1,x2,label\n-3,-3,0\n-2,-4,0\n3,3,1\n4,2,1\n1,1,1,test\n")
    page.click(".apply-csv")
    expect(page.locator("#data .custom")).to_be_visible()
    page.click(".step")
    expect(page.locator("#epoch")).to_have_text("000001")


def test_divergence_is_explained(watched, base_url):
    plane = {"name": "plane", "task": "regression", "n": 500, "noise": 0, "seed": 1,
             "test_fraction": 0.5}
    page = open_lab(watched, lab_url(base_url, dataset=plane, learning_rate=3, loss="mse"))
    page.click(".play")
    expect(page.locator("#warnings li.error")).to_contain_text("diverged", timeout=10000)
    expect(page.locator(".play")).to_have_attribute("aria-pressed", "false")


def test_vanishing_gradients_in_a_deep_sigmoid_network(watched, base_url):
    page = open_lab(watched, lab_url(base_url, activation="sigmoid", hidden=[8, 8, 8, 8, 8, 8]))
    page.click(".step")
    expect(page.locator("#warnings")).to_contain_text("Vanishing gradients")


def test_lab_fits_1280x720(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    size = page.evaluate("[document.documentElement.scrollWidth, "
                         "document.documentElement.scrollHeight]")
    assert size[0] <= 1280 and size[1] <= 720


def test_a_network_exported_then_imported_carries_on(watched, base_url, tmp_path):
    page = open_lab(watched, base_url + "/lab")
    for _ in range(3):
        page.click(".step")
    expect(page.locator("#epoch")).to_have_text("000003")
    loss = page.locator("#train-loss").text_content()
    with page.expect_download() as download:
        page.select_option(".export", "network")
    saved = tmp_path / "network.json"
    download.value.save_as(saved)
    with page.expect_download() as download:
        page.select_option(".export", "png")
    assert open(download.value.path(), "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    page.click(".reset")
    expect(page.locator("#epoch")).to_have_text("000000")
    page.set_input_files(".import", str(saved))
    expect(page.locator("#epoch")).to_have_text("000003")
    expect(page.locator("#train-loss")).to_have_text(loss)
    page.click(".step")
    expect(page.locator("#epoch")).to_have_text("000004")


def test_trace_a_point_of_one_input_data(watched, base_url):
    sine = {"name": "sine", "task": "regression", "n": 100, "noise": 0, "seed": 1,
            "test_fraction": 0.5}
    page = open_lab(watched, lab_url(base_url, dataset=sine, features=["x1"], loss="mse"))
    data = page.evaluate("""async () => (await fetch('/api/v1/datasets', {method: 'POST',
        headers: {'content-type': 'application/json'}, body: JSON.stringify({name: 'sine',
        task: 'regression', n: 100, noise: 0, seed: 1, test_fraction: 0.5})})).json()""")
    x1, y = data["train"]["x"][0][0], data["train"]["y"][0]
    box = page.locator("#heatmap").bounding_box()
    page.click(".trace-point")
    with page.context.expect_page() as opened:
        page.mouse.click(box["x"] + (x1 + 6) / 12 * box["width"],
                         box["y"] + (0.5 - y / 3.2) * box["height"])
    stepper = opened.value
    stepper.wait_for_selector("body.ready")
    stepper.keyboard.press("ArrowRight")
    expect(stepper.locator("#explain .formula")).to_contain_text(f"{x1:.4f}".replace("-", "−"))
    stepper.close()


def test_a_learning_rate_changed_while_playing_is_used(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    page.click(".play")
    expect(page.locator("#epoch")).not_to_have_text(re.compile("^0000[0-2]"), timeout=5000)
    page.select_option(".lr", "0.3")
    next_answer(page)  # to the request that was on its way, built before the change
    next_answer(page)  # to one built after it
    page.click(".play")
    settled_epoch(page)
    with page.expect_download() as download:
        page.select_option(".export", "network")
    saved = json.loads(open(download.value.path()).read())
    assert saved["optimizer"]["learning_rate"] == 0.3 and saved["settings"]["learning_rate"] == 0.3


def test_one_input_data_exported_as_csv_imports_back(watched, base_url, tmp_path):
    sine = {"name": "sine", "task": "regression", "n": 100, "noise": 0, "seed": 1,
            "test_fraction": 0.5}
    page = open_lab(watched, lab_url(base_url, dataset=sine, features=["x1"], loss="mse"))
    with page.expect_download() as download:
        page.select_option(".export", "data")
    saved = tmp_path / "sine.csv"
    download.value.save_as(saved)
    assert open(saved).readline().strip() == "x1,target,split"
    page.click(".dataset[data-name='circle']")
    page.set_input_files(".import", str(saved))
    expect(page.locator("#data .custom")).to_be_visible()
    expect(page.locator("#notice")).to_be_hidden()
    settings = json.loads(base64.urlsafe_b64decode(page.url.split("lab=")[1] + "==="))
    assert settings["dataset"]["task"] == "regression" and settings["features"] == ["x1"]
    assert len(settings["points"]["train"]) == 50 and len(settings["points"]["train"][0]) == 2
    page.click(".step")
    expect(page.locator("#epoch")).to_have_text("000001")
