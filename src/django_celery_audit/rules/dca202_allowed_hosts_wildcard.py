"""Production settings whose ALLOWED_HOSTS is, or defaults to, ``*`` accept any Host header.

A wildcard turns off Django's Host-header validation, enabling cache poisoning and password-reset
links that point at an attacker's host; as a default it also hides a missing variable, so the
deployment looks configured when it is not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from django_celery_audit.astutil import shallow_strings, strings_in
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule
from django_celery_audit.rules._settings import SettingValue, Verdict, settings_rule

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


@settings_rule(RULE, "ALLOWED_HOSTS")
def _judge(value: SettingValue) -> Iterator[Verdict]:
    if "*" in shallow_strings(value.value):
        yield value.verdict(value.value, "ALLOWED_HOSTS contains '*': any Host header is accepted")
        return
    for read in value.reads():
        if read.has_default and _has_wildcard(read.default):
            yield value.verdict(
                read.node,
                f"ALLOWED_HOSTS defaults to '*' when {read.var or 'the variable'} is unset: any "
                "Host header is accepted",
                scope=read.scope,
            )
