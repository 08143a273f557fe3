import numpy as np
import pytest

from app.nn.network import Network, batch_loss, init_network
from app.nn.trace import Update, loss_slice, parameter_slice, slice_range, training_step


def test_per_example_gradients_average_to_the_batch_gradient():
    rng = np.random.default_rng(2)
    net = init_network([2, 3, 1], ["tanh", "sigmoid"], "xavier", 0)
    x, t = rng.normal(size=(6, 2)), rng.uniform(size=(6, 1))
    trace = training_step(net, x, t, "bce", Update(0.1), per_example=True)
    for per, grad in zip(trace.per_example, trace.backward):
        np.testing.assert_allclose(per.dL_dW.mean(axis=0), grad.dL_dW, atol=1e-15)
        np.testing.assert_allclose(per.dL_db.mean(axis=0), grad.dL_db, atol=1e-15)


def test_per_example_gradient_equals_a_batch_of_one():
    rng = np.random.default_rng(5)
    net = init_network([2, 3, 2], ["relu", "linear"], "he", 3)
    x, t = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    trace = training_step(net, x, t, "mse", Update(0.1), per_example=True)
    alone = training_step(net, x[2:3], t[2:3], "mse", Update(0.1))
    np.testing.assert_allclose(trace.per_example[0].dL_dW[2], alone.backward[0].dL_dW)


def test_gradient_check_agrees_with_backprop():
    net = init_network([3, 4, 3], ["sigmoid", "softmax"], "uniform", 9)
    x, t = np.array([[0.1, -0.5, 2.0]]), np.array([[0.0, 1.0, 0.0]])
    trace = training_step(net, x, t, "cross_entropy", Update(0.1), gradient_check=True)
    assert trace.gradient_check.max_relative_error < 1e-6
    np.testing.assert_allclose(trace.gradient_check.dL_dW[1], trace.backward[1].dL_dW, rtol=1e-5)


def test_gradient_check_notices_a_wrong_gradient():
    net = init_network([2, 2, 1], ["tanh", "linear"], "xavier", 1)
    x, t = np.array([[1.0, 2.0]]), np.array([[3.0]])
    trace = training_step(net, x, t, "mse", Update(0.1), gradient_check=True)
    from app.nn.trace import numeric_gradients
    trace.backward[0].dL_dW[0, 0] *= 1.5
    assert numeric_gradients(net, x, t, "mse", trace.backward).max_relative_error > 0.1


def test_loss_after_is_the_loss_of_the_updated_network():
    net = init_network([2, 2, 1], ["tanh", "linear"], "xavier", 1)
    x, t = np.array([[1.0, 2.0]]), np.array([[3.0]])
    trace = training_step(net, x, t, "mse", Update(0.05))
    assert trace.loss_after == batch_loss(trace.network, x, t, "mse")
    assert trace.loss_after < trace.loss and not trace.diverged


def test_exploding_network_reports_divergence():
    net = Network([np.full((1, 1), 1e200)], [np.zeros(1)], ["linear"])
    trace = training_step(net, np.array([[1e200]]), np.array([[0.0]]), "mse", Update(1.0))
    assert trace.diverged


def test_loss_slice_passes_through_current_loss_with_the_analytic_slope():
    net = init_network([2, 3, 1], ["tanh", "sigmoid"], "xavier", 4)
    x, t = np.array([[0.3, -0.7], [1.0, 0.5]]), np.array([[1.0], [0.0]])
    trace = training_step(net, x, t, "bce", Update(0.1))
    w = net.weights[1][0, 2]
    values = np.array([w - 1e-5, w, w + 1e-5])
    losses = loss_slice(net, x, t, "bce", "weight", 1, (0, 2), values)
    assert losses[1] == pytest.approx(trace.loss, rel=1e-12)
    assert (losses[2] - losses[0]) / 2e-5 == pytest.approx(trace.backward[1].dL_dW[0, 2], rel=1e-6)
    assert net.weights[1][0, 2] == w  # the probe works on a copy


def test_a_parameter_slice_has_the_slope_of_its_curve_and_shows_the_update():
    net = init_network([2, 2, 2], ["sigmoid", "sigmoid"], "xavier", 4)
    x, t = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    s = parameter_slice(net, x, t, "mse", "weight", 1, (0, 1), Update(0.5), points=81)
    h = 1e-6
    plus, minus = (loss_slice(net, x, t, "mse", "weight", 1, (0, 1), np.array([s.value + d]))[0]
                   for d in (h, -h))
    assert s.slope == pytest.approx((plus - minus) / (2 * h), rel=1e-6)
    assert s.values[0] < s.updated < s.values[-1]
    assert s.values[40] == pytest.approx(s.value)  # the current value sits in the middle
    assert s.loss == pytest.approx(batch_loss(net, x, t, "mse"))
    assert s.updated == pytest.approx(s.value - 0.5 * s.slope)


def test_the_default_slice_range_widens_for_large_values_and_steps():
    assert slice_range(0.4, 0.01) == (-1.6, 2.4)
    assert slice_range(10.0, 0.0) == (0.0, 20.0)
    assert slice_range(0.0, 8.0) == (-20.0, 20.0)
    assert slice_range(1.0, float("inf")) == (-2.0, 4.0)


def test_a_step_past_the_bound_is_diverged():
    net = Network([np.array([[1e8]])], [np.array([0.0])], ["linear"])
    x, t = np.array([[1e3]]), np.array([[0.0]])
    assert not training_step(net, x, t, "mse", Update(1e-20), bound=1e9).diverged
    assert training_step(net, x, t, "mse", Update(1.0), bound=1e9).diverged
