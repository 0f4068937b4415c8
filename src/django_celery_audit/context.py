"""Per-file and per-project state that every rule reads.

:class:`FileFacts` is plain, picklable data that outlives the file's AST (project rules see only
facts). :class:`FileContext` adds the transient state of one walk: the tree, import aliases,
module-level assignments and per-rule scratch space.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django_celery_audit.model import Finding, Severity

if TYPE_CHECKING:
    from django_celery_audit.registry import Rule

# --------------------------------------------------------------------------------------------
# Classifying a file by its path and top-level names

PRODUCTION_WORDS = frozenset({"production", "prod", "live"})
STAGING_WORDS = frozenset({"staging", "stage"})
TESTING_WORDS = frozenset({"test", "tests", "testing", "ci"})
DEVELOPMENT_WORDS = frozenset({"development", "dev", "local"})
DJANGO_SETTING_NAMES = frozenset(
    {
        "INSTALLED_APPS",
        "DATABASES",
        "SECRET_KEY",
        "MIDDLEWARE",
        "ROOT_URLCONF",
        "WSGI_APPLICATION",
        "ASGI_APPLICATION",
        "TEMPLATES",
        "AUTH_PASSWORD_VALIDATORS",
        "ALLOWED_HOSTS",
        "CACHES",
        "STATIC_URL",
        "DEFAULT_AUTO_FIELD",
    }
)
ENTRY_POINT_FILES = {"manage.py": "manage", "wsgi.py": "wsgi", "asgi.py": "asgi"}
_WORD_SPLIT = re.compile(r"[_\-.]+")


def env_of_words(words: list[str]) -> str | None:
    """Which deployment environment a module name speaks of, if any."""
    lowered = {w.lower() for w in words}
    if lowered & TESTING_WORDS:
        return "testing"
    if lowered & PRODUCTION_WORDS:
        return "production"
    if lowered & STAGING_WORDS:
        return "staging"
    if lowered & DEVELOPMENT_WORDS:
        return "development"
    return None


def is_test_path(parts: tuple[str, ...]) -> bool:
    """tests/ and test/ directories, conftest.py, test_*.py, *_test.py, tests.py."""
    name = parts[-1]
    stem = name[:-3]
    if any(p in ("tests", "test") for p in parts[:-1]):
        return True
    if "settings" in _WORD_SPLIT.split(stem):
        return False  # test_settings.py is testing *settings*, handled as settings
    return name in ("conftest.py", "tests.py") or stem.startswith("test_") or stem.endswith("_test")


def top_level_setting_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for stmt in tree.body:
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id in DJANGO_SETTING_NAMES:
                names.add(target.id)
    return names


def classify_settings(parts: tuple[str, ...], tree: ast.Module | None) -> tuple[bool, str | None]:
    """Return (is_settings, environment) for a module at ``parts`` (relative path parts)."""
    stem = parts[-1][:-3]
    dirs = parts[:-1]
    in_settings_package = any(d == "settings" or d.endswith("_settings") for d in dirs)
    stem_words = _WORD_SPLIT.split(stem)
    named = "settings" in stem_words
    if in_settings_package:
        if stem == "__init__":
            words = [] if dirs[-1] == "settings" else _WORD_SPLIT.split(dirs[-1])
        else:
            words = stem_words
        return True, env_of_words(words)
    if named:
        return True, env_of_words([w for w in stem_words if w != "settings"])
    if tree is not None and len(top_level_setting_names(tree)) >= 2:
        return True, env_of_words(stem_words)
    return False, None


def dotted_name(parts: tuple[str, ...]) -> str:
    names = list(parts[:-1])
    stem = parts[-1][:-3]
    if stem != "__init__":
        names.append(stem)
    return ".".join(names)


# --------------------------------------------------------------------------------------------
# Facts


@dataclass(slots=True)
class SettingsWrite:
    """A write of DJANGO_SETTINGS_MODULE (``setdefault`` keeps a value; ``assign`` not)."""

    kind: str
    literal: str | None  # the module named, when it is a string literal (or a name bound to one)
    line: int
    column: int


@dataclass(slots=True)
class FunctionInfo:
    touches_db: bool = False
    calls: set[str] = field(default_factory=set)


@dataclass(slots=True)
class FileFacts:
    """What one file contributes to project-level rules. Plain data: safe to pickle."""

    path: str
    parts: tuple[str, ...]
    dotted: str
    parsed: bool = True
    is_test: bool = False
    is_settings: bool = False
    settings_env: str | None = None
    entry_point: str | None = None  # "manage", "wsgi" or "asgi" by file name
    celery_app_at: tuple[int, int] | None = None  # where Celery(...) is instantiated
    settings_writes: list[SettingsWrite] = field(default_factory=list)
    signal_handlers: list[tuple[str, str, int]] = field(default_factory=list)
    functions: dict[str, FunctionInfo] = field(default_factory=dict)
    star_imports: list[tuple[int, str, int]] = field(default_factory=list)  # (level, module, line)
    assigned_settings: set[str] = field(default_factory=set)
    suppressions: dict[int, frozenset[str]] = field(default_factory=dict)
    rule_data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_production_like(self) -> bool:
        return self.is_settings and self.settings_env in ("production", "staging")

    @property
    def is_testing_settings(self) -> bool:
        return self.is_settings and self.settings_env == "testing"

    @property
    def is_celery_app(self) -> bool:
        return self.celery_app_at is not None

    @property
    def name(self) -> str:
        return self.parts[-1]


# --------------------------------------------------------------------------------------------
# Reporting


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
    """State of one file during its single walk."""

    def __init__(self, facts: FileFacts, tree: ast.Module, source: bytes) -> None:
        super().__init__()
        self.facts = facts
        self.tree = tree
        self.source = source
        self._lines: list[bytes] | None = None
        self.mentions_celery = b"Celery(" in source
        # Set by the walker before each callback:
        self.stmt: ast.stmt | None = None  # nearest enclosing statement (the node itself if a stmt)
        self.scope: ast.AST | None = None  # enclosing def/lambda/class, None at module level
        # Shared facts filled by django_celery_audit.facts during the walk:
        self.aliases: dict[str, str] = {}
        self.assignments: dict[str, list[ast.expr]] = {}  # module-level name -> values written
        self.env_instances: dict[str, dict[str, ast.expr]] = {}  # environ.Env() names -> defaults
        self.module_functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.module_checks: list[ast.If | ast.Assert] = []  # settings modules only
        self.settings_assignments: list[tuple[str, ast.stmt, ast.expr | None]] = []
        self.settings_write_nodes: list[tuple[SettingsWrite, ast.AST]] = []
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


class Project(Reporter):
    """Every file's facts, for rules that look across files or at the layout."""

    def __init__(self, files: list[FileFacts], all_paths: list[str]) -> None:
        super().__init__()
        self.files = files
        self.all_paths = all_paths  # every .py file found, parsed or not
        self.by_dotted: dict[str, FileFacts] = {}
        for facts in files:
            self.by_dotted.setdefault(facts.dotted, facts)

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

    # -- helpers shared by project rules -------------------------------------------------------
    @property
    def settings_modules(self) -> list[FileFacts]:
        return [f for f in self.files if f.is_settings and not f.is_test]

    @property
    def celery_apps(self) -> list[FileFacts]:
        return [f for f in self.files if f.is_celery_app and not f.is_test]

    @property
    def is_django(self) -> bool:
        return bool(self.settings_modules) or any(
            f.entry_point == "manage" for f in self.files if not f.is_test
        )

    def resolve_import(self, importer: FileFacts, level: int, module: str) -> FileFacts | None:
        """The file a ``from <module> import *`` in ``importer`` refers to, if it is in the tree."""
        if level:
            package = importer.dotted.split(".") if importer.dotted else []
            if importer.parts[-1] != "__init__.py":
                package = package[:-1]
            if level > 1:
                package = package[: len(package) - (level - 1)]
            target = ".".join([*package, module] if module else package)
            return self.by_dotted.get(target)
        found = self.by_dotted.get(module)
        if found is not None:
            return found
        suffix = "." + module
        for dotted, facts in self.by_dotted.items():
            if dotted.endswith(suffix):
                return facts
        return None

    def primary_anchor(self) -> tuple[str, int]:
        """Where to attach a finding about the project's layout: its settings, else manage.py."""
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
