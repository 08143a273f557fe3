"""A neuron expanded into its computational graph: every number read off the screen equals
/trace's own, bit for bit; the graph steps with the step-through's keys; its labels never
overlap; it reads from the back of a room and on a phone (where the matrices open too). The
matrix form's own tests are in test_matrices.py, which shares these helpers."""

import base64
import json

import pytest
from playwright.sync_api import expect

from app.schemas.sessions import StepState
from tests.browser.conftest import wait_for_link, watch
from tests.browser.test_screens import SMALLEST_TEXT

GRAPH = "#neurongraph"
STEPS = 13

# Every node of the open graph: its full-precision value and gradient, and what it shows.
NODES = """() => Object.fromEntries([...document.querySelectorAll('#neurongraph .g-node')]
  .map((g) => [g.dataset.node, { value: g.dataset.value, grad: g.dataset.grad,
    shownValue: g.querySelector('.g-value').textContent,
    shownGrad: g.querySelector('.g-grad').textContent }]))"""

# The graph's boxes and labels as drawn: overlaps, texts out of their frames, the smallest text.
MEASURE = """() => {
  const svg = document.querySelector('#neurongraph svg.graph');
  const frames = [...svg.querySelectorAll('.g-node, .g-local:not(.off)')].map((g) => ({
    name: g.dataset.node || `local ${g.dataset.edge}`,
    box: g.querySelector('rect').getBoundingClientRect(),
    texts: [...g.querySelectorAll('text')].filter((t) => t.textContent)
      .map((t) => t.getBoundingClientRect()) }));
  const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5
    && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
  const overlaps = [];
  frames.forEach((a, i) => frames.slice(i + 1).forEach((b) => {
    if (meet(a.box, b.box)) overlaps.push(`${a.name} / ${b.name}`);
  }));
  const out = (t, b) => t.left < b.left - 0.5 || t.right > b.right + 0.5
    || t.top < b.top - 0.5 || t.bottom > b.bottom + 0.5;
  const outside = frames.filter((f) => f.texts.some((t) => out(t, f.box))).map((f) => f.name);
  const scale = svg.getScreenCTM().a;
  const smallest = Math.min(...[...svg.querySelectorAll('text')]
    .filter((t) => t.textContent && t.getClientRects().length)
    .map((t) => parseFloat(getComputedStyle(t).fontSize) * scale));
  return { frames: frames.length, overlaps, outside, smallest, unplaced: svg.dataset.unplaced };
}"""

def preset_request(page, base_url, name):
    request = page.request.get(f"{base_url}/api/v1/presets/{name}").json()["request"]
    return {**request, "per_example": len(request["inputs"]) > 1}


def trace_of(page, base_url, request):
    answer = page.request.post(f"{base_url}/api/v1/trace", data=request)
    assert answer.ok
    return answer.json()


def open_page(watched, base_url, path="/"):
    page = watched.page
    page.goto(base_url + path)
    page.wait_for_selector("body.ready")
    return page


def link(state):
    return "/?s=" + base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def wide_setup(examples=1):
    """An 8-3-1 network: a hidden neuron with more inputs than the graph draws one by one."""
    layers = [8, 3, 1]
    weights = [[[round(0.1 * ((j * n + k) % 7) - 0.3, 2) for k in range(n)] for j in range(m)]
               for n, m in zip(layers, layers[1:])]
    inputs = [[round(0.1 * ((e + k) % 5), 1) for k in range(8)] for e in range(examples)]
    return {"network": {"layers": layers, "activations": ["tanh", "sigmoid"], "weights": weights,
                        "biases": [[0.1] * 3, [-0.2]]},
            "loss": "mse", "inputs": inputs, "targets": [[e % 2] for e in range(examples)],
            "learning_rate": 0.5, "update_biases": True}


def position(page):
    return page.locator(f"{GRAPH} .graph-position").inner_text()


def walk_graph(page):
    """Every sub-step of the open graph, measured."""
    results = []
    for at in range(STEPS):
        expect(page.locator(f"{GRAPH} .graph-position")).to_contain_text(f"{at + 1} of {STEPS}")
        results.append((at + 1, page.evaluate(MEASURE)))
        page.keyboard.press("ArrowRight")
    return results


def assert_clear(results):
    problems = [f"sub-step {i}: {m['overlaps']} {m['outside']} {m['unplaced']}"
                for i, m in results if m["overlaps"] or m["outside"] or m["unplaced"]]
    assert not problems, "\n".join(problems)


def assert_graph_ends_at_the_trace(page, trace, layer, neuron, example):
    """The last sub-step: every drawn weight's and the bias's gradient is the trace's, exactly."""
    nodes = page.evaluate(NODES)
    g = trace["backward"][layer]
    own = trace["per_example"][layer] if trace["per_example"] else None
    weights = [k for k in range(len(g["dL_dW"][neuron])) if f"w{k}" in nodes]
    assert weights
    for k in weights:
        expected = own["dL_dW"][example][neuron][k] if own else g["dL_dW"][neuron][k]
        assert float(nodes[f"w{k}"]["grad"]) == expected, (k, nodes[f"w{k}"], expected)
    expected_b = own["dL_db"][example][neuron] if own else g["dL_db"][neuron]
    assert float(nodes["b"]["grad"]) == expected_b
    forward = trace["forward"][layer]
    assert float(nodes["z"]["value"]) == forward["z"][example][neuron]
    assert float(nodes["a"]["value"]) == forward["a"][example][neuron]
    return nodes


