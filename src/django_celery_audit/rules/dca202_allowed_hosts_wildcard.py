"""Production settings whose ALLOWED_HOSTS is, or defaults to, ``*`` accept any Host header.

A wildcard turns off Django's Host-header validation, enabling cache poisoning and password-reset
links that point at an attacker's host; as a default it also hides a missing variable, so the
deployment looks configured when it is not. A literal ``["*"]`` in a project whose own code raises
``DisallowedHost`` (a middleware that matches hosts against its data) is not reported.
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


def _validates_hosts_itself(value: SettingValue) -> bool:
    """A project whose own code raises DisallowedHost (a middleware matching hosts against its
    data) checks the Host header itself; '*' only hands the check over."""
    project = value.project
    return project is not None and any(f.rejects_hosts_at for f in project.files)


@settings_rule(RULE, "ALLOWED_HOSTS")
def _judge(value: SettingValue) -> Iterator[Verdict]:
    if "*" in shallow_strings(value.value):
        if not _validates_hosts_itself(value):
            yield value.verdict(
                value.value, "ALLOWED_HOSTS contains '*': any Host header is accepted"
            )
        return
    for read in value.reads():
        if read.has_default and _has_wildcard(read.default):
            yield value.verdict(
                read.node,
                f"ALLOWED_HOSTS defaults to '*' when {read.var or 'the variable'} is unset: any "
                "Host header is accepted",
                scope=read.scope,
            )
