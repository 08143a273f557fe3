"""The step-through on every screen a classroom has: projectors (16:9 and 4:3), laptops, a
portrait tablet and a phone, by keys, clicks, taps and swipes."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import watch

SCREENS = {"1280x720": (1280, 720), "1920x1080": (1920, 1080), "1024x768": (1024, 768),
           "768x1024": (768, 1024), "390x844": (390, 844)}
TOUCH = {"768x1024", "390x844"}
PROJECTOR = re.compile(r"\bprojector\b")

# The rendered size of every visible text on the page: HTML and MathML by their computed
# font size, SVG text by its font size times the drawing's scale on screen.
SMALLEST_TEXT = """() => {
  const sizes = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.bottom < 0 || r.right < 0
        || r.top > innerHeight || r.left > innerWidth) return false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || s.opacity === '0') return false;
      if (e.classList?.contains('visually-hidden')) return false;
    }
    return true;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el) continue;
    if (el.closest('title, script, style, dialog:not([open])')) continue;
    if (!visible(el)) continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const svg = el.closest('svg');
    if (svg && el instanceof SVGElement) size *= svg.getScreenCTM().a;
    sizes.push([size, node.textContent.trim().slice(0, 30)]);
  }
  sizes.sort((a, b) => a[0] - b[0]);
  return sizes[0];
}"""

NETWORK_SHARE = """() => {
  const boxes = [...document.querySelectorAll('#diagram .neuron circle, #diagram .target rect')]
    .map((e) => e.getBoundingClientRect());
  const left = Math.min(...boxes.map((b) => b.left));
  const right = Math.max(...boxes.map((b) => b.right));
  const top = Math.min(...boxes.map((b) => b.top));
  const bottom = Math.max(...boxes.map((b) => b.bottom));
  return ((right - left) * (bottom - top)) / (innerWidth * innerHeight);
}"""


@pytest.fixture
def screen(browser, base_url, request):
    """A page at one screen size, touch where the screen is a tablet's or a phone's."""
    name = request.param
    width, height = SCREENS[name]
    touch = name in TOUCH
    context = browser.new_context(viewport={"width": width, "height": height},
                                  has_touch=touch, is_mobile=touch)
    page = context.new_page()
    problems = watch(page, failed_requests=False)
    page.goto(base_url + "/")
    page.wait_for_selector("body.ready")
    page.touch = touch
    yield page
    context.close()
    assert problems == []


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def position(page):
    return page.locator("#timeline .position").inner_text()


@pytest.mark.parametrize("screen", list(SCREENS), indirect=True)
def test_nothing_scrolls_sideways_and_next_steps(screen):
    page = screen
    assert no_sideways_scroll(page)
    # The step bar keeps every phase's name whole and clear of the position beside it.
    cut = page.evaluate("""[...document.querySelectorAll('#timeline .phase-segment')]
        .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent)""")
    assert cut == []
    phases = page.locator("#timeline .phases").bounding_box()
    where = page.locator("#timeline .position").bounding_box()
    beside = phases["x"] + phases["width"] <= where["x"]
    assert beside or phases["y"] + phases["height"] <= where["y"]
    assert page.locator("#diagram").bounding_box()["width"] >= 0.5 * page.viewport_size["width"]
    nxt = page.locator("#stepnav .next") if page.touch else page.locator("#toolbar .next")
    expect(nxt).to_be_visible()
    if page.touch:
        box = nxt.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
        nxt.tap()
    else:
        nxt.click()
    expect(page.locator("#timeline .position")).to_contain_text("step 2 of")
    page.keyboard.press("End")
    assert no_sideways_scroll(page)


@pytest.mark.parametrize("screen", ["768x1024", "390x844"], indirect=True)
def test_every_control_is_big_enough_for_a_thumb(screen):
    small = screen.evaluate("""() => [...document.querySelectorAll('button, select, input, a')]
      .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
      .map((e) => [e.className || e.textContent, e.getBoundingClientRect()])
      .filter(([, r]) => r.width > 0 && (r.width < 44 || r.height < 44))
      .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)""")
    assert small == []


@pytest.mark.parametrize("screen", ["390x844"], indirect=True)
def test_a_phone_gives_the_toolbar_one_row_and_reaches_every_control_by_scrolling_it(screen):
    toolbar = screen.locator("#toolbar")
    height = toolbar.bounding_box()["height"]
    assert height <= 70, f"the toolbar is {height:.0f} px: it wraps"
    assert screen.locator("#diagram").bounding_box()["y"] <= 90
    # The last control is off to the right; scrolling the row (not the page) brings it in.
    projector = screen.locator("#toolbar .projector")
    assert projector.bounding_box()["x"] >= 390
    mask = "getComputedStyle(document.querySelector('.toolbar')).maskImage"
    assert "gradient" in screen.evaluate(mask)  # the row fades out where there is more
    projector.scroll_into_view_if_needed()
    box = projector.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    screen.wait_for_function(f"() => {mask} === 'none'")  # at its end, nothing fades
    assert no_sideways_scroll(screen)
    projector.tap()
    expect(screen.locator("body")).to_have_class(re.compile(r"\bprojector\b"))


def swipe(page, dx):
    """A one-finger swipe across the diagram, as touch events (which become pointer events)."""
    box = page.locator("#diagram").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for i in range(1, 6):
        cdp.send("Input.dispatchTouchEvent",
                 {"type": "touchMove", "touchPoints": [{"x": x + dx * i / 5, "y": y + 2}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


@pytest.mark.parametrize("screen", ["390x844"], indirect=True)
def test_a_swipe_steps_forwards_and_back(screen):
    swipe(screen, -150)
    expect(screen.locator("#timeline .position")).to_contain_text("step 2 of")
    swipe(screen, -150)
    expect(screen.locator("#timeline .position")).to_contain_text("step 3 of")
    swipe(screen, 150)
    expect(screen.locator("#timeline .position")).to_contain_text("step 2 of")


@pytest.mark.parametrize("screen", ["768x1024", "390x844"], indirect=True)
def test_projector_mode_on_a_tablet_or_phone_fits_with_next_and_a_way_out(screen):
    page = screen
    page.locator("#toolbar .projector").tap()
    expect(page.locator("body")).to_have_class(PROJECTOR)
    expect(page.locator("#toolbar")).to_be_hidden()
    # One screen, nothing to scroll to: the step bar and its way out are in view as it opens.
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    scroll = page.evaluate("[document.documentElement.scrollWidth,"
                           " document.documentElement.scrollHeight]")
    assert scroll == [width, height]
    for sel in ("#stepnav .next", "#stepnav .exit", "#timeline .phases"):
        box = page.locator(sel).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, sel
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, sel
    cut = page.evaluate("""[...document.querySelectorAll('#timeline .phase-segment')]
        .filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent)""")
    assert cut == []
    page.locator("#stepnav .next").tap()
    expect(page.locator("#timeline .position")).to_contain_text("step 2 of")
    page.locator("#stepnav .exit").tap()
    expect(page.locator("body")).not_to_have_class(PROJECTOR)
    expect(page.locator("#toolbar")).to_be_visible()


@pytest.mark.parametrize("screen", ["1280x720", "1920x1080", "1024x768"], indirect=True)
def test_projector_mode_fills_the_wall_with_nothing_small(screen):
    page = screen
    page.keyboard.press("p")
    expect(page.locator("body")).to_have_class(PROJECTOR)
    share = []
    for key in ["End"] + ["ArrowLeft"] * 20 + ["Home"]:
        page.keyboard.press(key)
        size, text = page.evaluate(SMALLEST_TEXT)
        assert size >= 20, f"'{text}' is {size:.1f} px after {key}"
        assert no_sideways_scroll(page)
        share.append(page.evaluate(NETWORK_SHARE))
    assert min(share) >= 0.3, share
    # The explanation fits its panel: no formula is cut.
    assert page.evaluate("""() => { const f = document.querySelector('#explain .formula');
      return f.scrollWidth <= f.clientWidth + 1; }""")
