"""Settings every environment shares: safe defaults only, no secrets and no database.

Each environment has its own module next to this one; DJANGO_ENVIRONMENT picks it
(see ../environment.py). https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/ref/settings/
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = False
ALLOWED_HOSTS: list[str] = []

# APPLICATIONS
# https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/ref/applications/
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
{%- if cookiecutter.__beat_scheduler == "database" %}
    "django_celery_beat",
{%- endif %}
{%- if cookiecutter.result_backend == "django-db" %}
    "django_celery_results",
{%- endif %}
    "{{ cookiecutter.project_slug }}",
    "users",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything that validates the Host header: see health.py.
    "{{ cookiecutter.project_slug }}.health.HealthByAddressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "{{ cookiecutter.project_slug }}.urls"
WSGI_APPLICATION = "{{ cookiecutter.project_slug }}.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# USERS
# https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/topics/auth/customizing/#substituting-a-custom-user-model
AUTH_USER_MODEL = "users.User"

# PASSWORDS
# https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/topics/auth/passwords/
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# INTERNATIONALIZATION
# https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/topics/i18n/
LANGUAGE_CODE = "en-us"
TIME_ZONE = "{{ cookiecutter.timezone }}"
USE_I18N = True
USE_TZ = True

# STATIC FILES
# https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/howto/static-files/
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# LOGGING
# https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/topics/logging/
# Workers log through this too (CELERY_WORKER_HIJACK_ROOT_LOGGER is off), with the pid, so
# the lines of a worker's children can be told apart.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"},
{%- if cookiecutter.log_format == "json" %}
        # One JSON object per line, with the task id and name in tasks (../logs.py).
        "json": {"()": "{{ cookiecutter.project_slug }}.logs.JsonFormatter"},
{%- endif %}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "{{ cookiecutter.log_format }}"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# CELERY
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Keep Django's LOGGING in charge of the worker's log output.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Keep retrying the broker at start-up, as Celery 5 did by default (and warns about).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Acknowledge a task after it ran, not when it arrived, so a worker that dies mid-task
# loses nothing: tasks must therefore be safe to run twice.
CELERY_TASK_ACKS_LATE = True
# A child killed mid-task (OOM, SIGKILL) retries the task, at most max_retries times
# (3 by default), instead of dropping it or requeueing it forever, after the task's
# default_retry_delay (10 s in ../task_base.py; Celery's own default is 3 minutes).
CELERY_TASK_RETRY_ON_WORKER_LOST = True
# With late acks, a worker should hold no more tasks than it is running.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery closes the database connection after every task unless told otherwise; keep it,
# and let CONN_MAX_AGE decide as for web requests (celery.py closes old connections).
CELERY_DB_REUSE_MAX = 1_000_000
# Bound every task: the soft limit raises SoftTimeLimitExceeded so it can clean up.
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 270
# Redis redelivers an unacknowledged task after visibility_timeout: keep it above the hard
# limit, or a task still running gets a second copy. (RabbitMQ ignores this; its
# consumer_timeout, 30 minutes by default, must stay above the limit instead.)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60}
{%- if cookiecutter.result_backend == "django-db" %}
# Results are rows in the Django database (django-celery-results), with task name and args.
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
{%- endif %}
{%- if cookiecutter.__beat_scheduler == "database" %}
# Periodic tasks are rows in the database, editable in the admin (django-celery-beat);
# entries here are copied there when beat starts.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
{%- elif cookiecutter.__beat_scheduler == "file" %}
# django-celery-beat does not support Django 6.1 yet, so Celery's own scheduler runs the
# entries below and keeps when each last ran in a file (git-ignored; its folder must exist).
# Move to django_celery_beat's DatabaseScheduler once a release supports 6.1.
CELERY_BEAT_SCHEDULER = "celery.beat:PersistentScheduler"
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get("CELERY_BEAT_SCHEDULE_FILENAME") or str(
    BASE_DIR / ".broker" / "beat-schedule"
)
{%- endif %}
{%- if cookiecutter.use_celery_beat %}
CELERY_BEAT_SCHEDULE = {
    "prune-old-reports": {
        "task": "reports.tasks.prune_reports",
        "schedule": 60 * 60,
        "kwargs": {"older_than_days": 30},
    },
}
{%- endif %}

# TASK RETRIES (see ../task_base.py)
# A task that meets a database or broker outage is sent again, with delays doubling up to
# TASK_RETRY_LONGEST_DELAY seconds, until TASK_RETRY_WINDOW seconds have passed since its
# first such error: longer than a managed database's failover (30-60 s).
TASK_RETRY_WINDOW = 5 * 60
TASK_RETRY_LONGEST_DELAY = 30

# WORKER DIAGNOSTICS (see ../diagnostics.py)
# Log and probe settings, database and broker when a worker and each of its children start.
WORKER_DIAGNOSTICS = os.environ.get("WORKER_DIAGNOSTICS", "on").lower() not in ("off", "false", "0")
# Refuse to start a worker whose database probe fails (production and staging set this).
WORKER_REQUIRE_DATABASE = False
# Seconds a starting worker gives an unreachable broker before it stops (production sets
# this); None leaves it to Celery, which keeps retrying for the better part of an hour.
WORKER_REQUIRE_BROKER_WITHIN: float | None = None
