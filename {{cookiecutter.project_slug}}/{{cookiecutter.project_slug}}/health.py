"""``/health/``: can this web process serve? For load balancers and orchestrators.

It runs the same probes as a worker and ``manage.py diagnose`` (see diagnostics.py): a fresh
database connection runs SELECT 1, and the broker accepts a connection, each within a bound.
It answers 200 when both pass and 503 when either fails, as JSON that names which. The
reasons (host names, errors) go to the log, not to whoever asks.

Load balancers and orchestrators probe each instance at its own address (``Host:
10.0.0.5:8000``), which ALLOWED_HOSTS neither lists nor should. HealthByAddressMiddleware
answers those probes before Django validates the Host header; see its docstring for why
that is safe and why it goes no further.
https://docs.djangoproject.com/en/{{ cookiecutter.django_version }}/topics/http/views/
"""

import ipaddress
import logging
import re

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import diagnostics
from .celery import app

logger = logging.getLogger(__name__)

# Both probes together stay well inside a typical 5 s health-check timeout.
PROBE_SECONDS = 2.0
HEALTH_PATH = "/health/"
# An IPv4 address, or an IPv6 address in brackets, with an optional port.
ADDRESS_HOST = re.compile(r"(?:\[(?P<ipv6>[0-9a-fA-F:.]+)\]|(?P<ipv4>[0-9.]+))(?::[0-9]{1,5})?")


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


def is_ip_address(host: str) -> bool:
    """Whether a Host header names an IP address (and perhaps a port) rather than a name."""
    match = ADDRESS_HOST.fullmatch(host)
    if match is None:
        return False
    try:
        ipaddress.ip_address(match["ipv6"] or match["ipv4"])
    except ValueError:
        return False
    return True


class HealthByAddressMiddleware:
    """Answer ``/health/`` to probes whose Host is an IP address, before host validation.

    Django checks Host against ALLOWED_HOSTS so that a name an attacker chose cannot reach
    the links, redirects and cached pages it builds. The health answer builds no URL, never
    varies with the host and is never cached, so answering it is safe whatever the address.
    Only that: any other path, and /health/ under a host name that is not allowed, still
    get 400 from Django, and ALLOWED_HOSTS itself stays as strict as it was.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH and is_ip_address(request.META.get("HTTP_HOST", "")):
            return health(request)
        return self.get_response(request)
