"""Error reports to Sentry, from the web process and every worker, when SENTRY_DSN is set.

The production settings (and staging, which builds on them) call ``start_sentry()``, and
every process loads its settings before anything else: gunicorn's workers, and a Celery
worker's main process before its pool forks. Each prefork child inherits the SDK, the
Celery integration's hooks into task tracing (which the child builds after the fork) and a
transport that starts its sending thread afresh in whichever process first sends.
Development and testing never report, whatever the environment holds.

No personal data by default: ``send_default_pii`` is left unset, which the SDK reads as
off (and 2.75 deprecates passing it), so events carry no user, IP address, cookies or
task arguments; request bodies are not sent either.
https://docs.sentry.io/platforms/python/integrations/django/
"""

import re
from collections.abc import Mapping

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.utils import BadDsn, Dsn

from .environment import ConfigurationError, chosen_environment

DSN_HINT = "copy it from the Sentry project's Client Keys (DSN) page, or leave it unset"


def sentry_dsn_problems(environ: Mapping[str, str]) -> list[str]:
    """What is wrong with SENTRY_DSN, without quoting any of it; unset or empty is fine."""
    dsn = environ.get("SENTRY_DSN", "").strip()
    if not dsn:
        return []
    try:
        Dsn(dsn)
    except BadDsn as error:
        # The SDK's reasons quote parts of the value ("Unsupported scheme 'x'"): words only.
        reason = re.split(r" \(| '", str(error))[0]
    except ValueError:  # urlsplit, on a port that is not a number
        reason = "invalid port"
    else:
        return []
    return [f"SENTRY_DSN is not a Sentry DSN ({reason[0].lower()}{reason[1:]}); {DSN_HINT}"]


def start_sentry(environ: Mapping[str, str]) -> bool:
    """Report this process's errors to Sentry if SENTRY_DSN is set; return whether it does."""
    dsn = environ.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False
    if problems := sentry_dsn_problems(environ):
        raise ConfigurationError(f"{problems[0]}.")
    sentry_sdk.init(
        dsn=dsn,
        environment=environ.get("SENTRY_ENVIRONMENT") or chosen_environment(environ)[0],
        # None lets the SDK find one: SENTRY_RELEASE, else the git commit of a checkout.
        release=environ.get("SENTRY_RELEASE") or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        max_request_body_size="never",
    )
    return True
