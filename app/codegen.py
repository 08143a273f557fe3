"""Scripts that reproduce one traced training step in the learner's own code: NumPy, written
out operation by operation, and PyTorch, the same step through torch.nn and torch.optim. Each
prints the loss, then as its last line one JSON object of the numbers (gradients of the batch
loss and the network after the update), so a program can check them against the API's.

Only what the request uses is written: its activations, its loss, its optimizer."""

from app.nn.activations import ACTIVATIONS
from app.nn.losses import LOSSES
from app.nn.optimizers import HYPERPARAMETERS, OPTIMIZERS, STATE_KEYS
from app.nn.regularizers import REGULARIZERS
from app.schemas.engine import TraceRequest
from app.schemas.limits import MAX_ABS_VALUE

# Each activation's, loss's and optimizer's code comes from its registry entry.


# Divergence by the engine's one rule (app/nn/divergence.py), with its bound: a loss that is
# not finite, or any weight, bias or optimizer state not finite or past ±bound.
def diverged_numpy(state: list[str]) -> list[str]:
    return ["# Diverged, by backprop-viz's rule: a loss that is not finite, or any weight, bias",
            f"# or optimizer state past ±{MAX_ABS_VALUE:g}.",
            f"kept = W + b + [{', '.join(state)}]",
            "diverged = not (np.isfinite(loss) and np.isfinite(loss_after) and all(",
            f"    np.all(np.abs(x) <= {MAX_ABS_VALUE!r}) for x in kept))"]


DIVERGED_TORCH = [
    "# Diverged, by backprop-viz's rule: a loss that is not finite, or any weight, bias or",
    f"# optimizer state past ±{MAX_ABS_VALUE:g}.",
    "kept = [p.detach() for p in model.parameters()] + [",
    "    x for s in optimizer.state.values() for x in s.values() if torch.is_tensor(x)]",
    "diverged = not (torch.isfinite(loss) and torch.isfinite(loss_after) and all(",
    f"    bool((x.abs() <= {MAX_ABS_VALUE!r}).all()) for x in kept))",
]


def _state_names(request: TraceRequest) -> list[str]:
    """The optimizer state the NumPy script keeps, by the names its update writes."""
    opt = request.optimizer
    return [] if opt is None else list(OPTIMIZERS[opt.name].state_keys)


def literal(value: object) -> str:
    """Numbers as Python reads them back exactly (repr of a float is its shortest exact form)."""
    return repr(value)


def _problem(request: TraceRequest) -> tuple[list, list]:
    net = request.network.build()
    return [w.tolist() for w in net.weights], [b.tolist() for b in net.biases]


def _optimizer_numpy(request: TraceRequest) -> list[str]:
    opt, reg = request.optimizer, request.regularization
    lines = []
    if reg is not None and reg.kind != "none" and reg.rate:
        term = REGULARIZERS[reg.kind].numpy
        shown = REGULARIZERS[reg.kind].term.replace("λ", "rate")
        lines += [f"# {REGULARIZERS[reg.kind].label} regularisation: {shown} joins each weight's "
                  "gradient (not the biases')",
                  f"g_W = [dL_dW[l] + {literal(reg.rate)} * {term} for l in range(len(W))]"]
    else:
        lines += ["g_W = dL_dW"]
    lines += ["g_b = dL_db" if request.update_biases else
              "g_b = [np.zeros_like(g) for g in dL_db]  # biases frozen"]
    if opt is None:
        lr = literal(request.learning_rate)
        lines += [f"learning_rate = {lr}", "# Gradient descent: w <- w - learning_rate * dL/dw",
                  "W = [w - learning_rate * g for w, g in zip(W, g_W)]",
                  "b = [v - learning_rate * g for v, g in zip(b, g_b)]" if request.update_biases
                  else "# (the biases are not updated)"]
        return lines
    theta = ["# The optimizer works on one flat vector: every weight (layer by layer, row by row),",
             "# then every bias, the order its state is kept in.",
             "theta = np.concatenate([w.ravel() for w in W] + [v.ravel() for v in b])",
             "grad = np.concatenate([g.ravel() for g in g_W] + [g.ravel() for g in g_b])"]
    state = opt.state
    values = {"learning_rate": literal(opt.learning_rate),
              "steps": str(state.steps if state else 0),
              **{key: literal(getattr(opt, key)) for key in HYPERPARAMETERS},
              **{key: (literal(getattr(state, key)) if state and getattr(state, key) is not None
                       else None) for key in STATE_KEYS}}
    body = OPTIMIZERS[opt.name].numpy(values)
    unflatten = ["at = 0",
                 "for l, w in enumerate(W):",
                 "    W[l] = theta[at:at + w.size].reshape(w.shape)",
                 "    at += w.size"]
    if request.update_biases:
        unflatten += ["for l, v in enumerate(b):",
                      "    b[l] = theta[at:at + v.size]",
                      "    at += v.size"]
    else:
        unflatten += ["# (the biases are frozen: they keep their values)"]
    return lines + theta + [f"# {opt.name}, PyTorch's update rule"] + body + unflatten


