"""Tasks only the integration tests' workers load (``--include``): each reports what it sees.

There is no result backend by default, so a task reports by writing a Report row that the
test reads back from PostgreSQL.
"""

import importlib
import logging
import os
import sys
import time

from celery import shared_task
from django.conf import settings
from django.db import connection

from reports.models import Report


def report(task, marker: str) -> None:
    Report.objects.get_or_create(
        task_id=task.request.id,
        defaults={
            "name": f"{marker} argv-has-test={'test' in sys.argv} pid={os.getpid()}",
            "written_by_engine": connection.vendor,
            "written_by_settings": settings.SETTINGS_MODULE,
        },
    )


@shared_task(bind=True)
def report_environment(self, marker: str) -> None:
    report(self, marker)


@shared_task(bind=True)
def import_pytest_then_report(self, marker: str) -> None:
    # The incident: a settings module that checks "pytest" in sys.modules changes its mind
    # once anything imports pytest. Ours must not care.
    import pytest  # noqa: F401

    assert "pytest" in sys.modules
    report(self, marker)


@shared_task(bind=True)
def reimport_settings_then_report(self, marker: str) -> None:
    importlib.reload(importlib.import_module(settings.SETTINGS_MODULE))
    report(self, marker)


@shared_task
def point_settings_elsewhere(how: str) -> None:
    """Simulate drift under a running worker: the next task's guard must notice."""
    if how == "settings-module":
        os.environ["DJANGO_SETTINGS_MODULE"] = "somewhere.else.settings"
    else:
        settings.DATABASES["default"]["NAME"] = "not_the_database_it_started_with"


@shared_task
def noop() -> None:
    """A task that touches nothing, so drift is reported before anything can break."""


# A lost worker retries the task after default_retry_delay seconds (see settings).
@shared_task(bind=True, default_retry_delay=1)
def slow_report(self, marker: str, seconds: float) -> None:
    time.sleep(seconds)
    report(self, marker)


@shared_task
def log_a_line(marker: str) -> None:
    logging.getLogger(__name__).info("a line from a task: %s", marker)


@shared_task
def fail_on_purpose(marker: str) -> None:
    """A task that raises, for what error reporting sees of a failed task."""
    raise RuntimeError(f"failed on purpose: {marker}")
