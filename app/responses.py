"""Fast, strict JSON: orjson writes numpy arrays directly and every NaN or Infinity as null."""

from typing import Any

import numpy as np
import orjson
from fastapi.responses import Response

from app.nn.network import Network


class JSONBytes(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_fallback, option=orjson.OPT_SERIALIZE_NUMPY)


def _fallback(value: Any) -> Any:
    """What orjson cannot write natively: non-contiguous arrays (views, transposes)."""
    if isinstance(value, np.ndarray):
        return np.ascontiguousarray(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def network_json(net: Network) -> dict:
    """A network as the API writes it: explicit weights, ready to post back."""
    return {"layers": net.layers, "activations": net.activations,
            "weights": net.weights, "biases": net.biases}
