"""The lab never changes anything silently: a bad link, file, seed, CSV row or feature choice
is refused, says why beside what it concerns, and leaves a working lab; an empty chart and a
warning say why too."""

import base64
import json
import re

import pytest
from playwright.sync_api import expect

DEFAULT = {"dataset": {"name": "circle", "task": "classification", "n": 500, "noise": 0,
                       "seed": 1, "test_fraction": 0.5}}


def lab_link(settings):
    token = base64.urlsafe_b64encode(json.dumps(settings).encode()).decode().rstrip("=")
    return f"/lab?lab={token}"


def lab_in(url):
    """The settings a page's URL holds."""
    token = url.split("lab=")[1]
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def open_lab(watched, url):
    watched.page.goto(url)
    watched.page.wait_for_selector("body.ready")
    return watched.page


BAD_LINKS = {
    "does not decode": ("/lab?lab=!!not-base64!!",
                        "does not decode (it may have been cut short): the default lab is shown"),
    "not settings": (lab_link([1, 2]), "no lab settings: the default lab is shown"),
    "wrong type": (lab_link({**DEFAULT, "learning_rate": "x"}), 'learning rate: "x"'),
    "out of range": (lab_link({**DEFAULT, "hidden": [99]}), "99 neurons"),
    "unknown data set": (lab_link({"dataset": {**DEFAULT["dataset"], "name": "banana"}}),
                         '"banana" is not a classification data set'),
    "unknown feature": (lab_link({**DEFAULT, "features": ["x1", "x3"]}), '["x3"]'),
    "bad points": (lab_link({**DEFAULT, "points": {"train": [[1, 2, 7]], "test": []}}),
                   "points:"),
    "bad noise": (lab_link({"dataset": {**DEFAULT["dataset"], "noise": -1}}), "noise: -1"),
}


@pytest.mark.parametrize("link, says", BAD_LINKS.values(), ids=BAD_LINKS.keys())
def test_a_bad_link_opens_a_working_lab_and_says_what_it_left_out(watched, base_url, link, says):
    page = open_lab(watched, base_url + link)
    notice = page.locator("#notice")
    expect(notice).to_be_visible()
    assert notice.get_attribute("role") == "alert"
    expect(notice).to_contain_text(says)
    expect(notice).to_contain_text(re.compile("used instead|the default lab is shown"))
    page.click(".step")
    expect(page.locator("#epoch")).to_have_text("000001")
    # The link now holds what is shown: opened again, it says nothing.
    page.goto(page.url)
    page.wait_for_selector("body.ready")
    expect(page.locator("#notice")).to_be_hidden()


def test_what_a_bad_link_shows_instead(watched, base_url):
    page = open_lab(watched, base_url + lab_link({**DEFAULT, "hidden": [99, 3],
                                                   "learning_rate": "x", "activation": "relu"}))
    expect(page.locator("#lab-network foreignObject")).to_have_count(2 + 8 + 3 + 1)
    expect(page.locator(".lr")).to_have_value("0.03")
    expect(page.locator(".activation")).to_have_value("relu")  # the valid part is kept
    expect(page.locator("#notice li")).to_have_count(2)
    page.click("#notice .dismiss")
    expect(page.locator("#notice")).to_be_hidden()


def test_a_good_link_says_nothing(watched, base_url):
    page = open_lab(watched, base_url + lab_link({**DEFAULT, "hidden": [3]}))
    expect(page.locator("#lab-network foreignObject")).to_have_count(2 + 3 + 1)
    expect(page.locator("#notice")).to_be_hidden()


def export_network(page):
    with page.expect_download() as download:
        page.select_option(".export", "network")
    return json.loads(open(download.value.path()).read())


def a_valid_export(page):
    saved = export_network(page)
    assert saved["network"]["weights"]
    return saved


BAD_IMPORTS = {
    "not an export": ("other.json", lambda good: json.dumps({"hello": 1}),
                      "this file is not a backprop-viz network export"),
    "not JSON": ("broken.json", lambda good: '{"settings": ', "not JSON"),
    "weights cut short": ("cut.json", lambda good: json.dumps(
        {**good, "network": {**good["network"], "weights": good["network"]["weights"][:1]}}),
        "weights or biases"),
    "bad settings": ("settings.json", lambda good: json.dumps(
        {**good, "settings": {**good["settings"], "hidden": [99]}}), "99 neurons"),
    "csv with a bad row": ("points.csv", lambda good: "x1,x2,label\n1,2,1\n3,,0\n4,5,1\n",
                           "row 3"),
    "csv with one row": ("points.csv", lambda good: "1,2,1\n", "at least two"),
}


