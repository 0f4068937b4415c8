"""The project's commands in a child process, under only the variables a test names."""

import os
import subprocess
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What picks the settings and the services; the child inherits none of it from the shell.
SELECTING = ("DJANGO_", "DATABASE_URL", "DB_", "CELERY_", "SENTRY_")


def run(command: list[str], **variables: str) -> subprocess.CompletedProcess:
    environ = {name: value for name, value in os.environ.items() if not name.startswith(SELECTING)}
    return subprocess.run(
        command,
        cwd=PROJECT_ROOT,
        env=environ | variables,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
