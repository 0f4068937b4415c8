"""A production broker that is, or falls back to, a local transport keeps tasks on the host that
sent them: workers elsewhere never see them.

``memory://``, ``filesystem://`` and ``sqla+sqlite://`` queue messages in the sending process or
in a file on its host. That is the right thing for development on one machine; in production a web
container and a worker container each get their own queue, tasks pile up unseen, and nothing
fails. Reported when production's CELERY_BROKER_URL (or BROKER_URL) is such a transport, defaults
to one when a variable is unset, or falls back to one in a branch.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule
from django_celery_audit.rules._settings import SettingValue, Verdict, settings_rule

RULE = Rule(
    code="DCA402",
    name="local-broker-in-production",
    severity=Severity.ERROR,
    title="Production broker is, or falls back to, a local transport",
    template_answer=(
        "production.py requires CELERY_BROKER_URL (one ImproperlyConfigured names it when it is "
        "missing); only development.py uses the embedded filesystem:// broker"
    ),
    doc=__doc__,
)

LOCAL_TRANSPORTS = ("memory://", "filesystem://", "sqla+sqlite:")


def _local(text: object) -> str | None:
    if isinstance(text, str):
        for transport in LOCAL_TRANSPORTS:
            if text.strip().lower().startswith(transport):
                return transport.rstrip(":/")
    return None


@settings_rule(RULE, "CELERY_BROKER_URL", "BROKER_URL")
def _judge(value: SettingValue) -> Iterator[Verdict]:
    for read in value.reads():
        if read.default is None:
            continue
        for node in ast.walk(read.default):
            transport = isinstance(node, ast.Constant) and _local(node.value)
            if transport:
                yield value.verdict(
                    node,
                    f"{value.name} falls back to the local {transport} transport when "
                    f"{read.var or 'the variable'} is unset: tasks stay on the host that sent them",
                    scope=read.scope,
                )
                return
    for node, scope, _branch in value.followed():
        transport = isinstance(node, ast.Constant) and _local(node.value)
        if transport:
            when = " in a fallback branch" if value.binding.conditional else ""
            yield value.verdict(
                node,
                f"{value.name} is the local {transport} transport{when}: tasks stay on the host "
                "that sent them",
                scope=scope,
            )
            return
