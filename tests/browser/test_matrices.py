"""The phase as matrices for the batch: every entry read off the screen equals /trace's own,
bit for bit, the step's entries marked; a large batch cut down readably; read from the back of
a room."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_graph import link, open_page, preset_request, trace_of, wide_setup
from tests.browser.test_screens import SMALLEST_TEXT

# Every entry of the matrix view: matrix key -> [[row, col, value, class]].
ENTRIES = """() => {
  const out = {};
  for (const fig of document.querySelectorAll('#matrices figure.matrix')) {
    const list = out[fig.dataset.matrix] ||= [];
    for (const td of fig.querySelectorAll('td[data-row]')) {
      list.push([+td.dataset.row, +td.dataset.col, td.dataset.value, td.className]);
    }
  }
  return out;
}"""


def matrix_expectations(trace, request, phase, layer):
    """What each matrix of the view must hold, by its key, for a step of this phase and layer."""
    fwd, bwd = trace["forward"], trace["backward"]
    net = request["network"]
    transpose = lambda m: [list(r) for r in zip(*m)]  # noqa: E731
    a_prev = request["inputs"] if layer == 0 else fwd[layer - 1]["a"]
    if phase == "forward":
        return {"Z": fwd[layer]["z"], "Z2": fwd[layer]["z"], "A": fwd[layer]["a"], "A_prev": a_prev,
                "Wt": transpose(net["weights"][layer]), "b": [net["biases"][layer]]}
    if phase == "update":
        after = trace["network"]
        return {"W": net["weights"][layer], "dL_dW": bwd[layer]["dL_dW"],
                "W_new": after["weights"][layer], "b": [net["biases"][layer]],
                "dL_db": [bwd[layer]["dL_db"]], "b_new": [after["biases"][layer]]}
    g = bwd[layer]
    a, t, delta = fwd[layer]["a"], request["targets"], g["dL_dz"]
    expected = {"dL_dA": g["dL_da"], "dL_dA2": g["dL_da"], "A": a, "A2": a, "T": t, "T2": t,
                "Delta": delta, "Delta2": delta, "Delta3": delta, "fprime": g["da_dz"],
                "dL_dW": g["dL_dW"], "DeltaT": transpose(delta), "A_prev": a_prev,
                "dL_db": [g["dL_db"]], "W": net["weights"][layer]}
    if layer + 1 < len(bwd):
        expected |= {"Delta_next": bwd[layer + 1]["dL_dz"], "W_next": net["weights"][layer + 1]}
    if layer > 0:
        expected["dL_dA_prev"] = bwd[layer - 1]["dL_da"]
    return expected


def assert_entries(page, expected):
    entries = page.evaluate(ENTRIES)
    keys = page.evaluate("[...document.querySelectorAll('#matrices figure')]"
                         ".map((f) => f.dataset.matrix)")
    assert keys and len(keys) == len(set(keys))  # each matrix on screen named once
    for key, cells in entries.items():
        assert key in expected, f"matrix {key} is not checked"
        matrix = expected[key]
        assert len(cells) == len(matrix) * len(matrix[0]), key  # small: shown whole
        for i, j, value, _ in cells:
            assert float(value) == matrix[i][j], (key, i, j, value, matrix[i][j])
    return entries


def marked(entries, key, kind):
    return sorted((i, j) for i, j, _, cls in entries[key] if cls == kind)


@pytest.mark.parametrize("preset", ["xor", "softmax"])
def test_the_matrices_hold_the_traces_numbers_forward_backward_update(watched, base_url, preset):
    page = open_page(watched, base_url, f"/?preset={preset}")
    request = preset_request(page, base_url, preset)
    trace = trace_of(page, base_url, request)
    last = len(request["network"]["layers"]) - 2
    page.keyboard.press("x")  # example 2: its row is the one marked
    page.keyboard.press("M")
    expect(page.locator("#matrices")).to_be_visible()
    expect(page.locator("#toolbar .matrices")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("2")  # forward: the weighted sum into the first hidden neuron
    expect(page.locator("#matrices .matrices-title")).to_contain_text("Forward, layer 1")
    entries = assert_entries(page, matrix_expectations(trace, request, "forward", 0))
    assert marked(entries, "Z", "result") == [(1, 0)]
    assert marked(entries, "A_prev", "used") == [(1, j) for j in range(2)]
    shape = "3 × 3" if preset == "softmax" else "4 × 2"
    caption = page.locator("#matrices figure[data-matrix='Z'] figcaption")
    expect(caption).to_have_text(f"Z¹ {shape} (examples × hidden neurons)")
    page.keyboard.press("4")  # backward: ∂L/∂a of the first output, then its δ, then ∂L/∂w
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    expect(page.locator(".step-title")).to_contain_text("the gradient of w")
    entries = assert_entries(page, matrix_expectations(trace, request, "backward", last))
    assert marked(entries, "dL_dW", "result") == [(0, 0)]
    assert marked(entries, "DeltaT", "used") == [(0, i) for i in range(len(request["inputs"]))]
    if preset == "softmax":  # fused: Δ = (A − T)/N, no f′(Z)
        assert "fprime" not in entries and "A2" in entries
    page.keyboard.press("5")  # the update of the last layer, then of the first
    expect(page.locator("#matrices .matrices-title")).to_contain_text(f"Update, layer {last + 1}")
    entries = assert_entries(page, matrix_expectations(trace, request, "update", last))
    assert marked(entries, "W_new", "result")
    while "layer 1 of" not in page.locator("#matrices .matrices-title").inner_text():
        page.keyboard.press("ArrowRight")
    assert_entries(page, matrix_expectations(trace, request, "update", 0))
    page.keyboard.press("Escape")
    expect(page.locator("#matrices")).to_be_hidden()
    expect(page.locator("#explain")).to_be_visible()


def test_the_matrix_view_of_a_hidden_layers_backward_step(watched, base_url):
    page = open_page(watched, base_url, "/?preset=xor")
    request = preset_request(page, base_url, "xor")
    trace = trace_of(page, base_url, request)
    page.locator("#toolbar .matrices").click()
    page.keyboard.press("4")
    while "o1" in page.locator(".step-title").inner_text():  # the output layer's steps first
        page.keyboard.press("ArrowRight")
    expect(page.locator(".step-title")).to_contain_text("the error flows back to h1")
    entries = assert_entries(page, matrix_expectations(trace, request, "backward", 0))
    assert marked(entries, "dL_dA", "result") == [(0, 0)]
    assert marked(entries, "W_next", "used") == [(0, 0)]
    assert marked(entries, "Delta_next", "used") == [(0, 0)]


def test_a_large_batch_is_cut_down_readably_and_keeps_the_examples_row(watched, base_url):
    setup = wide_setup(examples=12)
    state = {"setup": setup, "view": {"example": 10, "matrices": True}}
    page = open_page(watched, base_url, link(state))
    page.keyboard.press("2")
    figure = page.locator("#matrices figure[data-matrix='A_prev']")
    expect(figure.locator(".cut")).to_have_text(
        "Too large to show whole: 8 of 12 rows and 6 of 8 columns shown.")
    rows = sorted({i for i, *_ in page.evaluate(ENTRIES)["A_prev"]})
    assert 10 in rows and len(rows) == 8
    expect(figure.locator("td.gap").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_the_matrix_view_in_projector_mode_reads_from_the_back(watched, base_url):
    page = open_page(watched, base_url, "/?preset=xor")
    page.keyboard.press("p")
    page.keyboard.press("m")
    for key in ["2", "4", "ArrowRight", "ArrowRight", "5"]:
        page.keyboard.press(key)
        size, text = page.evaluate(SMALLEST_TEXT)
        assert size >= 20, f"'{text}' is {size:.1f} px after {key}"
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    expect(page.locator("#stepnav .matrices")).to_have_attribute("aria-pressed", "true")
