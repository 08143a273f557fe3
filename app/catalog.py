"""The names, notation and limits the pages check against, built from the registries and the
schemas.

`GET /api/v1/catalog` serves it and `static/js/catalog.js` imports it: a name, a formula or a
limit changed in its registry entry changes in every select, link check, formula and message at
once, with no copy to forget. `notation` is, per kind and per name, how the page writes it.
"""

from dataclasses import asdict

from app.nn.activations import ACTIVATIONS, HIDDEN
from app.nn.datasets import CLASSIFICATION, FEATURES, ONE_DIMENSIONAL, REGRESSION
from app.nn.losses import LOSSES, REQUIRED_OUTPUT
from app.nn.network import INITIALIZERS
from app.nn.optimizers import HYPERPARAMETERS, OPTIMIZERS, STATE_KEYS
from app.nn.regularizers import REGULARIZERS
from app.schemas import limits


def hyperparameter(key: str) -> dict:
    h = HYPERPARAMETERS[key]
    return {"label": h.label, "symbol": h.symbol, "default": h.default,
            "min": h.ge if h.gt is None else h.gt, "max": h.le if h.lt is None else h.lt,
            "min_exclusive": h.gt is not None, "max_exclusive": h.lt is not None,
            "description": h.description}


def notation() -> dict:
    """Per kind, per public name: the page's words and symbols for it, from its entry."""
    return {
        "activations": {name: {
            "label": a.label, "symbol": a.symbol, "formula": a.formula,
            "derivative": a.derivative, "slope": a.slope, "output_only": a.output_only,
            "range": list(a.range) if a.range else None, "max_slope": a.max_slope,
            "saturates": a.saturates, "can_die": a.can_die} for name, a in ACTIVATIONS.items()},
        "losses": {name: {
            "label": loss.label, "formula": loss.formula, "term": loss.term,
            "reduction": loss.reduction, "requires_output": loss.fused_with,
            "fused_delta": loss.fused_delta, "matrix_formula": loss.matrix_formula}
            for name, loss in LOSSES.items()},
        "optimizers": {name: {
            "label": o.label, "rule": o.rule,
            "hyperparameters": {key: hyperparameter(key) for key in o.hyperparameters},
            "state_keys": list(o.state_keys)} for name, o in OPTIMIZERS.items()},
        "optimizer_state": {key: asdict(k) for key, k in STATE_KEYS.items()},
        "regularizations": {name: {"label": r.label, "term": r.term}
                            for name, r in REGULARIZERS.items()},
        "init_schemes": {name: {"label": i.label, "formula": i.formula}
                         for name, i in INITIALIZERS.items()},
        "features": {name: {"label": f.label, "inputs": f.inputs}
                     for name, f in FEATURES.items()},
    }


def catalog() -> dict:
    optimizer_defaults = {key: h.default for key, h in HYPERPARAMETERS.items()}
    return {
        "activations": list(ACTIVATIONS),
        "hidden_activations": list(HIDDEN),
        "losses": list(LOSSES),
        "required_output": dict(REQUIRED_OUTPUT),
        "optimizers": list(OPTIMIZERS),
        "optimizer_defaults": optimizer_defaults,
        "regularizations": list(REGULARIZERS),
        "init_schemes": list(INITIALIZERS),
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
            "max_epochs": limits.MAX_EPOCHS,
            "max_batch_steps": limits.MAX_BATCH_STEPS,
            "max_layer_steps": limits.MAX_LAYER_STEPS,
            "max_train_work": limits.MAX_TRAIN_WORK,
            "max_seed": limits.MAX_SEED,
            "lab_max_hidden_layers": limits.LAB_MAX_HIDDEN_LAYERS,
            "lab_max_neurons": limits.LAB_MAX_NEURONS,
            "max_loss_points": limits.MAX_LOSS_POINTS,
        },
        "notation": notation(),
    }


if __name__ == "__main__":  # `python -m app.catalog`: the catalog as JSON, for Node's tests
    import json
    import sys

    json.dump(catalog(), sys.stdout, ensure_ascii=False)
