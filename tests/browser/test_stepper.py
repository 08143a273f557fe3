"""The step-through page, used as a teacher would: keyboard only, numbers read off the screen."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import wait_for_link

SCROLL_SIZE = "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"


def title(page):
    return page.locator(".step-title")


def formula_text(page):
    return page.locator("#explain .formula").inner_text()


def label_of(page, weight_number):
    labels = page.locator("#diagram .edge-label text").all_text_contents()
    return next(t for t in labels if t.startswith(f"w{weight_number} "))


def test_opens_the_classic_example_ready_to_step(page):
    expect(title(page)).to_have_text("The inputs enter")
    expect(page.locator(".preset")).to_have_value("classic")
    expect(page.locator(".hint")).to_contain_text("step")
    assert page.locator("#diagram .neuron").count() == 6


def test_walks_the_classic_example_with_the_keyboard(page):
    for _ in range(11):
        page.keyboard.press("ArrowRight")
    expect(title(page)).to_have_text("Loss: the total")
    assert "0.2984" in formula_text(page)
    page.keyboard.press("ArrowRight")
    expect(title(page)).to_contain_text("how the loss reacts to o1")
    assert "0.7414" in formula_text(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("PageDown")
    expect(title(page)).to_contain_text("the gradient of w5")
    text = formula_text(page)
    assert "0.7414" in text and "0.1868" in text and "0.5933" in text and "0.0822" in text
    assert label_of(page, 5) == "w5 0.4000"
    page.keyboard.press("End")
    expect(title(page)).to_have_text("After the update")
    assert label_of(page, 5) == "w5 0.3589"
    assert label_of(page, 1) == "w1 0.1498"
    assert "0.2910" in formula_text(page)


def test_eight_decimals_show_the_published_numbers(page):
    page.select_option(".decimals", "8")
    page.keyboard.press("End")
    assert label_of(page, 5) == "w5 0.35891648"
    assert "0.29837111" in formula_text(page)


def test_steps_back_and_jumps_between_phases(page):
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(title(page)).to_have_text("Forward: h1 fires")
    page.keyboard.press("ArrowLeft")
    expect(title(page)).to_have_text("Forward: the weighted sum into h1")
    assert page.locator("#diagram .neuron .value").nth(2).text_content() == ""
    page.keyboard.press("]")
    page.keyboard.press("]")
    expect(page.locator("#explain .phase")).to_have_text("Backward")
    page.keyboard.press("[")
    expect(page.locator("#explain .phase")).to_have_text("Loss")
    page.keyboard.press("5")
    expect(page.locator("#explain .phase")).to_have_text("Update")
    page.keyboard.press("Home")
    expect(title(page)).to_have_text("The inputs enter")


def test_continues_into_the_next_training_step_and_back(page):
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".position")).to_contain_text("Training step 2")
    page.keyboard.press("3")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(title(page)).to_have_text("Loss: the total")
    assert "0.2910" in formula_text(page)  # the first step's loss after the update
    assert label_of(page, 5) == "w5 0.3589"
    page.keyboard.press("Home")
    page.keyboard.press("ArrowLeft")
    expect(page.locator(".position")).to_contain_text("Training step 1")
    expect(title(page)).to_have_text("After the update")


def test_editing_a_weight_changes_the_trace_and_undo_restores_it(page):
    page.locator("#diagram .edge[data-param='w,1,0,0'] .edge-hit").click(force=True)
    expect(page.locator(".param-name")).to_have_text("w5: h1 → o1")
    expect(page.locator("#inspector .grad-check")).to_contain_text("✓")
    expect(page.locator("#inspector .slice polyline")).to_have_count(1)
    page.fill(".param-value", "-1")
    page.press(".param-value", "Enter")
    expect(page.locator(".preset")).to_have_value("")
    page.keyboard.press("Escape")
    page.keyboard.press("3")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    text = formula_text(page)
    assert "0.2984" not in text
    assert label_of(page, 5) == "w5 −1.0000"
    page.keyboard.press("Control+z")
    expect(page.locator(".preset")).to_have_value("classic")
    expect(title(page)).to_have_text("Loss: the total")  # undo keeps the place
    expect(page.locator("#explain .formula")).to_contain_text("0.2984")


OLD_LINKS = Path(__file__).parents[1] / "js" / "fixtures" / "links-v1.json"


def test_a_link_made_before_steps_were_named_opens_on_its_step(page, base_url):
    """A link of the page before positions had a version (its step an index): Adam with L2 on
    the classic example, at the step stage of w6's update (tests/js/links.test.js has them all)."""
    links = json.loads(OLD_LINKS.read_text())["links"]
    old = next(x for x in links if x["what"].endswith("at an Adam step stage"))
    page.goto(base_url + "/" + old["link"])
    page.wait_for_selector("body.ready")
    expect(title(page)).to_have_text("Update with Adam: w6 (h2 → o1), the step (layer 2 of 2)")
    where = f"step {old['opens']['index'] + 1} of 49"
    expect(page.locator("#timeline .position")).to_contain_text(where)
    expect(page.locator("#error")).to_be_hidden()
    step = {"kind": "update", "layer": 1, "neuron": 0, "part": 2, "stage": "step"}
    wait_for_link(page, lambda s: s["position"] == {"version": 2, "iteration": 0, "step": step})