def test_the_classic_graph_ends_at_the_published_gradients(watched, base_url):
    page = open_page(watched, base_url)
    trace = trace_of(page, base_url, preset_request(page, base_url, "classic"))
    for _ in range(14):
        page.keyboard.press("ArrowRight")
    expect(page.locator(".step-title")).to_contain_text("the gradient of w5")
    page.keyboard.press("g")  # the neuron this step is about: o1
    expect(page.locator(GRAPH)).to_be_visible()
    expect(page.locator(f"{GRAPH} .graph-title")).to_contain_text("o1")
    for _ in range(STEPS - 1):
        page.keyboard.press("ArrowRight")
    expect(page.locator(f"{GRAPH} .graph-position")).to_contain_text(f"{STEPS} of {STEPS}")
    nodes = assert_graph_ends_at_the_trace(page, trace, 1, 0, 0)
    # The same numbers the step-through shows: the published 0.082167 and 0.082668.
    assert nodes["w0"]["shownGrad"] == "0.0822" and nodes["w1"]["shownGrad"] == "0.0827"
    assert nodes["L"]["shownValue"] == "0.2984" and nodes["L"]["shownGrad"] == "1.0000"
    expect(page.locator(f"{GRAPH} .graph-formula")).to_contain_text("0.0822")
    # A click on a hidden neuron expands it instead.
    page.keyboard.press("Escape")
    expect(page.locator(GRAPH)).to_be_hidden()
    page.locator("#diagram .neuron[data-neuron='1,0']").click()
    expect(page.locator(f"{GRAPH} .graph-title")).to_contain_text("h1")
    page.keyboard.press("End")  # End is the step-through's: the graph stays where it is
    for _ in range(STEPS - 1):
        page.keyboard.press("PageDown")
    assert_graph_ends_at_the_trace(page, trace, 0, 0, 0)


@pytest.mark.parametrize("example", [0, 3])
def test_the_xor_graph_gives_each_examples_own_gradient_and_the_mean(watched, base_url, example):
    page = open_page(watched, base_url, "/?preset=xor")
    trace = trace_of(page, base_url, preset_request(page, base_url, "xor"))
    for _ in range(example):
        page.keyboard.press("x")
    expect(page.locator("#example")).to_contain_text(f"example {example + 1} of 4")
    for neuron, (layer, j) in {"2,0": (1, 0), "1,1": (0, 1)}.items():
        page.locator(f"#diagram .neuron[data-neuron='{neuron}']").click()
        expect(page.locator(f"{GRAPH} .graph-title")).to_contain_text(f"example {example + 1} of 4")
        for _ in range(STEPS - 1):
            page.keyboard.press("ArrowRight")
        assert_graph_ends_at_the_trace(page, trace, layer, j, example)
        formula = page.locator(f"{GRAPH} .graph-formula").inner_text()
        means = [f"{v:.4f}".replace("-", "−") for v in trace["backward"][layer]["dL_dW"][j]]
        assert "batch mean" in formula and all(m in formula for m in means)
        page.keyboard.press("Escape")
        expect(page.locator(GRAPH)).to_be_hidden()


