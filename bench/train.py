"""Epochs per second through POST /api/v1/train against a plain numpy loop, in one run.

The work: a 2-8-8-1 tanh network (Xavier, seed 1) on 500 `circle` points (half held out),
mean squared error, plain SGD with learning rate 0.03, batches of 10. The baseline is the
straightforward in-process numpy loop for it: per batch a forward pass, a backward pass and an
update of each weight matrix and bias vector, then the epoch's train and test loss. The API
is measured over loopback with one server worker, calling /train repeatedly and continuing
from each answer, as the lab's play mode does.

    python bench/train.py [--seconds 5]
"""

import argparse
import json
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.nn.datasets import generate, split  # noqa: E402
from app.nn.network import init_network  # noqa: E402
from bench.common import server  # noqa: E402

NETWORK = {"layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "tanh"],
           "init": {"scheme": "xavier", "seed": 1}}
DATASET = {"name": "circle", "n": 500, "noise": 0.0, "seed": 1, "test_fraction": 0.5}


def numpy_loop(seconds: float) -> float:
    """Epochs per second of the plain loop."""
    x, y = generate("classification", "circle", 500, 0.0, 1)
    x_train, y_train, x_test, y_test = split(x, y, 0.5, 1)
    t_train, t_test = y_train.reshape(-1, 1), y_test.reshape(-1, 1)
    net = init_network([2, 8, 8, 1], ["tanh"] * 3, "xavier", 1)
    W, b = [w.copy() for w in net.weights], [v.copy() for v in net.biases]
    rng = np.random.default_rng(0)
    lr, epochs, started = 0.03, 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 10):
            batch = order[start:start + 10]
            acts = [x_train[batch]]
            for Wl, bl in zip(W, b):
                acts.append(np.tanh(acts[-1] @ Wl.T + bl))
            delta = 2 * (acts[-1] - t_train[batch]) / acts[-1].size * (1 - acts[-1] ** 2)
            for l in range(len(W) - 1, -1, -1):
                dW, db = delta.T @ acts[l], delta.sum(axis=0)
                if l:
                    delta = (delta @ W[l]) * (1 - acts[l] ** 2)
                W[l] -= lr * dW
                b[l] -= lr * db
        for xs, ts in ((x_train, t_train), (x_test, t_test)):
            a = xs
            for Wl, bl in zip(W, b):
                a = np.tanh(a @ Wl.T + bl)
            float(np.mean((a - ts) ** 2))
        epochs += 1
    return epochs / (time.perf_counter() - started)


def api(base: str, seconds: float, per_call: int, boundary: int | None) -> float:
    """Epochs per second through the API, `per_call` epochs a request."""
    request = {"network": NETWORK, "loss": "mse", "dataset": DATASET, "features": ["x1", "x2"],
               "optimizer": {"name": "sgd", "learning_rate": 0.03}, "batch_size": 10,
               "epochs": per_call, "start_epoch": 0}
    if boundary:
        request["boundary"] = {"resolution": boundary}
    epochs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        body = json.dumps(request).encode()
        call = urllib.request.Request(base + "/api/v1/train", body,
                                      {"content-type": "application/json"})
        answer = json.load(urllib.request.urlopen(call))
        request.update(network=answer["network"], optimizer=answer["optimizer"],
                       start_epoch=answer["epoch"])
        epochs += per_call
    return epochs / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    baseline = numpy_loop(args.seconds)
    print("2-8-8-1 tanh, 500 circle points (250 to train), batch 10, SGD lr 0.03")
    print(f"plain numpy loop, in process:       {baseline:7.0f} epochs/s   (baseline)")
    with server() as base:
        api(base, 1, 10, None)  # warm up
        for per_call, boundary in ((10, None), (100, None), (10, 50)):
            rate = api(base, args.seconds, per_call, boundary)
            label = f"API, {per_call} epochs a call" + (f", {boundary}x{boundary} boundary"
                                                         if boundary else "")
            print(f"{label + ':':<36}{rate:7.0f} epochs/s   ratio {rate / baseline:.2f}"
                  "   (target >= 0.5)")


if __name__ == "__main__":
    main()
