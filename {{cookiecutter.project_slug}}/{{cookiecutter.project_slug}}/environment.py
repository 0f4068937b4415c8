"""Choose the settings module for this process: the one place that does.

Every entry point (manage.py, wsgi.py, asgi.py, celery.py) calls ``configure_settings()``
and names no settings module itself, so the web process, the workers and the shell
cannot disagree about which settings they run with.
"""

import os
from collections.abc import MutableMapping

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("development", "staging", "production", "testing")
DEFAULT_ENVIRONMENT = "development"
SETTINGS_PACKAGE = f"{__package__}.settings"


def settings_module(environ: MutableMapping[str, str] = os.environ) -> str:
    """Return the settings module that DJANGO_ENVIRONMENT selects.

    Raise ImproperlyConfigured for an unknown environment, or when
    DJANGO_SETTINGS_MODULE is already set to something else: two selections
    that disagree are a bug to fix, not a tie to break.
    """
    chosen = environ.get("DJANGO_ENVIRONMENT", "").strip() or DEFAULT_ENVIRONMENT
    if chosen not in ENVIRONMENTS:
        raise ImproperlyConfigured(
            f"DJANGO_ENVIRONMENT={chosen!r} is not a known environment; "
            f"use one of: {', '.join(ENVIRONMENTS)}."
        )
    module = f"{SETTINGS_PACKAGE}.{chosen}"
    already_set = environ.get("DJANGO_SETTINGS_MODULE")
    if already_set and already_set != module:
        raise ImproperlyConfigured(
            f"DJANGO_SETTINGS_MODULE={already_set!r} disagrees with "
            f"DJANGO_ENVIRONMENT={chosen!r}, which selects {module!r}. "
            "Unset DJANGO_SETTINGS_MODULE and choose with DJANGO_ENVIRONMENT alone."
        )
    return module


def configure_settings(environ: MutableMapping[str, str] = os.environ) -> str:
    """Select the settings module and export it for Django (and child processes)."""
    module = settings_module(environ)
    environ["DJANGO_SETTINGS_MODULE"] = module
    return module
