import numpy as np
import pytest

from app.nn.datasets import FEATURES, GENERATORS, features, generate, split


@pytest.mark.parametrize("task, name", list(GENERATORS))
def test_each_data_set_is_reproducible_from_its_seed(task, name):
    x, y = generate(task, name, 120, 0.3, seed=7)
    again_x, again_y = generate(task, name, 120, 0.3, seed=7)
    np.testing.assert_array_equal(x, again_x)
    np.testing.assert_array_equal(y, again_y)
    other_x, _ = generate(task, name, 120, 0.3, seed=8)
    assert not np.array_equal(x, other_x)
    assert x.shape == (120, 1 if name == "sine" else 2) and y.shape == (120,)
    assert np.all(np.abs(x) < 12)
    if task == "classification":
        assert set(np.unique(y)) == {0.0, 1.0}
    else:
        assert np.all(np.abs(y) <= 2)


def test_clean_circle_labels_follow_the_radius():
    x, y = generate("classification", "circle", 400, 0.0, seed=1)
    radius = np.hypot(x[:, 0], x[:, 1])
    assert np.all(radius[y == 1] < 2.5) and np.all(radius[y == 0] > 3.4)


def test_clean_xor_labels_follow_the_quadrant():
    x, y = generate("classification", "xor", 300, 0.0, seed=2)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] >= 0).astype(float))


def test_split_sizes_and_reproducibility():
    x, y = generate("classification", "gauss", 101, 0.1, seed=3)
    a = split(x, y, 0.3, seed=3)
    b = split(x, y, 0.3, seed=3)
    assert len(a[0]) == 71 and len(a[2]) == 30
    for part_a, part_b in zip(a, b):
        np.testing.assert_array_equal(part_a, part_b)
    together = np.concatenate([a[0], a[2]])
    assert sorted(map(tuple, together)) == sorted(map(tuple, x))


def test_features():
    x = np.array([[2.0, -3.0]])
    got = features(x, list(FEATURES))
    np.testing.assert_allclose(got, [[2, -3, 4, 9, -6, np.sin(2), np.sin(-3)]])
