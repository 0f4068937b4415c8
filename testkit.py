"""What the template's tests and its benchmark both need: processes, interpreters, services.

Standard library only, so benchmarks/run.py can import it without pytest, and it can be
copied into a rendered project. The pytest wrappers (fail or skip) are in tests/helpers.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent
COOKIECUTTER_JSON = REPO_ROOT / "cookiecutter.json"

# The package the default answers render (project_name "My Service").
DEFAULT_SLUG = "my_service"

# The services this machine runs; override with TEST_*_URL to point elsewhere.
SERVICE_URLS = {
    "postgresql": os.environ.get(
        "TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    ),
    "redis": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    "rabbitmq": os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}

# Variables that would pick settings, services or a venv for a child process.
_INHERITED_CHOICES = (
    "DJANGO_",
    "DATABASE_URL",
    "CELERY_",
    "DB_",
    "VIRTUAL_ENV",
    "WORKER_DIAGNOSTICS",
    "PYTEST_ADDOPTS",  # the template suite's own options are not the rendered project's
)


class CommandFailed(RuntimeError):
    """A command exited non-zero or ran out of time; the message carries its output."""


def template_context() -> dict:
    """cookiecutter.json as written (unrendered)."""
    return json.loads(COOKIECUTTER_JSON.read_text())


def python_floors() -> dict[str, str]:
    """The oldest Python each Django choice supports: cookiecutter.json's one copy of the map."""
    return template_context()["_python_floor"]


def clean_environment(*, as_newcomer: bool = False, **overrides: str) -> dict[str, str]:
    """This process's environment without anything that picks settings for a child.

    ``as_newcomer`` also drops CI: a newcomer's shell has none, so a generated project's
    integration tests skip there instead of failing.
    """
    environ = {
        key: value for key, value in os.environ.items() if not key.startswith(_INHERITED_CHOICES)
    }
    if as_newcomer:
        environ.pop("CI", None)
    environ["UV_PYTHON_DOWNLOADS"] = "never"
    environ.update(overrides)
    return environ


def stop_group(process: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM a process started with start_new_session=True, then SIGKILL its group."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(wait)


def run(
    command: list[str], cwd: Path, env: dict | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run a command in its own process group; raise CommandFailed with its output.

    The group goes when the command ends or times out, grandchildren included.
    """
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_group(process, grace=5)
        stdout, stderr = process.communicate()
        raise CommandFailed(
            f"{' '.join(command)} ran out of its {timeout} s in {cwd}\n"
            f"--- stdout ---\n{stdout[-6000:]}\n--- stderr ---\n{stderr[-6000:]}"
        ) from None
    finally:
        stop_group(process, grace=5)
    if process.returncode != 0:
        raise CommandFailed(
            f"{' '.join(command)} exited {process.returncode} in {cwd}\n"
            f"{_failed_tests(stdout)}"
            f"--- stdout ---\n{stdout[-6000:]}\n--- stderr ---\n{stderr[-6000:]}"
        )
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _failed_tests(stdout: str) -> str:
    """pytest's FAILED/ERROR lines, which a long assertion diff pushes out of the tail."""
    lines = [line[:300] for line in stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return "".join(f"{line}\n" for line in ["--- failed ---", *lines]) if lines else ""


def real_interpreter(version: str) -> str | None:
    """The real interpreter for ``pythonX.Y``, or None: uv cannot run pyenv's shims."""
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


def free_port() -> int:
    """A local port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unreachable(name: str) -> str | None:
    """Why the named service (a SERVICE_URLS key) cannot be reached, or None if it can."""
    parts = urlsplit(SERVICE_URLS[name])
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=3).close()
    except OSError as error:
        return (
            f"{name} at {parts.hostname}:{parts.port} is unreachable ({error}); "
            "start it (.ci/run shows how) or set TEST_*_URL"
        )
    return None


@contextlib.contextmanager
def redis_database(url: str = SERVICE_URLS["redis"]) -> Iterator[str]:
    """The URL of a Redis database number that was empty and is this caller's until the end.

    Every key in it is then deleted one by one (the server is shared: never FLUSHDB). Two
    callers racing for one number both see a second key and move on. Needs redis-py, which
    the tests and the benchmark have; it is imported here so that importing testkit does not.
    """
    import redis

    parts = urlsplit(url)
    marker = f"testkit-claim-{uuid.uuid4().hex}"
    for number in range(15, 1, -1):
        client = redis.Redis(parts.hostname, parts.port, db=number)
        if client.dbsize() == 0 and client.set(marker, os.getpid(), nx=True):
            if client.dbsize() == 1:
                break
            client.delete(marker)
    else:
        raise RuntimeError(f"no empty Redis database number (2-15) at {parts.hostname}")
    try:
        yield parts._replace(path=f"/{number}").geturl()
    finally:
        for key in client.scan_iter(count=1000):
            client.delete(key)
