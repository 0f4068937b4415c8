"""Production settings with a hard-coded or defaulted SECRET_KEY sign sessions with a key anyone
with the code can know.

A literal key is in every clone of the repository; a default (``os.environ.get("SECRET_KEY",
"dev")``, ``config("SECRET_KEY", default=...)``) is silently used by any process whose environment
lacks the variable, so web and worker may even sign with different keys; a key generated at
import time differs in every process.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from django_celery_audit.astutil import qualname
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule
from django_celery_audit.rules._settings import SettingValue, Verdict, settings_rule

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


_GENERATORS = (
    "get_random_secret_key",
    "get_random_string",
    "token_urlsafe",
    "token_hex",
    "token_bytes",
    "uuid4",
)


def _generated(node: ast.expr, value: SettingValue, when: str = "") -> tuple[ast.Call, str] | None:
    """The call that generates the key, as the value or as a fallback (``x or generate()``)."""
    if isinstance(node, ast.Call):
        name = qualname(node.func, value.scope.aliases) or ""
        return (node, when) if name.endswith(_GENERATORS) else None
    branches: list[ast.expr] = []
    if isinstance(node, ast.BoolOp):
        branches = node.values
    elif isinstance(node, ast.IfExp):
        branches = [node.body, node.orelse]
    for branch in branches:
        found = _generated(branch, value, " when the variable is unset")
        if found is not None:
            return found
    return None


@settings_rule(RULE, "SECRET_KEY")
def _judge(value: SettingValue) -> Iterator[Verdict]:
    literal = value.literal()
    if literal is not None:
        constant, scope = literal
        if isinstance(constant.value, str) and constant.value:
            yield value.verdict(constant, "SECRET_KEY is hard-coded", scope=scope)
        return
    generated = _generated(value.value, value)
    if generated is not None:
        call, when = generated
        if not value.persisted:  # written to a file that later processes read: one key
            yield value.verdict(
                call,
                f"SECRET_KEY is generated at import time{when}: every process signs with its own "
                "key",
            )
        return
    for read in value.reads():
        if read.has_default and not read.empty_default:  # Django refuses an empty key
            yield value.verdict(
                read.node,
                f"SECRET_KEY falls back to a default when {read.var or 'the variable'} is unset",
                scope=read.scope,
            )
