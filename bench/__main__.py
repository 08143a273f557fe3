"""Every benchmark, one after another: `python -m bench --quick` is what CI runs (.ci/run).

Each bench runs in a process of its own (and its own process group, so that a bench stopped
at its time limit takes its servers with it), its output streamed as it comes. A bench that
cannot run fails the whole run: a non-zero exit, a crash, a missing file, or no end within
`--timeout` seconds. A figure on the wrong side of its target is a WARNING line, printed by
the bench (bench.common.report) and again in the summary, and fails nothing: machines are
noisy. tests/test_bench.py checks that every bench in bench/ is in BENCHES and takes --quick.

    python -m bench --quick [--only classroom,trace] [--timeout 300]
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
# In the order they run: the engine and the lab first, then the classroom, then the server.
BENCHES = ["train", "play", "classlab", "classroom", "frames", "load", "trace",
           "session_frames", "abuse"]
NOT_BENCHES = {"__init__", "__main__", "common"}  # the modules here that measure nothing
TIMEOUT_SECONDS = 300.0  # a quick bench takes under 30 s here: ten times that is a hang


@dataclass
class Outcome:
    name: str
    failure: str | None = None  # why it could not run; None when it ran to its end
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


def stop_group(process: subprocess.Popen) -> None:
    """Ends a bench and every process it started (servers, browsers)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


def run_one(name: str, args: list[str], timeout: float, folder: Path = FOLDER) -> Outcome:
    """Runs bench/<name>.py with `args`, echoing its output line by line."""
    path = folder / f"{name}.py"
    outcome = Outcome(name)
    print(f"\n== {path.relative_to(folder.parent)} {' '.join(args)}", flush=True)
    if not path.is_file():
        outcome.failure = "missing"
        print(f"{path}: no such bench", flush=True)
        return outcome
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, str(path), *args], cwd=folder.parent,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               errors="replace",
                               env={**os.environ, "PYTHONUNBUFFERED": "1"},
                               start_new_session=True)
    timed_out = threading.Event()

    def hung() -> None:
        timed_out.set()
        stop_group(process)

    timer = threading.Timer(timeout, hung)
    timer.start()
    try:
        for line in process.stdout:
            print(line, end="", flush=True)
            if "WARNING: " in line and "target" in line:  # report()'s, not a server log line
                outcome.warnings.append(line.strip())
        code = process.wait()
    finally:
        timer.cancel()
        stop_group(process)  # what it left running, if anything
    outcome.seconds = time.monotonic() - started
    if timed_out.is_set():
        outcome.failure = f"no end within {timeout:g} s"
    elif code != 0:
        outcome.failure = f"exit status {code}"
    return outcome


def run_all(names: list[str], args: list[str], timeout: float,
            folder: Path = FOLDER) -> list[Outcome]:
    outcomes = [run_one(name, args, timeout, folder) for name in names]
    print("\n== summary", flush=True)
    for o in outcomes:
        state = f"FAILED ({o.failure})" if o.failure else "ran"
        print(f"{o.name:<16} {state:<28} {o.seconds:6.1f} s  {len(o.warnings)} warning(s)")
    for o in outcomes:
        for warning in o.warnings:
            print(f"{o.name}: {warning}")
    failed = [o.name for o in outcomes if o.failure]
    print(f"{len(outcomes) - len(failed)} of {len(outcomes)} benches ran"
          + (f"; could not run: {', '.join(failed)}" if failed else "")
          + f"; {sum(len(o.warnings) for o in outcomes)} warning(s), which fail nothing",
          flush=True)
    return outcomes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each bench's short run (CI)")
    parser.add_argument("--only", help="these benches, comma-separated (default: all)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS,
                        help="seconds a bench may take before it counts as hung")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else BENCHES
    outcomes = run_all(names, ["--quick"] if args.quick else [], args.timeout, FOLDER)
    if any(o.failure for o in outcomes):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
