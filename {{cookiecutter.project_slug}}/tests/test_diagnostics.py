"""The checks a worker runs on itself, and ``manage.py diagnose``."""

import logging
import threading

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from {{ cookiecutter.project_slug }} import diagnostics
from {{ cookiecutter.project_slug }}.celery import app

# Nothing listens on port 1 here: a refused connection, at once.
CLOSED_PORT_BROKER = "redis://:hunter2@127.0.0.1:1/0"


def test_configuration_masks_the_broker_password():
    configuration = diagnostics.Configuration.current(CLOSED_PORT_BROKER)
    assert "hunter2" not in configuration.describe()
    assert "redis://:**@127.0.0.1:1/0" in configuration.describe()
    assert configuration.engine == "django.db.backends.sqlite3"


@pytest.mark.django_db
def test_database_probe_succeeds():
    result = diagnostics.probe_database(timeout=2)
    assert result.ok, result.detail


def test_bounded_probe_gives_up_on_a_check_that_hangs():
    release = threading.Event()
    result = diagnostics.run_bounded(release.wait, timeout=0.2)
    release.set()
    assert not result.ok
    assert "no answer within 0.2 s" in result.detail


def test_bounded_probe_reports_the_error():
    def fail():
        raise ConnectionError("refused\n  by peer")

    result = diagnostics.run_bounded(fail, timeout=1)
    assert (result.ok, result.detail) == (False, "ConnectionError: refused by peer")


def test_broker_probe_fails_on_a_closed_port():
    app.conf.broker_url, original = CLOSED_PORT_BROKER, app.conf.broker_url
    try:
        result = diagnostics.probe_broker(app, timeout=2)
    finally:
        app.conf.broker_url = original
    assert not result.ok


def test_drift_guard_logs_a_changed_database(report_task, caplog, monkeypatch):
    monkeypatch.setattr(diagnostics, "_recorded_at_start", diagnostics.Configuration.current())
    monkeypatch.setitem(settings.DATABASES["default"], "NAME", "elsewhere.sqlite3")
    with caplog.at_level(logging.ERROR, logger=diagnostics.__name__):
        diagnostics.guard_against_drift(task_id="t-1", task=report_task)
    assert "configuration drift" in caplog.text
    assert "'elsewhere.sqlite3'" in caplog.text


def test_drift_guard_logs_a_changed_settings_module(report_task, caplog, monkeypatch):
    monkeypatch.setattr(diagnostics, "_recorded_at_start", diagnostics.Configuration.current())
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "somewhere.else")
    with caplog.at_level(logging.ERROR, logger=diagnostics.__name__):
        diagnostics.guard_against_drift(task_id="t-2", task=report_task)
    assert "'somewhere.else'" in caplog.text


def test_drift_guard_is_quiet_when_nothing_changed(report_task, caplog, monkeypatch):
    monkeypatch.setattr(diagnostics, "_recorded_at_start", diagnostics.Configuration.current())
    with caplog.at_level(logging.ERROR, logger=diagnostics.__name__):
        diagnostics.guard_against_drift(task_id="t-3", task=report_task)
    assert caplog.text == ""


@pytest.mark.django_db
def test_diagnose_passes_when_everything_answers(capsys):
    call_command("diagnose")
    output = capsys.readouterr().out
    assert ".settings.testing" in output
    assert "all checks passed" in output


def test_diagnose_names_the_broker_when_it_is_down():
    app.conf.broker_url, original = CLOSED_PORT_BROKER, app.conf.broker_url
    try:
        with pytest.raises(CommandError, match="broker"):
            call_command("diagnose", "--timeout", "1")
    finally:
        app.conf.broker_url = original
