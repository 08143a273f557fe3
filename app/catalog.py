"""The names and limits the pages check against, built from the registries and the schemas.

Each page embeds this as JSON (`<script type="application/json" id="catalog">`, which never
runs, so the CSP allows it) and `static/js/catalog.js` reads it: a name or a limit changed here
changes in every select, link check and message at once, with no copy to forget.
"""

from app.nn.activations import ACTIVATIONS, OUTPUT_ONLY
from app.nn.datasets import CLASSIFICATION, FEATURES, ONE_DIMENSIONAL, REGRESSION
from app.nn.losses import LOSSES, REQUIRED_OUTPUT
from app.nn.network import INIT_SCHEMES
from app.nn.optimizers import NAMES as OPTIMIZERS
from app.nn.train import REGULARIZATION
from app.schemas import limits
from app.schemas.common import OptimizerSpec


def catalog() -> dict:
    optimizer_defaults = {name: OptimizerSpec.model_fields[name].default
                          for name in ("momentum", "beta1", "beta2", "eps")}
    return {
        "activations": list(ACTIVATIONS),
        "hidden_activations": [name for name in ACTIVATIONS if name not in OUTPUT_ONLY],
        "losses": list(LOSSES),
        "required_output": dict(REQUIRED_OUTPUT),
        "optimizers": list(OPTIMIZERS),
        "optimizer_defaults": optimizer_defaults,
        "regularizations": list(REGULARIZATION),
        "init_schemes": list(INIT_SCHEMES),
        "datasets": {"classification": list(CLASSIFICATION), "regression": list(REGRESSION)},
        "one_input_datasets": list(ONE_DIMENSIONAL),
        "features": list(FEATURES),
        "limits": {
            "max_weight_layers": limits.MAX_WEIGHT_LAYERS,
            "max_neurons": limits.MAX_NEURONS,
            "max_examples": limits.MAX_EXAMPLES,
            "max_learning_rate": limits.MAX_LEARNING_RATE,
            "max_regularization_rate": limits.MAX_REGULARIZATION_RATE,
            "max_abs_value": limits.MAX_ABS_VALUE,
            "max_optimizer_steps": limits.MAX_EPOCH_NUMBER,
            "max_gradient_check_parameters": limits.MAX_GRADIENT_CHECK_PARAMETERS,
            "max_gradient_check_work": limits.MAX_GRADIENT_CHECK_WORK,
            "max_iteration": limits.MAX_ITERATION,
            "max_points": limits.MAX_POINTS,
            "max_seed": limits.MAX_SEED,
            "lab_max_hidden_layers": limits.LAB_MAX_HIDDEN_LAYERS,
            "lab_max_neurons": limits.LAB_MAX_NEURONS,
            "max_loss_points": limits.MAX_LOSS_POINTS,
        },
    }


if __name__ == "__main__":  # `python -m app.catalog`: the catalog as JSON, for Node's tests
    import json
    import sys

    json.dump(catalog(), sys.stdout, ensure_ascii=False)
