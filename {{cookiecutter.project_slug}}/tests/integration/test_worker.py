"""A real prefork worker on PostgreSQL and a real broker, under production settings."""

import os
import signal
import time
from urllib.parse import urlsplit

import pytest
from kombu.utils.url import maybe_sanitize_url

from .support import (
    PROJECT_PACKAGE,
    TcpProxy,
    count_reports,
    manage,
    production_environment,
    unique_name,
    wait_for_report,
)

pytestmark = pytest.mark.integration
PRODUCTION = f"{PROJECT_PACKAGE}.settings.production"
TASKS = "tests.integration.worker_tasks"


def send(client, worker, task: str, *args):
    result = client.send_task(f"{TASKS}.{task}", args=args, queue=worker.queue)
    client.sent_task_ids.append(result.id)
    return result


def test_task_sent_from_django_writes_a_row_in_postgresql(
    shared_worker, client, database_url, broker_url
):
    marker = unique_name("round_trip")
    command = (
        "from reports.tasks import create_report; "
        f"print(create_report.apply_async(args=[{marker!r}], queue={shared_worker.queue!r}).id)"
    )
    environ = production_environment(database_url, broker_url)
    sent = manage(environ, "shell", "-c", command)
    assert sent.returncode == 0, sent.stderr
    task_id = sent.stdout.split()[-1]
    client.sent_task_ids.append(task_id)
    row = wait_for_report(database_url, task_id)
    assert row == {"name": marker, "engine": "postgresql", "settings": PRODUCTION}


def test_worker_logs_its_configuration_once_and_once_per_child(
    shared_worker, database_url, broker_url
):
    database = urlsplit(database_url).path.lstrip("/")
    broker = maybe_sanitize_url(broker_url)
    described = (
        f"settings {PRODUCTION}; database django.db.backends.postgresql name={database} "
        f"host=127.0.0.1:5432; broker {broker}"
    )
    shared_worker.wait_for_count(": database probe ok in", 3)
    log = shared_worker.log
    assert log.count(f"worker {shared_worker.nodename}: {described}") == 1
    assert log.count(f"worker {shared_worker.nodename}: database probe ok in") == 1
    child_lines = f": settings {PRODUCTION}; database django.db.backends.postgresql\n"
    assert log.count(child_lines) == 2
    assert log.count(": database probe ok in") == 3
    password = urlsplit(broker_url).password
    if password:
        assert f":{password}@" not in log


@pytest.mark.parametrize("task", ["import_pytest_then_report", "reimport_settings_then_report"])
def test_importing_pytest_or_the_settings_changes_nothing(
    shared_worker, client, database_url, task
):
    result = send(client, shared_worker, task, task)
    row = wait_for_report(database_url, result.id)
    assert (row["engine"], row["settings"]) == ("postgresql", PRODUCTION)


def test_test_in_the_command_line_changes_nothing(start_worker, client, database_url):
    # The incident's settings asked "'test' in sys.argv": make that true for this worker.
    worker = start_worker(extra_args=("--exclude-queues", "test"))
    row = wait_for_report(database_url, send(client, worker, "report_environment", "argv").id)
    assert "argv-has-test=True" in row["name"]
    assert (row["engine"], row["settings"]) == ("postgresql", PRODUCTION)


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("settings-module", "'somewhere.else.settings'"),
        ("databases", "'not_the_database_it_started_with'"),
    ],
)
def test_drift_under_a_running_worker_is_logged_as_an_error(start_worker, client, how, expected):
    worker = start_worker()
    send(client, worker, "point_settings_elsewhere", how)
    noop = send(client, worker, "noop")
    line = worker.wait_for_log(rf"ERROR .*configuration drift in task {TASKS}\.noop\[{noop.id}\].*")
    assert expected in line.group(0)


def test_a_task_whose_child_is_killed_runs_again_exactly_once(start_worker, client, database_url):
    worker = start_worker()
    marker = unique_name("killed")
    result = send(client, worker, "slow_report", marker, 3.0)
    worker.wait_for_log(rf"Task {TASKS}\.slow_report\[{result.id}\] received")
    time.sleep(0.5)  # into the task's sleep, before it writes
    for pid in worker.child_pids():
        os.kill(pid, signal.SIGKILL)
    wait_for_report(database_url, result.id, timeout=30)
    time.sleep(1)  # room for a duplicate, if there were one
    assert count_reports(database_url, marker) == 1
    assert "WorkerLostError" in worker.log


def test_recycled_children_keep_serving_when_the_database_is_slow(
    start_worker, client, database_url
):
    """Each child probes the database as it starts; a slow one must not stall it."""
    parts = urlsplit(database_url)
    proxy = TcpProxy(parts.hostname, parts.port or 5432)
    try:
        # The URL's connect_timeout (5 s) replaces the production default (2 s), so the
        # tasks themselves still get through the proxy's delay.
        proxied = parts._replace(
            netloc=f"{parts.username}@127.0.0.1:{proxy.port}", query="connect_timeout=5"
        ).geturl()
        worker = start_worker(extra_args=("--max-tasks-per-child", "1"), DATABASE_URL=proxied)
        # From now on slower than a child's 1.5 s probe, and below Celery's 4 s start timeout.
        proxy.delay = 2.5
        sent = [send(client, worker, "report_environment", f"slow-{n}") for n in range(3)]
        for result in sent:
            assert wait_for_report(database_url, result.id, timeout=60)["engine"] == "postgresql"
    finally:
        proxy.close()
    log = worker.log
    assert log.count("database probe failed: no answer within 1.5 s") >= 2
    assert "Timed out waiting for UP message" not in log
    assert "SIGKILL" not in log
