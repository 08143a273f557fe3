"""Requests per second of POST /api/v1/trace against GET /api/v1/health, in the same run.

Starts the server (one worker, pinned to core 0), drives it from core 1 with wrk over loopback
(bounded: a fixed number of seconds per measurement), and prints the ratio trace/health at 16
connections and a single client's latency percentiles, against /health's from one client in
the same run. Targets (issue #2): trace at 16 connections at least 0.45 of health's rate, and
one client's trace p99 under 1 ms. Needs wrk (`apt-get install -y wrk`).

    python bench/trace.py [--seconds 5] [--preset classic] [--quick]
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import other_core, report, report_within, server  # noqa: E402

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(url: str, connections: int, seconds: int, script: str | None) -> dict:
    command = other_core() + ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        command[len(other_core()) + 1:len(other_core()) + 1] = ["-s", script]
    out = subprocess.run(command, capture_output=True, text=True, check=True,
                         timeout=seconds + 30).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    percentiles = {p: float(v) * UNITS[u] for p, v, u in
                   re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed requests:\n{out}")
    return {"rate": rate, "percentiles_ms": percentiles}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--preset", default="classic")
    parser.add_argument("--quick", action="store_true", help="1 s a measurement (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 1
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    with server() as base, tempfile.TemporaryDirectory() as tmp:
        request = json.load(urllib.request.urlopen(f"{base}/api/v1/presets/{args.preset}"))
        body = json.dumps(request["request"])
        script = Path(tmp, "post.lua")
        script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                          f"wrk.body = {json.dumps(body)}\n")
        wrk(f"{base}/api/v1/health", 16, 1, None)  # warm up
        wrk(f"{base}/api/v1/trace", 16, 1, str(script))
        health = wrk(f"{base}/api/v1/health", 16, args.seconds, None)
        trace = wrk(f"{base}/api/v1/trace", 16, args.seconds, str(script))
        single = wrk(f"{base}/api/v1/trace", 1, args.seconds, str(script))
        single_health = wrk(f"{base}/api/v1/health", 1, args.seconds, None)
    print(f"preset {args.preset}, {args.seconds} s per measurement, 1 server worker")
    print(f"health, 16 connections: {health['rate']:9.0f} requests/s")
    print(f"trace,  16 connections: {trace['rate']:9.0f} requests/s")
    p, h = single["percentiles_ms"], single_health["percentiles_ms"]
    print(f"trace, 1 connection: {single['rate']:.0f} requests/s, latency p50 {p['50']:.3f} ms, "
          f"p90 {p['90']:.3f} ms, p99 {p['99']:.3f} ms; health, 1 connection: p99 "
          f"{h['99']:.3f} ms")
    report("trace / health requests a second, 16 conns", trace["rate"], health["rate"], 0.45,
           "req/s")
    report_within("trace p99, 1 connection / health's", 1000 * p["99"], 1000 * h["99"], 1000,
                  "us")


if __name__ == "__main__":
    main()
