"""Epochs per second on screen while the lab plays, against the server's own training rate.

For two setups, the default (circle, 500 points, half held out, hidden layers of 4 and 2, tanh,
BCE, SGD at 0.03, batch 10) and six hidden layers of 8, measured in the same run:

- the server's own rate: a plain client (this process) looping POST /api/v1/train for the same
  setup with the largest calls the limits allow and no boundary, continuing from each answer,
  for half the time just before the page plays and half just after (a machine shared with other
  work drifts: the mean of the two is the baseline, and both are printed);
- the lab page in headless Chromium while it plays: the epochs its counter advances a second,
  its frames a second, and its calls (epochs and answer bytes a call, from Resource Timing);
- the same page paused: its frames a second, the baseline for the playing page's.

It prints epochs/s on screen as a ratio to the server's own rate (target 0.8), frames/s as a
ratio to the paused page's and against 55, and the JSON bytes of an answer against the answer
the page asked for before it drew the plane itself (a 40x40 boundary and every epoch's history,
for as many epochs). The server runs on core 0; Chromium and this client on core 1 (on a
machine whose two cores share a physical one, the page's own work slows the server: a busy
core 1 took a third off core 0's training here).

    python bench/play.py [--seconds 10] [--quick]
"""

import argparse
import base64
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx
from pydantic import ValidationError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.schemas.lab import TrainRequest  # noqa: E402
from app.schemas.limits import MAX_EPOCHS  # noqa: E402
from bench.common import other_core, other_core_affinity, report, server  # noqa: E402

DEFAULT = {"dataset": {"name": "circle", "task": "classification", "n": 500, "noise": 0, "seed": 1,
                       "test_fraction": 0.5},
           "features": ["x1", "x2"], "activation": "tanh", "loss": "bce", "optimizer": "sgd",
           "learning_rate": 0.03, "batch_size": 10, "regularization": "none", "rate": 0, "seed": 1}
SETUPS = {"[4, 2]": [4, 2], "six layers of 8": [8] * 6}
EPOCHS_TARGET = 0.8  # on screen, as a share of the server's own rate
FPS_TARGET = 55

# Frames and the epoch counter over `seconds`, and the /train calls that ended meanwhile.
PLAYING = """async (seconds) => {
  let frames = 0;
  const epoch = () => Number(document.querySelector('#epoch').textContent);
  const calls = () => performance.getEntriesByType('resource')
    .filter((e) => e.name.endsWith('/api/v1/train'));
  performance.clearResourceTimings();
  const first = epoch(); const start = performance.now();
  await new Promise((done) => {
    function tick(now) {
      frames += 1;
      if (now - start < seconds * 1000) requestAnimationFrame(tick); else done();
    }
    requestAnimationFrame(tick);
  });
  const elapsed = (performance.now() - start) / 1000;
  const answers = calls();
  const mean = (key) => answers.reduce((s, e) => s + e[key], 0) / Math.max(1, answers.length);
  return { fps: frames / elapsed, epochs: (epoch() - first) / elapsed, calls: answers.length,
           bytes: mean('decodedBodySize'), wire: mean('encodedBodySize') };
}"""


