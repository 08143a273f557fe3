"""Every operation, fuzzed from the app's own OpenAPI description: no 5xx, and every answer
(errors included) conforms to the schema it is documented with. Neither tool leaves anything
in the tree: Hypothesis keeps its examples and caches in a temporary directory, and
Schemathesis's own cache (`.schemathesis/`) is off."""

import tempfile

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig

from tests.conftest import APP

set_hypothesis_home_dir(tempfile.mkdtemp(prefix="backprop-viz-hypothesis-"))
CONFIG = SchemathesisConfig.from_dict({"cache": {"enabled": False}})

schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG).exclude(
    path_regex=r"/events$")  # an endless stream: covered by tests/routes/test_sessions_live.py


@schema.parametrize()
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_request_breaks_the_contract(case):
    # Shapes and cross-field rules (weights as the layers say) are beyond a JSON schema, so a
    # request valid by its schema may still be refused, with a 422 that names the rule.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
