"""The example task. https://docs.celeryq.dev/en/stable/userguide/tasks.html"""

import uuid

from celery import shared_task
from django.conf import settings
from django.db import connection

from .models import Report


@shared_task(bind=True)
def create_report(self, name: str) -> int:
    """Write a Report and return its id.

    Acks are late, so a delivery can repeat after a worker dies: keyed on the task id,
    a repeat finds the row instead of writing a second one.
    """
    report, _ = Report.objects.get_or_create(
        task_id=self.request.id or str(uuid.uuid4()),
        defaults={
            "name": name,
            "written_by_engine": connection.vendor,
            "written_by_settings": settings.SETTINGS_MODULE,
        },
    )
    return report.pk
