"""One rule for divergence: a loss not finite, or any parameter or optimizer state past the
bound, whether /trace steps once or /train runs an epoch."""

import math

import numpy as np

from app.nn.divergence import diverged
from app.nn.network import Network
from app.nn.optimizers import Optimizer
from app.nn.trace import Update, training_step
from app.nn.train import train


def test_the_rule():
    ok = [np.array([1.0, -1e9])]
    assert not diverged([0.5], ok, 1e9)
    assert diverged([math.inf], ok, 1e9)
    assert diverged([math.nan], ok, 1e9)
    assert diverged([0.5], [np.array([1e9 * (1 + 1e-12)])], 1e9)
    assert diverged([0.5], [np.array([0.0, np.nan])], 1e9)


def adam_blowup() -> tuple[Network, np.ndarray, np.ndarray]:
    net = Network([np.array([[0.5, 0.5]])], [np.array([0.0])], ["linear"])
    return net, np.array([[1e6, 1e6]]), np.array([[0.0]])


def test_trace_and_train_agree_on_an_optimizer_state_past_the_bound():
    net, x, t = adam_blowup()
    step = training_step(net, x, t, "mse", Update(0.01, optimizer=Optimizer("adam", 0.01)),
                         bound=1e9)
    assert max(abs(w) for w in step.network.weights[0].ravel()) < 1  # the weights are fine
    assert step.diverged  # but Adam's v is not
    run = train(net, "mse", x, t.ravel(), x, t.ravel(), optimizer=Optimizer("adam", 0.01),
                batch_size=1, epochs=3, classification=False, bound=1e9)
    assert run.diverged_at == 1 and run.history == []
