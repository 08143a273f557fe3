"""The diagram's labels, measured on screen: none overlaps another or a neuron, on any step;
each text stays inside its box; projector mode is readable from the back of a room."""

import base64
import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settle

# Every label box and neuron on screen, and what is wrong with them: boxes that overlap,
# boxes over a neuron, texts out of their box, and the smallest text size in screen px.
MEASURE = """() => {
  const svg = document.querySelector('#diagram');
  const shown = (e) => {
    for (let n = e; n !== svg.parentNode; n = n.parentNode) {
      if (getComputedStyle(n).display === 'none') return false;
    }
    return true;
  };
  const rect = (e) => e.getBoundingClientRect();
  // A label is any text outside the neurons: its box is its group's frame, or the text itself.
  const texts = [...svg.querySelectorAll('text')]
    .filter((t) => shown(t) && t.textContent.trim() && !t.closest('.probes'));
  const labels = texts.filter((t) => !t.matches('.name, .value')).map((t) => {
    const alone = t.parentNode.querySelectorAll(':scope > text').length === 1;
    const frame = alone && t.parentNode.querySelector(':scope > rect');
    return { name: t.textContent, box: rect(frame || t), text: rect(t) };
  });
  const circles = [...svg.querySelectorAll('.neuron')].filter(shown).map((g) => {
    const b = rect(g.querySelector('circle'));
    const inside = [...g.querySelectorAll('.name, .value')]
      .filter((t) => shown(t) && t.textContent);
    return { name: g.querySelector('.name').textContent, x: b.x + b.width / 2,
             y: b.y + b.height / 2, r: b.width / 2, texts: inside.map(rect) };
  });
  const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
    && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const overlaps = [];
  labels.forEach((a, i) => labels.slice(i + 1).forEach((b) => {
    if (meet(a.box, b.box)) overlaps.push(`${a.name} / ${b.name}`);
  }));
  labels.forEach((a) => circles.forEach((c) => {
    const dx = Math.max(a.box.left - c.x, 0, c.x - a.box.right);
    const dy = Math.max(a.box.top - c.y, 0, c.y - a.box.bottom);
    if (dx * dx + dy * dy < (c.r - 0.5) ** 2) overlaps.push(`${a.name} / neuron ${c.name}`);
  }));
  // Texts out of their shapes: a label's text out of its frame, a neuron's out of its circle.
  const outside = labels
    .filter((a) => a.text.left < a.box.left - 0.5 || a.text.right > a.box.right + 0.5)
    .map((a) => a.name);
  circles.forEach((c) => c.texts.forEach((t) => {
    const corners = [[t.left, t.top], [t.right, t.top], [t.left, t.bottom], [t.right, t.bottom]];
    const far = Math.max(...corners.map(([x, y]) => Math.hypot(x - c.x, y - c.y)));
    if (far > c.r + 1) outside.push(`text in neuron ${c.name}`);
  }));
  const px = (t) => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a;
  const smallest = texts.map((t) => ({ text: t.textContent, px: px(t) }))
    .reduce((a, b) => (b.px < a.px ? b : a), { text: '', px: Infinity });
  const panel = rect(svg);
  return { labels: labels.length, overlaps, outside, smallest, unplaced: svg.dataset.unplaced,
           panel: [panel.width, panel.height] };
}"""

# Where the weights' and biases' labels are: their centres.
PLACES = """() => [...document.querySelectorAll('#diagram .edge-label rect, #diagram .bias rect')]
  .map((r) => [+r.getAttribute('x') + r.getAttribute('width') / 2, r.getAttribute('y')]).join()"""


def link(layers, weight=None, decimals=4):
    """A `?s=` link to a network of these layers, every weight 0.1·(its number mod 7) − 0.3,
    the first weight into the outputs set to `weight` when given."""
    weights = [[[round(0.1 * ((j * n + k) % 7) - 0.3, 2) for k in range(n)] for j in range(m)]
               for n, m in zip(layers, layers[1:])]
    if weight is not None:
        weights[-1][0][0] = weight
    state = {"setup": {
        "network": {"layers": layers, "activations": ["sigmoid"] * (len(layers) - 1),
                    "weights": weights, "biases": [[0.1] * m for m in layers[1:]]},
        "loss": "mse", "inputs": [[0.5] * layers[0]], "targets": [[0.25] * layers[-1]],
        "learning_rate": 0.5, "update_biases": True}, "view": {"decimals": decimals}}
    return "/?s=" + base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def open_page(watched, base_url, path="/", size=(1280, 720)):
    page = watched.page
    settle(page)  # what the last page asked for lands first: leaving would cancel it
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(base_url + path)
    page.wait_for_selector("body.ready")
    return page


def step_count(page):
    return int(page.locator(".position").inner_text().split("of ")[-1])


def walk(page):
    """Every small step of the first training step, measured."""
    page.keyboard.press("Home")
    results = []
    for index in range(step_count(page)):
        title = page.locator(".step-title").inner_text()
        results.append((index + 1, title, page.evaluate(MEASURE)))
        page.keyboard.press("ArrowRight")
    return results


def assert_clear(results):
    problems = [f"step {i} ({title}): {m['overlaps'] or m['outside']}"
                for i, title, m in results if m["overlaps"] or m["outside"]]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("projector", [False, True])
