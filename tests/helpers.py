"""The pytest side of testkit: the same helpers, failing or skipping the test instead of raising."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

import testkit
from testkit import (  # noqa: F401 - re-exported for the tests
    DEFAULT_SLUG,
    REPO_ROOT,
    SERVICE_URLS,
    clean_environment,
    free_port,
    in_ci,
    stop_group,
    template_context,
)

PYTHON_FOR_DJANGO = testkit.python_floors()


def find_python(version: str) -> str:
    python = testkit.real_interpreter(version)
    if python is None:
        pytest.fail(f"no Python {version} found (looked on PATH and in pyenv's versions)")
    return python


def run(command: list[str], cwd: Path, env: dict | None = None, timeout: float = 300):
    """Run a command, and fail the test with its output if it fails."""
    try:
        return testkit.run(command, cwd, env, timeout)
    except testkit.CommandFailed as failure:
        pytest.fail(str(failure))


def require_service(name: str) -> str:
    """The service's URL; if it cannot be reached, fail under CI and skip elsewhere."""
    reason = testkit.unreachable(name)
    if reason is None:
        return SERVICE_URLS[name]
    if in_ci():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def readme_commands(project: Path) -> list[str]:
    """Every line of the ```sh blocks in a project's README, in order."""
    text = (project / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def render_context(**answers) -> dict:
    """The answers as the template sees them, with the values cookiecutter.json derives from
    them (``__python_floor``, ``__uses_redis``, ...)."""
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    context = generate_context(str(testkit.COOKIECUTTER_JSON), extra_context=answers)
    return dict(prompt_for_config(context, no_input=True))


def tool(name: str) -> str:
    """A command-line tool from this repository's environment (hadolint, check-jsonschema...)."""
    return str(Path(sys.executable).parent / name)


def schema_errors(project: Path, builtin_schema: str, path: str) -> str:
    """check-jsonschema's complaints about a rendered file, or "" when it conforms."""
    completed = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", builtin_schema, path],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if completed.returncode == 0 else completed.stdout + completed.stderr


def project_python(project: Path) -> str:
    return str(project / ".venv" / "bin" / "python")
