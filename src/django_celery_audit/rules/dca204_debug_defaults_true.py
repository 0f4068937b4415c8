"""Production settings where DEBUG is True, or defaults to True, leak settings and stack traces to
anyone who triggers an error.

``DEBUG = config("DEBUG", default=True, cast=bool)`` is on whenever the variable is missing, which
is the normal state of a freshly created worker or job container. DEBUG also keeps every SQL query
in memory, which a long-running worker turns into a slow leak.
"""

from __future__ import annotations

from collections.abc import Iterator

from django_celery_audit.astutil import is_truthy_constant
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule
from django_celery_audit.rules._settings import SettingValue, Verdict, settings_rule

RULE = Rule(
    code="DCA204",
    name="debug-defaults-true",
    severity=Severity.ERROR,
    title="DEBUG is or defaults to True in production",
    template_answer="production.py sets DEBUG = False; only development.py turns it on",
    doc=__doc__,
)


@settings_rule(RULE, "DEBUG")
def _judge(value: SettingValue) -> Iterator[Verdict]:
    literal = value.literal()
    if literal is not None:
        constant, scope = literal
        if constant.value is True:
            yield value.verdict(constant, "DEBUG = True", scope=scope)
        return
    for read in value.reads():
        if read.has_default and is_truthy_constant(read.default):
            yield value.verdict(
                read.node,
                f"DEBUG defaults to True when {read.var or 'the variable'} is unset",
                scope=read.scope,
            )
