"""Epochs per second of the lab's engine, in process and through POST /api/v1/train, against a
plain numpy loop, side by side in one run.

The work: a 2-8-8-1 tanh network (Xavier, seed 1) on 500 `circle` points (half held out),
mean squared error; once with plain SGD at 0.03 in batches of 10, once with Adam at 0.01 in
batches of 32. The baseline is the straightforward in-process numpy loop for it: per batch a
forward pass, a backward pass and an update of each weight matrix and bias vector (Adam's with
its own m and v arrays, PyTorch's rule), then the epoch's train and test loss. The engine is
`app.nn.train.train` in this process, 100 epochs a call, each continuing the last; the API is
measured over loopback with one server worker pinned to a core, calling /train repeatedly and
continuing from each answer, as the lab's play mode does.

    python bench/train.py [--seconds 3] [--quick]
"""

import argparse
import json
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from app.nn.datasets import generate, split  # noqa: E402
from app.nn.network import init_network  # noqa: E402
from app.nn.optimizers import Optimizer  # noqa: E402
from app.nn.train import train  # noqa: E402
from bench.common import report, server  # noqa: E402

NETWORK = {"layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "tanh"],
           "init": {"scheme": "xavier", "seed": 1}}
DATASET = {"name": "circle", "n": 500, "noise": 0.0, "seed": 1, "test_fraction": 0.5}
ENGINE_TARGET = 1.5  # issue 17: the engine at least 1.5 times the plain loop
API_TARGET = 1.0  # and the API, 100 epochs a call, at least as fast as the plain loop
WIDTH = 58  # the longest label


@dataclass(frozen=True)
class Setup:
    optimizer: str
    learning_rate: float
    batch_size: int


SGD = Setup("sgd", 0.03, 10)
ADAM = Setup("adam", 0.01, 32)


def data() -> tuple[np.ndarray, ...]:
    x, y = generate("classification", "circle", DATASET["n"], DATASET["noise"], DATASET["seed"])
    return split(x, y, DATASET["test_fraction"], DATASET["seed"])


def numpy_loop(seconds: float, setup: Setup = SGD) -> float:
    """Epochs per second of the plain loop."""
    x_train, y_train, x_test, y_test = data()
    t_train, t_test = y_train.reshape(-1, 1), y_test.reshape(-1, 1)
    net = init_network([2, 8, 8, 1], ["tanh"] * 3, "xavier", 1)
    W, b = [w.copy() for w in net.weights], [v.copy() for v in net.biases]
    m, v = [np.zeros_like(p) for p in W + b], [np.zeros_like(p) for p in W + b]
    rng = np.random.default_rng(0)
    lr, steps, epochs, started = setup.learning_rate, 0, 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), setup.batch_size):
            batch = order[start:start + setup.batch_size]
            acts = [x_train[batch]]
            for Wl, bl in zip(W, b):
                acts.append(np.tanh(acts[-1] @ Wl.T + bl))
            delta = 2 * (acts[-1] - t_train[batch]) / acts[-1].size * (1 - acts[-1] ** 2)
            dW, db = [None] * len(W), [None] * len(b)
            for l in range(len(W) - 1, -1, -1):
                dW[l], db[l] = delta.T @ acts[l], delta.sum(axis=0)
                if l:
                    delta = (delta @ W[l]) * (1 - acts[l] ** 2)
            steps += 1
            for p, g, m_p, v_p in zip(W + b, dW + db, m, v):
                if setup.optimizer == "adam":
                    m_p *= 0.9
                    m_p += 0.1 * g
                    v_p *= 0.999
                    v_p += 0.001 * g * g
                    m_hat, v_hat = m_p / (1 - 0.9 ** steps), v_p / (1 - 0.999 ** steps)
                    p -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
                else:
                    p -= lr * g
        for xs, ts in ((x_train, t_train), (x_test, t_test)):
            a = xs
            for Wl, bl in zip(W, b):
                a = np.tanh(a @ Wl.T + bl)
            float(np.mean((a - ts) ** 2))
        epochs += 1
    return epochs / (time.perf_counter() - started)


def engine(seconds: float, setup: Setup, per_call: int = 100) -> float:
    """Epochs per second of the engine in this process, `per_call` epochs a call."""
    x_train, y_train, x_test, y_test = data()
    net = init_network([2, 8, 8, 1], ["tanh"] * 3, "xavier", 1)
    optimizer = Optimizer(setup.optimizer, setup.learning_rate)
    epochs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        run = train(net, "mse", x_train, y_train, x_test, y_test, optimizer=optimizer,
                    batch_size=setup.batch_size, epochs=per_call, start_epoch=epochs)
        net, epochs = run.net, epochs + per_call
    return epochs / (time.perf_counter() - started)


def api(base: str, seconds: float, setup: Setup, per_call: int, boundary: int | None) -> float:
    """Epochs per second through the API, `per_call` epochs a request."""
    request = {"network": NETWORK, "loss": "mse", "dataset": DATASET, "features": ["x1", "x2"],
               "optimizer": {"name": setup.optimizer, "learning_rate": setup.learning_rate},
               "batch_size": setup.batch_size, "epochs": per_call, "start_epoch": 0}
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3, help="for each figure")
    parser.add_argument("--quick", action="store_true", help="1 s a figure (for CI)")
    args = parser.parse_args(argv)
    seconds = 1.0 if args.quick else args.seconds
    engine(0.2, SGD)  # the kernels loaded (or compiled) before anything is timed
    print("2-8-8-1 tanh, 500 circle points (250 to train), mean squared error; ratios to the "
          "plain numpy loop measured in this run", flush=True)
    with server() as base:
        for setup in (SGD, ADAM):
            api(base, 0.5, setup, 10, None)  # the server's first answers, not timed
            name = f"{setup.optimizer} {setup.learning_rate:g}, batch {setup.batch_size}"
            # The baseline half before the others and half after: a machine whose load drifts
            # during the run moves it as it moves them.
            before = numpy_loop(seconds / 2, setup)
            rows = [(f"{name}: engine in process", engine(seconds, setup), ENGINE_TARGET)]
            for per_call, boundary in ((10, None), (100, None), (10, 50)):
                label = f"{name}: API, {per_call} epochs a call" + (
                    f", {boundary}x{boundary} boundary" if boundary else "")
                # Only 100 a call has a target: a call's fixed cost is what the others show.
                target = API_TARGET if per_call == 100 and not boundary else 0
                rows.append((label, api(base, seconds, setup, per_call, boundary), target))
            baseline = (before + numpy_loop(seconds / 2, setup)) / 2
            report(f"{name}: plain numpy loop", baseline, baseline, 1.0, "epochs/s", width=WIDTH)
            for label, rate, target in rows:
                report(label, rate, baseline, target, "epochs/s", width=WIDTH)

if __name__ == "__main__":
    main()