def test_the_url_reproduces_what_is_on_screen(page, browser, base_url):
    page.select_option(".decimals", "6")
    for _ in range(14):
        page.keyboard.press("ArrowRight")
    expect(title(page)).to_contain_text("the gradient of w5")
    # The link names the step by what it is: the gradient of w5 (into o1, from h1).
    w5 = {"kind": "dLdw", "layer": 1, "neuron": 0, "from": 0}
    wait_for_link(page, lambda s: s["position"] == {"version": 2, "iteration": 0, "step": w5}
                  and s["view"]["decimals"] == 6)
    url = page.url
    assert "?s=" in url
    other = browser.new_page(viewport={"width": 1280, "height": 720})
    other.goto(url)
    other.wait_for_selector("body.ready")
    expect(other.locator(".step-title")).to_contain_text("the gradient of w5")
    assert other.locator("#explain .formula").inner_text() == formula_text(page)
    other.close()


def test_preset_from_the_url(watched, base_url):
    watched.page.goto(base_url + "/?preset=xor")
    watched.page.wait_for_selector("body.ready")
    expect(watched.page.locator(".preset")).to_have_value("xor")
    expect(watched.page.locator("#example")).to_contain_text("example 1 of 4")


def test_batch_shows_each_examples_gradient_beside_the_mean(watched, base_url):
    page = watched.page
    page.goto(base_url + "/?preset=xor")
    page.wait_for_selector("body.ready")
    page.keyboard.press("w")
    rows = page.locator("#inspector .batch tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("#inspector .batch tfoot")).to_contain_text("mean")
    page.keyboard.press("x")
    expect(page.locator("#example")).to_contain_text("example 2 of 4")


def test_help_overlay(page):
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#help dl")).to_contain_text("projector mode")
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()


def test_play_advances_by_itself(page):
    page.select_option(".speed", "8")
    page.keyboard.press(" ")
    expect(page.locator("#toolbar .play")).to_have_attribute("aria-pressed", "true")
    expect(title(page)).not_to_have_text("The inputs enter", timeout=3000)
    page.keyboard.press(" ")
    expect(page.locator("#toolbar .play")).to_have_attribute("aria-pressed", "false")


def test_each_step_is_announced(page):
    page.keyboard.press("ArrowRight")
    expect(page.locator("#announce")).to_contain_text("the weighted sum into h1")
    expect(page.locator("#announce")).to_have_attribute("aria-live", "polite")


def test_editor_changes_the_layer_structure(page):
    page.keyboard.press("e")
    page.fill("#editor .layers", "2-3-2")
    page.press("#editor .layers", "Enter")
    expect(page.locator("#diagram .neuron")).to_have_count(7)
    page.keyboard.press("Escape")
    expect(page.locator("#editor")).to_be_hidden()


def test_an_invalid_edit_is_refused_with_the_reason(page, watched):
    page.keyboard.press("e")
    page.select_option("#editor .loss", "bce")
    expect(page.locator("#diagram .neuron")).to_have_count(6)
    cell = page.locator("#editor input[data-kind='targets'][data-row='0'][data-col='0']")
    cell.fill("2")
    cell.press("Enter")
    # The API refuses it; the field says why in the page's words and shows the value in use.
    cell = page.locator("#editor input[data-kind='targets'][data-row='0'][data-col='0']")
    expect(cell).to_have_attribute("aria-invalid", "true")
    message = page.locator("#" + cell.get_attribute("aria-describedby"))
    expect(message).to_contain_text("example 1's targets: bce targets must lie in [0, 1]")
    expect(message).to_contain_text("Nothing was changed")
    expect(cell).to_have_value("0.01")
    expect(page.locator("#diagram .neuron")).to_have_count(6)
    # The refusal is the point of this test: it is not a problem of the page.
    refused = [p for p in watched.problems if "422" in p]
    assert refused
    watched.problems[:] = [p for p in watched.problems if p not in refused]


def test_an_answer_arriving_while_typing_keeps_what_is_typed_and_what_was_refused(page):
    page.keyboard.press("e")
    refused = page.locator("#editor input[data-kind='inputs'][data-row='0'][data-col='0']")
    refused.fill("1e300")
    refused.press("Enter")
    expect(refused).to_have_attribute("aria-invalid", "true")
    # Half-typed, not yet committed: the second input.
    typing = page.locator("#editor input[data-kind='inputs'][data-row='0'][data-col='1']")
    typing.fill("")
    typing.press_sequentially("0.7")
    # Another field's change lands (the focus stays) and the editor shows the new setup.
    page.evaluate("""() => { const lr = document.querySelector('#editor .lr');
        lr.value = '0.25'; lr.dispatchEvent(new Event('change', { bubbles: true })); }""")
    expect(page.locator("#timeline .position")).to_be_visible()
    page.wait_for_timeout(500)
    expect(page.locator("#editor .lr")).to_have_value("0.25")
    expect(typing).to_have_value("0.7")
    expect(typing).to_be_focused()
    expect(refused).to_have_attribute("aria-invalid", "true")
    typing.press("Enter")  # and committed, it is used
    expect(page.locator("#diagram .neuron.input").nth(1)).to_contain_text("0.7000")


def contrast(page, selector):
    return page.evaluate("""(sel) => {
      const lum = (rgb) => {
        const [r, g, b] = rgb.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
          const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const el = document.querySelector(sel);
      const fg = lum(getComputedStyle(el).color);
      let node = el; let bg = 'rgba(0, 0, 0, 0)';
      while (node && /rgba\\(0, 0, 0, 0\\)|transparent/.test(bg)) {
        bg = getComputedStyle(node).backgroundColor;
        node = node.parentElement;
      }
      const b = lum(bg);
      return (Math.max(fg, b) + 0.05) / (Math.min(fg, b) + 0.05);
    }""", selector)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_projector_mode_fits_the_screen_with_large_high_contrast_text(page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.keyboard.press("p")
    expect(page.locator("body")).to_have_class(re.compile("projector"))
    for key in ["ArrowRight"] * 14 + ["w"]:
        page.keyboard.press(key)
    scroll = page.evaluate(SCROLL_SIZE)
    assert scroll[0] <= size[0] and scroll[1] <= size[1]
    assert float(page.evaluate("getComputedStyle(document.body).fontSize")[:-2]) >= 20
    expect(page.locator("#toolbar")).to_be_hidden()
    for selector in (".step-title", "#explain .formula", ".position", ".param-name"):
        assert contrast(page, selector) >= 7, selector


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_normal_mode_fits_without_scrolling(browser, base_url, size):
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(base_url + "/")
    page.wait_for_selector("body.ready")
    scroll = page.evaluate(SCROLL_SIZE)
    assert scroll[0] <= size[0] and scroll[1] <= size[1]
    # The toolbar keeps to one row, so the diagram keeps its height.
    first, last = (page.locator(f"#toolbar {sel}").bounding_box() for sel in (".prev", ".help"))
    assert abs(first["y"] - last["y"]) < first["height"] / 2
    page.close()


def test_reduced_motion_stops_the_flow_animation(browser, base_url):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.goto(base_url + "/")
    page.wait_for_selector("body.ready")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    animation = page.eval_on_selector("#diagram .edge.active .edge-flow",
                                      "el => getComputedStyle(el).animationName")
    assert animation == "none"
    context.close()


def test_the_page_runs_under_a_strict_content_security_policy(watched, base_url):
    response = watched.page.goto(base_url + "/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    watched.page.wait_for_selector("body.ready")


def test_a_link_with_a_refused_setup_falls_back_to_the_preset(watched, base_url):
    import base64
    import json
    state = {"setup": {"network": {"layers": [2, 2], "activations": ["softmax"],
                                   "weights": [[[1, 2], [3]]], "biases": [[0, 0]]},
                       "loss": "mse", "inputs": [[0, 0]], "targets": [[0, 0]],
                       "learning_rate": 0.5, "update_biases": True}}
    token = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
    watched.page.goto(f"{base_url}/?s={token}")
    watched.page.wait_for_selector("body.ready")
    expect(watched.page.locator("#error")).to_contain_text("the weights into o2: needs 2 entries")
    expect(watched.page.locator(".preset")).to_have_value("classic")
    watched.problems[:] = [p for p in watched.problems if "422" not in p]


def test_a_selection_the_reshaped_network_lacks_is_dropped(page):
    page.locator("#diagram .edge[data-param='w,1,1,1'] .edge-hit").click(force=True)
    expect(page.locator(".param-name")).to_contain_text("w8")
    page.keyboard.press("e")
    page.fill("#editor .layers", "2-2-1")
    page.press("#editor .layers", "Enter")
    expect(page.locator("#diagram .neuron")).to_have_count(5)
    expect(page.locator("#inspector .inspector-empty")).to_be_visible()
    expect(page.locator("#error")).to_be_hidden()
