"""Fast, strict JSON: orjson writes numpy arrays directly and every NaN or Infinity as null."""

from typing import Any

import numpy as np
import orjson
from fastapi.responses import Response

from app.nn.network import Network
from app.nn.optimizers import Optimizer
from app.nn.trace import ParameterSlice, Trace


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


def trace_json(trace: Trace) -> dict:
    check = trace.gradient_check
    return {
        "loss": trace.loss,
        "loss_after": trace.loss_after,
        "diverged": trace.diverged,
        "forward": [{"z": f.z, "a": f.a} for f in trace.forward],
        "backward": [{"dL_da": b.dL_da, "da_dz": b.da_dz, "dL_dz": b.dL_dz, "dL_dW": b.dL_dW,
                      "dL_db": b.dL_db} for b in trace.backward],
        # A diverged step has no network to post back: null, said by `diverged`.
        "network": None if trace.diverged else network_json(trace.network),
        "optimizer": (None if trace.optimizer is None or trace.diverged
                      else optimizer_json(trace.optimizer)),
        "per_example": None if trace.per_example is None else [
            {"dL_dW": p.dL_dW, "dL_db": p.dL_db} for p in trace.per_example],
        "gradient_check": None if check is None else {
            "dL_dW": check.dL_dW, "dL_db": check.dL_db,
            "max_relative_error": check.max_relative_error},
    }


def slice_json(parameter: dict, s: ParameterSlice) -> dict:
    return {"parameter": parameter, "values": s.values, "losses": s.losses,
            "current": {"value": s.value, "loss": s.loss}, "slope": s.slope,
            "updated": {"value": s.updated, "loss": s.updated_loss}}


def optimizer_json(opt: Optimizer) -> dict:
    """An optimizer as the API writes it, its state included: post it back to continue."""
    state = {"steps": opt.steps, **opt.state}
    return {"name": opt.name, "learning_rate": opt.learning_rate, **opt.settings,
            "state": state}


def example(content: dict) -> dict:
    """An answer as plain JSON, for the API description's examples."""
    return orjson.loads(orjson.dumps(content, default=_fallback,
                                     option=orjson.OPT_SERIALIZE_NUMPY))
