"""Production settings that read DATABASES or ALLOWED_HOSTS through python-decouple or django-
environ with a default run on that default when the variable is missing.

``config("DB_NAME", default="app")`` never fails: a worker whose environment lacks the variable
(or that starts in a directory without the ``.env`` file decouple looks for) quietly connects to
the default instead of refusing to start. The incident's production settings read everything
through ``config()``. SECRET_KEY defaults are DCA203 and ``*`` host defaults DCA202.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from django_celery_audit.astutil import short, strings_in
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule
from django_celery_audit.rules._settings import (
    DATABASE_KEYS,
    SettingValue,
    Verdict,
    settings_rule,
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

_LIBRARY = {
    "decouple": "python-decouple config()",
    "environ": "django-environ",
    "environs": "environs",
}


def _wildcard(default: ast.AST) -> bool:
    return any("*" in [p.strip() for p in s.split(",")] for s in strings_in(default))


@settings_rule(RULE, "DATABASES", "ALLOWED_HOSTS")
def _judge(value: SettingValue) -> Iterator[Verdict]:
    if value.name == "DATABASES":
        expressions = [
            e for k, e in value.database_expressions() if k in DATABASE_KEYS or k is None
        ]
    else:
        expressions = [value.value]
    for expression in expressions:
        for read in value.reads(expression):
            if not (read.through_library and read.default is not None and read.has_default):
                continue
            if read.empty_default:
                continue  # "" or []: as unset as Django's own default, nothing is made up
            if value.name == "ALLOWED_HOSTS" and _wildcard(read.default):
                continue  # DCA202
            yield value.verdict(
                read.node,
                f"{value.name} reads {read.var or 'a variable'} through {_LIBRARY[read.source]} "
                f"with default {short(read.default, 40)}; a worker without the variable runs on "
                "the default",
                scope=read.scope,
            )
