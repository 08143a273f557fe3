"""The lab on every screen a classroom has, by touch, and never changing anything silently."""

import base64
import json
import re
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

DEFAULT = {"dataset": {"name": "circle", "task": "classification", "n": 500, "noise": 0,
                       "seed": 1, "test_fraction": 0.5}}
SCREENS = [(1280, 720), (1920, 1080), (1024, 768), (768, 1024), (390, 844)]

# The smallest text on screen, in CSS px: HTML text by its font size, SVG text by its font
# size times the drawing's scale; only what is rendered and at least partly in the window.
SMALLEST_TEXT = """() => {
  const found = [];
  const seen = (rects) => [...rects].some((r) => r.width > 0 && r.height > 0 && r.bottom > 0
    && r.right > 0 && r.top < innerHeight && r.left < innerWidth);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || el.closest('title, option, script, style')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const style = getComputedStyle(el);
    if (!seen(range.getClientRects()) || style.visibility === 'hidden') continue;
    const scale = el instanceof SVGElement ? el.getScreenCTM().a : 1;
    found.push([parseFloat(style.fontSize) * scale, node.textContent.trim().slice(0, 40)]);
  }
  for (const select of document.querySelectorAll('select')) {
    const size = parseFloat(getComputedStyle(select).fontSize);
    if (seen(select.getClientRects())) found.push([size, select.className]);
  }
  return found.sort((a, b) => a[0] - b[0])[0];
}"""

# Every control a finger can reach, as the box it is hit through: a checkbox or radio by its
# label, a hidden file input by the label that opens it.
SMALL_TARGETS = """(least) => {
  const small = [];
  const controls = 'button, select, input, textarea, a[href], summary, [role="button"]';
  for (const el of document.querySelectorAll(controls)) {
    const byLabel = el.matches('input[type="checkbox"], input[type="radio"], input[type="file"]');
    const target = byLabel ? el.closest('label') ?? el : el;
    const box = target.getBoundingClientRect();
    if (!target.getClientRects().length || box.width === 0) continue;
    if (box.width < least - 0.5 || box.height < least - 0.5) {
      small.push(`${el.outerHTML.slice(0, 60)}: ${box.width.toFixed(0)}x${box.height.toFixed(0)}`);
    }
  }
  return small;
}"""


def lab_link(settings):
    token = base64.urlsafe_b64encode(json.dumps(settings).encode()).decode().rstrip("=")
    return f"/lab?lab={token}"


def lab_in(url):
    """The settings a page's URL holds."""
    token = url.split("lab=")[1]
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def epoch(page):
    return int(page.locator("#epoch").text_content())


