"""The pytest side of testkit: the same helpers, failing or skipping the test instead of raising."""

import re
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


def project_python(project: Path) -> str:
    return str(project / ".venv" / "bin" / "python")
