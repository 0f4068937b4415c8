"""Production: every value comes from the process environment, read directly.

No .env file and no default that could hide a missing value. When a required variable is
absent, the secret key is weak, or a service URL is malformed, importing this module raises
one ConfigurationError that names every problem (and no secret), in the web process and
in every worker alike.
https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/howto/deployment/checklist/
"""

import os

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)

from ..environment import ConfigurationError
{%- if cookiecutter.use_sentry %}
from ..sentry import sentry_dsn_problems, start_sentry
{%- endif %}
from ..service_urls import service_url_problems
from .base import *  # noqa: F403
from .base import BASE_DIR, MIDDLEWARE

_REQUIRED = (
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "CELERY_BROKER_URL",
{%- if cookiecutter.result_backend == "redis" %}
    "CELERY_RESULT_BACKEND",
{%- endif %}
)
_DATABASE_PARTS = ("DB_NAME", "DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT")


def _missing_variables() -> list[str]:
    missing = [name for name in _REQUIRED if not os.environ.get(name)]
    if not os.environ.get("DATABASE_URL"):
        # DB_PASSWORD may be set and empty (trust or peer authentication); the rest may not.
        parts = [
            name
            for name in _DATABASE_PARTS
            if not os.environ.get(name) and not (name == "DB_PASSWORD" and name in os.environ)
        ]
        if len(parts) == len(_DATABASE_PARTS):
            missing.append(f"DATABASE_URL (or {', '.join(_DATABASE_PARTS)})")
        else:
            missing.extend(parts)
    return missing


# Keys this project's own files show as examples or use outside production.
_PLACEHOLDER_SECRET_KEYS = frozenset(
    {
        "change-me-to-50-or-more-random-characters",  # .env.example
        "development-only-not-a-secret",  # development.py without .env
        "testing-only-not-a-secret",  # testing.py
    }
)


def _secret_key_problems(key: str) -> list[str]:
    """Why ``key`` is unfit for production (the thresholds of ``check --deploy``)."""
    if not key:
        return []  # reported as missing
    if key in _PLACEHOLDER_SECRET_KEYS:
        return ["DJANGO_SECRET_KEY is a placeholder from this project's files"]
    problems = []
    if key.startswith(SECRET_KEY_INSECURE_PREFIX):
        problems.append(f"starts with {SECRET_KEY_INSECURE_PREFIX!r} (a development key)")
    if len(key) < SECRET_KEY_MIN_LENGTH:
        problems.append(f"has {len(key)} characters, fewer than {SECRET_KEY_MIN_LENGTH}")
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        problems.append(
            f"has {len(set(key))} distinct characters, "
            f"fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS}"
        )
    return [f"DJANGO_SECRET_KEY {' and '.join(problems)}"] if problems else []


def _configuration_problems() -> list[str]:
    problems = []
    if missing := _missing_variables():
        problems.append(f"these environment variables are not set: {', '.join(missing)}")
    problems += _secret_key_problems(os.environ.get("DJANGO_SECRET_KEY", ""))
    problems += service_url_problems(os.environ)
{%- if cookiecutter.use_sentry %}
    problems += sentry_dsn_problems(os.environ)
{%- endif %}
    return problems


def _set_in_dotenv(names: list[str]) -> list[str]:
    """Which of ``names`` the development .env sets: a common reason to think they are set."""
    try:
        lines = (BASE_DIR / ".env").read_text(errors="replace").splitlines()
    except OSError:
        return []
    assigned = {line.partition("=")[0].strip() for line in lines if "=" in line}
    return [name for name in names if name.split()[0] in assigned]


if _problems := _configuration_problems():
    _in_dotenv = _set_in_dotenv(_missing_variables())
    raise ConfigurationError(
        f"{__name__} cannot start: {'; '.join(_problems)}.",
        [
            "Production and staging read the process environment only, never .env"
            + (f" (.env sets {', '.join(_in_dotenv)})." if _in_dotenv else ".")
        ],
    )

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = [host.strip() for host in os.environ["DJANGO_ALLOWED_HOSTS"].split(",")]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

# DATABASES
# https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/ref/settings/#databases
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["DB_NAME"],
            "USER": os.environ["DB_USER"],
            "PASSWORD": os.environ["DB_PASSWORD"],
            "HOST": os.environ["DB_HOST"],
            "PORT": os.environ["DB_PORT"],
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail a connection attempt after 2 s (libpq's minimum) rather than hang on it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)

# SECURITY
# https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/ref/middleware/#module-django.middleware.security
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
# Health checks come over plain HTTP from inside the network; a redirect is not an answer.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

# STATIC FILES
# https://whitenoise.readthedocs.io/en/stable/django.html
# gunicorn serves them itself, through WhiteNoise, from what `manage.py collectstatic` put
# in STATIC_ROOT (the Dockerfile runs it). Names carry a hash of the content, so browsers
# may cache them for good, and each is stored compressed too.
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# CELERY
CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
{%- if cookiecutter.result_backend == "redis" %}
CELERY_RESULT_BACKEND = os.environ["CELERY_RESULT_BACKEND"]
{%- endif %}

# WORKER DIAGNOSTICS: a worker that cannot reach its database must not take tasks, and one
# whose broker stays away at start exits instead of waiting unseen (an orchestrator restarts
# it; 20 s rides out a broker starting alongside it).
WORKER_REQUIRE_DATABASE = True
WORKER_REQUIRE_BROKER_WITHIN = 20
{%- if cookiecutter.use_sentry %}

# ERROR REPORTS (../sentry.py): to Sentry when SENTRY_DSN is set. A worker loads these
# settings in its main process, before the pool forks, so every child reports too.
start_sentry(os.environ)
{%- endif %}
