"""Production settings that read DATABASES or ALLOWED_HOSTS through python-decouple or django-
environ with a default run on that default when the variable is missing.

``config("DB_NAME", default="app")`` never fails: a worker whose environment lacks the variable
(or that starts in a directory without the ``.env`` file decouple looks for) quietly connects to
the default instead of refusing to start. The incident's production settings read everything
through ``config()``. SECRET_KEY defaults are DCA203 and ``*`` host defaults DCA202.
"""

from __future__ import annotations

from django_celery_audit.astutil import iter_env_reads, short, strings_in
from django_celery_audit.context import FileContext, Project
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule
from django_celery_audit.rules._settings import (
    DATABASE_KEYS,
    Judgment,
    assignments_of,
    database_expressions,
    judged_module,
    report_effective,
    store,
)

RULE = Rule(
    code="DCA201",
    name="library-default-in-production",
    severity=Severity.ERROR,
    title="Production setting read through decouple/django-environ with a default",
    template_answer=(
        "production.py reads os.environ directly, with no defaults, and raises one "
        "ImproperlyConfigured naming every missing variable"
    ),
    doc=__doc__,
)

_LIBRARY = {"decouple": "python-decouple config()", "environ": "django-environ"}


def _wildcard(default: object) -> bool:
    return any("*" in [p.strip() for p in s.split(",")] for s in strings_in(default))  # type: ignore[arg-type]


@RULE.at_file_end
def _judge(ctx: FileContext) -> None:
    if not judged_module(ctx):
        return
    judgments: list[Judgment] = []
    for name, stmt, value in assignments_of(ctx, "DATABASES", "ALLOWED_HOSTS"):
        if name == "DATABASES":
            expressions = [
                e
                for key, e in database_expressions(stmt, value)
                if key in DATABASE_KEYS or key is None
            ]
        else:
            expressions = [value]
        for expression in expressions:
            for read in iter_env_reads(expression, ctx):
                if not (read.through_library and read.has_default):
                    continue
                if name == "ALLOWED_HOSTS" and _wildcard(read.default):
                    continue  # DCA202
                judgments.append(
                    Judgment(
                        name,
                        read.node.lineno,
                        ctx.column_of(read.node),
                        f"{name} reads {read.var or 'a variable'} through {_LIBRARY[read.source]} "
                        f"with default {short(read.default, 40)}; a worker without the variable "
                        "runs on the default",
                        Severity.ERROR,
                    )
                )
    store(ctx, RULE, judgments)


@RULE.at_project_end
def _report(project: Project) -> None:
    report_effective(project, RULE, ("DATABASES", "ALLOWED_HOSTS"))
