"""Epochs per second on screen and frames per second while the lab plays, in headless Chromium.

Drives the real page for a number of seconds per setup: the default (circle, two hidden
layers of 4 and 2, tanh, batch 10, learning rate 0.03) and six hidden layers of 8. The
baseline is the page's own frame rate when paused, measured in the same run. The server runs
on core 0 and Chromium on core 1, as a machine with a core for each would have them.

    python bench/play.py [--seconds 10]
"""

import argparse
import base64
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import other_core, server  # noqa: E402

DEFAULT = {"dataset": {"name": "circle", "task": "classification", "n": 500, "noise": 0, "seed": 1,
                       "test_fraction": 0.5},
           "features": ["x1", "x2"], "activation": "tanh", "loss": "bce", "optimizer": "sgd",
           "learning_rate": 0.03, "batch_size": 10, "regularization": "none", "rate": 0, "seed": 1}
SETUPS = {"[4, 2]": [4, 2], "six layers of 8": [8] * 6}

FRAMES = """async (seconds) => {
  let frames = 0; const start = performance.now();
  const epoch = () => Number(document.querySelector('#epoch').textContent);
  const first = epoch();
  await new Promise((done) => {
    function tick(now) {
      frames += 1;
      if (now - start < seconds * 1000) requestAnimationFrame(tick); else done();
    }
    requestAnimationFrame(tick);
  });
  const elapsed = (performance.now() - start) / 1000;
  return { fps: frames / elapsed, epochs: (epoch() - first) / elapsed };
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with server() as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_on_other_core(), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        print(f"headless Chromium 1280x720, {args.seconds:g} s each, circle 500 points, batch 10")
        for name, hidden in SETUPS.items():
            page.goto(lab_url(base, hidden))
            page.wait_for_selector("body.ready")
            idle = page.evaluate(FRAMES, 2)
            page.click(".play")
            page.wait_for_timeout(1000)  # let the call size settle
            busy = page.evaluate(FRAMES, args.seconds)
            page.click(".play")
            print(f"{name:>16}: {busy['epochs']:6.0f} epochs/s on screen at {busy['fps']:4.1f} "
                  f"frames/s (paused: {idle['fps']:4.1f} frames/s; ratio "
                  f"{busy['fps'] / idle['fps']:.2f})")
        browser.close()
    print("targets: [4, 2] >= 600 epochs/s and six layers of 8 >= 100 epochs/s, "
          "both at 60 frames/s")


if __name__ == "__main__":
    main()
