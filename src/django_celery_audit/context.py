"""The state rules read and report through: :class:`FileContext` during one file's walk, and
:class:`Project` once every file's facts are in (with the process model built from them)."""

from __future__ import annotations

import ast
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django_celery_audit.envreads import detect_helper
from django_celery_audit.filefacts import EnvObject, FileFacts, Helper, SettingsWrite
from django_celery_audit.model import Finding, Severity

if TYPE_CHECKING:
    from django_celery_audit.processes import ProcessModel
    from django_celery_audit.registry import Rule


class Reporter:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def _add(
        self, rule: Rule, path: str, line: int, column: int, message: str, severity: Severity | None
    ) -> None:
        self.findings.append(
            Finding(
                code=rule.code,
                severity=severity or rule.severity,
                path=path,
                line=max(line, 1),
                column=max(column, 1),
                message=message,
                template_answer=rule.template_answer,
            )
        )


class FileContext(Reporter):
    """State of one file during its single walk. It is also the file's own :class:`Scope` for
    environment reads (names it binds itself; imports are followed later, by the project)."""

    def __init__(self, facts: FileFacts, tree: ast.Module, source: bytes) -> None:
        super().__init__()
        self.facts = facts
        self.tree = tree
        self.source = source
        self._lines: list[bytes] | None = None
        self.mentions_celery = b"Celery" in source
        self.may_make_env_objects = b"Env" in source or b"Config" in source
        # Set by the walker before each callback:
        self.stmt: ast.stmt | None = None  # nearest enclosing statement (the node itself if a stmt)
        self.scope: ast.AST | None = None  # enclosing def/lambda/class, None at module level
        # Shared facts filled by django_celery_audit.facts during the walk:
        self.aliases: dict[str, str] = {}
        self.assignments: dict[str, list[ast.expr]] = {}  # module-level name -> values written
        self.env_objects: dict[str, EnvObject] = {}
        self.module_functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.module_checks: list[ast.If | ast.Assert] = []  # settings modules only
        self.settings_assignments: list[tuple[str, ast.stmt, ast.expr | None]] = []
        self.settings_write_nodes: list[tuple[SettingsWrite, ast.AST]] = []
        self._helpers: dict[str, Helper | None] = {}
        self.persisted: set[str] = set()  # module-level names written to a file
        # Scratch space for rules, keyed by rule code. Dropped with the tree.
        self.data: dict[str, Any] = {}

    @property
    def path(self) -> str:
        return self.facts.path

    @property
    def is_applicable_settings(self) -> bool:
        """A settings module that is not test code."""
        return self.facts.is_settings and not self.facts.is_test

    def at_module_level(self) -> bool:
        return self.scope is None

    # -- Scope ----------------------------------------------------------------------------------
    def env_object(self, name: str) -> EnvObject | None:
        return self.env_objects.get(name)

    def helper(self, name: str) -> Helper | None:
        if name not in self._helpers:
            self._helpers[name] = None  # a helper that calls itself is not one
            function = self.module_functions.get(name)
            if function is not None:
                self._helpers[name] = detect_helper(function, self)
        return self._helpers[name]

    def module_helper(self, module: str, name: str) -> Helper | None:
        return None  # other modules are the project's to look into

    def values_of(self, name: str) -> list[tuple[ast.expr, Any]]:
        return [(value, self) for value in self.assignments.get(name, ())]

    def returns_of(self, name: str) -> list[tuple[ast.expr, Any]]:
        function = self.module_functions.get(name)
        return [(value, self) for value in returned_values(function)] if function else []

    # -- reporting ------------------------------------------------------------------------------
    def column_of(self, node: ast.AST) -> int:
        """1-based character column of ``node`` (ast gives a 0-based UTF-8 byte offset)."""
        line = getattr(node, "lineno", 1)
        offset = getattr(node, "col_offset", 0)
        if self._lines is None:
            self._lines = self.source.splitlines()
        if 0 < line <= len(self._lines):
            return len(self._lines[line - 1][:offset].decode("utf-8", "replace")) + 1
        return offset + 1

    def report(
        self, rule: Rule, node: ast.AST, message: str, severity: Severity | None = None
    ) -> None:
        self._add(
            rule, self.path, getattr(node, "lineno", 1), self.column_of(node), message, severity
        )

    def report_at(
        self, rule: Rule, line: int, column: int, message: str, severity: Severity | None = None
    ) -> None:
        self._add(rule, self.path, line, column, message, severity)


