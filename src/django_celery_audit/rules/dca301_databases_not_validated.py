"""Production DATABASES built from optional environment reads, and never checked, fail in a
worker's first query instead of at start-up.

``"NAME": os.environ.get("DB_NAME")`` yields None when the variable is missing; nothing complains
until a task touches the database, long after the worker reported itself ready. Reading with
``os.environ["DB_NAME"]`` (KeyError at import) or checking the values and raising before use makes
the process refuse to start instead. Only the connection's NAME, or the URL it is parsed from, is
considered.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from django_celery_audit.astutil import short
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule
from django_celery_audit.rules._settings import SettingValue, Verdict, settings_rule

RULE = Rule(
    code="DCA301",
    name="databases-not-validated",
    severity=Severity.WARNING,
    title="Production DATABASES never validated",
    template_answer=(
        "production.py lists every missing variable (DATABASE_URL or the DB_* parts) and raises "
        "ImproperlyConfigured before building DATABASES from os.environ[...]"
    ),
    doc=__doc__,
)


@settings_rule(RULE, "DATABASES")
def _judge(value: SettingValue) -> Iterator[Verdict]:
    for key, expression in value.database_expressions():
        if key not in ("NAME", None):
            continue
        reads = list(value.reads(expression))
        if not reads or any(r.required for r in reads):
            continue
        optional = [r for r in reads if r.source == "os" and not value.tested(r.var)]
        if not optional:
            continue  # library defaults are DCA201, dj_database_url.config() is DCA302
        keys = {"DATABASES"} | {r.var for r in reads if r.var}
        keys |= {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)}
        first = optional[0]
        what = f"{key} " if key else ""
        yield value.verdict(
            first.node,
            f"DATABASES take {what}from {short(first.node, 40)} and nothing checks it is set; a "
            "missing variable surfaces as a failed query in a worker, not at start-up",
            guard_keys=keys,
            scope=first.scope,
        )
