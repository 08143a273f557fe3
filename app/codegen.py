"""Scripts that reproduce one traced training step in the learner's own code: NumPy, written
out operation by operation, and PyTorch, the same step through torch.nn and torch.optim. Each
prints the loss, then as its last line one JSON object of the numbers (gradients of the batch
loss and the network after the update), so a program can check them against the API's.

Only what the request uses is written: its activations, its loss, its optimizer."""

from app.schemas.engine import TraceRequest

NUMPY_ACTIVATIONS = {
    "sigmoid": ("1 / (1 + np.exp(-z))", "a * (1 - a)"),
    "tanh": ("np.tanh(z)", "1 - a**2"),
    "relu": ("np.maximum(z, 0.0)", "(z > 0).astype(float)"),
    "leaky_relu": ("np.where(z > 0, z, 0.01 * z)", "np.where(z > 0, 1.0, 0.01)"),
    "linear": ("z", "np.ones_like(z)"),
    "softmax": ("np.exp(z - z.max(axis=1, keepdims=True)) / "
                "np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)", None),
}
TORCH_ACTIVATIONS = {
    "sigmoid": "torch.sigmoid(z)", "tanh": "torch.tanh(z)", "relu": "torch.relu(z)",
    "leaky_relu": "F.leaky_relu(z, 0.01)", "linear": "z", "softmax": "torch.softmax(z, dim=1)",
}
NUMPY_LOSSES = {
    "mse": ("np.mean((A - T) ** 2)", "2 * (A - T) / T.size"),
    "bce": ("np.mean(-(T * np.maximum(np.log(A), -100) + (1 - T) * np.maximum(np.log(1 - A), "
            "-100)))", "(A - T) / (A * (1 - A)) / T.size"),
    "cross_entropy": ("np.mean(-(T * np.log(A)).sum(axis=1))",
                      "np.where(T == 0, 0.0, -T / A) / len(T)"),
}
# With its own output activation a loss's delta simplifies (the derivatives cancel).
FUSED = {("bce", "sigmoid"): "(A - T) / T.size", ("cross_entropy", "softmax"): "(A - T) / len(T)"}


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
        term = "W[l]" if reg.kind == "l2" else "np.sign(W[l])"
        shown = "w" if reg.kind == "l2" else "sign(w)"
        lines += [f"# {reg.kind.upper()} regularisation: rate·{shown} joins each weight's "
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
    steps = state.steps if state else 0
    lr = literal(opt.learning_rate)
    if opt.name == "sgd":
        body = [f"learning_rate = {lr}", "theta = theta - learning_rate * grad"]
    elif opt.name == "momentum":
        velocity = literal(state.velocity) if state and state.velocity is not None else None
        body = [f"learning_rate, mu = {lr}, {literal(opt.momentum)}",
                "# v <- mu * v + g (v = g on the first step); w <- w - learning_rate * v",
                f"velocity = np.array({velocity})" if velocity else "velocity = grad.copy()",
                *(["velocity = mu * velocity + grad"] if velocity else []),
                "theta = theta - learning_rate * velocity"]
    else:
        m = literal(state.m) if state and state.m is not None else None
        v = literal(state.v) if state and state.v is not None else None
        body = [f"learning_rate, beta1, beta2, eps = {lr}, {literal(opt.beta1)}, "
                f"{literal(opt.beta2)}, {literal(opt.eps)}",
                f"steps = {steps} + 1",
                f"m = np.array({m})" if m else "m = np.zeros_like(theta)",
                f"v = np.array({v})" if v else "v = np.zeros_like(theta)",
                "m = beta1 * m + (1 - beta1) * grad",
                "v = beta2 * v + (1 - beta2) * grad**2",
                "m_hat = m / (1 - beta1**steps)  # bias corrections",
                "v_hat = v / (1 - beta2**steps)",
                "theta = theta - learning_rate * m_hat / (np.sqrt(v_hat) + eps)"]
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
        out, der = NUMPY_ACTIVATIONS[name]
        act_lines.append(f"    {name!r}: (lambda z: {out}, "
                         f"{'None' if der is None else f'lambda z, a: {der}'}),")
    value, dL_dA = NUMPY_LOSSES[loss]
    fused = FUSED.get((loss, acts[-1]))
    backward_out = ([f"dL_dZ = {fused}  # the output's own derivative cancels: (a - t) / N"]
                    if fused else
                    ["dL_dA = " + dL_dA,
                     "dL_dZ = " + ("A * (dL_dA - (dL_dA * A).sum(axis=1, keepdims=True))  "
                                   "# softmax's Jacobian, row by row"
                                   if acts[-1] == "softmax" else
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
        'print(f"loss {loss:.10f}")',
        "print(json.dumps({",
        '    "loss": float(loss),',
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
    if loss == "mse":
        loss_line = "loss = F.mse_loss(A, T)"
    elif loss == "bce":
        loss_line = "loss = F.binary_cross_entropy(A, T)  # logs clamped at -100, as here"
    else:
        loss_line = "loss = F.cross_entropy(Z, T)  # from the logits; T rows are distributions"
    if opt is None:
        rate = literal(request.learning_rate)
        make_opt = [f"optimizer = torch.optim.SGD(parameters, lr={rate})"]
    elif opt.name == "sgd":
        make_opt = [f"optimizer = torch.optim.SGD(parameters, lr={literal(opt.learning_rate)})"]
    elif opt.name == "momentum":
        make_opt = [f"optimizer = torch.optim.SGD(parameters, lr={literal(opt.learning_rate)}, "
                    f"momentum={literal(opt.momentum)})"]
    else:
        make_opt = [f"optimizer = torch.optim.Adam(parameters, lr={literal(opt.learning_rate)}, "
                    f"betas=({literal(opt.beta1)}, {literal(opt.beta2)}), eps={literal(opt.eps)})"]
    state = opt.state if opt is not None else None
    restore = []
    if state is not None and (state.velocity or state.m):
        saved = {k: getattr(state, k) for k in ("velocity", "m", "v")
                 if getattr(state, k) is not None}
        per_parameter = ("{'momentum_buffer': part['velocity']}" if opt.name == "momentum" else
                         f"{{'step': torch.tensor(float({state.steps})), "
                         "'exp_avg': part['m'], 'exp_avg_sq': part['v']}")
        restore = [
            "# The optimizer's state so far: flat (weights, then biases); torch keeps it per",
            "# parameter.",
            f"flat = {{k: torch.tensor(v) for k, v in {literal(saved)}.items()}}",
            "at = 0",
            "for p in [layer.weight for layer in model] + [layer.bias for layer in model]:",
            "    part = {k: v[at:at + p.numel()].reshape(p.shape).clone()",
            "            for k, v in flat.items()}",
            "    at += p.numel()",
            f"    optimizer.state[p] = {per_parameter}",
        ]
    penalty = []
    if reg is not None and reg.kind != "none" and reg.rate:
        term = "layer.weight.detach()" if reg.kind == "l2" else "torch.sign(layer.weight.detach())"
        penalty = [f"for layer in model:  # {reg.kind.upper()} on the weights, not the biases",
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
        "a = X",
        "for layer, name in zip(model, activations):",
        "    z = layer(a)",
        "    a = {" + ", ".join(f"{n!r}: lambda z: {TORCH_ACTIVATIONS[n]}"
                            for n in sorted(set(acts))) + "}[name](z)",
        "Z, A = z, a",
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
        'print(f"loss {loss.item():.10f}")',
        "print(json.dumps({",
        '    "loss": loss.item(), "dL_dW": dL_dW, "dL_db": dL_db,',
        '    "weights": [layer.weight.tolist() for layer in model],',
        '    "biases": [layer.bias.tolist() for layer in model],',
        "}))",
    ]
    return "\n".join(lines) + "\n"
