"""Shared fixtures: bake each option set once, install each baked project once.

Baking is cheap and installing is not, so both are cached per test session (per xdist
worker); tests that share an installed project carry the same ``xdist_group`` so they
land on one worker.
"""

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import PYTHON_FOR_DJANGO, REPO_ROOT, clean_environment, find_python, run


@pytest.fixture(scope="session")
def bake(cookies_session) -> Callable[..., Path]:
    """Render the template with the given answers, once per distinct set."""
    baked: dict[tuple, Path] = {}

    def _bake(**answers) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in baked:
            result = cookies_session.bake(extra_context=answers, template=str(REPO_ROOT))
            assert result.exit_code == 0, result.exception
            baked[key] = Path(result.project_path)
        return baked[key]

    return _bake


@pytest.fixture(scope="session")
def installed(bake) -> Callable[..., Path]:
    """A baked project with its own .venv made by ``uv sync``, as its README says."""
    done: dict[tuple, Path] = {}

    def _installed(**answers) -> Path:
        key = tuple(sorted(answers.items()))
        if key not in done:
            project = bake(**answers)
            python = find_python(PYTHON_FOR_DJANGO[answers.get("django_version", "5.2")])
            run(["uv", "sync", "--python", python], cwd=project, env=clean_environment())
            done[key] = project
        return done[key]

    return _installed


def pytest_collection_modifyitems(items):
    """Start the rendered projects' whole integration suites first.

    They take the longest by far, mostly waiting on workers and services; started first,
    xdist runs everything else beside them instead of after them.
    """
    items.sort(key=lambda item: "test_generated_integration_suite" not in item.nodeid)
