"""The example model: a row that a Celery task writes, so a round trip is visible."""

from django.db import models


class Report(models.Model):
    name = models.CharField(max_length=200)
    # One row per task, however often the broker delivers it (acks are late).
    task_id = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Which database and settings wrote the row: a worker on the wrong settings
    # shows up here, not only in its log.
    written_by_engine = models.CharField(max_length=100)
    written_by_settings = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name
