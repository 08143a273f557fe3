import numpy as np
import pytest

from app.nn.activations import sigmoid, softmax
from app.nn.losses import LOSSES

H = 1e-6
rng = np.random.default_rng(7)
A = rng.uniform(0.05, 0.95, size=(3, 4))
T = rng.uniform(0.0, 1.0, size=(3, 4))


def central_difference(f, x):
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[index] += H
        down[index] -= H
        grad[index] = (f(up) - f(down)) / (2 * H)
    return grad


@pytest.mark.parametrize("name", ["mse", "bce"])
def test_dL_da_matches_central_difference(name):
    loss = LOSSES[name]
    numeric = central_difference(lambda a: loss.value(None, a, T), A)
    np.testing.assert_allclose(loss.dL_da(A, T), numeric, rtol=1e-5, atol=1e-10)


def test_cross_entropy_dL_da_matches_central_difference():
    loss = LOSSES["cross_entropy"]
    t = softmax(rng.normal(size=(3, 4)))

    def from_a(a):  # cross-entropy written on probabilities: -sum t log a, mean over rows
        return float(np.mean(-(t * np.log(a)).sum(axis=1)))

    a = softmax(rng.normal(size=(3, 4)))
    np.testing.assert_allclose(loss.dL_da(a, t), central_difference(from_a, a), rtol=1e-5)
    # The loss computed from z agrees with the formula on probabilities.
    z = rng.normal(size=(3, 4))
    assert loss.value(z, softmax(z), t) == pytest.approx(from_a(softmax(z)), rel=1e-12)


@pytest.mark.parametrize("name, act", [("bce", sigmoid), ("cross_entropy", softmax)])
def test_fused_delta_matches_central_difference_through_activation(name, act):
    loss = LOSSES[name]
    z = rng.normal(size=(3, 4))
    t = T if name == "bce" else softmax(rng.normal(size=(3, 4)))
    numeric = central_difference(lambda z_: loss.value(z_, act(z_), t), z)
    np.testing.assert_allclose(loss.fused_dL_dz(act(z), t), numeric, rtol=1e-5, atol=1e-10)


def test_definitions_match_pytorch_formulas():
    a, t = np.array([[0.8, 0.3]]), np.array([[1.0, 0.0]])
    assert LOSSES["mse"].value(None, a, t) == pytest.approx((0.2**2 + 0.3**2) / 2)
    assert LOSSES["bce"].value(None, a, t) == pytest.approx(-(np.log(0.8) + np.log(0.7)) / 2)
    z = np.array([[2.0, 0.0]])
    assert LOSSES["cross_entropy"].value(z, softmax(z), t) == pytest.approx(
        np.log(1 + np.exp(-2.0)))


def test_bce_of_saturated_output_is_clamped_like_pytorch():
    assert LOSSES["bce"].value(None, np.array([[1.0]]), np.array([[0.0]])) == pytest.approx(100.0)
