"""Testing: chosen explicitly by tests/conftest.py through DJANGO_ENVIRONMENT.

No settings module guesses whether it runs under a test runner: a guess that can come out
differently in a web process and in a worker is how workers end up on the wrong database.
"""

from .base import *  # noqa: F403

SECRET_KEY = "testing-only-not-a-secret"
ALLOWED_HOSTS = ["testserver", "localhost"]

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# Tasks run inline, and their exceptions reach the test. Real workers are tested in
# tests/integration against the production settings.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
{%- if cookiecutter.result_backend == "redis" %}
CELERY_RESULT_BACKEND = "cache+memory://"
{%- endif %}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No EMAIL_BACKEND: Django's test set-up switches mail to its in-memory outbox itself, and
# Django 6.1 deprecates the setting.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
