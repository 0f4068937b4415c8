"""Shared machinery for the production-settings rules (DCA2xx, DCA3xx); not a rule itself.

Each rule judges the settings it owns in every settings module at the end of that file, keeping
plain :class:`Judgment` records. At the end of the project, for every production-like module, the
module that actually defines each setting is found (the module itself, else through its
``from .base import *`` chain), and that module's judgments are reported. So a hard-coded
SECRET_KEY in base.py is reported when production.py inherits it, and not otherwise.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django_celery_audit.astutil import const_str, qualname
from django_celery_audit.context import FileContext, FileFacts, Project
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

GUARDS = "_guards"
DATABASE_KEYS = frozenset({"NAME", "USER", "PASSWORD", "HOST"})


@dataclass(frozen=True, slots=True)
class Judgment:
    setting: str
    line: int
    column: int
    message: str
    severity: int
    guard_keys: frozenset[str] = frozenset()  # a check mentioning any of these clears it


def judged_module(ctx: FileContext) -> bool:
    """Settings that production might use: settings modules that are neither tests nor testing."""
    facts = ctx.facts
    return facts.is_settings and not facts.is_test and facts.settings_env != "testing"


def assignments_of(ctx: FileContext, *names: str) -> Iterator[tuple[str, ast.stmt, ast.expr]]:
    for name, stmt, value in ctx.settings_assignments:
        if name in names and value is not None:
            yield name, stmt, value


def _raises(statements: list[ast.stmt], ctx: FileContext) -> bool:
    for stmt in statements:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Raise):
                return True
            if isinstance(node, ast.Call) and qualname(node.func, ctx.aliases) in (
                "sys.exit",
                "exit",
                "quit",
            ):
                return True
    return False


def guard_mentions(ctx: FileContext) -> frozenset[str]:
    """Names and strings that module-level checks ending in ``raise`` (or ``assert``) look at.

    Names are followed to the values assigned to them and to the bodies of module-level functions,
    so ``missing = [n for n in REQUIRED if not os.environ.get(n)]; if missing: raise ...`` mentions
    everything listed in REQUIRED.
    """
    cached = ctx.facts.rule_data.get(GUARDS)
    if cached is not None:
        return cached
    mentions: set[str] = set()
    pending: list[ast.AST] = []
    for check in ctx.module_checks:
        if isinstance(check, ast.Assert) or _raises(check.body, ctx) or _raises(check.orelse, ctx):
            pending.append(check.test)
    followed: set[str] = set()
    while pending:
        for node in ast.walk(pending.pop()):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                mentions.add(node.value)
            elif isinstance(node, ast.Name):
                mentions.add(node.id)
                if node.id not in followed:
                    followed.add(node.id)
                    pending.extend(ctx.assignments.get(node.id, ()))
                    function = ctx.module_functions.get(node.id)
                    if function is not None:
                        pending.extend(function.body)
            elif isinstance(node, ast.Attribute):
                mentions.add(node.attr)
    result = frozenset(mentions)
    ctx.facts.rule_data[GUARDS] = result
    return result


def database_fields(value: ast.expr) -> Iterator[tuple[str | None, ast.expr]]:
    """(key, expression) pairs of a DATABASES value; key None for a whole-connection expression."""
    if isinstance(value, ast.Dict):
        for alias_value in value.values:
            if isinstance(alias_value, ast.Dict):
                for key, item in zip(alias_value.keys, alias_value.values, strict=False):
                    yield const_str(key) if key is not None else None, item
            else:
                yield None, alias_value
    else:
        yield None, value


def database_expressions(stmt: ast.stmt, value: ast.expr) -> Iterator[tuple[str | None, ast.expr]]:
    """Like :func:`database_fields`, for ``DATABASES = ...``, ``DATABASES["default"] = ...`` and
    ``DATABASES["default"]["NAME"] = ...``."""
    target = stmt.targets[0] if isinstance(stmt, ast.Assign) else getattr(stmt, "target", None)
    keys: list[str | None] = []  # outermost subscript first: ["NAME", "default"]
    while isinstance(target, ast.Subscript):
        keys.append(const_str(target.slice))
        target = target.value
    if not keys:
        yield from database_fields(value)
    elif len(keys) == 1 and isinstance(value, ast.Dict):
        for key, item in zip(value.keys, value.values, strict=False):
            yield const_str(key) if key is not None else None, item
    elif len(keys) == 1:
        yield None, value
    else:
        yield keys[0], value


def store(ctx: FileContext, rule: Rule, judgments: list[Judgment]) -> None:
    guard_mentions(ctx)
    if judgments:
        ctx.facts.rule_data[rule.code] = judgments


def defining_module(
    project: Project, facts: FileFacts, setting: str, seen: set[str] | None = None
) -> FileFacts | None:
    """The module whose assignment of ``setting`` is in force for ``facts`` (via star imports)."""
    if setting in facts.assigned_settings:
        return facts
    seen = seen if seen is not None else set()
    seen.add(facts.path)
    for level, module, _line in reversed(facts.star_imports):
        target = project.resolve_import(facts, level, module)
        if target is not None and target.path not in seen:
            found = defining_module(project, target, setting, seen)
            if found is not None:
                return found
    return None


def report_effective(
    project: Project,
    rule: Rule,
    settings: tuple[str, ...],
    keep: Callable[[Judgment, FileFacts], bool] | None = None,
) -> None:
    """Report the judgments that apply to each production-like settings module."""
    grouped: dict[tuple[str, int, int, str, int], set[str]] = {}
    for prod in project.settings_modules:
        if not prod.is_production_like:
            continue
        local_guards = prod.rule_data.get(GUARDS, frozenset())
        for setting in settings:
            sources = [prod]
            defining = defining_module(project, prod, setting)
            if defining is not None and defining is not prod:
                sources.append(defining)
            for source in sources:
                for judgment in source.rule_data.get(rule.code, ()):
                    if judgment.setting != setting:
                        continue
                    if judgment.guard_keys & local_guards:
                        continue
                    if keep is not None and not keep(judgment, prod):
                        continue
                    key = (
                        source.path,
                        judgment.line,
                        judgment.column,
                        judgment.message,
                        judgment.severity,
                    )
                    grouped.setdefault(key, set()).add(prod.path)
    for (path, line, column, message, severity), users in sorted(grouped.items()):
        inheritors = sorted(u for u in users if u != path)
        if inheritors:
            shown = ", ".join(inheritors[:3]) + (", ..." if len(inheritors) > 3 else "")
            also = "also " if path in users else ""
            message = f"{message} ({also}in force for {shown})"
        project.report(rule, path, line, message, Severity(severity), column=column)
