"""The auditor's source type-checks (mypy, configured in pyproject.toml's [tool.mypy])."""

from __future__ import annotations

import subprocess
import sys

from .conftest import REPO_ROOT


def test_mypy_passes_on_the_auditor(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues found" in result.stdout
