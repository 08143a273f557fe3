"""PyTorch's float64 training of what tests/nn/test_train.py asks, for the engine to match: run by
a Python with torch (BACKPROP_VIZ_TORCH_PYTHON), it reads the network, the data, each epoch's
order of the examples and the settings as JSON on standard input, and prints each epoch's
training loss and the final weights, biases and optimizer state as JSON. It imports nothing
of the app: PyTorch's own layers, losses and optimizers are the independent reference."""

import json
import sys

import torch
import torch.nn.functional as F

ACTIVATIONS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
               "leaky_relu": lambda z: F.leaky_relu(z, 0.01), "linear": lambda z: z,
               "softmax": lambda z: torch.softmax(z, dim=1)}


def main() -> None:
    spec = json.load(sys.stdin)
    torch.set_default_dtype(torch.float64)
    layers = []
    for w, b in zip(spec["weights"], spec["biases"]):
        layer = torch.nn.Linear(len(w[0]), len(w))
        with torch.no_grad():
            layer.weight.copy_(torch.tensor(w))
            layer.bias.copy_(torch.tensor(b))
        layers.append(layer)
    parameters = [p for layer in layers for p in (layer.weight, layer.bias)]
    opt = spec["optimizer"]
    if opt["name"] == "adam":
        optimizer = torch.optim.Adam(parameters, lr=opt["learning_rate"],
                                     betas=(opt["beta1"], opt["beta2"]), eps=opt["eps"])
    else:
        optimizer = torch.optim.SGD(parameters, lr=opt["learning_rate"],
                                    momentum=opt["momentum"] if opt["name"] == "momentum" else 0)
    x, t = torch.tensor(spec["x"]), torch.tensor(spec["t"])

    def loss_of(xs, ts):
        a = xs
        for layer, name in zip(layers[:-1], spec["activations"]):
            a = ACTIVATIONS[name](layer(a))
        z = layers[-1](a)
        if spec["loss"] == "cross_entropy":
            return F.cross_entropy(z, ts)
        a = ACTIVATIONS[spec["activations"][-1]](z)
        return F.binary_cross_entropy(a, ts) if spec["loss"] == "bce" else F.mse_loss(a, ts)

    losses = []
    for order in spec["orders"]:
        for start in range(0, len(order), spec["batch_size"]):
            batch = order[start:start + spec["batch_size"]]
            optimizer.zero_grad()
            loss_of(x[batch], t[batch]).backward()
            rate, kind = spec["rate"], spec["regularization"]
            for layer in layers:  # the penalty's gradient joins the weights' (not the biases')
                w = layer.weight
                w.grad += rate * (torch.sign(w.detach()) if kind == "l1" else w.detach())
            optimizer.step()
        with torch.no_grad():
            losses.append(loss_of(x, t).item())
    state = [optimizer.state[p] for p in parameters]
    print(json.dumps({
        "losses": losses,
        "weights": [layer.weight.tolist() for layer in layers],
        "biases": [layer.bias.tolist() for layer in layers],
        "state": {key: [s[key].tolist() for s in state] for key in ("momentum_buffer", "exp_avg",
                                                                     "exp_avg_sq")
                  if key in state[0]}}))


if __name__ == "__main__":
    main()
