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

from django_celery_audit.astutil import flatten_targets, is_truthy_constant, iter_env_reads
from django_celery_audit.context import FileContext
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


def _turns_on(value: ast.AST | None, ctx: FileContext) -> bool:
    if value is None:
        return False
    if is_truthy_constant(value):
        return True
    return any(r.has_default and is_truthy_constant(r.default) for r in iter_env_reads(value, ctx))


def _flag(ctx: FileContext, node: ast.AST, name: str) -> None:
    development = ctx.facts.settings_env == "development"
    ctx.report(
        RULE,
        node,
        f"{name} is on outside testing settings: .delay() runs tasks in the caller's process and "
        "no worker ever runs them",
        Severity.WARNING if development else Severity.ERROR,
    )


@RULE.register(ast.Assign, ast.AnnAssign)
def _assign(ctx: FileContext, node: ast.Assign | ast.AnnAssign) -> None:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for target in flatten_targets(targets):
        name = (
            target.id
            if isinstance(target, ast.Name)
            else (target.attr if isinstance(target, ast.Attribute) else None)
        )
        if name in _EAGER and _turns_on(node.value, ctx):
            _flag(ctx, node, name)


@RULE.register(ast.Call)
def _update(ctx: FileContext, node: ast.Call) -> None:
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("update", "setdefault")):
        return
    for kw in node.keywords:
        if kw.arg in _EAGER and _turns_on(kw.value, ctx):
            _flag(ctx, node, kw.arg)
    if node.args and isinstance(node.args[0], ast.Dict):
        for key, value in zip(node.args[0].keys, node.args[0].values, strict=False):
            if isinstance(key, ast.Constant) and key.value in _EAGER and _turns_on(value, ctx):
                _flag(ctx, node, key.value)
