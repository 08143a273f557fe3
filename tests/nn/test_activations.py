import numpy as np
import pytest

from app.nn.activations import ACTIVATIONS, softmax, softmax_backward

H = 1e-6
# Points well away from relu's kink at 0, so a central difference never straddles it.
Z = np.array([[-30.0, -4.0, -1.3, -0.2, 0.3, 1.1, 5.0, 30.0]])


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.der])
def test_derivative_matches_central_difference(name):
    act = ACTIVATIONS[name]
    numeric = (act.output(Z + H) - act.output(Z - H)) / (2 * H)
    np.testing.assert_allclose(act.der(Z, act.output(Z)), numeric, rtol=1e-6, atol=1e-9)


def test_softmax_backward_matches_central_difference():
    rng = np.random.default_rng(3)
    z, g = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    numeric = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[index] += H
        down[index] -= H
        numeric[index] = ((g * softmax(up)).sum() - (g * softmax(down)).sum()) / (2 * H)
    np.testing.assert_allclose(softmax_backward(softmax(z), g), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_large_inputs_stay_finite_without_warnings(name):
    z = np.array([[-1e5, -1000.0, 0.0, 1000.0, 1e5]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = ACTIVATIONS[name].output(z)
    assert np.all(np.isfinite(a))


def test_known_values():
    z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].output(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(ACTIVATIONS["relu"].output(z), [[0, 0, 3]])
    np.testing.assert_allclose(ACTIVATIONS["leaky_relu"].output(z), [[-0.02, 0, 3]])
    np.testing.assert_allclose(softmax(z).sum(), 1.0)
    assert ACTIVATIONS["relu"].der(np.array([0.0]), np.array([0.0]))[0] == 0.0
