"""``dj_database_url.config()`` in production without a required URL falls back silently when
DATABASE_URL is missing.

With ``default=...`` it connects to that default (often a local SQLite file); without one it
returns ``{}`` and the worker starts with no usable database, failing only when a task runs. Pass
the URL from ``os.environ["DATABASE_URL"]``, or check that DATABASE_URL is set and raise before
using it. The same goes for DATABASES that fall back to SQLite by other means: an ``if`` on whether
a variable exists, a builder function with a SQLite branch, or a SQLite dict that a later
``DATABASES.update(dj_database_url.config())`` replaces only when the URL is set.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from django_celery_audit.astutil import short
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule
from django_celery_audit.rules._settings import SettingValue, Verdict, settings_rule

RULE = Rule(
    code="DCA302",
    name="database-url-optional",
    severity=Severity.ERROR,
    title="Production database URL optional (dj_database_url default, SQLite fallback)",
    template_answer=(
        "production.py requires DATABASE_URL (or the DB_* parts) and passes "
        "os.environ['DATABASE_URL'] to dj_database_url.parse()"
    ),
    doc=__doc__,
)


_SQLITE = "django.db.backends.sqlite3"


def _sqlite_fallback(value: SettingValue) -> Iterator[Verdict]:
    """SQLite as one outcome among others: a branch on an environment variable, one return of a
    builder function, or a dict that a later ``update(dj_database_url.config())`` may or may not
    replace. (A branch on test detection is DCA101's.)"""
    binding = value.binding
    condition = binding.condition
    if binding.conditional and condition is not None:
        variables = [r.var or "a variable" for r in value.reads(condition)]
        if not variables:
            return
        when = f"depending on {variables[0]}"
    else:
        when = "when the database variables are unset"
    for node, scope, branch in value.followed():
        if not (isinstance(node, ast.Constant) and node.value == _SQLITE):
            continue
        if branch or binding.conditional or value.alternatives > 1:
            yield value.verdict(
                node,
                f"DATABASES fall back to SQLite {when}; production runs on a local file instead "
                "of refusing to start",
                Severity.ERROR,
                {"DATABASES", "DATABASE_URL"},
                scope=scope,
            )
            return


@settings_rule(RULE, "DATABASES")
def _judge(value: SettingValue) -> Iterator[Verdict]:
    yield from _sqlite_fallback(value)
    for key, expression in value.database_expressions():
        if key is not None:
            continue
        for read in value.reads(expression):
            if read.source != "dj_database_url":
                continue
            var = read.var or "DATABASE_URL"
            if value.tested(var):
                continue  # only used when the variable is set (if os.environ.get(var): ...)
            if read.default is not None and read.has_default:
                if any(r.required for r in value.reads(read.default)):
                    continue
                message = (
                    f"dj_database_url.config() falls back to {short(read.default, 40)} when {var} "
                    "is unset"
                )
                severity = Severity.ERROR
            elif value.binding.merge:
                continue  # update() with {} keeps what was there: the SQLite check above
            else:
                message = (
                    f"dj_database_url.config() returns {{}} when {var} is unset; the worker starts "
                    "without a database and fails on its first query"
                )
                severity = Severity.WARNING
            yield value.verdict(read.node, message, severity, {"DATABASES", var}, scope=read.scope)
