"""Development: runs with no services at all.

A SQLite file and a broker kept in files (kombu's filesystem transport) let a newcomer run
the web process and a real worker straight away. Set DATABASE_URL or CELERY_BROKER_URL, in
the environment or in .env, to use real services instead; the log says which are in use.
"""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from ..service_urls import service_url_problems
from .base import *  # noqa: F403
from .base import BASE_DIR

# .env holds this checkout's secret key, written when the project was generated. Variables
# already in the environment win. Only development reads it: elsewhere the environment is
# the single source.
load_dotenv(BASE_DIR / ".env")

if _problems := service_url_problems(os.environ):
    raise ImproperlyConfigured(f"{__name__} cannot start: {'; '.join(_problems)}.")

# Local state stays in .broker/ (git-ignored): the embedded broker's folders, and the file
# in which beat remembers when each periodic task last ran, when it keeps one.
(BASE_DIR / ".broker").mkdir(exist_ok=True)

DEBUG = True
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "development-only-not-a-secret")
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

# DATABASES
# https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/ref/settings/#databases
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}
    }

# CELERY
# https://docs.celeryq.dev/projects/kombu/en/stable/reference/kombu.transport.filesystem.html
# The transport ignores the host; naming one keeps kombu from warning on every connection
# that none was supplied.
EMBEDDED_BROKER_URL = "filesystem://localhost"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or EMBEDDED_BROKER_URL
if CELERY_BROKER_URL == EMBEDDED_BROKER_URL:
    EMBEDDED_BROKER_DIR = BASE_DIR / ".broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # One folder both ways: the web process and the worker share one queue.
        "data_folder_in": str(EMBEDDED_BROKER_DIR / "messages"),
        "data_folder_out": str(EMBEDDED_BROKER_DIR / "messages"),
        "control_folder": str(EMBEDDED_BROKER_DIR / "control"),
        "polling_interval": 0.1,
    }
    # The transport expects its folders to exist.
    for folder in ("messages", "control"):
        (EMBEDDED_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
{%- if cookiecutter.result_backend == "redis" %}

# Results go to Redis when CELERY_RESULT_BACKEND names it, else to files next to the broker's.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND")
if not CELERY_RESULT_BACKEND:
    results_dir = BASE_DIR / ".broker" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    CELERY_RESULT_BACKEND = f"file://{results_dir}"
{%- endif %}