def returned_values(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """What a function returns (its own ``return`` statements, not nested functions')."""
    found: list[ast.expr] = []
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(node.value)
        elif not isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
        ):
            pending.extend(ast.iter_child_nodes(node))
    return found


class Project(Reporter):
    """Every file's facts, for rules that look across files or at the layout."""

    def __init__(
        self, files: list[FileFacts], all_paths: list[str], root: Path | None = None
    ) -> None:
        super().__init__()
        self.files = files
        self.all_paths = all_paths  # every .py file found, parsed or not
        self.root = root
        self.by_dotted: dict[str, FileFacts] = {}
        self.by_path: dict[str, FileFacts] = {}
        for facts in files:
            self.by_path[facts.path] = facts
            known = self.by_dotted.get(facts.dotted)
            # A package wins over a module of the same name, as in Python's import system.
            if known is None or (facts.name == "__init__.py" and known.name != "__init__.py"):
                self.by_dotted[facts.dotted] = facts

    def report(
        self,
        rule: Rule,
        path: str,
        line: int,
        message: str,
        severity: Severity | None = None,
        column: int = 1,
    ) -> None:
        self._add(rule, path, line, column, message, severity)

    @cached_property
    def processes(self) -> ProcessModel:
        """Which settings each process loads, and which assignment of each setting wins."""
        from django_celery_audit.processes import ProcessModel

        return ProcessModel(self)

    # -- helpers shared by project rules -------------------------------------------------------
    @property
    def settings_modules(self) -> list[FileFacts]:
        return [f for f in self.files if f.is_settings and not f.is_test]

    @cached_property
    def celery_apps(self) -> list[FileFacts]:
        """Modules that create a Celery app: ``Celery(...)``, or a subclass or factory of it that
        another module defines."""
        makers = {(f.dotted, name) for f in self.files if not f.is_test for name in f.celery_makers}
        apps = []
        for facts in self.files:
            if facts.is_test:
                continue
            if facts.celery_app_at is None and makers:
                for name, line, column in facts.imported_calls:
                    level, module, original = facts.imports[name]
                    target = self.resolve_import(facts, level, module)
                    if target is not None and (target.dotted, original) in makers:
                        facts.celery_app_at = (line, column)
                        break
            if facts.celery_app_at is not None:
                apps.append(facts)
        return apps

    @property
    def is_django(self) -> bool:
        return bool(self.settings_modules) or any(
            f.entry_point == "manage" for f in self.files if not f.is_test
        )

    def resolve_import(self, importer: FileFacts, level: int, module: str) -> FileFacts | None:
        """The file ``from <module> import ...`` in ``importer`` refers to, if it is in the tree."""
        if level:
            package = importer.dotted.split(".") if importer.dotted else []
            if importer.parts[-1] != "__init__.py":
                package = package[:-1]
            if level > 1:
                package = package[: len(package) - (level - 1)]
            target = ".".join([*package, module] if module else package)
            return self.by_dotted.get(target)
        return self.find_module(module)

    def find_module(self, dotted: str) -> FileFacts | None:
        """The module named ``dotted``, also when the tree's root is above the import root."""
        found = self.by_dotted.get(dotted)
        if found is not None:
            return found
        suffix = "." + dotted
        matches = sorted(
            (f for d, f in self.by_dotted.items() if d.endswith(suffix)), key=lambda f: f.path
        )
        return matches[0] if matches else None

    def primary_anchor(self) -> tuple[str, int]:
        """Where to attach a finding about the project's layout: the settings production loads,
        else the configuration that selects settings, else any settings module, else manage.py."""
        anchor = self.processes.anchor()
        if anchor is not None:
            return anchor
        settings = sorted(self.settings_modules, key=lambda f: (len(f.parts), f.path))
        for facts in settings:
            if facts.settings_env is None:
                return facts.path, 1
        if settings:
            return settings[0].path, 1
        for facts in self.files:
            if facts.entry_point == "manage":
                return facts.path, 1
        return (self.all_paths[0] if self.all_paths else "."), 1
