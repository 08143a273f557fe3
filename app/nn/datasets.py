"""Toy data sets, reproducible from a seed, and the input features computed from them.

Points lie in [-6, 6] in each input, as in TensorFlow Playground. Classification labels are 0
or 1; regression targets lie in [-1, 1]. `noise` runs from 0 (clean) to 1 (the most the
Playground offers, its 50%). Each generator takes a numpy Generator so a seed fixes every point.
Each feature's entry carries its function, the raw inputs it needs and its label on the page.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

DOMAIN = 6.0
CLASSIFICATION = ("circle", "xor", "gauss", "spiral", "moons")
REGRESSION = ("plane", "gauss", "sine")
ONE_DIMENSIONAL = ("sine",)

Points = tuple[np.ndarray, np.ndarray]  # inputs (n, 1 or 2) and labels or targets (n,)


def circle(rng: np.random.Generator, n: int, noise: float) -> Points:
    """Label 1 inside radius 2.5, 0 in the ring from 3.5 to 5; noise shifts the points."""
    radius = 5.0
    inner = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, inner),
                        rng.uniform(radius * 0.7, radius, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    x += rng.uniform(-radius, radius, (n, 2)) * noise * 0.5
    label = (np.hypot(x[:, 0], x[:, 1]) < radius * 0.5).astype(float)
    return x, label


def xor(rng: np.random.Generator, n: int, noise: float) -> Points:
    """Label 1 where x1 and x2 have the same sign; points keep 0.3 away from the axes."""
    x = rng.uniform(-5, 5, (n, 2))
    x += np.where(x > 0, 0.3, -0.3)
    label = (x[:, 0] * x[:, 1] >= 0).astype(float)
    x += rng.uniform(-5, 5, (n, 2)) * noise * 0.5
    return x, label


def gauss(rng: np.random.Generator, n: int, noise: float) -> Points:
    """Two round clouds, label 1 around (2, 2) and 0 around (-2, -2); noise widens them."""
    spread = 0.5 + 3.5 * noise
    half = n // 2
    x = np.concatenate([rng.normal(2, np.sqrt(spread), (half, 2)),
                        rng.normal(-2, np.sqrt(spread), (n - half, 2))])
    label = np.concatenate([np.ones(half), np.zeros(n - half)])
    return x, label


def spiral(rng: np.random.Generator, n: int, noise: float) -> Points:
    """Two interleaved spiral arms, one per label."""
    half = n // 2
    parts, labels = [], []
    for arm, count in ((0.0, half), (np.pi, n - half)):
        i = np.arange(count) / max(count, 1)
        r = i * 5
        t = 1.75 * i * 2 * np.pi + arm
        points = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        parts.append(points + rng.uniform(-1, 1, (count, 2)) * noise)
        labels.append(np.full(count, 1.0 if arm == 0 else 0.0))
    return np.concatenate(parts), np.concatenate(labels)


def moons(rng: np.random.Generator, n: int, noise: float) -> Points:
    """Two interleaved half circles of radius 3, label 1 on the upper one."""
    half = n // 2
    t_up, t_down = rng.uniform(0, np.pi, half), rng.uniform(0, np.pi, n - half)
    up = np.stack([3 * np.cos(t_up) - 1.5, 3 * np.sin(t_up) - 0.75], axis=1)
    down = np.stack([1.5 - 3 * np.cos(t_down), 0.75 - 3 * np.sin(t_down)], axis=1)
    x = np.concatenate([up, down]) + rng.normal(0, 1.2 * noise + 1e-12, (n, 2))
    return x, np.concatenate([np.ones(half), np.zeros(n - half)])


def plane(rng: np.random.Generator, n: int, noise: float) -> Points:
    """Target (x1 + x2) / 12, a tilted plane from -1 to 1; noise is added to the target."""
    x = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    return x, (x[:, 0] + x[:, 1]) / (2 * DOMAIN) + rng.uniform(-1, 1, n) * noise * 0.5


GAUSS_BUMPS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def gauss_regression(rng: np.random.Generator, n: int, noise: float) -> Points:
    """Target: six bumps of alternating sign; noise is added to the target."""
    x = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    y = np.zeros(n)
    for cx, cy, sign in GAUSS_BUMPS:
        y += sign * np.exp(-((x[:, 0] - cx) ** 2 + (x[:, 1] - cy) ** 2) / 2)
    return x, np.clip(y, -1, 1) + rng.uniform(-1, 1, n) * noise * 0.5


def sine(rng: np.random.Generator, n: int, noise: float) -> Points:
    """One input: target sin(x1), noise added to the target."""
    x = rng.uniform(-DOMAIN, DOMAIN, (n, 1))
    return x, np.sin(x[:, 0]) + rng.normal(0, 0.5 * noise + 1e-12, n)


GENERATORS: dict[tuple[str, str], Callable] = {
    ("classification", "circle"): circle, ("classification", "xor"): xor,
    ("classification", "gauss"): gauss, ("classification", "spiral"): spiral,
    ("classification", "moons"): moons, ("regression", "plane"): plane,
    ("regression", "gauss"): gauss_regression, ("regression", "sine"): sine,
}


def generate(task: str, name: str, n: int, noise: float, seed: int) -> Points:
    """n points (n, 1 or 2) and their labels or targets (n,)."""
    return GENERATORS[(task, name)](np.random.default_rng(seed), n, noise)


def split(x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int):
    """Shuffled into train and test parts, the test part rounding down."""
    order = np.random.default_rng([seed, 1]).permutation(len(x))
    n_test = int(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


@dataclass(frozen=True)
class Feature:
    of: Callable[[np.ndarray], np.ndarray]  # a function of the raw inputs
    inputs: int  # how many raw inputs it needs
    label: str  # as the page writes it


FEATURES: dict[str, Feature] = {
    "x1": Feature(lambda x: x[:, 0], 1, "x₁"),
    "x2": Feature(lambda x: x[:, 1], 2, "x₂"),
    "x1^2": Feature(lambda x: x[:, 0] ** 2, 1, "x₁²"),
    "x2^2": Feature(lambda x: x[:, 1] ** 2, 2, "x₂²"),
    "x1*x2": Feature(lambda x: x[:, 0] * x[:, 1], 2, "x₁x₂"),
    "sin(x1)": Feature(lambda x: np.sin(x[:, 0]), 1, "sin x₁"),
    "sin(x2)": Feature(lambda x: np.sin(x[:, 1]), 2, "sin x₂"),
}


def features(x: np.ndarray, names: list[str]) -> np.ndarray:
    """The network's inputs: one column per named feature of the raw points."""
    return np.stack([FEATURES[name].of(x) for name in names], axis=1)