def numpy_script(request: TraceRequest) -> str:
    """A NumPy script for the step: every matrix product and derivative written out."""
    weights, biases = _problem(request)
    acts = request.network.activations
    loss = request.loss
    used = sorted(set(acts))
    act_lines = []
    for name in used:
        out, der = ACTIVATIONS[name].numpy
        act_lines.append(f"    {name!r}: (lambda z: {out}, "
                         f"{'None' if der is None else f'lambda z, a: {der}'}),")
    value, dL_dA = LOSSES[loss].numpy
    fused = LOSSES[loss].numpy_fused if LOSSES[loss].fused_with == acts[-1] else None
    backward_out = ([f"dL_dZ = {fused}  # the output's own derivative cancels: (a - t) / N"]
                    if fused else
                    ["dL_dA = " + dL_dA,
                     "dL_dZ = " + ("A * (dL_dA - (dL_dA * A).sum(axis=1, keepdims=True))  "
                                   "# softmax's Jacobian, row by row"
                                   if ACTIVATIONS[acts[-1]].der is None else
                                   f"dL_dA * ACTIVATIONS[{acts[-1]!r}][1](Z[-1], A)")])
    lines = [
        '"""One training step of backprop-viz, in NumPy: forward, loss, backward, update.',
        "",
        "Layer l has W[l] of shape (n_out, n_in) and b[l], as torch.nn.Linear: z = a·Wᵀ + b.",
        "Losses are means over the batch, so each gradient below is the batch loss's.",
        '"""',
        "",
        "import json",
        "",
        "import numpy as np",
        "",
        f"W = [np.array(w) for w in {literal(weights)}]",
        f"b = [np.array(v) for v in {literal(biases)}]",
        f"activations = {acts!r}",
        f"X = np.array({literal(request.inputs)})  # one row per example",
        f"T = np.array({literal(request.targets)})  # the targets",
        "",
        "# Each activation beside its derivative (written with a = f(z)).",
        "ACTIVATIONS = {",
        *act_lines,
        "}",
        "",
        "# Forward: z = a_prev·Wᵀ + b, a = f(z), layer by layer.",
        "a_prev, Z, As = X, [], [X]",
        "for w, v, name in zip(W, b, activations):",
        "    z = a_prev @ w.T + v",
        "    a_prev = ACTIVATIONS[name][0](z)",
        "    Z.append(z)",
        "    As.append(a_prev)",
        "A = As[-1]",
        "",
        f"# Loss: {loss}, a mean over the batch.",
        f"loss = {value}",
        "",
        "# Backward: the error at the output, then back layer by layer.",
        *backward_out,
        "dL_dW, dL_db = [None] * len(W), [None] * len(W)",
        "for l in reversed(range(len(W))):",
        "    dL_dW[l] = dL_dZ.T @ As[l]  # dL/dw = dL/dz · dz/dw, and dz/dw is the input",
        "    dL_db[l] = dL_dZ.sum(axis=0)",
        "    if l:",
        "        dL_dZ = (dL_dZ @ W[l]) * ACTIVATIONS[activations[l - 1]][1](Z[l - 1], As[l])",
        "",
        "# Update.",
        *_optimizer_numpy(request),
        "",
        "# The same batch through the updated network.",
        "A = X",
        "for w, v, name in zip(W, b, activations):",
        "    A = ACTIVATIONS[name][0](A @ w.T + v)",
        f"loss_after = {value}",
        *diverged_numpy(_state_names(request)),
        "",
        'print(f"loss {loss:.10f}")',
        "print(json.dumps({",
        '    "loss": float(loss), "loss_after": float(loss_after), "diverged": diverged,',
        '    "dL_dW": [g.tolist() for g in dL_dW], "dL_db": [g.tolist() for g in dL_db],',
        '    "weights": [w.tolist() for w in W], "biases": [v.tolist() for v in b],',
        "}))",
    ]
    return "\n".join(lines) + "\n"


