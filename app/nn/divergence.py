"""One rule for divergence, the same wherever a network trains: a step (or an epoch) has
diverged when a loss is not finite, or any weight, bias or optimizer state is not finite or
lies past ±bound (the API's bound on every number it takes, so a state that did not diverge can
always be posted back). /trace, /train, live sessions and the code export all ask this."""

import math
from collections.abc import Iterable

import numpy as np


def diverged(losses: Iterable[float], arrays: Iterable[np.ndarray], bound: float) -> bool:
    """Whether the step that left these losses and these parameters and states diverged."""
    if not all(math.isfinite(loss) for loss in losses):
        return True
    # |NaN| <= bound is False, so a NaN anywhere counts as well.
    return not all(bool(np.all(np.abs(a) <= bound)) for a in arrays)
