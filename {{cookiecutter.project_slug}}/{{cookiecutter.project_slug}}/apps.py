"""The project package is an app too, for ``manage.py diagnose``."""

import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger(__name__)


class ServiceConfig(AppConfig):
    name = "{{ cookiecutter.project_slug }}"

    def ready(self) -> None:
        if settings.DEBUG:
            from .celery import app
            from .diagnostics import Configuration

            # Development falls back to embedded services; say which ones this process uses.
            logger.info(
                "development: %s (set DATABASE_URL / CELERY_BROKER_URL for real services)",
                Configuration.current(app.conf.broker_url).describe(),
            )
