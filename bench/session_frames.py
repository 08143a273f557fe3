"""The heaviest live-session requests the frame budget accepts, timed: the measurement behind
MAX_FRAME_WORK (app/schemas/limits.py).

For each network shape at the edge of the API's limits (widest and deepest, most examples,
most inputs, a gradient check that just fits), the furthest training step the budget accepts
is presented as a new session would be: the body validated, every step before it replayed,
the step traced with its loss slice and gradient check, the event encoded. Each is timed on a
fresh cache (a create after a restart: nothing replayed yet), best of `--repeat`. It also
times one step past the furthest, which the API refuses, to show what the refusal saves.

The heaviest accepted frame's CPU time is reported against the same shape's frame at its first
step (no replay), in the same run; the target, MAX_FRAME_WORK's calibration: about a second.

    python bench/session_frames.py [--repeat 2] [--quick]
"""

import argparse
import random
import sys
import time
from pathlib import Path

from pydantic import TypeAdapter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.schemas.limits import FRAME_EXTRA_STEPS, MAX_FRAME_WORK, MAX_ITERATION  # noqa: E402
from app.schemas.sessions import SessionCreate, StepState, frame_work, step_work  # noqa: E402
from app.sessions.classroom import encode  # noqa: E402
from app.sessions.frames import Stopped  # noqa: E402
from app.sessions.pagekinds import StepFrames  # noqa: E402
from app.work import one_blas_thread  # noqa: E402
from bench.common import report_within  # noqa: E402

# (layers, examples, optimizer): each at examples × neurons of 131,072 or its own edge.
SHAPES = [
    ([64] * 11, 204, None),
    ([64] * 11, 204, "adam"),
    ([1] + [64] * 9 + [1], 227, None),
    ([64, 32], 4096, None),
    ([64, 64, 64], 1024, "adam"),
    ([1, 64, 1], 2000, None),
    ([1] * 11, 4096, "momentum"),
    ([10, 40, 12, 1], 100, None),  # 945 parameters: the gradient check just allowed
    ([10] * 9 + [1], 125, None),  # and through eight layers
    ([2, 2, 2], 1, None),
]


def state(layers: list[int], examples: int, optimizer: str | None, iteration: int) -> dict:
    rng = random.Random(0)
    acts = ["tanh"] * (len(layers) - 2) + ["sigmoid"]
    setup = {"network": {"layers": layers, "activations": acts,
                         "init": {"scheme": "xavier", "seed": 0}},
             "loss": "mse",
             "inputs": [[rng.randint(-1, 1) for _ in range(layers[0])] for _ in range(examples)],
             "targets": [[rng.randint(0, 1) for _ in range(layers[-1])] for _ in range(examples)]}
    if optimizer:
        setup["optimizer"] = {"name": optimizer, "learning_rate": 0.01}
    else:
        setup["learning_rate"] = 0.1
    return {"setup": setup, "position": {"iteration": iteration, "step": 0},
            "view": {"selected": {"kind": "weight", "layer": 0, "row": 0, "col": 0}}}


def furthest(body: dict) -> int:
    setup = StepState.model_validate({**body, "position": {"iteration": 0, "step": 0}}).setup
    return min(MAX_ITERATION, MAX_FRAME_WORK // step_work(setup) - FRAME_EXTRA_STEPS)


def timed(body: dict) -> tuple[float, float]:
    """Seconds, of the clock and of the process's CPU, to take a create's body to its encoded
    event, as the server does (the clock's is infinite where the replay was stopped)."""
    started, cpu = time.perf_counter(), time.process_time()
    TypeAdapter(SessionCreate).validate_python({"page": "step", "state": body})
    try:
        frame = StepFrames().compute(StepState.model_validate(body), lambda: False)
    except Stopped:
        return float("inf"), time.process_time() - cpu
    encode(1, "step", body, frame)
    return time.perf_counter() - started, time.process_time() - cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true",
                        help="two shapes, the heaviest among them, once each (CI)")
    args = parser.parse_args(argv)
    shapes = [SHAPES[0], SHAPES[3]] if args.quick else SHAPES
    repeat = 1 if args.quick else args.repeat
    one_blas_thread()  # as a serving process runs (app/server.py)
    print(f"budget {MAX_FRAME_WORK:.0e}; best of {repeat}, fresh cache each time")
    print(f"{'network':24} {'examples':>8} {'optimizer':>9} {'furthest':>8} {'work':>8} "
          f"{'seconds':>7} {'cpu s':>6} {'step 0 s':>8}")
    worst, heaviest = 0.0, (0.0, 0.0, "")
    for layers, examples, optimizer in shapes:
        at = furthest(state(layers, examples, optimizer, 0))
        body = state(layers, examples, optimizer, at)
        setup = StepState.model_validate(body).setup
        seconds, cpu = min(timed(body) for _ in range(repeat))
        first, first_cpu = min(timed(state(layers, examples, optimizer, 0))
                               for _ in range(repeat))
        worst = max(worst, seconds)
        name = "-".join(f"{n}" for n in layers)
        if len(name) > 24:
            name = f"{layers[0]}-{layers[1]}×{len(layers) - 2}-{layers[-1]}"
        heaviest = max(heaviest, (cpu, first_cpu, name))
        print(f"{name:24} {examples:8} {optimizer or 'sgd':>9} {at:8} "
              f"{frame_work(setup, at):8.1e} {seconds:7.2f} {cpu:6.2f} {first:8.2f}", flush=True)
    print(f"heaviest accepted session frame: {worst:.2f} s "
          f"(inf: a replay stopped at MAX_FRAME_SECONDS: the machine is busy, measure again)")
    cpu, first_cpu, name = heaviest
    report_within(f"heaviest frame's CPU ({name}) / at step 0", cpu, first_cpu, 1.0, "s")


if __name__ == "__main__":
    main()
