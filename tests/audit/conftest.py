"""Helpers for the auditor's tests: write a small project into tmp_path and audit it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from django_celery_audit.engine import audit
from django_celery_audit.model import Finding

FIXTURES = Path(__file__).parent / "fixtures"
# Fixture projects are data: never collect their tests or load their conftest.py files.
collect_ignore = ["fixtures"]
REPO_ROOT = Path(__file__).resolve().parents[2]

Files = dict[str, str]


@pytest.fixture(scope="session")
def template_render(tmp_path_factory) -> Path:
    """The template rendered with its default answers, once: read it, copy it to change it."""
    from cookiecutter.main import cookiecutter

    output = tmp_path_factory.mktemp("template-render")
    return Path(cookiecutter(str(REPO_ROOT), no_input=True, output_dir=str(output)))


def write_tree(root: Path, files: Files) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def audit_files(tmp_path: Path) -> Callable[..., list[Finding]]:
    """``audit_files({"proj/settings.py": "..."}, "DCA101")`` -> the findings of those codes."""

    runs = iter(range(1_000_000))

    def run(files: Files, *codes: str) -> list[Finding]:
        # A fresh tree per call, so a file dropped from ``files`` is gone from the project too.
        root = write_tree(tmp_path / f"project{next(runs)}", files)
        return audit(root, codes=set(codes) if codes else None, jobs=1).findings

    return run


def summary(findings: list[Finding]) -> list[tuple[str, str, str, int]]:
    """(code, severity, path, line) for compact assertions."""
    return [(f.code, f.severity.label, f.path, f.line) for f in findings]
