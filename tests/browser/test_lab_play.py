"""The lab's play mode as the server sees it: calls sized for throughput that ask for no grid,
the plane drawn from the weights as they change, Pause at once, and a phone that keeps up.

No timing is asserted: what each call asks for, how the calls grow, what is drawn."""

import re

import pytest
from playwright.sync_api import expect
from pydantic import ValidationError

from app.schemas.lab import TrainRequest
from app.schemas.limits import MAX_EPOCHS
from tests.browser.conftest import settle, settled_epoch
from tests.browser.test_lab import lab_url, open_lab

HEATMAP = "() => document.querySelector('#heatmap').toDataURL()"
# The output neuron's thumbnail in the diagram: the last canvas of the network.
OUTPUT = "() => [...document.querySelectorAll('#lab-network canvas')].at(-1).toDataURL()"


def train_calls(page) -> list[dict]:
    """Every /train request body the page sends from now on, in order."""
    calls: list[dict] = []
    page.on("request", lambda r: r.url.endswith("/api/v1/train")
            and calls.append(r.post_data_json))
    return calls


def play_until(page, calls, check, timeout_ms: int = 20000) -> None:
    """Plays until the calls so far satisfy `check` (or fails after `timeout_ms`)."""
    page.click(".play")
    expect(page.locator(".play")).to_have_attribute("aria-pressed", "true")
    for _ in range(timeout_ms // 100):
        if check(calls):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never: {[c['epochs'] for c in calls]}")


def test_playing_asks_for_epochs_not_grids_and_the_plane_moves(watched, base_url):
    page = open_lab(watched, base_url + "/lab")
    calls = train_calls(page)
    first_plane, first_output = page.evaluate(HEATMAP), page.evaluate(OUTPUT)
    play_until(page, calls, lambda c: len(c) >= 6 and max(x["epochs"] for x in c) > 20)
    # The rate shown is measured: never "0 epochs/s" while it trains (blank until measured).
    expect(page.locator("#rate")).to_have_text(re.compile(r"^[1-9]\d* epochs/s$"))
    page.click(".play")
    settled_epoch(page)
    settle(page)
    # Sized for throughput: past a handful of epochs, growing from the first call.
    sizes = [c["epochs"] for c in calls]
    assert max(sizes) > 20 and sizes[0] < max(sizes), sizes
    # Each asks for no boundary, and a few history records: every epoch of a small call, every
    # 2nd, 4th... of a larger one (a short run's history keeps all it is sent).
    assert all("boundary" not in c for c in calls), calls[0]
    everies = [c["history_every"] for c in calls]
    assert everies[0] == 1 and max(everies) > 1, everies
    powers_of_two = {2 ** k for k in range(11)}
    assert all(c["epochs"] / c["history_every"] <= 16 and c["history_every"] in powers_of_two
               for c in calls), calls
    # Each continues from the last answer: its start is the epoch before plus that call's.
    starts = [c["start_epoch"] for c in calls]
    assert starts == [sum(sizes[:i]) for i in range(len(sizes))], (starts, sizes)
    assert int(page.locator("#epoch").text_content()) == sum(sizes)
    # The plane and the output neuron, drawn here from the weights, changed as it trained.
    assert page.evaluate(HEATMAP) != first_plane
    assert page.evaluate(OUTPUT) != first_output
    assert "epochs/s" not in page.locator("#rate").text_content()  # paused: no rate shown


def test_pause_stops_the_calls_at_once(watched, base_url):
    page = open_lab(watched, lab_url(base_url, hidden=[8] * 6))
    calls = train_calls(page)
    play_until(page, calls, lambda c: len(c) >= 4)
    page.click(".play")
    asked = len(calls)
    stopped = settled_epoch(page)
    page.wait_for_timeout(500)
    # The answer on its way when Pause was pressed lands; no call starts after it.
    assert len(calls) <= asked + 1, [c["epochs"] for c in calls]
    assert int(page.locator("#epoch").text_content()) == stopped
    assert stopped == sum(c["epochs"] for c in calls)


@pytest.mark.parametrize("hidden, batch, n", [([4, 2], 10, 500), ([8] * 6, 10, 500),
                                              ([8] * 6, 1, 2000), ([8] * 6, 2000, 2000)])
def test_the_largest_call_the_page_asks_for_is_the_apis(watched, base_url, hidden, batch, n):
    """play.js maxEpochs, from the catalog's limits, against the schema's own check."""
    page = open_lab(watched, base_url + "/lab")
    body = page.evaluate("""async ([hidden, batch, n]) => {
        const { maxEpochs } = await import('/static/js/lab/play.js');
        const { DEFAULT_LAB, trainRequest } = await import('/static/js/lab/state.js');
        const lab = { ...DEFAULT_LAB, hidden, batch_size: batch,
                      dataset: { ...DEFAULT_LAB.dataset, n } };
        return trainRequest(lab, null, maxEpochs(lab));
    }""", [hidden, batch, n])
    TrainRequest.model_validate(body)  # the most it asks for is accepted
    if body["epochs"] < MAX_EPOCHS:
        with pytest.raises(ValidationError, match="too_much_work"):
            TrainRequest.model_validate({**body, "epochs": body["epochs"] + 1})


def test_a_phone_four_times_slower_still_trains_and_pauses(browser, base_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        page.goto(lab_url(base_url, hidden=[8] * 6))
        page.wait_for_selector("body.ready")
        calls = train_calls(page)
        plane = page.evaluate(HEATMAP)
        page.tap(".play")
        expect(page.locator(".play")).to_have_attribute("aria-pressed", "true")
        for _ in range(200):
            if len(calls) >= 4:
                break
            page.wait_for_timeout(100)
        page.tap(".play")
        expect(page.locator(".play")).to_have_attribute("aria-pressed", "false")
        stopped = settled_epoch(page)
        assert stopped == sum(c["epochs"] for c in calls) > 0
        assert page.evaluate(HEATMAP) != plane
    finally:
        context.close()



@pytest.mark.parametrize("switch", [("sine", "circle"), ("plane", "circle")])
def test_changing_the_data_while_playing_sends_no_call_with_half_changed_settings(
        watched, base_url, switch):
    """A new data set while a call is on its way: the old run's answer used to land mid-change
    and the page sent the new settings with the old weights (a 422 shown to the student: "the
    input layer needs one neuron per feature"). A slow link widens that window."""
    first, then = switch
    page = open_lab(watched, base_url + "/lab")
    page.click(f".dataset[data-name='{first}']")
    expect(page.locator(f".dataset[data-name='{first}']")).to_have_attribute("aria-pressed",
                                                                             "true")
    settle(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 400,
                                                  "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    statuses: list[int] = []
    page.on("response", lambda r: r.url.endswith("/api/v1/train")
            and statuses.append(r.status))
    calls = train_calls(page)
    play_until(page, calls, lambda c: len(c) >= 2)
    page.click(f".dataset[data-name='{then}']")
    expect(page.locator(f".dataset[data-name='{then}']")).to_have_attribute("aria-pressed",
                                                                            "true")
    settle(page)
    page.wait_for_function("() => !document.querySelector('.play[aria-pressed=true]')")
    for _ in range(30):  # every call sent has answered
        if len(statuses) >= len(calls):
            break
        page.wait_for_timeout(200)
    assert statuses and all(s == 200 for s in statuses), statuses
