"""The README's two commands stay true: CI runs the very test command the README gives."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_has_a_run_and_a_test_command():
    run, test = quick_start_commands()
    assert "backprop-viz" in run and "pytest" in test


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert quick_start_commands()[1] in ci.splitlines()


def test_the_python_client_snippet_is_the_one_the_tests_run():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Calling the API from Python", 1)[1].split("\n### ", 1)[0]
    shown = re.findall(r"```python\n(.+?)\n```", section, re.S)
    tested = (ROOT / "tests" / "client" / "readme_snippet.py").read_text().split('"""', 2)[2]
    assert shown == [tested.strip()]
