"""The checks a worker runs on itself, and ``manage.py diagnose``."""

import logging
import os
import re
import signal
import subprocess
import sys
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


# -- diagnose --worker: the worker's children, not only its parent ------------------------


class FakeInspect:
    """What ``app.control.inspect(destination).stats()`` answers, without a worker."""

    def __init__(self, replies):
        self.replies = replies
        self.asked = []

    def __call__(self, destination, timeout):
        self.asked.append(destination)
        return self

    def stats(self):
        return self.replies


@pytest.fixture
def children():
    """Real processes that are children of this one, as a pool's children are the worker's."""
    started = []

    def start(count: int) -> list[subprocess.Popen]:
        for _ in range(count):
            started.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]))
        return started[-count:]

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
            process.wait(timeout=5)


def worker_answers(monkeypatch, nodename, pids, pid=None):
    stats = {"pid": pid or os.getpid(), "pool": {"max-concurrency": len(pids), "processes": pids}}
    fake = FakeInspect({nodename: stats})
    monkeypatch.setattr(app.control, "inspect", fake)
    return fake


@pytest.mark.django_db
def test_diagnose_without_worker_checks_no_worker(monkeypatch, capsys):
    fake = worker_answers(monkeypatch, "celery@here", [])
    call_command("diagnose")
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["settings", "database", "broker", "all"]
    assert fake.asked == []


@pytest.mark.django_db
def test_diagnose_worker_passes_when_every_child_is_alive(monkeypatch, capsys, children):
    pids = [process.pid for process in children(2)]
    worker_answers(monkeypatch, "celery@box", pids)
    call_command("diagnose", "--worker", "celery@box")
    output = capsys.readouterr().out
    assert f"worker    celery@box: 2 of 2 children alive (pids {pids[0]}, {pids[1]})" in output
    assert "all checks passed" in output


@pytest.mark.django_db
def test_diagnose_worker_defaults_to_this_hosts_worker(monkeypatch, children):
    from celery.utils.nodenames import default_nodename

    nodename = default_nodename(None)
    fake = worker_answers(monkeypatch, nodename, [children(1)[0].pid])
    call_command("diagnose", "--worker")
    assert fake.asked == [[nodename]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("exited", "is not running"),
        ("zombie", "is dead (state Z)"),
        ("stopped", "is stopped"),
    ],
)
def test_diagnose_worker_fails_when_a_child_is_gone(monkeypatch, children, how, expected):
    alive, broken = children(2)
    if how == "stopped":
        broken.send_signal(signal.SIGSTOP)
        # Signals arrive asynchronously: wait until the child has really stopped.
        os.waitid(os.P_PID, broken.pid, os.WSTOPPED | os.WNOWAIT)
    else:
        broken.kill()
        if how == "exited":
            broken.wait(timeout=5)
        else:  # killed but not yet reaped by its parent: os.kill(pid, 0) still succeeds
            os.waitid(os.P_PID, broken.pid, os.WEXITED | os.WNOWAIT)
    worker_answers(monkeypatch, "celery@box", [alive.pid, broken.pid])
    with pytest.raises(CommandError, match=rf"worker \({broken.pid} {re.escape(expected)}"):
        call_command("diagnose", "--worker", "celery@box")


@pytest.mark.django_db
def test_diagnose_worker_refuses_pids_that_are_not_the_workers_children(monkeypatch, children):
    # The parent answered, but these pids belong to someone else (another host, another
    # container, or reused): only /proc can tell.
    worker_answers(monkeypatch, "celery@box", [children(1)[0].pid], pid=os.getppid())
    with pytest.raises(CommandError, match="is not a child of worker process"):
        call_command("diagnose", "--worker", "celery@box")


@pytest.mark.django_db
def test_diagnose_worker_fails_when_the_worker_does_not_answer(monkeypatch):
    monkeypatch.setattr(app.control, "inspect", FakeInspect(None))
    with pytest.raises(CommandError, match=r"worker \(no reply within 0.5 s\)"):
        call_command("diagnose", "--timeout", "0.5", "--worker", "celery@nobody")


def test_an_environment_variable_that_overrides_a_setting_is_named(monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment before the setting of that name.
    monkeypatch.setattr(settings, "CELERY_BROKER_URL", "memory://")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://:hunter2@elsewhere:6379/0")
    (override,) = diagnostics.environment_overrides()
    assert "CELERY_BROKER_URL in the environment (redis://:**@elsewhere:6379/0)" in override
    assert "overrides settings.CELERY_BROKER_URL (memory:" in override


def test_no_override_is_reported_when_environment_and_settings_agree(monkeypatch):
    monkeypatch.setenv("CELERY_BROKER_URL", settings.CELERY_BROKER_URL)
    assert diagnostics.environment_overrides() == []
