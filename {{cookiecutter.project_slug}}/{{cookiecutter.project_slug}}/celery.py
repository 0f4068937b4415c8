"""The Celery app. Start a worker with:

    celery -A {{ cookiecutter.project_slug }} worker -l INFO

Settings are chosen by DJANGO_ENVIRONMENT exactly as for manage.py and the web process, and
the worker checks what it really runs with before it takes work (see diagnostics.py).
https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html
"""

from celery import Celery

from . import diagnostics
from .environment import configure_settings

configure_settings()

app = Celery("{{ cookiecutter.project_slug }}")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
diagnostics.connect_worker_signals()
