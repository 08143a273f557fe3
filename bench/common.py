"""Shared by the benchmarks: start our server on loopback, pinned to one core, and stop it."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(core: int | None = 0) -> Iterator[str]:
    """One uvicorn worker on 127.0.0.1, on `core` where taskset exists; yields its base URL."""
    with server_process(core) as (base, _):
        yield base


@contextlib.contextmanager
def server_process(core: int | None = 0, command: str = "uvicorn"
                   ) -> Iterator[tuple[str, int]]:
    """As `server`, yielding the base URL and the server's process id (for its CPU time and
    memory). `command="cli"` serves as shipped (`backprop-viz`), guarded protocol included."""
    port = free_port()
    if command == "cli":
        command = [sys.executable, "-m", "app.cli", "--port", str(port)]
    else:
        # The app as a serving process runs it (served_app: the collector tuned, as shipped);
        # importing app.main no longer does that, and an untuned collector pauses the server
        # for 100 ms and more under a thousand followers.
        command = [sys.executable, "-m", "uvicorn", "app.server:served_app", "--factory",
                   "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                   "--log-level", "warning", "--no-access-log"]
    if core is not None and shutil_which("taskset"):
        command = ["taskset", "-c", str(core)] + command
    env = {"BACKPROP_VIZ_LOG_LEVEL": "warning", **os.environ}
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a machine busy with other work starts it slowly
        while True:
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def shutil_which(name: str) -> str | None:
    import shutil
    return shutil.which(name)


def other_core(core: int = 0) -> list[str]:
    """A prefix that runs a command off the server's core, when there is another one."""
    if shutil_which("taskset") and (os.cpu_count() or 1) > 1:
        return ["taskset", "-c", str(1 if core == 0 else 0)]
    return []


def other_core_affinity(core: int = 0) -> None:
    """Moves this process off the server's core, when there is another one."""
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1 if core == 0 else 0})


def report(label: str, value: float, baseline: float, target: float, unit: str = "",
           *, higher_is_better: bool = True, width: int = 44) -> bool:
    """Prints one figure beside its ratio to a baseline measured in the same run, and the
    target for that ratio; a ratio on the wrong side of it is printed as a WARNING (machines are
    noisy, so a bench warns and CI shows it, but nothing fails on time). Returns whether the
    target was met."""
    ratio = value / baseline if baseline else float("inf")
    met = ratio >= target if higher_is_better else ratio <= target
    sign, side = (">=", "below") if higher_is_better else ("<=", "above")
    warning = "" if met else f"   WARNING: {side} target"
    print(f"{label + ':':<{width}}{value:9.1f} {unit:<10} ratio {ratio:5.2f}  "
          f"(target {sign} {target:g}){warning}", flush=True)
    return met


def report_within(label: str, value: float, baseline: float, bound: float, unit: str = "",
                  *, width: int = 44) -> bool:
    """`report` for a figure whose target is a bound on the figure itself (a latency the
    issue caps, say): its ratio to the same run's baseline is printed, with the bound over that
    baseline as the ratio's target, so the WARNING says exactly that the bound was missed."""
    if baseline:
        target = bound / baseline
    else:  # no ratio to print: the target says only whether the bound was met
        target = float("inf") if value <= bound else 0.0
    return report(f"{label} (<= {bound:g} {unit})", value, baseline, target, unit,
                  higher_is_better=False, width=width)
