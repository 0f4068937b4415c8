"""Production settings where DEBUG is True, or defaults to True, leak settings and stack traces to
anyone who triggers an error.

``DEBUG = config("DEBUG", default=True, cast=bool)`` is on whenever the variable is missing, which
is the normal state of a freshly created worker or job container. DEBUG also keeps every SQL query
in memory, which a long-running worker turns into a slow leak.
"""

from __future__ import annotations

import ast

from django_celery_audit.astutil import is_truthy_constant, iter_env_reads
from django_celery_audit.context import FileContext, Project
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule
from django_celery_audit.rules._settings import (
    Judgment,
    assignments_of,
    judged_module,
    report_effective,
    store,
)

RULE = Rule(
    code="DCA204",
    name="debug-defaults-true",
    severity=Severity.ERROR,
    title="DEBUG is or defaults to True in production",
    template_answer="production.py sets DEBUG = False; only development.py turns it on",
    doc=__doc__,
)


@RULE.at_file_end
def _judge(ctx: FileContext) -> None:
    if not judged_module(ctx):
        return
    judgments: list[Judgment] = []
    for name, _stmt, value in assignments_of(ctx, "DEBUG"):
        if isinstance(value, ast.Constant) and value.value is True:
            judgments.append(
                Judgment(name, value.lineno, ctx.column_of(value), "DEBUG = True", Severity.ERROR)
            )
            continue
        for read in iter_env_reads(value, ctx):
            if read.has_default and is_truthy_constant(read.default):
                judgments.append(
                    Judgment(
                        name,
                        read.node.lineno,
                        ctx.column_of(read.node),
                        f"DEBUG defaults to True when {read.var or 'the variable'} is unset",
                        Severity.ERROR,
                    )
                )
    store(ctx, RULE, judgments)


@RULE.at_project_end
def _report(project: Project) -> None:
    report_effective(project, RULE, ("DEBUG",))