def watch(page):
    """What goes wrong on a page, as conftest's `watched` collects it."""
    problems = []
    page.on("console", lambda m: m.type in ("error", "warning")
            and problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("request", lambda r: urlparse(r.url).hostname not in ("127.0.0.1", "localhost")
            and r.url.startswith("http") and problems.append(f"left the machine: {r.url}"))
    return problems


@pytest.fixture(params=SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def touch(request, browser, base_url):
    """The lab on a touch screen of each size: phones and tablets also zoom like phones."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True,
                                  is_mobile=width <= 1024)
    page = context.new_page()
    problems = watch(page)
    page.goto(base_url + "/lab")
    page.wait_for_selector("body.ready")
    yield page
    context.close()
    assert problems == []


def open_lab(watched, url):
    watched.page.goto(url)
    watched.page.wait_for_selector("body.ready")
    return watched.page


def test_no_sideways_scroll_and_the_plane_comes_first_and_large(touch):
    width, height = touch.viewport_size["width"], touch.viewport_size["height"]
    # A phone widens its layout viewport to fit content that is too wide: that is a sideways
    # scroll too.
    inner, scroll = touch.evaluate("[innerWidth, document.documentElement.scrollWidth]")
    assert inner == width and scroll <= width
    plane = touch.locator("#heatmap").bounding_box()
    # Beside the other panels on wide screens; on a narrow one the full width, or on a tall
    # tablet as much as leaves its numbers and loss chart on the first screen.
    assert plane["width"] >= (270 if width > 800 else min(0.85 * width, 0.55 * height))
    assert plane["y"] >= 0 and plane["y"] + plane["height"] <= height  # on the first screen


def test_every_control_is_a_finger_wide(touch):
    assert touch.evaluate(SMALL_TARGETS, 44) == []


@pytest.mark.parametrize("touch", [(768, 1024), (390, 844)], ids=["768x1024", "390x844"],
                         indirect=True)
def test_phones_and_tablets_show_no_text_under_16px(touch):
    for y in range(0, touch.evaluate("document.documentElement.scrollHeight"), 400):
        touch.evaluate(f"window.scrollTo(0, {y})")
        size, text = touch.evaluate(SMALLEST_TEXT)
        assert size >= 16, f"{text!r} is {size:.1f} px"


def long_press(page, x, y):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    page.wait_for_timeout(900)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def train_points(page, count):
    page.wait_for_function(f"""() => {{
        const token = new URLSearchParams(location.search).get('lab');
        const lab = JSON.parse(atob(token.replace(/-/g, '+').replace(/_/g, '/')));
        return lab.points && lab.points.train.length === {count};
    }}""", timeout=5000)


def test_a_tap_adds_a_point_and_a_long_press_or_remove_mode_removes_it(touch):
    touch.locator("#heatmap").scroll_into_view_if_needed()
    box = touch.locator("#heatmap").bounding_box()
    corner = (box["x"] + box["width"] * 0.97, box["y"] + box["height"] * 0.03)
    touch.touchscreen.tap(*corner)
    train_points(touch, 251)
    expect(touch.locator("#data .custom")).to_be_visible()
    long_press(touch, *corner)
    train_points(touch, 250)
    touch.touchscreen.tap(*corner)
    train_points(touch, 251)
    touch.locator(".tap-mode label", has_text="removes").tap()
    touch.touchscreen.tap(*corner)
    train_points(touch, 250)
    # With nothing there, the tap says so rather than doing nothing.
    touch.touchscreen.tap(*corner)
    expect(touch.locator("#tap-note")).to_contain_text("No point there")


def test_on_a_phone_play_and_the_epoch_stay_in_reach_while_the_page_scrolls(touch):
    if touch.viewport_size["width"] > 800:
        pytest.skip("one column only under 800 px")
    toolbar = touch.locator(".toolbar")
    assert toolbar.bounding_box()["height"] <= 70
    touch.locator("#lab-network").scroll_into_view_if_needed()
    assert touch.evaluate("scrollY") > 300
    play = touch.locator(".toolbar .play")
    box = play.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 70 and box["x"] + box["width"] <= 390
    expect(touch.locator("#epoch")).to_be_in_viewport()
    touch.locator(".toolbar .step").tap()
    expect(touch.locator("#epoch")).to_have_text("000001")


def test_on_a_phone_a_refused_import_is_said_where_the_student_is(touch, tmp_path):
    if touch.viewport_size["width"] > 800:
        pytest.skip("one column only under 800 px")
    touch.locator("#lab-network").scroll_into_view_if_needed()
    assert touch.evaluate("scrollY") > 300
    path = tmp_path / "not-ours.json"
    path.write_text('{"hello": 1}')
    touch.set_input_files(".import", str(path))
    notice = touch.locator("#notice")
    expect(notice).to_contain_text("nothing changed")
    expect(notice).to_be_in_viewport()
    box = notice.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= touch.viewport_size["height"]
    notice.locator(".dismiss").tap()
    expect(notice).to_be_hidden()


def test_layers_change_by_touch(touch):
    # The diagram is redrawn whenever its panel settles in size, replacing its buttons: tap
    # finds the button afresh (and scrolls to it) rather than holding on to an early one.
    touch.locator("[aria-label='add a neuron to hidden layer 1']:visible").tap()
    expect(touch.locator("#lab-network foreignObject")).to_have_count(2 + 5 + 2 + 1)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (1024, 768)],
                         ids=["1280x720", "1920x1080", "1024x768"])
def test_projector_mode_fills_the_screen_with_large_type(browser, base_url, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems = watch(page)
    page.goto(base_url + "/lab")
    page.wait_for_selector("body.ready")
    for _ in range(3):
        page.click(".step")
    expect(page.locator("#epoch")).to_have_text("000003")
    page.keyboard.press("p")
    expect(page.locator("body")).to_have_class(re.compile(r"\bprojector\b"))
    page.wait_for_timeout(300)
    area = 0
    for sel in ("#heatmap", "#lab-network", "#loss-chart"):
        box = page.locator(sel).bounding_box()
        assert box["width"] * box["height"] >= 0.1 * width * height, sel
        assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width
        assert box["y"] + box["height"] <= height, sel
        area += box["width"] * box["height"]
    assert area >= 0.6 * width * height
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if size == (1280, 720):
        size_px, text = page.evaluate(SMALLEST_TEXT)
        assert size_px >= 20, f"{text!r} is {size_px:.1f} px"
    # The chart keeps its axes: several tick labels, each readable.
    assert page.locator("#loss-chart .axes text").count() >= 4
    # Play and the way out stay on screen.
    expect(page.locator(".play")).to_be_visible()
    expect(page.locator(".step")).to_be_visible()
    page.click(".projector-toggle")
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bprojector\b"))
    context.close()
    assert problems == []


def test_projector_mode_by_touch_keeps_play_and_a_way_out(browser, base_url):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True,
                                  is_mobile=True)
    page = context.new_page()
    problems = watch(page)
    page.goto(base_url + "/lab")
    page.wait_for_selector("body.ready")
    page.locator(".projector-toggle").tap()
    expect(page.locator(".projector-toggle")).to_have_text("Leave projector")
    page.locator(".step").tap()
    expect(page.locator("#epoch")).to_have_text("000001")
    page.locator(".projector-toggle").tap()
    expect(page.locator("#data")).to_be_visible()
    context.close()
    assert problems == []


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


def test_the_vanishing_gradient_warning_does_not_blink(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    shown = page.evaluate("""async () => {
        const { vanishing } = await import('/static/js/views/warnings.js');
        // A flat loss: the ratio wanders about the 1e-2 threshold, then clearly leaves it.
        const ratios = [0.005, 0.02, 0.008, 0.015, 0.006, 0.012, 0.009, 0.02, 0.5, 0.5, 0.5, 0.5,
                        0.5, 0.5];
        const history = ratios.map((r, epoch) => ({ epoch, grad_norms: [r, 0.5, 1] }));
        return history.map((_, i) => vanishing(history.slice(0, i + 1)) !== null);
    }""")
    assert shown[:8] == [True] * 8  # held through the wandering
    changes = sum(a != b for a, b in zip(shown, shown[1:]))
    assert changes == 1 and shown[-1] is False  # and went off once, after holding off