@pytest.mark.parametrize("name, content, says", BAD_IMPORTS.values(), ids=BAD_IMPORTS.keys())
def test_a_bad_import_changes_nothing_and_says_why(watched, base_url, tmp_path, name, content,
                                                    says):
    page = open_lab(watched, base_url + "/lab")
    page.click(".step")
    page.click(".step")
    expect(page.locator("#epoch")).to_have_text("000002")
    before = a_valid_export(page)
    url, loss = page.url, page.locator("#train-loss").text_content()
    path = tmp_path / name
    path.write_text(content(before))
    page.set_input_files(".import", str(path))
    expect(page.locator("#notice")).to_contain_text(says)
    expect(page.locator("#notice")).to_contain_text("nothing changed")
    assert page.url == url
    assert page.locator("#train-loss").text_content() == loss
    expect(page.locator("#epoch")).to_have_text("000002")
    expect(page.locator("#data .custom")).to_be_hidden()  # still the generated 500 points
    after = export_network(page)
    assert after["network"] == before["network"] and after["history"] == before["history"]
    assert after["settings"] == before["settings"]


def test_a_refused_seed_says_so_beside_the_field_and_shows_the_seed_in_use(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    url = page.url
    seed = page.locator(".seed")
    for typed in ("-5", "1.5", ""):
        seed.fill(typed)
        seed.press("Enter")
        expect(seed).to_have_attribute("aria-invalid", "true")
        expect(seed).to_have_value("1")
        message = page.locator("#" + seed.get_attribute("aria-describedby"))
        expect(message).to_be_visible()
        expect(message).to_contain_text(f"“{typed}” is not a seed")
        expect(message).to_contain_text("1 is in use")
        assert page.url == url
    seed.fill("7")
    seed.press("Enter")
    expect(seed).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#seed-message")).to_be_hidden()
    assert lab_in(page.url)["seed"] == 7


def test_refused_csv_rows_are_named_beside_the_box(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    url = page.url
    page.click(".csv-box summary")
    box = page.locator(".csv")
    box.fill("x1,x2,label\n-3,-3,0\n3,3,1\n1,banana,1\n")
    page.click(".apply-csv")
    expect(box).to_have_attribute("aria-invalid", "true")
    message = page.locator("#" + box.get_attribute("aria-describedby"))
    expect(message).to_contain_text("row 4")
    assert page.url == url
    box.fill("x1,x2,label\n-3,-3,0\n3,3,1\n")
    page.click(".apply-csv")
    expect(page.locator("#data .custom")).to_be_visible()
    expect(box).not_to_have_attribute("aria-invalid", "true")
    expect(message).to_be_hidden()


def test_the_last_feature_cannot_be_unchecked_and_says_why(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    page.uncheck(".features input[value='x2']")
    page.locator(".features input[value='x1']").click()
    x1 = page.locator(".features input[value='x1']")
    expect(x1).to_be_checked()
    expect(x1).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#features-message")).to_contain_text("At least one feature")
    assert lab_in(page.url)["features"] == ["x1"]


def test_an_empty_chart_says_why(watched, base_url, tmp_path):
    page = open_lab(watched, base_url + "/lab")
    expect(page.locator(".loss-box .chart-note")).to_contain_text("No epochs yet")
    page.click(".step")
    expect(page.locator(".loss-box .chart-note")).to_be_hidden()
    saved = a_valid_export(page)
    saved["history"] = [{**h, "grad_norms": [0, 0, 0]} for h in saved["history"]]
    path = tmp_path / "dead.json"
    path.write_text(json.dumps(saved))
    page.set_input_files(".import", str(path))
    expect(page.locator(".norm-box .chart-note")).to_contain_text(
        "Every gradient is 0: the network is dead")
    expect(page.locator("#norm-chart polyline[points]:not([points=''])")).to_have_count(0)


def test_warnings_stay_one_line_above_the_loss_chart(watched, base_url):
    page = open_lab(watched, base_url + lab_link({**DEFAULT, "activation": "sigmoid",
                                                   "hidden": [8, 8, 8, 8, 8, 8]}))
    page.click(".step")
    toggle = page.locator(".warnings-toggle")
    expect(toggle).to_contain_text("Vanishing gradients")
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.warnings-toggle'))"
                         ".lineHeight) || 24")
    assert toggle.bounding_box()["height"] <= 2 * line + 12
    chart = page.locator("#loss-chart").bounding_box()
    assert chart["y"] + chart["height"] <= 720 and chart["height"] >= 60
    expect(page.locator("#warnings")).to_be_hidden()
    toggle.click()
    expect(page.locator("#warnings li").first).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
