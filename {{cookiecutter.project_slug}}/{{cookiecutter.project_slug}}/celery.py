"""The Celery app. Start a worker with:

    celery -A {{ cookiecutter.project_slug }} worker -l INFO

Settings are chosen by DJANGO_ENVIRONMENT exactly as for manage.py and the web process, and
the worker checks what it really runs with before it takes work (see diagnostics.py).
https://docs.celeryq.dev/en/stable/django/first-steps-with-django.html
"""

import gc

from celery import Celery
from celery.app import utils as celery_app_utils
from celery.signals import task_postrun, task_prerun, worker_init
from django.db import close_old_connections

from . import diagnostics, stopping
from .environment import start
from .service_urls import masked


def hide_settings(conf, celery_filter=celery_app_utils.filter_hidden_settings) -> dict:
    """Celery's masking, then every password in any URL of the settings table.

    Celery masks only the keys it knows by their own name (broker_url, not the Django
    setting CELERY_BROKER_URL). ``celery report`` and ``celery inspect conf`` both print
    app.conf.table(), which calls this module-level function by name each time.
    """
    return masked(celery_filter(conf))


celery_app_utils.filter_hidden_settings = hide_settings
start()

# Every task retries a database or broker that is briefly away (task_base.py).
app = Celery(
    "{{ cookiecutter.project_slug }}",
    task_cls="{{ cookiecutter.project_slug }}.task_base:RetryTransientErrorsTask",
)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
diagnostics.connect_worker_signals()
stopping.connect_worker_signals()

# Connections live across tasks (CELERY_DB_REUSE_MAX) and are recycled the way Django
# recycles them between requests: past CONN_MAX_AGE, or after an error.
task_prerun.connect(close_old_connections, weak=False, dispatch_uid="close-old-before")
task_postrun.connect(close_old_connections, weak=False, dispatch_uid="close-old-after")


@worker_init.connect
def freeze_startup_objects(**kwargs) -> None:
    """Take what start-up built out of the garbage collector's sight before the pool forks.

    The pool collects before forking each child; frozen objects make that quick and keep
    the pages the children share with the parent unwritten.
    """
    gc.collect()
    gc.freeze()
