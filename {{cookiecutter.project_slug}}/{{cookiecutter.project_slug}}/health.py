"""``/health/``: can this web process serve? For load balancers and orchestrators.

It runs the same probes as a worker and ``manage.py diagnose`` (see diagnostics.py): a fresh
database connection runs SELECT 1, and the broker accepts a connection, each within a bound.
It answers 200 when both pass and 503 when either fails, as JSON that names which. The
reasons (host names, errors) go to the log, not to whoever asks.
https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/topics/http/views/
"""

import logging

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import diagnostics
from .celery import app

logger = logging.getLogger(__name__)

# Both probes together stay well inside a typical 5 s health-check timeout.
PROBE_SECONDS = 2.0


@never_cache
@require_safe
def health(request):
    results = {
        "database": diagnostics.probe_database(PROBE_SECONDS),
        "broker": diagnostics.probe_broker(app, PROBE_SECONDS),
    }
    for name, result in results.items():
        if not result.ok:
            logger.warning("health: %s probe failed: %s", name, result.detail)
    healthy = all(result.ok for result in results.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {
            name: {"ok": result.ok, "ms": round(result.seconds * 1000)}
            for name, result in results.items()
        },
    }
    return JsonResponse(body, status=200 if healthy else 503)
