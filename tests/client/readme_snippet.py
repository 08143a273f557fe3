"""The README's Python client snippet ("Calling the API from Python"), as it stands there below
this paragraph: tests/client/test_generated_client.py runs it against a live server and checks
it with mypy --strict."""

from bpvclient import Client
from bpvclient.api.engine import trace
from bpvclient.api.presets import get_preset
from bpvclient.models import Preset, TraceResponse

client = Client(base_url="http://localhost:8000", raise_on_unexpected_status=True)
preset = get_preset.sync(client=client, name="classic")
assert isinstance(preset, Preset)          # else an ErrorBody, naming the field and the rule
step = trace.sync(client=client, body=preset.request)
assert isinstance(step, TraceResponse)
print(step.loss)                           # 0.2983711087600027
if step.network is not None:               # null when the step diverged
    preset.request.network = step.network  # post it back for the next step
