"""A programmer's path: generate a client from the app's own /openapi.json, with each of three
generators and its default options, and use it as the README does. openapi-python-client:
the README's flows and its snippet run against a live server and pass mypy in strict mode.
datamodel-code-generator: a usage file runs and passes mypy --strict (with pydantic's mypy
plugin, as pydantic models are checked). openapi-typescript: a usage file passes
tsc --noEmit --strict."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import APP, ROOT, free_port, serve, stop

HERE = Path(__file__).parent
README_URL = "http://localhost:8000"


def need(tool: str, how: str) -> str:
    found = shutil.which(tool) or shutil.which(tool, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{tool} is a test dependency: {how}")
    return found


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "openapi.json"
    path.write_text(json.dumps(APP.openapi()))
    return path


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    port = free_port()
    server = serve(port, BACKPROP_VIZ_DB=str(tmp_path_factory.mktemp("db") / "s.db"))
    yield f"http://127.0.0.1:{port}"
    stop(server)


def mypy_strict(folder: Path, *files: str) -> None:
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                          "--cache-dir", str(folder / ".mypy_cache"), *files], cwd=folder,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.fixture(scope="module")
def generated(spec, tmp_path_factory):
    tool = need("openapi-python-client", "pip install -e '.[test]'")
    folder = tmp_path_factory.mktemp("client")
    subprocess.run([tool, "generate", "--path", str(spec), "--meta", "none",
                    "--output-path", str(folder / "bpvclient")], check=True,
                   capture_output=True, timeout=120)
    for name in ("readme_flows.py", "readme_snippet.py"):
        shutil.copy(HERE / name, folder / name)
    return folder


def test_the_readme_flows_run_through_a_generated_client(generated, base_url):
    out = subprocess.run([sys.executable, "readme_flows.py", base_url],
                         cwd=generated, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert lines["classic"] == "loss 0.2983711087600027"
    assert float(lines["next"].split()[1]) < 0.2983711087600027
    assert lines["epochs"].startswith("100 then 200")
    assert lines["refused"] == "learning_rate less_than_equal"


def test_the_readme_snippet_runs_as_written(generated, base_url):
    snippet = (HERE / "readme_snippet.py").read_text()
    assert snippet.count(README_URL) == 1
    (generated / "snippet_here.py").write_text(snippet.replace(README_URL, base_url))
    out = subprocess.run([sys.executable, "snippet_here.py"], cwd=generated,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "0.2983711087600027\n"


def test_the_flows_and_the_snippet_type_check_in_strict_mode(generated):
    mypy_strict(generated, "readme_flows.py", "readme_snippet.py")


@pytest.fixture(scope="module")
def datamodels(spec, tmp_path_factory):
    tool = need("datamodel-codegen", "pip install -e '.[test]' (datamodel-code-generator)")
    folder = tmp_path_factory.mktemp("datamodels")
    subprocess.run([tool, "--input", str(spec), "--input-file-type", "openapi", "--output",
                    str(folder / "models.py")], check=True, capture_output=True, timeout=120)
    shutil.copy(HERE / "datamodel_usage.py", folder / "datamodel_usage.py")
    (folder / "mypy.ini").write_text("[mypy]\nplugins = pydantic.mypy\n")
    return folder


def test_models_from_datamodel_code_generator_read_real_answers(datamodels, base_url):
    out = subprocess.run([sys.executable, "datamodel_usage.py", base_url], cwd=datamodels,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[:2] == ["loss 0.2983711087600027", "session step 0.5"]


def test_models_from_datamodel_code_generator_type_check_in_strict_mode(datamodels):
    mypy_strict(datamodels, "datamodel_usage.py")


def test_types_from_openapi_typescript_type_check_in_strict_mode(spec, tmp_path):
    """openapi-typescript and TypeScript are pinned in package.json (`npm ci`)."""
    bins = ROOT / "node_modules" / ".bin"
    if not (bins / "openapi-typescript").exists() or not (bins / "tsc").exists():
        pytest.fail("openapi-typescript and typescript are test dependencies: npm ci")
    subprocess.run([str(bins / "openapi-typescript"), str(spec), "--output",
                    str(tmp_path / "schema.d.ts")], check=True, capture_output=True, timeout=120)
    shutil.copy(HERE / "usage.ts", tmp_path / "usage.ts")
    out = subprocess.run([str(bins / "tsc"), "--noEmit", "--strict", "--target", "es2022",
                          "--module", "es2022", "--moduleResolution", "bundler", "usage.ts"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
