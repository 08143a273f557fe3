"""Ready-made setups: each is a complete trace request a teacher can open by name."""

from app.schemas.engine import Preset, PresetSummary, TraceRequest

_PRESETS = [
    {
        "name": "classic",
        "title": "The classic 2-2-2 worked example",
        "description": (
            "Two inputs, two sigmoid hidden neurons, two sigmoid outputs, squared error, "
            "learning rate 0.5 and frozen biases: the network of the best-known step-by-step "
            "backpropagation tutorial, whose published numbers this reproduces exactly."),
        "request": {
            "network": {
                "layers": [2, 2, 2], "activations": ["sigmoid", "sigmoid"],
                "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
                "biases": [[0.35, 0.35], [0.60, 0.60]],
            },
            "loss": "mse", "inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]],
            "learning_rate": 0.5, "update_biases": False,
        },
    },
    {
        "name": "xor",
        "title": "XOR with a 2-2-1 network",
        "description": (
            "The four XOR examples as one batch: no single line separates them, so the hidden "
            "layer has to learn two. The batch gradient is the mean of four different ones."),
        "request": {
            "network": {
                "layers": [2, 2, 1], "activations": ["sigmoid", "sigmoid"],
                "weights": [[[0.6, -0.4], [-0.3, 0.7]], [[0.5, 0.8]]],
                "biases": [[0.1, -0.1], [-0.2]],
            },
            "loss": "mse", "inputs": [[0, 0], [0, 1], [1, 0], [1, 1]],
            "targets": [[0], [1], [1], [0]], "learning_rate": 2.0, "per_example": True,
        },
    },
    {
        "name": "softmax",
        "title": "A three-class softmax classifier",
        "description": (
            "Two inputs, three tanh hidden neurons, a softmax output over three classes and "
            "cross-entropy loss: the output delta is simply prediction minus target."),
        "request": {
            "network": {
                "layers": [2, 3, 3], "activations": ["tanh", "softmax"],
                "weights": [[[0.5, -0.2], [-0.3, 0.4], [0.1, 0.6]],
                            [[0.7, -0.5, 0.2], [-0.4, 0.6, -0.1], [0.2, 0.1, 0.5]]],
                "biases": [[0.0, 0.1, -0.1], [0.0, 0.0, 0.0]],
            },
            "loss": "cross_entropy", "inputs": [[1.0, 0.5], [-0.5, 1.0], [0.2, -1.0]],
            "targets": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "learning_rate": 0.5,
            "per_example": True,
        },
    },
]

PRESETS: dict[str, Preset] = {
    p["name"]: Preset(name=p["name"], title=p["title"], description=p["description"],
                      request=TraceRequest.model_validate(p["request"]))
    for p in _PRESETS
}


def summaries() -> list[PresetSummary]:
    return [PresetSummary(name=p.name, title=p.title, description=p.description)
            for p in PRESETS.values()]
