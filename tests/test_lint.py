"""The template's own code (hooks, tests, auditor, benchmarks) is ruff-clean."""

import subprocess
import sys

from tests.helpers import REPO_ROOT


def test_ruff_check_and_format():
    for command in (["check"], ["format", "--check"]):
        completed = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", "."],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
