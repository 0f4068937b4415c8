"""``dj_database_url.config()`` in production without a required URL falls back silently when
DATABASE_URL is missing.

With ``default=...`` it connects to that default (often a local SQLite file); without one it
returns ``{}`` and the worker starts with no usable database, failing only when a task runs. Pass
the URL from ``os.environ["DATABASE_URL"]``, or check that DATABASE_URL is set and raise before
using it.
"""

from __future__ import annotations

from collections.abc import Iterator

from django_celery_audit.astutil import short
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule
from django_celery_audit.rules._settings import SettingValue, Verdict, settings_rule

RULE = Rule(
    code="DCA302",
    name="database-url-optional",
    severity=Severity.ERROR,
    title="dj_database_url.config() without a required URL in production",
    template_answer=(
        "production.py requires DATABASE_URL (or the DB_* parts) and passes "
        "os.environ['DATABASE_URL'] to dj_database_url.parse()"
    ),
    doc=__doc__,
)


@settings_rule(RULE, "DATABASES")
def _judge(value: SettingValue) -> Iterator[Verdict]:
    for key, expression in value.database_expressions():
        if key is not None:
            continue
        for read in value.reads(expression):
            if read.source != "dj_database_url":
                continue
            var = read.var or "DATABASE_URL"
            if read.default is not None and read.has_default:
                if any(r.required for r in value.reads(read.default)):
                    continue
                message = (
                    f"dj_database_url.config() falls back to {short(read.default, 40)} when {var} "
                    "is unset"
                )
                severity = Severity.ERROR
            else:
                message = (
                    f"dj_database_url.config() returns {{}} when {var} is unset; the worker starts "
                    "without a database and fails on its first query"
                )
                severity = Severity.WARNING
            yield value.verdict(read.node, message, severity, {"DATABASES", var}, scope=read.scope)
