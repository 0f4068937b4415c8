"""Eager Celery outside testing settings runs tasks inside the calling process, so the worker path
is never exercised.

With ``CELERY_TASK_ALWAYS_EAGER = True`` (or the old ``CELERY_ALWAYS_EAGER``) ``.delay()`` runs the
task in the web process, with the web process's settings and database connection. Everything
that differs in a real worker (its settings module, its environment, its database) goes untested
until production. An error in production-like, base or single-file settings and in the Celery app
module; a warning in development settings, where it is sometimes a deliberate shortcut.
"""

from __future__ import annotations

import ast

from django_celery_audit.astutil import const_str, flatten_targets, is_truthy_constant
from django_celery_audit.context import FileContext
from django_celery_audit.envreads import iter_env_reads
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA401",
    name="eager-outside-testing",
    severity=Severity.ERROR,
    title="Eager Celery outside testing settings",
    template_answer=(
        "only settings/testing.py sets CELERY_TASK_ALWAYS_EAGER = True; development runs a real "
        "worker on an embedded filesystem broker"
    ),
    doc=__doc__,
)

_EAGER = frozenset(
    {"CELERY_TASK_ALWAYS_EAGER", "CELERY_ALWAYS_EAGER", "task_always_eager", "always_eager"}
)


@RULE.when
def _applies(ctx: FileContext) -> bool:
    facts = ctx.facts
    if facts.is_test or facts.is_testing_settings:
        return False
    return facts.is_settings or ctx.mentions_celery or "celery" in facts.parts[-1]


def _when_on(value: ast.AST | None, ctx: FileContext) -> str | None:
    """None when ``value`` leaves eager mode off; else when it turns it on ("" for always)."""
    if value is None:
        return None
    if is_truthy_constant(value):
        return ""
    for read in iter_env_reads(value, ctx):
        if read.has_default and is_truthy_constant(read.default):
            return f" when {read.var or 'the variable'} is unset"
    # Computed from another setting: CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
    tested = None
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not):
        tested = value.operand
    elif (
        isinstance(value, ast.Compare)
        and len(value.ops) == 1
        and isinstance(value.ops[0], ast.Is | ast.Eq)
        and isinstance(value.comparators[0], ast.Constant)
        and not value.comparators[0].value
    ):
        tested = value.left
    if tested is not None:
        for read in iter_env_reads(tested, ctx):
            if not read.required and not read.has_default:
                return f" whenever {read.var or 'the variable'} is unset"
    return None


def _flag(ctx: FileContext, node: ast.AST, name: str, when: str) -> None:
    development = ctx.facts.settings_env == "development"
    where = "outside testing settings" if not when else f"{when.strip()}, outside testing settings"
    ctx.report(
        RULE,
        node,
        f"{name} is on {where}: .delay() runs tasks in the caller's process and no worker ever "
        "runs them",
        Severity.WARNING if development else Severity.ERROR,
    )


@RULE.register(ast.Assign, ast.AnnAssign)
def _assign(ctx: FileContext, node: ast.Assign | ast.AnnAssign) -> None:
    if isinstance(ctx.scope, ast.ClassDef):
        return  # class-based settings: a subclass may override it (out of reach, see docs)
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for target in flatten_targets(targets):
        name = (
            target.id
            if isinstance(target, ast.Name)
            else (target.attr if isinstance(target, ast.Attribute) else None)
        )
        when = _when_on(node.value, ctx) if name in _EAGER else None
        if name is not None and when is not None:
            _flag(ctx, node, name, when)


@RULE.register(ast.Call)
def _update(ctx: FileContext, node: ast.Call) -> None:
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("update", "setdefault")):
        return
    for kw in node.keywords:
        when = _when_on(kw.value, ctx) if kw.arg in _EAGER else None
        if kw.arg is not None and when is not None:
            _flag(ctx, node, kw.arg, when)
    if node.args and isinstance(node.args[0], ast.Dict):
        for key, value in zip(node.args[0].keys, node.args[0].values, strict=False):
            name = const_str(key)
            when = _when_on(value, ctx) if name in _EAGER else None
            if name is not None and when is not None:
                _flag(ctx, node, name, when)
