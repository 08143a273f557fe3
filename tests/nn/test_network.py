import itertools
import zlib

import numpy as np
import pytest

from app.nn.activations import ACTIVATIONS, OUTPUT_ONLY
from app.nn.losses import LOSSES, REQUIRED_OUTPUT
from app.nn.network import Network, backward, batch_loss, forward, init_network, update

H = 1e-6
HIDDEN = [n for n in ACTIVATIONS if n not in OUTPUT_ONLY]
PAIRINGS = [(loss, out) for loss in LOSSES for out in ACTIVATIONS
            if REQUIRED_OUTPUT.get(loss, out) == out]


def classic() -> Network:
    return Network([np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([[0.40, 0.45], [0.50, 0.55]])],
                   [np.array([0.35, 0.35]), np.array([0.60, 0.60])], ["sigmoid", "sigmoid"])


CLASSIC_X, CLASSIC_T = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])


def targets_for(loss: str, rng, n: int, k: int) -> np.ndarray:
    if loss == "cross_entropy":
        return np.eye(k)[rng.integers(0, k, n)]
    return rng.uniform(0.05, 0.95, (n, k))


def central_differences(net: Network, x, t, loss):
    """An independent reference: nudge each parameter both ways and re-run the whole forward."""
    def slope(param, index):
        saved = param[index]
        param[index] = saved + H
        up = batch_loss(net, x, t, loss)
        param[index] = saved - H
        down = batch_loss(net, x, t, loss)
        param[index] = saved
        return (up - down) / (2 * H)

    dW = [np.array([slope(w, i) for i in np.ndindex(w.shape)]).reshape(w.shape)
          for w in net.weights]
    db = [np.array([slope(b, i) for i in np.ndindex(b.shape)]) for b in net.biases]
    return dW, db


@pytest.mark.parametrize("batch", [1, 5])
@pytest.mark.parametrize("loss, output", PAIRINGS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_match_central_differences(hidden, loss, output, batch):
    rng = np.random.default_rng(zlib.crc32(f"{hidden}{loss}{output}{batch}".encode()))
    net = init_network([3, 4, 3, 3], [hidden, hidden, output], "uniform", seed=batch)
    x = rng.normal(size=(batch, 3))
    t = targets_for(loss, rng, batch, 3)
    grads = backward(net, x, t, loss, forward(net, x))
    dW, db = central_differences(net, x, t, loss)
    for g, w_num, b_num in zip(grads, dW, db):
        np.testing.assert_allclose(g.dL_dW, w_num, rtol=1e-4, atol=1e-8)
        np.testing.assert_allclose(g.dL_db, b_num, rtol=1e-4, atol=1e-8)


def test_rows_of_deltas_are_gradients_of_the_batch_loss():
    """dL_dz[i] is dL/dz_i of the mean loss: nudging example i's output z moves the batch loss."""
    rng = np.random.default_rng(0)
    net = init_network([2, 3, 2], ["tanh", "linear"], "xavier", 1)
    x, t = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    cache = forward(net, x)
    delta = backward(net, x, t, "mse", cache)[-1].dL_dz
    z = cache[-1].z
    for index in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[index] += H
        down[index] -= H
        numeric = (LOSSES["mse"].value(up, up, t) - LOSSES["mse"].value(down, down, t)) / (2 * H)
        assert delta[index] == pytest.approx(numeric, rel=1e-6)


class TestClassicWorkedExample:
    """The published numbers of the classic 2-2-2 tutorial, to 9 decimals."""

    def setup_method(self):
        self.net = classic()
        self.cache = forward(self.net, CLASSIC_X)
        self.grads = backward(self.net, CLASSIC_X, CLASSIC_T, "mse", self.cache)
        self.new = update(self.net, self.grads, 0.5, update_biases=False)

    def test_outputs(self):
        out = self.cache[-1].a[0]
        assert out[0] == pytest.approx(0.75136507, abs=1e-8)
        assert out[1] == pytest.approx(0.772928465, abs=1e-9)

    def test_total_error(self):
        assert batch_loss(self.net, CLASSIC_X, CLASSIC_T, "mse") == pytest.approx(0.298371109,
                                                                                  abs=1e-9)

    def test_dL_dw5(self):
        assert self.grads[1].dL_dW[0, 0] == pytest.approx(0.082167041, abs=1e-9)

    def test_weights_after_one_step(self):
        assert self.new.weights[1][0, 0] == pytest.approx(0.35891648, abs=1e-8)
        assert self.new.weights[0][0, 0] == pytest.approx(0.149780716, abs=1e-9)

    def test_biases_frozen_and_original_untouched(self):
        np.testing.assert_array_equal(self.new.biases[0], [0.35, 0.35])
        assert self.net.weights[1][0, 0] == 0.40


def test_update_moves_biases_by_default():
    net = classic()
    grads = backward(net, CLASSIC_X, CLASSIC_T, "mse", forward(net, CLASSIC_X))
    new = update(net, grads, 0.5)
    np.testing.assert_allclose(new.biases[1], net.biases[1] - 0.5 * grads[1].dL_db)


@pytest.mark.parametrize("scheme", ["xavier", "he", "uniform", "zeros"])
def test_init_is_reproducible_and_shaped(scheme):
    a = init_network([3, 5, 2], ["relu", "linear"], scheme, 42)
    b = init_network([3, 5, 2], ["relu", "linear"], scheme, 42)
    assert [w.shape for w in a.weights] == [(5, 3), (2, 5)]
    for wa, wb in itertools.chain(zip(a.weights, b.weights), zip(a.biases, b.biases)):
        np.testing.assert_array_equal(wa, wb)


def test_init_bounds():
    net = init_network([30, 20], ["linear"], "xavier", 1)
    assert np.abs(net.weights[0]).max() <= np.sqrt(6 / 50)
    net = init_network([25, 20], ["linear"], "uniform", 1)
    assert np.abs(net.biases[0]).max() <= 0.2 and np.abs(net.biases[0]).max() > 0
    assert init_network([3, 2], ["linear"], "xavier", 1).weights[0].tolist() != \
        init_network([3, 2], ["linear"], "xavier", 2).weights[0].tolist()
