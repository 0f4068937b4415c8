"""Helpers shared by the template's tests."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON_FOR_DJANGO = {"5.2": "3.11", "6.1": "3.12"}


def real_interpreter(version: str) -> str | None:
    """The real interpreter for ``pythonX.Y``, or None: uv cannot run pyenv's shims.

    Standard library only: benchmarks/run.py uses it too.
    """
    candidates = [shutil.which(f"python{version}")]
    with contextlib.suppress(OSError):  # no pyenv on this machine
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        if root.returncode == 0:
            versions = Path(root.stdout.strip()) / "versions"
            candidates += sorted(versions.glob(f"{version}.*/bin/python{version}"), reverse=True)
    for candidate in filter(None, candidates):
        # A shim answers with the real path, or fails when pyenv has not selected it.
        completed = subprocess.run(
            [candidate, "-c", "import sys; print(sys._base_executable)"],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode == 0:
            return completed.stdout.strip()
    return None


def find_python(version: str) -> str:
    python = real_interpreter(version)
    if python is None:
        pytest.fail(f"no Python {version} found (looked on PATH and in pyenv's versions)")
    return python


def run(command: list[str], cwd: Path, env: dict | None = None, timeout: float = 300):
    """Run a command, and fail the test with its output if it fails."""
    completed = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} exited {completed.returncode} in {cwd}\n"
            f"--- stdout ---\n{completed.stdout[-6000:]}\n"
            f"--- stderr ---\n{completed.stderr[-6000:]}"
        )
    return completed


def clean_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without anything that would pick settings for a child."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "DB_", "VIRTUAL_ENV"))
    }
    environ["UV_PYTHON_DOWNLOADS"] = "never"
    environ.update(overrides)
    return environ


def readme_commands(project: Path) -> list[str]:
    """Every line of the ```sh blocks in a project's README, in order."""
    import re

    text = (project / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


def project_python(project: Path) -> str:
    return str(project / ".venv" / "bin" / "python")


# The services this machine runs; override with TEST_*_URL to point elsewhere.
SERVICE_URLS = {
    "postgresql": os.environ.get(
        "TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    ),
    "redis": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    "rabbitmq": os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_service(name: str) -> str:
    """The service's URL; if it cannot be reached, fail under CI and skip elsewhere."""
    import socket
    from urllib.parse import urlsplit

    url = SERVICE_URLS[name]
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=3).close()
    except OSError as error:
        message = (
            f"{name} at {parts.hostname}:{parts.port} is unreachable ({error}); "
            "start it (.ci/run shows how) or set TEST_*_URL"
        )
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return url


def free_port() -> int:
    """A local port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM a process started with start_new_session=True, then SIGKILL its group."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
