"""No command of this service prints a password: celery report, diagnose, configuration errors.

Real commands in subprocesses, under the settings a deployment uses; none needs a service
(the URLs point at ports where nothing listens). A real worker's ``inspect conf`` and log
are in tests/integration/test_secrets.py.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery.app import utils as celery_app_utils

import {{ cookiecutter.project_slug }}.celery  # noqa: F401 (installs the masking)
from {{ cookiecutter.project_slug }}.service_urls import mask_passwords, url_problem

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "{{ cookiecutter.project_slug }}"
# Distinctive, so finding one in an output cannot be chance. Port 1: nothing listens.
DATABASE_SECRET = f"Db-{uuid.uuid4().hex[:12]}"
BROKER_SECRET = f"Mq-{uuid.uuid4().hex[:12]}"
RESULTS_SECRET = f"Rs-{uuid.uuid4().hex[:12]}"
SECRETS = (DATABASE_SECRET, BROKER_SECRET, RESULTS_SECRET)


def environment(settings: str = "production", **overrides: str) -> dict[str, str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DATABASE_URL", "DB_", "PYTEST_"))
    }
    environ.update(
        DJANGO_ENVIRONMENT=settings,
        DJANGO_SECRET_KEY="output-test-" + uuid.uuid4().hex * 2,
        DJANGO_ALLOWED_HOSTS="localhost",
        DATABASE_URL=f"postgres://app:{DATABASE_SECRET}@127.0.0.1:1/app",
        CELERY_BROKER_URL=f"redis://default:{BROKER_SECRET}@127.0.0.1:1/0",
        CELERY_RESULT_BACKEND=f"redis://default:{RESULTS_SECRET}@127.0.0.1:1/1",
    )
    environ.update(overrides)
    return environ


def run(environ: dict[str, str], *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def shown(completed: subprocess.CompletedProcess) -> str:
    return completed.stdout + completed.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("redis://:pw@h:6379/0", "redis://:**@h:6379/0"),
        ("amqp://user:pw@h:5672//", "amqp://user:**@h:5672//"),
        ("postgres://u:12/rest@h/db", "postgres://u:**@h/db"),
        ("redis://:a#b@c@h/0", "redis://:**@h/0"),
        ("redis://h:6379/0", "redis://h:6379/0"),
        ("amqp://u:p@h1//;amqp://u:q@h2//", "amqp://u:**@h1//;amqp://u:**@h2//"),
        ("'redis://:pw@h/0', and sqlite:///db", "'redis://:**@h/0', and sqlite:///db"),
    ],
)
def test_mask_passwords(text, expected):
    assert mask_passwords(text) == expected


def test_url_problem_never_quotes_the_url():
    problem = url_problem("CELERY_BROKER_URL", "redis://:Open#Sesame@h/0")
    assert problem.startswith("CELERY_BROKER_URL is not a valid URL")
    assert "Open" not in problem and "Sesame" not in problem


def test_celery_settings_table_masks_every_url_password():
    # What `celery report` and `celery inspect conf` print, whatever the setting is called.
    table = celery_app_utils.filter_hidden_settings(
        {
            "CELERY_BROKER_URL": f"redis://:{BROKER_SECRET}@h/0",
            "CACHES": {"default": {"LOCATION": [f"redis://:{RESULTS_SECRET}@h/2"]}},
            "DATABASES": {"default": {"PASSWORD": DATABASE_SECRET}},
        }
    )
    assert not [secret for secret in SECRETS if secret in str(table)]
    assert table["CELERY_BROKER_URL"] == "redis://:**@h/0"


def test_celery_report_shows_no_password():
    completed = run(environment(), "-m", "celery", "-A", PACKAGE, "report")
    assert completed.returncode == 0, completed.stderr
    assert "CELERY_BROKER_URL: 'redis://default:**@127.0.0.1:1/0'" in completed.stdout
    assert not [secret for secret in SECRETS if secret in shown(completed)]


def test_diagnose_shows_no_password_when_services_are_down():
    completed = run(environment(), "manage.py", "diagnose", "--timeout", "1")
    assert completed.returncode != 0
    assert "broker    redis://default:**@127.0.0.1:1/0" in completed.stdout
    assert not [secret for secret in SECRETS if secret in shown(completed)]


def test_diagnose_refuses_a_weak_secret_key_in_production():
    # Every rule is in test_settings.py; here, that the health check really fails.
    key = "django-insecure-" + "k3y" * 20
    completed = run(environment(DJANGO_SECRET_KEY=key), "manage.py", "diagnose")
    assert completed.returncode != 0
    assert "all checks passed" not in completed.stdout
    assert "DJANGO_SECRET_KEY starts with 'django-insecure-'" in shown(completed)
    assert key not in shown(completed)


@pytest.mark.parametrize(
    ("settings", "variable", "url"),
    [
        (
            "development",
            "CELERY_BROKER_URL",
            f"redis://:{BROKER_SECRET[:6]}#{BROKER_SECRET[6:]}@127.0.0.1:1/0",
        ),
        ("production", "CELERY_RESULT_BACKEND", f"redis://:{RESULTS_SECRET}?x@127.0.0.1:1/1"),
    ],
    ids=["hash-in-broker-password", "question-mark-in-results-password"],
)
def test_a_malformed_url_is_a_configuration_error_that_hides_it(settings, variable, url):
    completed = run(environment(settings, **{variable: url}), "manage.py", "diagnose")
    assert completed.returncode != 0
    assert f"{variable} is not a valid URL" in shown(completed)
    for secret in (BROKER_SECRET[:6], BROKER_SECRET[6:], RESULTS_SECRET):
        assert secret not in shown(completed)


def test_a_worker_refuses_a_database_url_with_an_unencoded_slash_and_logs_no_secret():
    # Unchecked, "12" became the port and the rest of the password the database name.
    url = f"postgres://app:12/{DATABASE_SECRET}@127.0.0.1:1/app"
    command = ("-m", "celery", "-A", PACKAGE, "worker", "--pool", "solo", "--loglevel", "INFO")
    completed = run(environment(DATABASE_URL=url), *command)
    assert completed.returncode != 0
    assert "DATABASE_URL has '@' after its host" in shown(completed)
    assert DATABASE_SECRET not in shown(completed)
