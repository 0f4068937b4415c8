"""Deciding from a file's path and bytes, before parsing, whether any rule can care about it.

Parsing is most of the auditor's time, and in a real project nine files in ten (models, views,
serializers, templatetags, tests) cannot matter to any rule: they set no setting, create no Celery
app, start no process and read no environment. A file is parsed when:

* its path says it may matter: an entry point (manage.py, wsgi.py, asgi.py), a settings module by
  name or package, anything with "celery" in its path (the layout finds a diagnose command by
  its path alone, parsed or not);
* or its bytes hold one of :data:`WORDS` (Celery apps, worker signals, the settings module
  variable), or assign a Django or Celery setting at the start of a line; test code (by path)
  only when it names DJANGO_SETTINGS_MODULE or assigns Django settings at module level;
* or (later rounds, in the engine) a file already parsed needs it: a module that a settings
  module, a Celery app or an entry point imports (constants, env helpers, env objects), and what
  those modules import in turn when it can carry a value on (star imports and constant-like
  names, :data:`IMPORT_DEPTH` steps from the first), and the module
  defining a function that a worker-signal handler calls, directly or through other calls.

Every other file still counts as audited: its bytes were read and show it cannot matter.
``tests/audit/test_audit_prefilter.py`` runs every fixture and the rendered template with and
without the pre-filter and requires the same findings; a rule that starts to need a file none of
these catch must add its word here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from django_celery_audit.classify import (
    DJANGO_SETTING_NAMES,
    ENTRY_POINT_FILES,
    classify_settings,
    is_test_path,
)
from django_celery_audit.facts import WORKER_SIGNALS
from django_celery_audit.filefacts import FileFacts
from django_celery_audit.layout import HEALTH_WORDS, is_urls_module

WORDS: tuple[bytes, ...] = (
    # Creating, subclassing, aliasing or configuring a Celery app, and worker signals. Not
    # "celery" alone: every tasks module imports it, and prose mentions it.
    b"Celery(",
    b"Celery)",
    b"Celery,",
    b"import Celery",
    b"Celery as",
    b"config_from_object",
    b"always_eager",
    *sorted(signal.encode() for signal in WORKER_SIGNALS),
    # Choosing the settings module, and split settings.
    b"DJANGO_SETTINGS_MODULE",
    b"split_settings",
    # Host validation of the project's own (DCA202 accepts ALLOWED_HOSTS = ["*"] then).
    b"raise DisallowedHost",
)
# An assignment to a Django or Celery setting at the start of a line (module level, or inside an
# if/try of a settings module). Reading ``settings.CACHES`` elsewhere does not count. Modules
# that settings import (env helpers, constants) are brought in by the engine's later rounds.
_SETTING_NAMES = (*sorted(DJANGO_SETTING_NAMES), "CELERY_")
_NAMES = b"(?:" + b"|".join(re.escape(n.encode()) for n in _SETTING_NAMES) + rb")\w*"
# At module level, any spelling; indented (inside an if/try of a settings module) only with a
# space before "=", which keyword arguments such as override_settings(CACHES={...}) do not have.
_MODULE_LEVEL_ASSIGNMENT = re.compile(rb"(?m)^" + _NAMES + rb"\s*(?::[^=\n]*)?\+?=(?!=)")
_ANY_ASSIGNMENT = re.compile(
    rb"(?m)^(?:[ \t]+" + _NAMES + rb"[ \t]+\+?=(?!=)|" + _NAMES + rb"\s*(?::[^=\n]*)?\+?=(?!=))"
)
_SETTING_BYTES = tuple(n.encode() for n in _SETTING_NAMES)
IMPORT_DEPTH = 2
IMPORTS_KEY = "prefilter.imports"  # FileFacts.rule_data key: what a parsed file imports


def path_matters(parts: tuple[str, ...], test: bool = False) -> bool:
    name = parts[-1]
    if name in ENTRY_POINT_FILES:
        return True
    if not test and any("celery" in p.lower() for p in parts):
        return True  # (Celery apps in test code count for no rule)
    return classify_settings(parts, None)[0]


def may_matter(parts: tuple[str, ...], source: bytes) -> bool:
    test = is_test_path(parts)
    if path_matters(parts, test):
        return True
    if test:
        # Test code matters only where it chooses settings (conftest.py) or is settings
        # (tests/settings_ci.py, or a module assigning Django's settings at module level).
        return b"DJANGO_SETTINGS_MODULE" in source or _assigns_settings(source, module_level=True)
    if any(word in source for word in WORDS):
        return True
    if is_urls_module(parts) and any(word.encode() in source.lower() for word in HEALTH_WORDS):
        return True  # a health route, for the layout
    return _assigns_settings(source, module_level=False)


def _assigns_settings(source: bytes, *, module_level: bool) -> bool:
    if not any(name in source for name in _SETTING_BYTES):
        return False
    pattern = _MODULE_LEVEL_ASSIGNMENT if module_level else _ANY_ASSIGNMENT
    return pattern.search(source) is not None


def decides_what_loads(facts: FileFacts) -> bool:
    """Settings modules (testing ones included), and code outside tests that starts processes,
    creates Celery apps or chooses the settings module: the modules whose imports are followed."""
    if facts.is_settings:
        return True
    return not facts.is_test and bool(
        facts.entry_point or facts.is_celery_app or facts.settings_writes
    )


def may_carry_settings(names: tuple[str, ...]) -> bool:
    """Whether a second-step import (``from x import names`` inside a module that a settings
    module imports) can pass a value on: a star import or a constant-like name."""
    return not names or any(name == "*" or name.isupper() for name in names)


def imported_modules(tree: ast.Module) -> list[tuple[int, str, tuple[str, ...]]]:
    """(level, module, names) for each import at module level, inside if/try/with blocks too."""
    found: list[tuple[int, str, tuple[str, ...]]] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        stmt = pending.pop()
        if isinstance(stmt, ast.ImportFrom):
            found.append((stmt.level, stmt.module or "", tuple(a.name for a in stmt.names)))
        elif isinstance(stmt, ast.Import):
            found.extend((0, alias.name, ()) for alias in stmt.names)
        elif isinstance(stmt, ast.If | ast.Try | ast.With):
            for block in ("body", "orelse", "finalbody"):
                pending.extend(getattr(stmt, block, ()))
            for handler in getattr(stmt, "handlers", ()):
                pending.extend(handler.body)
    return found


class ModuleIndex:
    """Dotted names of the files the first round left out, by full name and by every suffix
    (``src/pretalx/common/env.py`` is imported as ``pretalx.common.env``)."""

    def __init__(self, rels: Iterable[str]) -> None:
        self.by_suffix: dict[str, list[str]] = {}
        for rel in rels:
            parts = rel[:-3].split("/")
            if parts[-1] == "__init__":
                parts.pop()
            for start in range(len(parts)):
                self.by_suffix.setdefault(".".join(parts[start:]), []).append(rel)

    def lookup(self, importer: str, level: int, module: str, names: tuple[str, ...]) -> list[str]:
        """Files that an import in the file ``importer`` (a relative path) may bring in."""
        if level:
            package = importer[:-3].split("/")[:-1]
            if level > 1:
                package = package[: len(package) - (level - 1)]
            base = ".".join([*package, module] if module else package)
            wanted = [base, *(f"{base}.{n}" for n in names if n != "*")]
            return [rel for name in wanted for rel in self._exact(name)]
        wanted = [module, *(f"{module}.{n}" for n in names if n != "*")]
        return [rel for name in wanted if name for rel in self.by_suffix.get(name, ())]

    def under(self, prefix: str) -> list[str]:
        """Files whose dotted name (or a suffix of it) starts with ``prefix``."""
        return [
            rel
            for name, rels in self.by_suffix.items()
            if name == prefix or name.startswith(prefix + ".")
            for rel in rels
        ]

    def _exact(self, dotted: str) -> list[str]:
        return [
            rel
            for rel in self.by_suffix.get(dotted, ())
            if rel[:-3].replace("/", ".").removesuffix(".__init__") == dotted
        ]


def defines(source: bytes, names: set[str]) -> bool:
    """Whether ``source`` may define a function of one of these names (``def name(``)."""
    return any(b"def " + name.encode() + b"(" in source for name in names)


def calls(source: bytes, names: set[str]) -> bool:
    """Whether ``source`` may call one of these names (``name(``)."""
    return any(name.encode() + b"(" in source for name in names)
