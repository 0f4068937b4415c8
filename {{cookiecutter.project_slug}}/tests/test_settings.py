"""Each settings module is what it claims to be, and production fails fast."""

import importlib
import re
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from {{ cookiecutter.project_slug }}.environment import SETTINGS_PACKAGE

SETTINGS_DIR = Path(importlib.import_module(SETTINGS_PACKAGE).__file__).parent
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_VARIABLES = (
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "DB_NAME",
    "DB_USER",
    "DB_PASSWORD",
    "DB_HOST",
    "DB_PORT",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
)
# Everything production can ask for (a result backend only if the project keeps results).
COMPLETE_ENVIRONMENT = {
    "DJANGO_SECRET_KEY": "settings-test-" + "k3Y-" * 12,
    "DJANGO_ALLOWED_HOSTS": "example.com, www.example.com",
    "DATABASE_URL": "postgres://app:secret@db.internal:5432/app",
    "CELERY_BROKER_URL": "redis://:secret@broker.internal:6379/0",
    "CELERY_RESULT_BACKEND": "redis://:secret@broker.internal:6379/1",
}


def import_fresh(name, monkeypatch, environ):
    """Import a settings module from scratch under exactly ``environ``."""
    for variable in PRODUCTION_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environ.items():
        monkeypatch.setenv(variable, value)
    for module in (f"{SETTINGS_PACKAGE}.production", f"{SETTINGS_PACKAGE}.{name}"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    return importlib.import_module(f"{SETTINGS_PACKAGE}.{name}")


def test_production_names_every_missing_variable_at_once(monkeypatch):
    with pytest.raises(ImproperlyConfigured) as error:
        import_fresh("production", monkeypatch, {})
    message = str(error.value)
    for variable in (
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "CELERY_BROKER_URL",
    ):
        assert variable in message


def test_production_names_missing_database_parts(monkeypatch):
    environ = {**COMPLETE_ENVIRONMENT, "DB_NAME": "app", "DB_HOST": "db.internal"}
    del environ["DATABASE_URL"]
    with pytest.raises(ImproperlyConfigured) as error:
        import_fresh("production", monkeypatch, environ)
    message = str(error.value)
    assert "DB_USER" in message and "DB_PASSWORD" in message and "DB_PORT" in message
    assert "DB_NAME" not in message and "DATABASE_URL" not in message


def example_secret_key() -> str:
    """The placeholder .env.example shows."""
    lines = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    (value,) = [line.split("=", 1)[1] for line in lines if line.startswith("DJANGO_SECRET_KEY=")]
    return value


@pytest.mark.parametrize("settings_module", ["production", "staging"])
@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("x", "has 1 characters, fewer than 50"),
        ("change-me", "has 9 characters, fewer than 50"),
        (example_secret_key(), "is a placeholder"),
        ("development-only-not-a-secret", "is a placeholder"),
        ("django-insecure-" + "abcdefghij" * 5, "starts with 'django-insecure-'"),
        ("abcd" * 20, "has 4 distinct characters, fewer than 5"),
    ],
    ids=["one-character", "change-me", "env-example", "development-default", "insecure", "abcd"],
)
def test_production_refuses_a_weak_secret_key(monkeypatch, settings_module, key, reason):
    environ = {**COMPLETE_ENVIRONMENT, "DJANGO_SECRET_KEY": key}
    with pytest.raises(ImproperlyConfigured) as error:
        import_fresh(settings_module, monkeypatch, environ)
    message = str(error.value)
    assert f"DJANGO_SECRET_KEY {reason}" in message
    assert key not in message


def test_production_names_every_problem_in_one_message(monkeypatch):
    environ = {
        **COMPLETE_ENVIRONMENT,
        "DJANGO_SECRET_KEY": "short",
        "DATABASE_URL": "postgres://app:12/Sesame-Open@db.internal:5432/app",
        "CELERY_BROKER_URL": "redis://:Open#Sesame@broker.internal:6379/0",
    }
    del environ["DJANGO_ALLOWED_HOSTS"]
    with pytest.raises(ImproperlyConfigured) as error:
        import_fresh("production", monkeypatch, environ)
    message = str(error.value)
    assert "\n" not in message
    for named in ("DJANGO_ALLOWED_HOSTS", "DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"):
        assert named in message
    for secret in ("Sesame", "Open", "short"):
        assert secret not in message


