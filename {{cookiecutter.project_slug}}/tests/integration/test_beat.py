"""Beat, with the database scheduler, really enqueues a periodic task that a worker runs."""

import json
import subprocess
import sys
import time

import pytest

from .support import (
    PROJECT_PACKAGE,
    PROJECT_ROOT,
    count_reports,
    manage,
    production_environment,
    task_ids_of_reports,
    unique_name,
)

pytestmark = pytest.mark.integration


def test_beat_enqueues_a_periodic_task(start_worker, client, database_url, broker_url, tmp_path):
    environ = production_environment(database_url, broker_url)
    worker = start_worker()
    marker = unique_name("periodic")
    # Stored the way the admin stores it: every second, to this test's worker.
    created = manage(
        environ,
        "shell",
        "-c",
        "from django_celery_beat.models import IntervalSchedule, PeriodicTask; "
        "every, _ = IntervalSchedule.objects.get_or_create(every=1, period='seconds'); "
        f"PeriodicTask.objects.create(name={marker!r}, task='reports.tasks.create_report', "
        f"interval=every, args={json.dumps([marker])!r}, queue={worker.queue!r})",
    )
    assert created.returncode == 0, created.stderr

    log_path = tmp_path / "beat.log"
    command = [sys.executable, "-m", "celery", "-A", PROJECT_PACKAGE, "beat", "--loglevel", "INFO"]
    with log_path.open("w") as log:
        beat = subprocess.Popen(
            [*command, "--max-interval", "1", "--schedule", str(tmp_path / "beat-schedule")],
            cwd=PROJECT_ROOT,
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        while count_reports(database_url, marker) == 0:
            assert beat.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
    finally:
        beat.terminate()
        beat.wait(timeout=10)
        client.sent_task_ids.extend(task_ids_of_reports(database_url, marker))
    log = log_path.read_text()
    assert f"beat: settings {PROJECT_PACKAGE}.settings.production; database " in log
    assert "beat: database probe ok in" in log
