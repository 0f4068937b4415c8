"""Each settings module is what it claims to be, and production fails fast."""

import importlib
import re
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from {{ cookiecutter.project_slug }}.environment import SETTINGS_PACKAGE

SETTINGS_DIR = Path(importlib.import_module(SETTINGS_PACKAGE).__file__).parent
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
    "DJANGO_SECRET_KEY": "x" * 60,
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


def test_production_loads_from_the_environment(monkeypatch):
    production = import_fresh("production", monkeypatch, COMPLETE_ENVIRONMENT)
    assert production.DEBUG is False
    assert production.ALLOWED_HOSTS == ["example.com", "www.example.com"]
    database = production.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["HOST"], database["PORT"]) == ("app", "db.internal", 5432)
    assert database["OPTIONS"]["connect_timeout"] == 2
    assert production.WORKER_REQUIRE_DATABASE is True
    visibility = production.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > production.CELERY_TASK_TIME_LIMIT


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
