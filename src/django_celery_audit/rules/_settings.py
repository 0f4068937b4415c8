"""What the production-settings rules (DCA2xx, DCA3xx) share; not a rule itself.

A settings rule says only what is its own: which settings it judges and, for one assignment of
one of them, what is wrong (:class:`Verdict`). :func:`settings_rule` does the rest: it asks the
process model which assignments are in force in what production web and workers load, hands each
to the rule, drops verdicts that a raising check in the loaded modules covers, and reports at the
line that sets the value, naming the production modules that inherit it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django_celery_audit.astutil import const_str, strings_in
from django_celery_audit.context import Project
from django_celery_audit.envreads import EnvRead, Scope, iter_env_reads
from django_celery_audit.filefacts import Binding
from django_celery_audit.model import Severity
from django_celery_audit.processes import Bound
from django_celery_audit.registry import Rule

DATABASE_KEYS = frozenset({"NAME", "USER", "PASSWORD", "HOST"})


@dataclass(frozen=True)
class Verdict:
    """What is wrong with one assignment, and where it shows."""

    node: ast.AST
    scope: Scope  # the module ``node`` is written in
    message: str
    severity: Severity | None = None
    guard_keys: frozenset[str] = frozenset()  # a raising check mentioning any of these clears it


@dataclass(frozen=True)
class SettingValue:
    """One assignment of a setting that production may run with, and the module it is in."""

    binding: Binding
    scope: Scope
    alternatives: int = 1  # how many assignments of this setting may be in force
    persisted: bool = False  # the module writes this setting's value to a file
    project: Project | None = None

    @property
    def name(self) -> str:
        return self.binding.name

    @property
    def value(self) -> ast.expr:
        return self.binding.value

    def tested(self, var: str | None) -> bool:
        """Whether the ``if`` around this assignment tests ``var`` (``if os.environ.get(var):``)."""
        condition = self.binding.condition
        return bool(var) and condition is not None and var in set(strings_in(condition))

    def reads(self, expr: ast.AST | None = None) -> Iterator[EnvRead]:
        """Environment reads in the value (or in ``expr``), followed through names and helpers."""
        return iter_env_reads(self.value if expr is None else expr, self.scope)

    def literal(self) -> tuple[ast.Constant, Scope] | None:
        """The constant the value is, also through names bound to one in other modules."""
        value = self.value
        scope = self.scope
        for _ in range(8):
            if isinstance(value, ast.Constant):
                return value, scope
            if not isinstance(value, ast.Name):
                return None
            found = scope.values_of(value.id)
            if len(found) != 1:
                return None
            value, scope = found[0]
        return None

    def verdict(
        self,
        node: ast.AST,
        message: str,
        severity: Severity | None = None,
        guard_keys: Iterable[str] = (),
        scope: Scope | None = None,
    ) -> Verdict:
        return Verdict(node, scope or self.scope, message, severity, frozenset(guard_keys))

    def database_expressions(self) -> Iterator[tuple[str | None, ast.expr]]:
        """(key, expression) pairs of a DATABASES value; key None for a whole connection.

        Handles ``DATABASES = {...}``, ``DATABASES["default"] = ...``,
        ``DATABASES["default"]["NAME"] = ...`` and ``.update(...)`` of either, following a name
        or a function to the dict it holds."""
        keys = self.binding.keys
        value = self._dict_behind(self.value)
        if len(keys) >= 2:
            yield keys[1], value
        elif len(keys) == 1:
            yield from _fields(value)
        elif isinstance(value, ast.Dict):
            for alias_value in value.values:
                yield from _fields(self._dict_behind(alias_value))
        else:
            yield None, value

    def followed(self) -> Iterator[tuple[ast.expr, Scope, bool]]:
        """The value and what its names hold and its calls return, each with whether it is one
        of several outcomes (a branch of ``x if c else y``, one of a function's returns)."""
        pending: list[tuple[ast.AST, Scope, bool, int]] = [(self.value, self.scope, False, 0)]
        while pending:
            node, scope, branch, depth = pending.pop()
            for sub in ast.walk(node):
                if isinstance(sub, ast.IfExp | ast.BoolOp):
                    branch = True
                if isinstance(sub, ast.expr):
                    yield sub, scope, branch
                if depth >= 4:
                    continue
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                    found = scope.values_of(sub.id)
                    pending.extend((v, s, branch or len(found) > 1, depth + 1) for v, s in found)
                elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
                    found = scope.returns_of(sub.func.id)
                    pending.extend((v, s, branch or len(found) > 1, depth + 1) for v, s in found)

    def _dict_behind(self, value: ast.expr) -> ast.expr:
        """A dict literal that ``value`` names or a function of this module returns, else itself."""
        if isinstance(value, ast.Name):
            found = self.scope.values_of(value.id)
            if len(found) == 1 and found[0][1] is self.scope and isinstance(found[0][0], ast.Dict):
                return found[0][0]
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            found = self.scope.returns_of(value.func.id)
            if len(found) == 1 and found[0][1] is self.scope and isinstance(found[0][0], ast.Dict):
                return found[0][0]
        return value


def _fields(value: ast.expr) -> Iterator[tuple[str | None, ast.expr]]:
    if isinstance(value, ast.Dict):
        for key, item in zip(value.keys, value.values, strict=False):
            yield (const_str(key) if key is not None else None), item
    else:
        yield None, value


Judge = Callable[[SettingValue], Iterable[Verdict]]


def settings_rule(rule: Rule, *settings: str) -> Callable[[Judge], Judge]:
    """Judge ``settings`` wherever production web and workers take them from."""

    def decorator(judge: Judge) -> Judge:
        @rule.at_project_end
        def _report(project: Project) -> None:
            report_production(project, rule, settings, judge)

        return judge

    return decorator


def _location(bound: Bound, verdict: Verdict) -> tuple[str, int, int, str]:
    node = verdict.node
    line = getattr(node, "lineno", bound.binding.line)
    if verdict.scope.path == bound.facts.path:
        return bound.facts.path, line, getattr(node, "col_offset", 0) + 1, verdict.message
    # The evidence lives in another module (a constant, an env object): report where the setting
    # takes it, and say where it comes from.
    message = f"{verdict.message} (from {verdict.scope.path}:{line})"
    return bound.facts.path, bound.binding.line, bound.binding.column, message


def report_production(
    project: Project, rule: Rule, settings: tuple[str, ...], judge: Judge
) -> None:
    model = project.processes
    grouped: dict[tuple[str, int, int, str, Severity], set[str]] = {}
    for resolved in model.production_settings():
        guards = resolved.guards
        for setting in settings:
            for bound in resolved.settings.get(setting, ()):
                candidates = resolved.settings[setting]
                module = bound.facts.module
                value = SettingValue(
                    bound.binding,
                    model.scope(bound.facts),
                    len(candidates),
                    module is not None and setting in module.persisted,
                    project,
                )
                for verdict in judge(value):
                    if verdict.guard_keys & guards:
                        continue
                    path, line, column, message = _location(bound, verdict)
                    severity = verdict.severity or rule.severity
                    key = (path, line, column, message, severity)
                    grouped.setdefault(key, set()).add(resolved.root.path)
    for (path, line, column, message, severity), users in sorted(grouped.items()):
        inheritors = sorted(u for u in users if u != path)
        if inheritors:
            shown = ", ".join(inheritors[:3]) + (", ..." if len(inheritors) > 3 else "")
            also = "also " if path in users else ""
            message = f"{message} ({also}in force for {shown})"
        project.report(rule, path, line, message, severity, column=column)