@pytest.mark.parametrize(
    ("variable", "url", "secrets"),
    [
        # An unencoded / ends the host part: the rest of the password became the path.
        ("DATABASE_URL", "postgres://app:12/Sesame@db.internal:5432/app", ["Sesame"]),
        ("DATABASE_URL", "postgres://app:ab/Sesame@db.internal:5432/app", ["ab", "Sesame"]),
        ("DATABASE_URL", "postgres://app:Se?same@db.internal/app", ["Se", "same"]),
        ("DATABASE_URL", "nosuchdb://app:Sesame@db.internal/app", ["Sesame"]),
        ("DATABASE_URL", "db.internal:5432", []),
        ("CELERY_BROKER_URL", "redis://:Open#Sesame@broker.internal:6379/0", ["Open", "Sesame"]),
        ("CELERY_BROKER_URL", "amqp://app:Sesame@[broker.internal:5672//", ["Sesame"]),
        ("CELERY_BROKER_URL", "redis://ok@b:1/0;redis://:Se#same@b:1/0", ["Se", "same"]),
        ("CELERY_RESULT_BACKEND", "redis://:Open#Sesame@broker.internal:6379/1", ["Sesame"]),
    ],
)
def test_production_refuses_a_malformed_url_without_showing_it(monkeypatch, variable, url, secrets):
    environ = {**COMPLETE_ENVIRONMENT, variable: url}
    with pytest.raises(ImproperlyConfigured) as error:
        import_fresh("production", monkeypatch, environ)
    message = str(error.value)
    assert variable in message
    assert not [secret for secret in secrets if secret in message]
    assert "db.internal" not in message and "broker.internal" not in message


def test_production_accepts_percent_encoded_passwords(monkeypatch):
    environ = {
        **COMPLETE_ENVIRONMENT,
        "DATABASE_URL": "postgres://app:12%2FSe%23same@db.internal:5432/app",
        "CELERY_BROKER_URL": "redis://:Open%23Sesame@broker.internal:6379/0",
    }
    production = import_fresh("production", monkeypatch, environ)
    assert production.DATABASES["default"]["PASSWORD"] == "12/Se#same"
    assert production.DATABASES["default"]["NAME"] == "app"


def test_production_loads_from_the_environment(monkeypatch):
    production = import_fresh("production", monkeypatch, COMPLETE_ENVIRONMENT)
    assert production.DEBUG is False
    assert production.ALLOWED_HOSTS == ["example.com", "www.example.com"]
    database = production.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["HOST"], database["PORT"]) == ("app", "db.internal", 5432)
    assert database["OPTIONS"]["connect_timeout"] == 2
    assert production.WORKER_REQUIRE_DATABASE is True
    # Redis must not hand a task that is still running, or waiting out a retry, to a second
    # worker; a worker must not wait unseen for a broker that is away.
    visibility = production.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > production.CELERY_TASK_TIME_LIMIT + production.TASK_RETRY_LONGEST_DELAY
    assert 0 < production.WORKER_REQUIRE_BROKER_WITHIN < 60


def test_production_accepts_database_parts(monkeypatch):
    environ = {key: value for key, value in COMPLETE_ENVIRONMENT.items() if key != "DATABASE_URL"}
    parts = {
        "DB_NAME": "app",
        "DB_USER": "app",
        "DB_PASSWORD": "",
        "DB_HOST": "db",
        "DB_PORT": "5432",
    }
    production = import_fresh("production", monkeypatch, {**environ, **parts})
    assert production.DATABASES["default"]["NAME"] == "app"
    assert production.DATABASES["default"]["PASSWORD"] == ""


def test_staging_builds_on_production(monkeypatch):
    staging = import_fresh("staging", monkeypatch, COMPLETE_ENVIRONMENT)
    assert staging.DEBUG is False
    assert staging.WORKER_REQUIRE_DATABASE is True
    assert staging.SECURE_HSTS_SECONDS > 0


def test_testing_settings_are_isolated():
    from django.conf import settings

    assert settings.SETTINGS_MODULE.endswith(".settings.testing")
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert "memory" in str(database["NAME"])
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    assert settings.CELERY_TASK_EAGER_PROPAGATES is True


def test_no_settings_module_sniffs_how_it_was_started():
    sniffing = re.compile(r"sys\.argv|sys\.modules|PYTEST_")
    offenders = [
        path.name for path in SETTINGS_DIR.glob("*.py") if sniffing.search(path.read_text())
    ]
    assert offenders == []
