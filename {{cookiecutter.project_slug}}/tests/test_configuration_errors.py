"""A configuration error stops every entry point with one block a person can act on.

Each case runs the real command in a child process, with the test run's own selection
removed from its environment, and asserts what it prints and that no traceback appears.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from .processes import run

BIN = Path(sys.executable).parent
SLUG = "{{ cookiecutter.project_slug }}"
HEADER = f"{SLUG} cannot start: configuration error"
ENTRY_POINTS = {
    "manage.py": [sys.executable, "manage.py", "check"],
    "celery": [str(BIN / "celery"), "-A", SLUG, "worker", "--pool", "solo"],
    "gunicorn": [str(BIN / "gunicorn"), f"{SLUG}.wsgi", "--bind", "127.0.0.1:0"],
    "asgi": [sys.executable, "-c", f"import {SLUG}.asgi"],
}
PRODUCTION_VARIABLES = (
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
)


def assert_block(completed: subprocess.CompletedProcess, *expected: str) -> str:
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert "Traceback" not in output, output
    assert HEADER in output, output
    for text in expected:
        assert text in output, output
    return output


# Each entry point with one kind of error: all of them report through environment.start(),
# so one kind each proves the route; manage.py below takes the rest.
@pytest.mark.parametrize("entry_point", ["manage.py", "asgi"])
def test_unknown_environment_suggests_the_close_match(entry_point):
    completed = run(ENTRY_POINTS[entry_point], DJANGO_ENVIRONMENT="prod")
    assert_block(
        completed,
        "DJANGO_ENVIRONMENT='prod' is not an environment",
        "Did you mean DJANGO_ENVIRONMENT=production?",
    )


@pytest.mark.parametrize("entry_point", ["manage.py", "celery", "gunicorn"])
def test_missing_production_variables_are_named_together(entry_point):
    completed = run(ENTRY_POINTS[entry_point], DJANGO_ENVIRONMENT="production")
    output = assert_block(completed, "never .env", *PRODUCTION_VARIABLES)
    # One block: gunicorn stops rather than restarting a worker that cannot load.
    assert output.count(HEADER) == 1, output
    # The generated .env holds the development secret, which production does not read.
    assert "(.env sets DJANGO_SECRET_KEY)" in output


def test_disagreeing_settings_module_says_the_environment_was_defaulted():
    completed = run(ENTRY_POINTS["manage.py"], DJANGO_SETTINGS_MODULE=f"{SLUG}.settings.testing")
    assert_block(
        completed,
        f"DJANGO_SETTINGS_MODULE='{SLUG}.settings.testing' disagrees",
        "DJANGO_ENVIRONMENT is not set",
        "(DJANGO_ENVIRONMENT=testing)",
    )


def test_diagnose_reports_a_configuration_error_as_a_failed_check():
    completed = run([sys.executable, "manage.py", "diagnose"], DJANGO_ENVIRONMENT="staging")
    assert_block(completed, "DJANGO_SECRET_KEY")
    assert completed.returncode == 1
    assert completed.stdout.startswith("settings  FAILED"), completed.stdout
    assert "diagnose failed: settings" in completed.stderr


def test_development_broker_connections_print_no_kombu_hostname_warning():
    # The embedded broker's URL names a host, which the filesystem transport ignores. The
    # connection pool is what .delay() takes a connection from.
    connect = f"from {SLUG}.celery import app; app.pool.acquire().release()"
    completed = run([sys.executable, "manage.py", "shell", "-c", connect])
    assert completed.returncode == 0, completed.stderr
    assert "development: settings" in completed.stderr
    assert "No hostname was supplied" not in completed.stderr
