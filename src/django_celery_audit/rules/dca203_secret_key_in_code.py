"""Production settings with a hard-coded or defaulted SECRET_KEY sign sessions with a key anyone
with the code can know.

A literal key is in every clone of the repository; a default (``os.environ.get("SECRET_KEY",
"dev")``, ``config("SECRET_KEY", default=...)``) is silently used by any process whose environment
lacks the variable, so web and worker may even sign with different keys; a key generated at
import time differs in every process.
"""

from __future__ import annotations

import ast

from django_celery_audit.astutil import const_str, iter_env_reads, qualname
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
    code="DCA203",
    name="secret-key-in-code",
    severity=Severity.ERROR,
    title="SECRET_KEY hard-coded or defaulted in production",
    template_answer=(
        "production.py sets SECRET_KEY = os.environ['DJANGO_SECRET_KEY'] after checking it is "
        "present; only development and testing settings carry a throwaway key"
    ),
    doc=__doc__,
)


@RULE.at_file_end
def _judge(ctx: FileContext) -> None:
    if not judged_module(ctx):
        return
    judgments: list[Judgment] = []
    for name, _stmt, value in assignments_of(ctx, "SECRET_KEY"):
        literal = const_str(value)
        if literal:
            judgments.append(
                Judgment(
                    name,
                    value.lineno,
                    ctx.column_of(value),
                    "SECRET_KEY is hard-coded",
                    Severity.ERROR,
                )
            )
            continue
        if isinstance(value, ast.Call) and (qualname(value.func, ctx.aliases) or "").endswith(
            "get_random_secret_key"
        ):
            judgments.append(
                Judgment(
                    name,
                    value.lineno,
                    ctx.column_of(value),
                    "SECRET_KEY is generated at import time: every process signs with its own key",
                    Severity.ERROR,
                )
            )
            continue
        for read in iter_env_reads(value, ctx):
            if read.has_default:
                judgments.append(
                    Judgment(
                        name,
                        read.node.lineno,
                        ctx.column_of(read.node),
                        f"SECRET_KEY falls back to a default when {read.var or 'the variable'} "
                        "is unset",
                        Severity.ERROR,
                    )
                )
    store(ctx, RULE, judgments)


@RULE.at_project_end
def _report(project: Project) -> None:
    report_effective(project, RULE, ("SECRET_KEY",))
