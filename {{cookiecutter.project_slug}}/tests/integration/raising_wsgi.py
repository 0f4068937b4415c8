"""gunicorn's app for tests/integration/test_sentry.py: the project's own, plus a page that raises.

Settings, middleware and error handling are those of ``{{ cookiecutter.project_slug }}.wsgi``;
only ``/raise/`` is added, before the first request resolves any URL.
"""

import importlib

from django.conf import settings
from django.urls import path

from {{ cookiecutter.project_slug }}.wsgi import application  # selects the settings, sets Django up


def raise_on_purpose(request):
    raise RuntimeError(f"raised on purpose by a view: {request.GET.get('marker')}")


importlib.import_module(settings.ROOT_URLCONF).urlpatterns.append(path("raise/", raise_on_purpose))

__all__ = ["application"]
