"""``dj_database_url.config()`` in production without a required URL falls back silently when
DATABASE_URL is missing.

With ``default=...`` it connects to that default (often a local SQLite file); without one it
returns ``{}`` and the worker starts with no usable database, failing only when a task runs. Pass
the URL from ``os.environ["DATABASE_URL"]``, or check that DATABASE_URL is set and raise before
using it.
"""

from __future__ import annotations

from django_celery_audit.astutil import iter_env_reads, short
from django_celery_audit.context import FileContext, Project
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule
from django_celery_audit.rules._settings import (
    Judgment,
    assignments_of,
    database_expressions,
    guard_mentions,
    judged_module,
    report_effective,
    store,
)

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


@RULE.at_file_end
def _judge(ctx: FileContext) -> None:
    if not judged_module(ctx):
        return
    mentions = guard_mentions(ctx)
    judgments: list[Judgment] = []
    for name, stmt, value in assignments_of(ctx, "DATABASES"):
        for key, expression in database_expressions(stmt, value):
            if key is not None:
                continue
            for read in iter_env_reads(expression, ctx):
                if read.source != "dj_database_url":
                    continue
                var = read.var or "DATABASE_URL"
                keys = frozenset({"DATABASES", var})
                if read.has_default:
                    if any(r.required for r in iter_env_reads(read.default, ctx)):
                        continue
                    if keys & mentions:
                        continue
                    message = (
                        f"dj_database_url.config() falls back to {short(read.default, 40)} when "
                        f"{var} is unset"
                    )
                    severity = Severity.ERROR
                else:
                    if keys & mentions:
                        continue
                    message = (
                        f"dj_database_url.config() returns {{}} when {var} is unset; the worker "
                        "starts without a database and fails on its first query"
                    )
                    severity = Severity.WARNING
                judgments.append(
                    Judgment(
                        name, read.node.lineno, ctx.column_of(read.node), message, severity, keys
                    )
                )
    store(ctx, RULE, judgments)


@RULE.at_project_end
def _report(project: Project) -> None:
    report_effective(project, RULE, ("DATABASES",))
