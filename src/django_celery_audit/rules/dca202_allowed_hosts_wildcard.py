"""Production settings whose ALLOWED_HOSTS is, or defaults to, ``*`` accept any Host header.

A wildcard turns off Django's Host-header validation, enabling cache poisoning and password-reset
links that point at an attacker's host; as a default it also hides a missing variable, so the
deployment looks configured when it is not.
"""

from __future__ import annotations

import ast

from django_celery_audit.astutil import iter_env_reads, shallow_strings, strings_in
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
    code="DCA202",
    name="allowed-hosts-wildcard",
    severity=Severity.ERROR,
    title="ALLOWED_HOSTS is or defaults to '*' in production",
    template_answer=(
        "production.py requires DJANGO_ALLOWED_HOSTS (a comma-separated list) and has no default"
    ),
    doc=__doc__,
)


def _has_wildcard(node: ast.AST | None) -> bool:
    if node is None:
        return False
    return any("*" in [p.strip() for p in s.split(",")] for s in strings_in(node))


@RULE.at_file_end
def _judge(ctx: FileContext) -> None:
    if not judged_module(ctx):
        return
    judgments: list[Judgment] = []
    for name, _stmt, value in assignments_of(ctx, "ALLOWED_HOSTS"):
        if "*" in shallow_strings(value):
            judgments.append(
                Judgment(
                    name,
                    value.lineno,
                    ctx.column_of(value),
                    "ALLOWED_HOSTS contains '*': any Host header is accepted",
                    Severity.ERROR,
                )
            )
            continue
        for read in iter_env_reads(value, ctx):
            if read.has_default and _has_wildcard(read.default):
                judgments.append(
                    Judgment(
                        name,
                        read.node.lineno,
                        ctx.column_of(read.node),
                        f"ALLOWED_HOSTS defaults to '*' when {read.var or 'the variable'} is unset:"
                        " "
                        "any Host header is accepted",
                        Severity.ERROR,
                    )
                )
    store(ctx, RULE, judgments)


@RULE.at_project_end
def _report(project: Project) -> None:
    report_effective(project, RULE, ("ALLOWED_HOSTS",))
