"""Beat, with the scheduler the settings choose, enqueues a periodic task that a worker runs."""

import pytest
from django.conf import settings

from .support import PROJECT_PACKAGE, Beat, production_environment, task_ids_of_reports, unique_name

pytestmark = pytest.mark.integration


def test_beat_enqueues_a_periodic_task(start_worker, client, database_url, broker_url, tmp_path):
    worker = start_worker()
    marker = unique_name("periodic")
    state = tmp_path / "state" / "beat-schedule"
    state.parent.mkdir()
    environ = production_environment(
        database_url,
        broker_url,
        PERIODIC_MARKER=marker,
        PERIODIC_QUEUE=worker.queue,
        CELERY_BEAT_SCHEDULE_FILENAME=str(state),
    )
    beat = Beat(environ, tmp_path / "beat.log", app="tests.integration.periodic")
    try:
        beat.wait_for_reports(database_url, marker)
    finally:
        beat.stop()
        client.sent_task_ids.extend(task_ids_of_reports(database_url, marker))

    log = beat.log
    scheduler = settings.CELERY_BEAT_SCHEDULER.replace(":", ".")
    assert f"scheduler -> {scheduler}" in log
    if scheduler == "celery.beat.PersistentScheduler":
        # Celery's own scheduler keeps when each entry last ran where the settings say.
        assert list(state.parent.iterdir()), "no schedule state was written"
    assert f"beat: settings {PROJECT_PACKAGE}.settings.production; database " in log
    assert "beat: database probe ok in" in log
