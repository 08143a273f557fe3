"""Each optimizer against a step computed by hand from PyTorch's update rules."""

import numpy as np
import pytest

from app.nn.optimizers import Optimizer

G1 = np.array([0.5, -2.0])
G2 = np.array([0.1, 1.0])


def test_sgd():
    theta = np.array([1.0, 1.0])
    Optimizer("sgd", 0.1).step(theta, G1)
    np.testing.assert_allclose(theta, [0.95, 1.2])


def test_momentum_two_steps():
    theta = np.array([1.0, 1.0])
    opt = Optimizer("momentum", 0.1, {"momentum": 0.9})
    opt.step(theta, G1)  # v = g1 = [0.5, -2]
    np.testing.assert_allclose(theta, [0.95, 1.2])
    opt.step(theta, G2)  # v = 0.9 [0.5, -2] + [0.1, 1] = [0.55, -0.8]
    np.testing.assert_allclose(opt.state["velocity"], [0.55, -0.8])
    np.testing.assert_allclose(theta, [0.95 - 0.055, 1.2 + 0.08])


def test_adam_two_steps():
    theta = np.array([1.0, 1.0])
    opt = Optimizer("adam", 0.01)
    opt.step(theta, G1)
    # First step: m_hat = g, v_hat = g^2, so each parameter moves by lr * sign(g) (almost).
    np.testing.assert_allclose(theta, [1 - 0.01, 1 + 0.01], rtol=1e-7)
    opt.step(theta, G2)
    m = 0.9 * 0.1 * G1 + 0.1 * G2
    v = 0.999 * 0.001 * G1**2 + 0.001 * G2**2
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    after_first = 1.0 - 0.01 * G1 / (np.abs(G1) + 1e-8)
    expected = after_first - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(theta, expected, rtol=1e-12)
    assert opt.steps == 2


def test_unknown_name():
    with pytest.raises(ValueError):
        Optimizer("lbfgs", 0.1).step(np.zeros(1), np.zeros(1))
