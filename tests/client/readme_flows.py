"""The README's flows through a client generated from /openapi.json: no hand-written HTTP, no
dict round trips. Run as `python readme_flows.py BASE_URL` beside the generated `bpvclient`."""

import sys

from bpvclient import Client
from bpvclient.api.engine import trace
from bpvclient.api.lab import train
from bpvclient.api.presets import get_preset
from bpvclient.models import (
    Activation,
    Dataset,
    DatasetSpec,
    ErrorBody,
    InitScheme,
    InitSpec,
    Loss,
    NetworkSpec,
    Optimizer,
    OptimizerSpec,
    Preset,
    TraceRequest,
    TraceResponse,
    TrainRequest,
    TrainResponse,
)


def main(base_url: str) -> None:
    client = Client(base_url=base_url, raise_on_unexpected_status=True)

    # The classic worked example, one step; then the next step from the network it answered.
    preset = get_preset.sync(client=client, name="classic")
    assert isinstance(preset, Preset)
    step = trace.sync(client=client, body=preset.request)
    assert isinstance(step, TraceResponse) and step.network is not None
    print(f"classic loss {step.loss}")
    request = preset.request
    request.network = step.network
    following = trace.sync(client=client, body=request)
    assert isinstance(following, TraceResponse)
    print(f"next loss {following.loss}")

    # Training on the circle for 100 epochs, then 100 more from where it stopped.
    first = TrainRequest(
        network=NetworkSpec(layers=[2, 8, 8, 1], activations=[Activation.TANH] * 3,
                            init=InitSpec(scheme=InitScheme.XAVIER, seed=1)),
        loss=Loss.MSE,
        dataset=DatasetSpec(name=Dataset.CIRCLE, n=500, noise=0.0, seed=1, test_fraction=0.5),
        optimizer=OptimizerSpec(name=Optimizer.SGD, learning_rate=0.03),
        batch_size=10, epochs=100)
    run = train.sync(client=client, body=first)
    assert isinstance(run, TrainResponse)
    first.network, first.optimizer, first.start_epoch = run.network, run.optimizer, run.epoch
    more = train.sync(client=client, body=first)
    assert isinstance(more, TrainResponse)
    print(f"epochs {run.epoch} then {more.epoch}, train loss {more.history[-1].train_loss}")

    # A bad request: the answer names the field and the rule.
    bad = TraceRequest(network=preset.request.network, loss=Loss.MSE,
                       inputs=[[0.05, 0.1]], targets=[[0.01, 0.99]], learning_rate=1000)
    refused = trace.sync(client=client, body=bad)
    assert isinstance(refused, ErrorBody)
    print(f"refused {refused.detail[0].field} {refused.detail[0].type_}")


if __name__ == "__main__":
    main(sys.argv[1])