def browser_on_other_core() -> str:
    """Chromium started on core 1 (the server has core 0), so neither takes the other's time."""
    prefix = other_core()
    if not prefix:
        return "/usr/bin/chromium"
    wrapper = Path(tempfile.mkdtemp()) / "chromium"
    wrapper.write_text(f'#!/bin/sh\nexec {" ".join(prefix)} /usr/bin/chromium "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def lab_url(base: str, hidden: list[int]) -> str:
    token = base64.urlsafe_b64encode(json.dumps({**DEFAULT, "hidden": hidden}).encode())
    return f"{base}/lab?lab={token.decode().rstrip('=')}"


def train_request(hidden: list[int], epochs: int) -> dict:
    """The /train request the lab sends for the setup, from fresh weights (lab/state.js)."""
    layers = [2, *hidden, 1]
    return {"network": {"layers": layers, "activations": ["tanh"] * len(hidden) + ["sigmoid"],
                        "init": {"scheme": "xavier", "seed": 1}},
            "loss": "bce", "dataset": DEFAULT["dataset"], "features": ["x1", "x2"],
            "optimizer": {"name": "sgd", "learning_rate": 0.03},
            "regularization": {"kind": "none", "rate": 0}, "batch_size": 10, "epochs": epochs,
            "start_epoch": 0, "seed": 1}


def largest_call(hidden: list[int]) -> int:
    """The most epochs one call may ask for, by the schema's own check (no copy of its rule)."""
    low, high = 1, MAX_EPOCHS
    while low < high:
        mid = (low + high + 1) // 2
        try:
            TrainRequest.model_validate(train_request(hidden, mid))
            low = mid
        except ValidationError:
            high = mid - 1
    return low


def server_rate(client: httpx.Client, hidden: list[int], seconds: float) -> float:
    """Epochs a second of a plain client looping the largest calls (at least one)."""
    request = train_request(hidden, 10)
    client.post("/api/v1/train", json=request).raise_for_status()  # warm up
    request["epochs"] = largest_call(hidden)
    trained, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        answer = client.post("/api/v1/train", json=request).json()
        trained += answer["epoch"] - request["start_epoch"]
        request.update(network=answer["network"], optimizer=answer["optimizer"],
                       start_epoch=answer["epoch"])
    return trained / (time.perf_counter() - started)


def old_answer_bytes(client: httpx.Client, hidden: list[int], epochs: int) -> int:
    """The answer the page asked for before, for as many epochs: a 40x40 boundary, every epoch."""
    request = {**train_request(hidden, max(1, epochs)), "boundary": {"resolution": 40}}
    return len(client.post("/api/v1/train", json=request).content)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="playing, per setup")
    parser.add_argument("--quick", action="store_true", help="a couple of seconds a setup, for CI")
    args = parser.parse_args(argv)
    seconds = 2.0 if args.quick else args.seconds
    idle_seconds, settle_ms = (1, 500) if args.quick else (2, 1500)
    from playwright.sync_api import sync_playwright

    other_core_affinity()  # this client and Playwright's driver off the server's core
    with server() as base, sync_playwright() as p, httpx.Client(base_url=base,
                                                                 timeout=60) as client:
        browser = p.chromium.launch(executable_path=browser_on_other_core(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        print(f"headless Chromium 1280x720, {seconds:g} s playing a setup; circle 500 points, "
              "batch 10, tanh, SGD 0.03")
        for name, hidden in SETUPS.items():
            own_before = server_rate(client, hidden, seconds / 2)
            page.goto(lab_url(base, hidden))
            page.wait_for_selector("body.ready")
            idle = page.evaluate(PLAYING, idle_seconds)
            page.click(".play")
            page.wait_for_timeout(settle_ms)  # the first calls find the pace
            busy = page.evaluate(PLAYING, seconds)
            page.click(".play")
            own_after = server_rate(client, hidden, seconds / 2)
            own = (own_before + own_after) / 2
            per_call = busy["epochs"] * seconds / max(1, busy["calls"])
            before = old_answer_bytes(client, hidden, round(per_call))
            print(f"{name}: the server's own rate {own_before:.0f} epochs/s before the page "
                  f"played and {own_after:.0f} after, in {largest_call(hidden)}-epoch calls; "
                  f"the page made {busy['calls'] / seconds:.1f} calls/s of {per_call:.0f} "
                  f"epochs, {busy['wire']:.0f} bytes an answer on the wire (gzip)")
            report(f"{name}: epochs/s on screen vs server's own", busy["epochs"], own,
                   EPOCHS_TARGET, "epochs/s")
            report(f"{name}: frames/s playing vs paused", busy["fps"], idle["fps"],
                   FPS_TARGET / 60, "frames/s")
            report(f"{name}: frames/s playing vs {FPS_TARGET}", busy["fps"], FPS_TARGET, 1,
                   "frames/s")
            report(f"{name}: JSON bytes an answer vs boundary+history", busy["bytes"], before,
                   0.5, "bytes", higher_is_better=False)
        browser.close()


if __name__ == "__main__":
    main()