def test_no_label_overlaps_another_or_a_neuron_in_the_classic_example(watched, base_url, projector):
    page = open_page(watched, base_url)
    if projector:
        page.keyboard.press("p")
    results = walk(page)
    assert_clear(results)
    # Every label the classic example has room for is drawn: 8 weights, 4 biases, 2 targets.
    assert [m["unplaced"] for _, _, m in results] == [""] * len(results)
    assert min(m["labels"] for _, _, m in results) >= 14
    # ... and keeps its place from step to step, so a class reads it where it read it before.
    places = set()
    for _ in range(step_count(page)):
        places.add(page.evaluate(PLACES))
        page.keyboard.press("ArrowLeft")
    assert len(places) == 1


@pytest.mark.parametrize("size", [(1280, 720), (390, 844)])
def test_no_label_overlaps_another_or_a_neuron_in_a_3_5_5_2_network(watched, base_url, size):
    page = open_page(watched, base_url, link([3, 5, 5, 2]), size)
    results = walk(page)
    assert_clear(results)


@pytest.mark.parametrize("size", [(1280, 720), (390, 844)])
def test_a_2_3_1_network_labels_every_weight_without_overlap(watched, base_url, size):
    page = open_page(watched, base_url, link([2, 3, 1]), size)
    results = walk(page)
    assert_clear(results)
    if size == (1280, 720):
        # Six weights into the hidden layer, three out of it, four biases, one target: all
        # drawn on the first step, not only those the step touches.
        assert results[0][2]["labels"] >= 14 and results[0][2]["unplaced"] == ""


def test_a_large_layer_pages_through_its_update(watched, base_url):
    page = open_page(watched, base_url, link([3, 5, 5, 2]))
    page.keyboard.press("5")
    expect(page.locator(".step-title")).to_have_text("Update: the weights into o1 (1 of 2)")
    # Only what the step touches is labelled: o1's five incoming weights.
    expect(page.locator("#diagram .edge-label:visible")).to_have_count(5)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator(".step-title")).to_have_text("Update: the weights into h2,1 (1 of 5)")


def test_projector_text_reads_from_the_back_of_the_room(watched, base_url):
    for path in ("/", link([3, 5, 5, 2])):
        page = open_page(watched, base_url, path)
        page.keyboard.press("p")
        for index, title, m in walk(page):
            assert m["smallest"]["px"] >= 20, (path, index, title, m["smallest"])
        value = page.locator("#diagram .neuron .value").first
        size = "t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a"
        assert value.evaluate(size) > 20


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (1024, 768), (768, 1024), (390, 844)])
def test_the_diagram_fills_its_panel(watched, base_url, size):
    page = open_page(watched, base_url, "/", size)
    page.keyboard.press("p")
    for _ in range(15):
        page.keyboard.press("ArrowRight")
    drawn = page.evaluate("""() => {
      const svg = document.querySelector('#diagram').getBoundingClientRect();
      const drawn = '#diagram .neuron circle, #diagram .label:not(.off) rect';
      const all = [...document.querySelectorAll(drawn)].map((e) => e.getBoundingClientRect());
      const box = (k, f) => f(...all.map((b) => b[k]));
      return { svg: [svg.width, svg.height], w: box('right', Math.max) - box('left', Math.min),
               h: box('bottom', Math.max) - box('top', Math.min) };
    }""")
    width, height = drawn["svg"]
    assert width > 0.5 * size[0] or width > 300
    # The drawing spreads over the panel's longer side, and most of the other.
    longer, shorter = sorted([drawn["w"] / width, drawn["h"] / height], reverse=True)
    assert longer > 0.85 and shorter > 0.6, drawn
    assert_clear([(15, "", page.evaluate(MEASURE))])


def test_a_network_too_large_to_label_is_drawn_compact_and_says_so(watched, base_url):
    page = open_page(watched, base_url, link([2, 64, 64, 2]))
    expect(page.locator("#diagram")).to_have_class(re.compile(r"\bcompact\b"))
    note = page.locator("#diagram .compact-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("too many neurons")
    assert page.locator("#diagram .edge-label").count() == 0
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert_clear([(3, "", page.evaluate(MEASURE))])


def test_a_long_value_stays_inside_its_box(watched, base_url):
    # The largest weight the API accepts, at eight decimals: "−1.0000000e+9", its sums longer.
    page = open_page(watched, base_url, link([2, 2, 2], weight=-1e9, decimals=8))
    page.keyboard.press("End")
    label = page.locator("#diagram .edge-label", has_text="w5 ")
    expect(label).to_contain_text("−1.0000000e+9")
    text, box = (label.locator(sel).bounding_box() for sel in ("text", "rect"))
    assert box["x"] <= text["x"] and text["x"] + text["width"] <= box["x"] + box["width"]
    assert_clear(walk(page))


def test_a_click_on_a_label_selects_its_parameter(page):
    page.locator("#diagram .edge-label[data-param='w,1,0,0']").click()
    expect(page.locator(".param-name")).to_have_text("w5: h1 → o1")
    page.locator("#diagram .bias[data-param='b,0,1']").click()
    expect(page.locator(".param-name")).to_contain_text("bh2")
