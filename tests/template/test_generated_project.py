"""A rendered service, installed for real: lint-clean, its own tests green, README true."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers import (
    DEFAULT_SLUG,
    PYTHON_FOR_DJANGO,
    REPO_ROOT,
    clean_environment,
    find_python,
    project_python,
    readme_commands,
    run,
)

pytestmark = pytest.mark.slow
DJANGO_VERSIONS = sorted(PYTHON_FOR_DJANGO)


def venv_tool(project: Path, name: str) -> str:
    return str(project / ".venv" / "bin" / name)


@pytest.mark.parametrize(
    "django_version",
    [pytest.param(v, marks=pytest.mark.xdist_group(f"django-{v}")) for v in DJANGO_VERSIONS],
)
class TestInstalledProject:
    def test_ruff_is_clean_with_its_own_configuration(self, installed, django_version):
        project = installed(django_version=django_version)
        run([venv_tool(project, "ruff"), "check", "."], cwd=project)
        run([venv_tool(project, "ruff"), "format", "--check", "."], cwd=project)

    def test_its_own_test_suite_passes(self, installed, django_version):
        project = installed(django_version=django_version)
        # Not CI: without service URLs the integration tests must skip, not fail.
        environ = clean_environment(as_newcomer=True)
        completed = run(
            [venv_tool(project, "pytest"), "-q", "-p", "no:cacheprovider"], project, environ
        )
        summary = completed.stdout.strip().splitlines()[-1]
        assert re.search(r"\d+ passed", summary), summary
        assert "failed" not in summary and "error" not in summary, summary

    def test_installed_django_matches_the_choice(self, installed, django_version):
        project = installed(django_version=django_version)
        completed = run(
            [project_python(project), "-c", "import django; print(django.get_version())"], project
        )
        assert completed.stdout.startswith(f"{django_version}."), completed.stdout

    def test_migrations_are_complete(self, installed, django_version):
        project = installed(django_version=django_version)
        run(
            [project_python(project), "manage.py", "makemigrations", "--check", "--dry-run"],
            project,
            clean_environment(DJANGO_ENVIRONMENT="testing"),
        )

    def test_check_deploy_passes_under_production(self, installed, django_version):
        project = installed(django_version=django_version)
        environ = clean_environment(
            DJANGO_ENVIRONMENT="production",
            DJANGO_SECRET_KEY="deploy-" + "s3cr3t-" * 10,
            DJANGO_ALLOWED_HOSTS="example.com",
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
            CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        )
        command = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]
        completed = run([project_python(project), *command], project, environ)
        assert "no issues" in completed.stdout

    def test_production_refuses_to_start_naming_every_missing_variable(
        self, installed, django_version
    ):
        project = installed(django_version=django_version)
        completed = subprocess.run(
            [project_python(project), "manage.py", "check"],
            cwd=project,
            env=clean_environment(DJANGO_ENVIRONMENT="production"),
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 78, completed.stderr
        # One block for a person, not a traceback.
        assert "Traceback" not in completed.stderr, completed.stderr
        assert completed.stderr.startswith(f"{DEFAULT_SLUG} cannot start: configuration error\n")
        for variable in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"):
            assert variable in completed.stderr
        assert "CELERY_BROKER_URL" in completed.stderr


@pytest.mark.parametrize("slug", ["aaa_service", "zzz_service", "x" * 40])
def test_lint_clean_whatever_the_slug(bake, slug):
    """Import order and line length depend on the slug: check both ends and the longest."""
    project = bake(project_slug=slug)
    run(["ruff", "check", "--no-cache", "."], cwd=project)
    run(["ruff", "format", "--check", "--no-cache", "."], cwd=project)


# -- Every command in the generated README runs -------------------------------------------
# The uv route (migrate, web + worker, a task, diagnose, the tests) runs in
# tests/test_newcomer.py, on a fresh virtual environment and an empty uv cache; the
# integration command in test_integration.py; the pip route below.

README_COMMANDS = [
    "uv run python manage.py migrate",
    "uv run honcho start",
    "uv run python manage.py shell -c "
    "\"from reports.tasks import create_report; create_report.delay('hello')\"",
    "python -m venv .venv && .venv/bin/pip install -U pip && .venv/bin/pip install -e . "
    "--group dev",
    ".venv/bin/pytest",
    "uv run pytest",
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
    "CELERY_BROKER_URL=redis://127.0.0.1:6379/0 uv run pytest -m integration --integration",
    "uv run python manage.py diagnose",
]


def test_readme_lists_exactly_the_commands_the_tests_run(bake):
    # If the README gains a command, a test must learn to run it.
    assert readme_commands(bake()) == README_COMMANDS


@pytest.mark.xdist_group("readme-pip")
def test_readme_pip_commands_install_and_test(cookies):
    """The route without uv: a plain venv, pip >= 25.1 and --group dev."""
    project = Path(cookies.bake(template=str(REPO_ROOT)).project_path)
    commands = readme_commands(project)
    python_dir = str(Path(find_python(PYTHON_FOR_DJANGO["5.2"])).parent)
    environ = clean_environment(as_newcomer=True, PATH=f"{python_dir}:{os.environ['PATH']}")
    run(["bash", "-c", commands[3]], project, environ, timeout=600)
    completed = run(["bash", "-c", commands[4]], project, environ)
    assert re.search(r"\d+ passed", completed.stdout)