def test_the_graph_steps_with_the_keys_and_a_link_reopens_it(watched, base_url, browser):
    page = open_page(watched, base_url)
    page.keyboard.press("ArrowRight")
    title = page.locator(".step-title").inner_text()
    page.keyboard.press("G")
    expect(page.locator(f"{GRAPH} .graph-position")).to_have_text(f"Forward · 1 of {STEPS}")
    z_value = page.locator(f"{GRAPH} .g-node[data-node='z'] .g-value")
    expect(z_value).to_have_text("")  # nothing is known before its sub-step
    page.keyboard.press("ArrowRight")
    page.keyboard.press("PageDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator(f"{GRAPH} .graph-position")).to_have_text(f"Forward · 4 of {STEPS}")
    expect(z_value).to_have_text("0.3775")  # z of h1, as the step-through has it
    page.keyboard.press("PageUp")
    expect(page.locator(f"{GRAPH} .graph-position")).to_have_text(f"Forward · 3 of {STEPS}")
    expect(z_value).to_have_text("")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(page.locator(f"{GRAPH} .graph-position")).to_have_text(f"Backward · 8 of {STEPS}")
    expect(page.locator(f"{GRAPH} .g-local[data-edge='a>L']")).to_be_visible()
    # The step-through stayed where it was; the buttons step the graph too.
    expect(page.locator(".step-title")).to_have_text(title)
    page.locator(f"{GRAPH} .graph-prev").click()
    expect(page.locator(f"{GRAPH} .graph-position")).to_have_text(f"Backward · 7 of {STEPS}")
    wait_for_link(page, lambda s: (s["view"].get("graph") or {}).get("step") == 6)
    other = browser.new_page(viewport={"width": 1280, "height": 720})
    other.goto(page.url)
    other.wait_for_selector("body.ready")
    expect(other.locator(f"{GRAPH} .graph-position")).to_have_text(f"Backward · 7 of {STEPS}")
    graph_title = page.locator(f"{GRAPH} .graph-title").inner_text()
    expect(other.locator(f"{GRAPH} .graph-title")).to_have_text(graph_title)
    other.close()
    page.keyboard.press("Escape")
    expect(page.locator(GRAPH)).to_be_hidden()
    page.keyboard.press("ArrowRight")
    expect(page.locator(".step-title")).not_to_have_text(title)  # the keys step the page again


def test_a_link_to_a_neuron_the_network_lacks_closes_the_graph_and_says_so(watched, base_url):
    state = {"setup": wide_setup(), "view": {"graph": {"layer": 1, "neuron": 5}}}
    page = open_page(watched, base_url, link(state))
    expect(page.locator("#error")).to_contain_text("graph of a neuron this network does not have")
    expect(page.locator(GRAPH)).to_be_hidden()


@pytest.mark.parametrize("path,neuron", [("/", "2,0"), ("/", "1,1"), ("/?preset=softmax", "2,1"),
                                         ("wide", "1,0"), ("wide", "2,0")])
def test_no_label_of_the_graph_overlaps_another_on_any_sub_step(watched, base_url, path, neuron):
    page = open_page(watched, base_url, link({"setup": wide_setup()}) if path == "wide" else path)
    page.locator(f"#diagram .neuron[data-neuron='{neuron}']").click(force=True)
    results = walk_graph(page)
    assert_clear(results)
    assert results[-1][1]["frames"] >= 9
    if path == "wide" and neuron == "1,0":  # eight inputs: five drawn, the rest one node
        expect(page.locator(f"{GRAPH} .g-node[data-node='more']")).to_have_count(1)
        trace = trace_of(page, base_url, {**wide_setup(), "per_example": False})
        assert_graph_ends_at_the_trace(page, trace, 0, 0, 0)


def test_the_graph_in_projector_mode_reads_from_the_back(watched, base_url):
    page = open_page(watched, base_url)
    page.keyboard.press("p")
    page.locator("#diagram .neuron[data-neuron='2,0']").click()
    results = walk_graph(page)
    assert_clear(results)
    assert min(m["smallest"] for _, m in results) >= 20
    page.keyboard.press("ArrowLeft")
    size, text = page.evaluate(SMALLEST_TEXT)
    assert size >= 20, f"'{text}' is {size:.1f} px"
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


@pytest.fixture
def phone(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  has_touch=True, is_mobile=True)
    page = context.new_page()
    problems = watch(page, failed_requests=False)
    page.goto(base_url + "/?preset=xor")
    page.wait_for_selector("body.ready")
    yield page
    context.close()
    assert problems == []


SMALL_CONTROLS = """() => [...document.querySelectorAll('button, select, input, a')]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map((e) => [e.className || e.textContent, e.getBoundingClientRect()])
  .filter(([, r]) => r.width > 0 && (r.width < 44 || r.height < 44))
  .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""


def test_on_a_phone_a_tap_expands_a_neuron_and_the_panel_scrolls_itself(phone):
    page = phone
    page.locator("#diagram .neuron[data-neuron='2,0']").tap()
    expect(page.locator(GRAPH)).to_be_visible()
    assert page.evaluate(SMALL_CONTROLS) == []
    for _ in range(STEPS - 1):
        page.locator(f"{GRAPH} .graph-next").tap()
    expect(page.locator(f"{GRAPH} .graph-position")).to_contain_text(f"{STEPS} of {STEPS}")
    assert_clear([(STEPS, page.evaluate(MEASURE))])
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    panel = page.locator(GRAPH).bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 390
    page.locator(f"{GRAPH} .graph-close").tap()
    expect(page.locator(GRAPH)).to_be_hidden()
    page.locator("#toolbar .matrices").tap()
    expect(page.locator("#matrices")).to_be_visible()
    assert page.evaluate(SMALL_CONTROLS) == []
    page.keyboard.press("4")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_a_live_session_carries_the_graph_and_the_matrices():
    request = {"network": {"layers": [2, 2, 1], "activations": ["sigmoid", "sigmoid"],
                           "weights": [[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6]]],
                           "biases": [[0, 0], [0]]},
               "loss": "mse", "inputs": [[1, 0]], "targets": [[1]], "learning_rate": 0.5}
    view = {"graph": {"layer": 1, "neuron": 0, "step": 4}, "matrices": True}
    state = StepState.model_validate({"setup": request, "view": view})
    assert state.view.graph.step == 4 and state.view.matrices
    assert StepState.model_validate({"setup": request}).view.graph is None  # old states read
    with pytest.raises(ValueError, match="needs < 1"):
        StepState.model_validate({"setup": request, "view": {"graph": {"layer": 1, "neuron": 1}}})
