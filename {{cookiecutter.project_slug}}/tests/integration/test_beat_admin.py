"""django-celery-beat's scheduler runs a periodic task stored the way the admin stores it."""

import json

import pytest

from .support import Beat, manage, production_environment, task_ids_of_reports, unique_name

pytestmark = pytest.mark.integration


def test_beat_runs_a_periodic_task_stored_in_the_database(
    start_worker, client, database_url, broker_url, tmp_path
):
    environ = production_environment(database_url, broker_url)
    worker = start_worker()
    marker = unique_name("periodic")
    # Every second, to this test's worker.
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

    beat = Beat(environ, tmp_path / "beat.log")
    try:
        beat.wait_for_reports(database_url, marker)
    finally:
        beat.stop()
        client.sent_task_ids.extend(task_ids_of_reports(database_url, marker))
    assert "scheduler -> django_celery_beat.schedulers.DatabaseScheduler" in beat.log
