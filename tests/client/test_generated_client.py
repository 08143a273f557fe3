"""A programmer's path: generate a Python client from the app's own /openapi.json with
openapi-python-client, run the README's flows through it against a live server, and check the
script with mypy in strict mode."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import APP, free_port, serve, stop

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    if shutil.which("openapi-python-client") is None:
        pytest.fail("openapi-python-client is a test dependency: pip install -e '.[test]'")
    folder = tmp_path_factory.mktemp("client")
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(APP.openapi()))
    subprocess.run(["openapi-python-client", "generate", "--path", str(spec), "--meta", "none",
                    "--output-path", str(folder / "bpvclient")], check=True,
                   capture_output=True, timeout=120)
    shutil.copy(HERE / "readme_flows.py", folder / "readme_flows.py")
    return folder


def test_the_readme_flows_run_through_a_generated_client(generated, tmp_path):
    port = free_port()
    server = serve(port, BACKPROP_VIZ_DB=str(tmp_path / "s.db"))
    try:
        out = subprocess.run([sys.executable, "readme_flows.py", f"http://127.0.0.1:{port}"],
                             cwd=generated, capture_output=True, text=True, timeout=120)
    finally:
        stop(server)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert lines["classic"] == "loss 0.2983711087600027"
    assert float(lines["next"].split()[1]) < 0.2983711087600027
    assert lines["epochs"].startswith("100 then 200")
    assert lines["refused"] == "learning_rate less_than_equal"


def test_the_flows_type_check_in_strict_mode(generated):
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                          "readme_flows.py"], cwd=generated, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
