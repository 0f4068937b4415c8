"""Benchmark-only tasks, copied into a temporary rendered project (never into the template)."""

from celery import shared_task


@shared_task
def noop() -> None:
    """Do nothing: a round trip through the broker, a pool child and the result backend."""
