"""The example task. https://docs.celeryq.dev/en/stable/userguide/tasks.html"""

import uuid
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import Report


@shared_task(bind=True)
def create_report(self, name: str) -> int:
    """Write a Report and return its id.

    Like every task here it retries a database or broker that is briefly away (see
    task_base.py), and acks are late: a delivery can repeat. Keyed on the task id, a
    repeat finds the row instead of writing a second one.
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


@shared_task
def prune_reports(older_than_days: int = 30) -> int:
    """Delete reports older than ``older_than_days``; return how many went."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = Report.objects.filter(created_at__lt=cutoff).delete()
    return deleted
