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


@RULE.at_file_end
def _judge(ctx: FileContext) -> None:
    if not judged_module(ctx):
        return
    mentions = guard_mentions(ctx)
    judgments: list[Judgment] = []
    for name, stmt, value in assignments_of(ctx, "DATABASES"):
        for key, expression in database_expressions(stmt, value):
            if key not in ("NAME", None):
                continue
            reads = list(iter_env_reads(expression, ctx))
            if not reads or any(r.required for r in reads):
                continue
            optional = [r for r in reads if r.source == "os"]
            if not optional:
                continue  # library defaults are DCA201, dj_database_url.config() is DCA302
            keys = {"DATABASES"} | {r.var for r in reads if r.var}
            keys |= {n.id for n in ast.walk(expression) if isinstance(n, ast.Name)}
            if keys & mentions:
                continue
            first = optional[0]
            what = f"{key} " if key else ""
            judgments.append(
                Judgment(
                    name,
                    first.node.lineno,
                    ctx.column_of(first.node),
                    f"DATABASES take {what}from {short(first.node, 40)} and nothing checks it is "
                    "set; a missing variable surfaces as a failed query in a worker, not at "
                    "start-up",
                    Severity.WARNING,
                    frozenset(keys),
                )
            )
    store(ctx, RULE, judgments)


@RULE.at_project_end
def _report(project: Project) -> None:
    report_effective(project, RULE, ("DATABASES",))
