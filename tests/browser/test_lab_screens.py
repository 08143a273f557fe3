"""The lab on every screen a classroom has: no sideways scroll, every control a finger wide,
type readable on a phone and from the back of a room (projector mode), and everything by touch."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import watch

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