def torch_script(request: TraceRequest) -> str:
    """A PyTorch script for the step: nn.Linear layers, autograd, and torch.optim."""
    weights, biases = _problem(request)
    acts = request.network.activations
    layers = request.network.layers
    opt, reg, loss = request.optimizer, request.regularization, request.loss
    loss_line = f"loss = {LOSSES[loss].torch}"
    if opt is None:
        make_opt = [f"optimizer = torch.optim.SGD(parameters, lr={literal(request.learning_rate)})"]
    else:
        entry = OPTIMIZERS[opt.name]
        make_opt = ["optimizer = " + entry.torch.format(
            learning_rate=literal(opt.learning_rate),
            **{key: literal(getattr(opt, key)) for key in HYPERPARAMETERS})]
    state = opt.state if opt is not None else None
    restore = []
    kept = {key: getattr(state, key) for key in STATE_KEYS
            if state is not None and getattr(state, key) is not None}
    if kept:
        per_parameter = "{" + ", ".join(
            f"{torch_key!r}: {ours.format(steps=state.steps)}"
            for torch_key, ours in OPTIMIZERS[opt.name].torch_state.items()) + "}"
        restore = [
            "# The optimizer's state so far: flat (weights, then biases); torch keeps it per",
            "# parameter.",
            f"flat = {{k: torch.tensor(v) for k, v in {literal(kept)}.items()}}",
            "at = 0",
            "for p in [layer.weight for layer in model] + [layer.bias for layer in model]:",
            "    part = {k: v[at:at + p.numel()].reshape(p.shape).clone()",
            "            for k, v in flat.items()}",
            "    at += p.numel()",
            f"    optimizer.state[p] = {per_parameter}",
        ]
    penalty = []
    if reg is not None and reg.kind != "none" and reg.rate:
        term = REGULARIZERS[reg.kind].torch
        penalty = [f"for layer in model:  # {REGULARIZERS[reg.kind].label} on the weights, "
                   "not the biases",
                   f"    layer.weight.grad += {literal(reg.rate)} * {term}"]
    lines = [
        '"""One training step of backprop-viz, in PyTorch: the same numbers through torch.nn."""',
        "",
        "import json",
        "",
        "import torch",
        "import torch.nn.functional as F",
        "",
        "torch.set_default_dtype(torch.float64)",
        "",
        f"layers = {layers!r}",
        f"activations = {acts!r}",
        "model = torch.nn.ModuleList(torch.nn.Linear(n_in, n_out)",
        "                            for n_in, n_out in zip(layers[:-1], layers[1:]))",
        "with torch.no_grad():",
        f"    for layer, w, v in zip(model, {literal(weights)}, {literal(biases)}):",
        "        layer.weight.copy_(torch.tensor(w))",
        "        layer.bias.copy_(torch.tensor(v))",
        f"X = torch.tensor({literal(request.inputs)})",
        f"T = torch.tensor({literal(request.targets)})",
        "",
        "ACTIVATION = {" + ", ".join(f"{n!r}: lambda z: {ACTIVATIONS[n].torch}"
                                     for n in sorted(set(acts))) + "}",
        "",
        "",
        "def forward(a):",
        "    for layer, name in zip(model, activations):",
        "        z = layer(a)",
        "        a = ACTIVATION[name](z)",
        "    return z, a",
        "",
        "",
        "Z, A = forward(X)",
        loss_line,
        "",
        "parameters = [layer.weight for layer in model] + "
        + ("[layer.bias for layer in model]" if request.update_biases else "[]  # biases frozen"),
        *make_opt,
        *restore,
        "optimizer.zero_grad()",
        "loss.backward()",
        "dL_dW = [layer.weight.grad.tolist() for layer in model]",
        "dL_db = [layer.bias.grad.tolist() for layer in model]",
        *penalty,
        "optimizer.step()",
        "",
        "# The same batch through the updated network.",
        "with torch.no_grad():",
        "    Z, A = forward(X)",
        "    " + loss_line.replace("loss =", "loss_after =", 1),
        *DIVERGED_TORCH,
        "",
        'print(f"loss {loss.item():.10f}")',
        "print(json.dumps({",
        '    "loss": loss.item(), "loss_after": loss_after.item(), "diverged": diverged,',
        '    "dL_dW": dL_dW, "dL_db": dL_db,',
        '    "weights": [layer.weight.tolist() for layer in model],',
        '    "biases": [layer.bias.tolist() for layer in model],',
        "}))",
    ]
    return "\n".join(lines) + "\n"
