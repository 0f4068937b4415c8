"""The process model: which settings module each process loads, and which assignment of each
setting wins there.

Entry points (manage.py, wsgi.py, asgi.py, every Celery app) and the pytest configuration select
settings modules (a literal default, ``setdefault``, a name computed from an environment
variable). From the modules production web and worker load, the import chain is followed (star
imports, imported names, django-split-settings ``include()``) in source order, so the production
rules judge the assignment that is in force, whatever the files are called. Everything here is
read from the facts the walk collected (and four small configuration files); the audited project
is never imported.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django_celery_audit.classify import DEPLOYMENT_DIRS, DJANGO_SETTING_NAMES, WORD_SPLIT
from django_celery_audit.envreads import detect_helper
from django_celery_audit.filefacts import (
    Binding,
    EnvObject,
    FileFacts,
    Helper,
    Include,
    ModuleFacts,
    NameImport,
    StarImport,
)
from django_celery_audit.safeio import read_regular_file

if TYPE_CHECKING:
    from django_celery_audit.context import Project

NOT_PRODUCTION = frozenset({"development", "testing"})
# Folders whose projects are demonstrations, not what anyone deploys.
DEMO_DIRS = frozenset(
    {"docs", "doc", "example", "examples", "sample", "samples", "demo", "demos", "sandbox"}
)
MAX_IMPORT_DEPTH = 64
COPY_ME_WORDS = frozenset({"example", "sample", "template", "dist", "skel", "tpl"})
PYTEST_CONFIGS = ("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini")
DEPLOYMENT_FILES = (
    "Dockerfile",
    "Dockerfile.*",
    "*.Dockerfile",
    "*.dockerfile",
    "Procfile",
    "app.yaml",
    "fly.toml",
    "render.yaml",
    "heroku.yml",
)
_CONFIG_LIMIT = 1024 * 1024
_DS_PATTERNS = (
    re.compile(r"DJANGO_SETTINGS_MODULE\s*[=:]\s*[\"']?([A-Za-z_][\w.]*)"),
    re.compile(r"--ds[= ]\s*[\"']?([A-Za-z_][\w.]*)"),
)
_EMPTY_MODULE = ModuleFacts()
Lookup = Callable[[ModuleFacts, str], Any]  # what one module binds to a name, if anything


@dataclass(frozen=True, slots=True)
class Selection:
    """One place that picks a settings module for a process."""

    process: str  # "web", "worker", "tests", or "deploy" (a Dockerfile, Procfile: web and worker)
    path: str
    line: int
    column: int
    module: str | None  # a literal module name
    prefix: str | None = None  # or the literal start of a computed one


@dataclass(frozen=True, slots=True)
class Bound:
    """An assignment that may be in force, and the file that makes it."""

    binding: Binding
    facts: FileFacts


@dataclass
class Resolved:
    """What one settings module amounts to once its imports are followed."""

    root: FileFacts
    settings: dict[str, list[Bound]] = field(default_factory=dict)
    chain: list[FileFacts] = field(default_factory=list)

    @property
    def guards(self) -> frozenset[str]:
        found: set[str] = set()
        for facts in self.chain:
            if facts.module is not None:
                found |= facts.module.guards
        return frozenset(found)


def _in_demo(facts: FileFacts) -> bool:
    """A demonstration or a template to copy (``docs/``, ``example/``, ``prod_example.py``,
    ``settings.sample.py``): nothing loads it as it is."""
    if any(part.lower() in DEMO_DIRS for part in facts.parts[:-1]):
        return True
    words = {w.lower() for w in WORD_SPLIT.split(facts.parts[-1][:-3])}
    return bool(words & COPY_ME_WORDS)


def _config_folders(project: Project) -> list[str]:
    """The root and every folder holding a manage.py: where configuration files live."""
    return sorted(
        {""} | {f.path.rpartition("/")[0] for f in project.files if f.entry_point == "manage"}
    )


def _selections_in(project: Project, process: str, rels: list[str]) -> list[Selection]:
    """``DJANGO_SETTINGS_MODULE = ...`` (or ``--ds``) lines of these files. Only regular files
    are read (discovery.read_regular_file), as text, never parsed as more than lines: any of
    them may be malformed."""
    found: list[Selection] = []
    assert project.root is not None
    for rel in rels:
        try:
            data = read_regular_file(project.root / rel, _CONFIG_LIMIT)
        except OSError:
            continue
        if len(data) > _CONFIG_LIMIT:
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
            if line.lstrip().startswith(("#", ";")):
                continue
            for pattern in _DS_PATTERNS:
                match = pattern.search(line)
                if match:
                    column = match.start(1) + 1
                    found.append(Selection(process, rel, number, column, match.group(1)))
                    break
    return found


def read_pytest_selections(project: Project) -> list[Selection]:
    """What pytest.ini, pyproject.toml, setup.cfg or tox.ini next to the root or a manage.py
    select for tests."""
    if project.root is None:
        return []
    rels = [
        f"{folder}/{name}" if folder else name
        for folder in _config_folders(project)
        for name in PYTEST_CONFIGS
    ]
    return _selections_in(project, "tests", rels)


def read_deployment_selections(project: Project) -> list[Selection]:
    """What a Dockerfile, Procfile or platform file next to the root or a manage.py (or in a
    deploy/, docker/... folder beside them) selects for the processes it starts. Compose files
    are left out: they mostly describe development."""
    if project.root is None:
        return []
    rels: list[str] = []
    for folder in _config_folders(project):
        base = project.root / folder if folder else project.root
        places = [(folder, base)] + [
            (f"{folder}/{d}" if folder else d, base / d) for d in sorted(DEPLOYMENT_DIRS)
        ]
        for rel_folder, path in places:
            try:
                names = sorted(entry.name for entry in os.scandir(path) if entry.is_file())
            except OSError:
                continue
            rels.extend(
                f"{rel_folder}/{name}" if rel_folder else name
                for name in names
                if any(fnmatch.fnmatchcase(name, pattern) for pattern in DEPLOYMENT_FILES)
            )
    return _selections_in(project, "deploy", rels)


class _Aliases(Mapping[str, str]):
    """A module's import aliases, seen through the project: ``config`` imported from a sibling
    settings module that imported it from decouple is ``decouple.config``."""

    def __init__(self, scope: ModuleScope) -> None:
        self._scope = scope

    def __getitem__(self, key: str) -> str:
        found = self._scope.find(key, lambda m, n: m.aliases.get(n))
        if found is None:
            raise KeyError(key)
        return str(found[0])

    def __iter__(self) -> Iterator[str]:
        return iter(self._scope.module.aliases)

    def __len__(self) -> int:
        return len(self._scope.module.aliases)


class ModuleScope:
    """The names one module sees, including those it imports from other modules of the project
    (explicitly, or through star imports and split-settings includes)."""

    def __init__(self, model: ProcessModel, facts: FileFacts) -> None:
        self.model = model
        self.facts = facts
        self.module = facts.module or _EMPTY_MODULE
        self.aliases = _Aliases(self)
        self._helpers: dict[str, Helper | None] = {}

    @property
    def path(self) -> str:
        return self.facts.path

    def find(self, name: str, get: Lookup, depth: int = 0) -> tuple[Any, ModuleScope] | None:
        """``get(module_facts, name)`` here, else in the module the name is imported from, else
        in the modules this one star-imports (last first)."""
        local = get(self.module, name)
        if local:
            if isinstance(local, str) and depth < 8 and name in self.facts.imports:
                deeper = self._imported(name, get, depth)
                if deeper is not None:
                    return deeper
            return local, self
        if depth >= 8:
            return None
        if name in self.facts.imports:
            return self._imported(name, get, depth)
        for target in reversed(self.model.star_targets(self.facts)):
            found = self.model.scope(target).find(name, get, depth + 1)
            if found is not None:
                return found
        return None

    def _imported(self, name: str, get: Lookup, depth: int) -> tuple[Any, ModuleScope] | None:
        level, module, original = self.facts.imports[name]
        target = self.model.project.resolve_import(self.facts, level, module)
        if target is None or target is self.facts:
            return None
        return self.model.scope(target).find(original, get, depth + 1)

    def env_object(self, name: str) -> EnvObject | None:
        found = self.find(name, lambda m, n: m.env_objects.get(n))
        return found[0] if found else None

    def helper(self, name: str) -> Helper | None:
        function = self.module.functions.get(name)
        if function is not None:  # judged here, where imported helpers are known
            if name not in self._helpers:
                self._helpers[name] = None  # a helper that calls itself is not one
                self._helpers[name] = detect_helper(function, self)
            return self._helpers[name]
        found = self.find(name, lambda m, n: m.helpers.get(n))
        return found[0] if found else None

    def module_helper(self, module: str, name: str) -> Helper | None:
        """A helper reached as an attribute of an imported project module (``secrets.get(...)``
        after ``from proj import secrets`` or ``import proj.secrets as secrets``)."""
        target = None
        if module in self.facts.imports:
            level, package, original = self.facts.imports[module]
            dotted = f"{package}.{original}" if package else original
            target = self.model.project.resolve_import(self.facts, level, dotted)
        else:
            qualified = self.module.aliases.get(module)
            if qualified is not None and not qualified.startswith("."):
                target = self.model.project.find_module(qualified)
        if target is None or target.module is None:
            return None
        return target.module.helpers.get(name)

    def values_of(self, name: str) -> list[tuple[ast.expr, Any]]:
        found = self.find(name, lambda m, n: m.values.get(n))
        return [(value, found[1]) for value in found[0]] if found else []

    def returns_of(self, name: str) -> list[tuple[ast.expr, Any]]:
        found = self.find(name, lambda m, n: m.returns.get(n))
        return [(value, found[1]) for value in found[0]] if found else []


class ProcessModel:
    """Which settings web, worker and tests load, and what those settings resolve to."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._scopes: dict[str, ModuleScope] = {}
        self._resolved: dict[str, Resolved] = {}
        self._stars: dict[str, list[FileFacts]] = {}
        self._all_paths = set(project.all_paths)
        entries = [f for f in project.files if not f.is_test and not _in_demo(f)]
        self.web = [
            s for f in entries if f.entry_point is not None for s in self._selections("web", f)
        ]
        self.worker = [
            s for f in project.celery_apps if not _in_demo(f) for s in self._selections("worker", f)
        ]
        self.tests = read_pytest_selections(project) + [
            s
            for f in project.files
            if f.is_test and f.settings_writes
            for s in self._selections("tests", f)
        ]
        self.deploy = read_deployment_selections(project)
        self.defaults = self._selected_modules(self.web + self.worker + self.deploy)
        self.production, self.production_reason = self._production_roots()

    # -- selections -----------------------------------------------------------------------------
    @staticmethod
    def _selections(process: str, facts: FileFacts) -> list[Selection]:
        return [
            Selection(process, facts.path, w.line, w.column, w.literal, w.prefix)
            for w in facts.settings_writes
            if w.literal or w.prefix
        ]

    def _selected_modules(self, selections: list[Selection]) -> list[FileFacts]:
        """Settings modules that these selections load unless told otherwise (not development or
        testing ones: production is then told otherwise)."""
        chosen: list[FileFacts] = []
        for selection in selections:
            if selection.module:
                found = self.project.find_module(selection.module)
                candidates = [found] if found is not None else []
            else:
                prefix = selection.prefix or ""
                imported = self._imported_paths()
                candidates = [
                    f
                    for f in self.project.settings_modules
                    if prefix
                    and f.dotted.startswith(prefix.rstrip("."))
                    and f.dotted != prefix.rstrip(".")
                    and f.path not in imported
                ]
            for facts in candidates:
                if facts.settings_env not in NOT_PRODUCTION and facts not in chosen:
                    chosen.append(facts)
        return chosen

    def _imported_paths(self) -> set[str]:
        paths: set[str] = set()
        for facts in self.project.settings_modules:
            for target in self._import_targets(facts):
                if target is not facts:
                    paths.add(target.path)
        return paths

    def _production_roots(self) -> tuple[list[FileFacts], str]:
        settings = [f for f in self.project.settings_modules if not _in_demo(f)]
        named = [f for f in settings if f.is_production_like]
        if named:
            return named, "named for production"
        if self.defaults:
            return self.defaults, "selected by the entry points"
        imported = self._imported_paths()
        paths = set(self.project.all_paths)
        roots = [
            f
            for f in settings
            if f.settings_env is None
            and f.path not in imported
            and f.path[:-3] + "/__init__.py" not in paths  # shadowed by a package
            and len(DJANGO_SETTING_NAMES & set(self.resolve(f).settings)) >= 2
        ]
        return roots, "the only settings"

    # -- following imports ----------------------------------------------------------------------
    def scope(self, facts: FileFacts) -> ModuleScope:
        found = self._scopes.get(facts.path)
        if found is None:
            found = self._scopes[facts.path] = ModuleScope(self, facts)
        return found

    def _include_targets(self, facts: FileFacts, event: Include) -> list[FileFacts]:
        folder = facts.path.rpartition("/")[0]
        found: list[FileFacts] = []
        for pattern, _optional in event.patterns:
            full = posixpath.normpath(posixpath.join(folder, pattern))
            found.extend(
                self.project.by_path[p]
                for p in sorted(self.project.by_path)
                if fnmatch.fnmatchcase(p, full)
            )
        return found

    def _event_targets(self, facts: FileFacts, event: Any) -> list[FileFacts]:
        if isinstance(event, StarImport | NameImport):
            target = self.project.resolve_import(facts, event.level, event.module)
            if target is None and event.level == 1 and event.module:
                target = self._copied_into_place(facts, event.module)
            return [target] if target is not None else []
        if isinstance(event, Include):
            return self._include_targets(facts, event)
        return []

    def _copied_into_place(self, facts: FileFacts, module: str) -> FileFacts | None:
        """``from .common import *`` in a settings module outside any package (docker/config.py,
        copied next to settings/common.py when the image is built): the one settings module of
        that name elsewhere in the tree."""
        folder = facts.path.rpartition("/")[0]
        package_marker = f"{folder}/__init__.py" if folder else "__init__.py"
        if not facts.is_settings or package_marker in self._all_paths:
            return None
        last = module.rsplit(".", 1)[-1]
        matches = [
            f
            for f in self.project.settings_modules
            if f is not facts
            and (f.dotted == module or f.dotted.endswith("." + module))
            and f.dotted.rsplit(".", 1)[-1] == last
        ]
        return matches[0] if len(matches) == 1 else None

    def _import_targets(self, facts: FileFacts) -> list[FileFacts]:
        if facts.module is None:
            return []
        return [t for e in facts.module.events for t in self._event_targets(facts, e)]

    def star_targets(self, facts: FileFacts) -> list[FileFacts]:
        """Modules whose names this one takes wholesale, in order."""
        found = self._stars.get(facts.path)
        if found is None:
            events = facts.module.events if facts.module is not None else []
            found = [
                t
                for e in events
                if isinstance(e, StarImport | Include)
                for t in self._event_targets(facts, e)
                if t is not facts
            ]
            self._stars[facts.path] = found
        return found

    def resolve(self, facts: FileFacts, depth: int = 0) -> Resolved:
        """The assignments in force in ``facts`` as production loads it: later assignments replace
        earlier ones, conditional ones join them, and development or testing modules imported
        only under a condition (``try: from .local import *``) are left out."""
        cached = self._resolved.get(facts.path)
        if cached is not None:
            return cached
        resolved = self._resolved[facts.path] = Resolved(facts, chain=[facts])  # cycles: empty
        table: dict[str, list[Bound]] = {}
        events = facts.module.events if facts.module is not None else []
        for event in events:
            if isinstance(event, Binding):
                bound = Bound(event, facts)
                if event.keys or event.merge or event.conditional:
                    table.setdefault(event.name, []).append(bound)
                else:
                    table[event.name] = [bound]
                continue
            for target in self._event_targets(facts, event):
                if target is facts or (event.conditional and target.settings_env in NOT_PRODUCTION):
                    continue
                if depth >= MAX_IMPORT_DEPTH:
                    continue  # a chain this long is not settings anyone wrote by hand
                inner = self.resolve(target, depth + 1)
                resolved.chain.extend(t for t in inner.chain if t not in resolved.chain)
                if isinstance(event, NameImport):
                    pairs = [(o, n) for o, n in event.names if o in inner.settings]
                else:
                    pairs = [(n, n) for n in inner.settings]
                for original, name in pairs:
                    if event.conditional:
                        table.setdefault(name, []).extend(inner.settings[original])
                    else:
                        table[name] = list(inner.settings[original])
        resolved.settings = table
        return resolved

    def production_settings(self) -> list[Resolved]:
        return [self.resolve(f) for f in self.production]

    # -- answers for rules ----------------------------------------------------------------------
    def tests_on_production(self) -> Selection | None:
        """The pytest configuration that runs tests on the settings production loads, if any."""
        production = {f.path for f in self.production} | {f.path for f in self.defaults}
        for selection in self.tests:
            if selection.module is None:
                continue
            found = self.project.find_module(selection.module)
            if found is not None and found.path in production:
                return selection
        return None

    def anchor(self) -> tuple[str, int] | None:
        """The settings module production loads (its most general one), else the configuration
        file that selects settings for tests."""
        if self.production:
            first = min(self.production, key=lambda f: (f.settings_env is not None, f.path))
            return first.path, 1
        for selection in self.web + self.worker + self.tests:
            return selection.path, selection.line
        return None
