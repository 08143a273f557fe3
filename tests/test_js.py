"""The front end's own tests and linter, run from the one test command: Node's built-in test
runner over tests/js (the page's pure modules, no browser), and ESLint over static/js.

Both need Node; ESLint comes pinned from package.json (`npm ci`, which the README's test
command runs). The catalog the modules import is the one this Python builds."""

import json
import os
import shutil
import subprocess

import pytest

from app.catalog import catalog
from tests.conftest import ROOT

NODE = shutil.which("node")
# On a developer's machine without Node these skip; CI installs Node, so there they must run.
needs_node = pytest.mark.skipif(NODE is None and not os.environ.get("CI"),
                                reason="Node is not installed")
ESLINT = ROOT / "node_modules" / ".bin" / "eslint"


@pytest.fixture(scope="module")
def catalog_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalog") / "catalog.json"
    path.write_text(json.dumps(catalog(), ensure_ascii=False))
    return path


def run(command: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


@needs_node
def test_the_pure_modules_pass_their_node_tests(catalog_file):
    done = run([NODE, "--import", "./tests/js/setup.js", "--test", "tests/js/"],
               BACKPROP_VIZ_CATALOG=str(catalog_file))
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-4000:]
    assert "# fail 0" in done.stdout and "# pass 0" not in done.stdout


@needs_node
def test_eslint_finds_nothing():
    assert ESLINT.exists(), "ESLint is not installed: run `npm ci` (the README's test command does)"
    done = run([str(ESLINT), "static/js", "tests/js"])
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-4000:]
