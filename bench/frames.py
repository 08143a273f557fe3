"""Frame time of the step-through page in headless Chromium, stepping once every frame.

Opens the page with a network of four hidden layers of eight neurons ([2, 8, 8, 8, 8, 1]),
then, in the page, presses → on every animation frame (the heaviest use: each frame renders a
new step) and records the time between frames and the time the step's render took. The
baseline is the same page's frame interval when idle, measured in the same run. Targets:
60 frames/s while stepping (the frame time within 5% of the idle page's, for the odd late
frame), and a step's render within one idle frame at the 95th percentile.

    python bench/frames.py [--seconds 5] [--quick]
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import report, server  # noqa: E402

MEASURE = """async ([seconds, stepping]) => {
  const intervals = []; const work = [];
  let last = performance.now();
  const end = last + seconds * 1000;
  await new Promise((done) => {
    function frame(now) {
      intervals.push(now - last); last = now;
      if (stepping) {
        const t0 = performance.now();
        document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
        work.push(performance.now() - t0);
      }
      if (now < end) requestAnimationFrame(frame); else done();
    }
    requestAnimationFrame(frame);
  });
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const pct = (xs, p) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
  const mean = (xs) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const frames = intervals.slice(1);
  return { frames: intervals.length, mean: mean(frames), p95: pct(frames, 0.95),
           workMean: mean(work), workP95: work.length ? pct(work, 0.95) : 0 };
}"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--quick", action="store_true", help="1 s a measurement (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 1.0
    from playwright.sync_api import sync_playwright

    with server(core=None) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(base + "/")
        page.wait_for_selector("body.ready")
        page.keyboard.press("e")
        page.fill("#editor .layers", "2-8-8-8-8-1")
        page.press("#editor .layers", "Enter")
        page.locator("#diagram .neuron").nth(34).wait_for()
        page.keyboard.press("Escape")
        steps = page.locator(".position").inner_text()
        idle = page.evaluate(MEASURE, [args.seconds, False])
        busy = page.evaluate(MEASURE, [args.seconds, True])
        browser.close()
    print(f"network 2-8-8-8-8-1 ({steps.split('of ')[-1]} steps a training step), "
          f"{args.seconds:g} s per measurement, headless Chromium 1280x720")
    print(f"idle page:           {idle['mean']:6.2f} ms per frame (p95 {idle['p95']:.2f}), "
          f"{1000 / idle['mean']:.0f} frames/s")
    print(f"a new step a frame:  {busy['mean']:6.2f} ms per frame (p95 {busy['p95']:.2f}), "
          f"{1000 / busy['mean']:.0f} frames/s, over {busy['frames']} frames")
    print(f"render of one step:  {busy['workMean']:6.2f} ms mean, {busy['workP95']:.2f} ms p95 "
          f"(budget at 60 frames/s: 16.7 ms)")
    print(json.dumps({"idle": idle, "stepping": busy}))
    report("frame time, a new step a frame / idle", busy["mean"], idle["mean"], 1.05, "ms",
           higher_is_better=False)
    report("render of one step, p95 / idle frame", busy["workP95"], idle["mean"], 1.0, "ms",
           higher_is_better=False)


if __name__ == "__main__":
    main()
