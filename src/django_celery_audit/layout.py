"""The layout the template renders, in one place.

Each :class:`Piece` names where the template puts it (``template_path``, with ``{slug}`` for the
project package), which finding code reports it missing, and how to recognise it in a project
that names things its own way. ``tests/audit/test_template_layout.py`` renders the template and
checks every ``template_path`` exists and is recognised, so this list cannot drift from the
template unnoticed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

from django_celery_audit.astutil import const_str, qualname
from django_celery_audit.classify import DJANGO_SETTING_NAMES
from django_celery_audit.context import FileContext, Project
from django_celery_audit.envreads import classify_env_read
from django_celery_audit.filefacts import Binding, FileFacts
from django_celery_audit.registry import Collector

# Names of a command that reports what a process runs with (not one that checks data).
_DIAGNOSE_NAMES = frozenset({"doctor", "health", "healthcheck", "health_check", "check_health"})
# A route segment that names a health endpoint: any segment with "health" in it, or one of these
# whole (django-health-check mounts itself at "ht/"). "weight/" or "readyforl10n/" do not count.
HEALTH_WORDS = ("health", "ping", "alive", "ready", "heartbeat", "ht")
_HEALTH_SEGMENTS = frozenset(
    {"ping", "alive", "liveness", "livez", "ready", "readiness", "readyz", "heartbeat", "ht"}
)
_SEGMENT_SPLIT = re.compile(r"[/^$?]+")
_ROUTE_FUNCTIONS = frozenset({"path", "re_path", "url", "include"})
FAIL_FAST_KEY = "layout.fail_fast"  # FileFacts.rule_data: (line, what) of a settings module's check
HEALTH_ROUTE_KEY = "layout.health"  # FileFacts.rule_data: (line, route) of a health route

Location = tuple[str, int, str]  # (path, line, what is there)

# -- facts the layout needs that no rule collects ---------------------------------------------
LAYOUT = Collector()


def is_urls_module(parts: tuple[str, ...]) -> bool:
    return parts[-1].endswith("urls.py")


@LAYOUT.when
def _settings_or_urls(ctx: FileContext) -> bool:
    return (ctx.facts.is_settings and not ctx.facts.is_test) or is_urls_module(ctx.facts.parts)


def _note_fail_fast(ctx: FileContext, line: int, what: str) -> None:
    if ctx.facts.is_settings and FAIL_FAST_KEY not in ctx.facts.rule_data:
        ctx.facts.rule_data[FAIL_FAST_KEY] = (line, what)


@LAYOUT.register(ast.Raise)
def _raise(ctx: FileContext, node: ast.Raise) -> None:
    """A settings module that raises while it is imported refuses to start misconfigured."""
    if ctx.scope is None:
        exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        name = qualname(exc, ctx.aliases) if exc is not None else None
        _note_fail_fast(ctx, node.lineno, f"raises {(name or 'an error').rsplit('.', 1)[-1]}")


@LAYOUT.register(ast.Subscript, ast.Call)
def _required_read(ctx: FileContext, node: ast.Subscript | ast.Call) -> None:
    if isinstance(node, ast.Call) and is_urls_module(ctx.facts.parts):
        _route(ctx, node)
    if ctx.scope is not None or not ctx.facts.is_settings:
        return
    top = ctx.data.get(FAIL_FAST_KEY)
    if top is None:
        top = ctx.data[FAIL_FAST_KEY] = {id(stmt) for stmt in ctx.tree.body}
    if id(ctx.stmt) not in top:
        return  # under an if or a try: read only when something else says so, or caught
    read = classify_env_read(node, ctx)
    if read is not None and read.required:
        _note_fail_fast(ctx, node.lineno, f"requires {read.var or 'a variable'}")


def _route(ctx: FileContext, node: ast.Call) -> None:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name not in _ROUTE_FUNCTIONS or not node.args:
        return
    route = const_str(node.args[0])
    if route is None or HEALTH_ROUTE_KEY in ctx.facts.rule_data:
        return
    if is_health_route(route):
        ctx.facts.rule_data[HEALTH_ROUTE_KEY] = (node.lineno, route)


def is_health_route(route: str) -> bool:
    segments = [seg for seg in _SEGMENT_SPLIT.split(route.lower()) if seg]
    return any("health" in seg or seg in _HEALTH_SEGMENTS for seg in segments)


@dataclass(frozen=True)
class Piece:
    """One piece of the template's layout, and how to find it in a project named its own way."""

    key: str
    code: str | None  # the finding that reports it missing (None: the layout report only)
    template_path: str
    description: str
    needs_celery: bool
    locate: Callable[[Project], list[Location]]
    title: str  # the row's name in the layout report
    template_does: str  # what the template's file does, in one line
    instead: Callable[[Project], str] | None = None  # what a project without it does instead

    def path_for(self, slug: str) -> str:
        return self.template_path.format(slug=slug)

    def present(self, project: Project) -> bool:
        return bool(self.locate(project))


def _first_write(facts: FileFacts) -> tuple[int, str]:
    write = facts.settings_writes[0]
    named = f"{write.literal!r}" if write.literal else "a computed module"
    return write.line, f"{write.kind} DJANGO_SETTINGS_MODULE to {named}"


def _starters(project: Project) -> list[FileFacts]:
    """The modules that start processes: entry points and Celery apps (not test code)."""
    return [
        f for f in project.files if not f.is_test and (f.entry_point is not None or f.is_celery_app)
    ]


def _imported_by(project: Project, importers: list[FileFacts]) -> set[str]:
    """Paths of the project modules that ``importers`` import (``from x import y`` may name a
    module ``x.y``)."""
    found: set[str] = set()
    for importer in importers:
        for level, module, names in _imports_of(importer):
            for name in (module, *(f"{module}.{n}" if module else n for n in names)):
                target = project.resolve_import(importer, level, name) if name else None
                if target is not None:
                    found.add(target.path)
    return found


def _selectors(project: Project) -> list[Location]:
    """Modules that write DJANGO_SETTINGS_MODULE for the processes that import them: not entry
    points themselves (a docs conf.py or a script that sets the variable chooses for itself)."""
    used = _imported_by(project, _starters(project))
    found = []
    for f in sorted(project.files, key=lambda f: f.path):
        if (
            f.path in used
            and f.settings_writes
            and not (f.is_test or f.is_settings or f.entry_point is not None or f.is_celery_app)
        ):
            line, what = _first_write(f)
            found.append((f.path, line, what))
    return found


def _entry_point_choices(project: Project) -> str:
    own = [
        f"{f.path}:{_first_write(f)[0]} {_first_write(f)[1]}"
        for f in project.files
        if f.settings_writes and not f.is_test and (f.entry_point or f.is_celery_app)
    ]
    if not own:
        return "no module chooses the settings; each process relies on DJANGO_SETTINGS_MODULE"
    return "each entry point chooses for itself: " + "; ".join(own[:4])


def _settings_modules(project: Project) -> list[FileFacts]:
    return sorted(project.settings_modules, key=lambda f: f.path)


def _settings_for(env: str) -> Callable[[Project], list[Location]]:
    def locate(project: Project) -> list[Location]:
        return [
            (f.path, 1, f"{env} settings")
            for f in _settings_modules(project)
            if f.settings_env == env
        ]

    return locate


def _split(project: Project) -> list[Location]:
    """A settings split: at least one module per deployment next to shared settings."""
    modules = _settings_modules(project)
    envs = {f.settings_env for f in modules if f.settings_env}
    if "production" not in envs or len(modules) < 2:
        return []
    return [(f.path, 1, f.settings_env or "shared") for f in modules]


def _one_settings_module(project: Project) -> str:
    modules = _settings_modules(project)
    if not modules:
        return "no settings module found"
    names = ", ".join(f.path for f in modules[:4])
    if len(modules) == 1:
        return f"one settings module for every deployment: {names}"
    return f"settings modules without one per deployment: {names}"


def _testing(project: Project) -> list[Location]:
    """Testing settings: by name, or settings kept with the tests. Either way they must look like
    settings (import other settings or set Django's own), not like a test helper that happens to
    be called ``*settings*``."""
    return [
        (f.path, 1, "testing settings")
        for f in sorted(project.files, key=lambda f: f.path)
        if f.is_settings
        and (f.settings_env == "testing" or f.is_test)
        and (_sets_django_settings(f) or _builds_on_settings(project, f))
    ]


def _builds_on_settings(project: Project, facts: FileFacts) -> bool:
    """Star-imports anything, or imports from another settings module (a settings class)."""
    if _star_imports(facts):
        return True
    settings = {f.path for f in project.files if f.is_settings and f is not facts}
    return bool(_imported_by(project, [facts]) & settings)


def _star_imports(facts: FileFacts) -> list[tuple[int, str]]:
    return [(level, module) for level, module, names in _imports_of(facts) if "*" in names]


def _sets_django_settings(facts: FileFacts) -> bool:
    module = facts.module
    return module is not None and any(
        isinstance(event, Binding) and event.name in DJANGO_SETTING_NAMES for event in module.events
    )


def _tests_share(project: Project) -> str:
    return "tests run on the deployment settings (or sniff sys.argv/sys.modules to change them)"


def _fail_fast(project: Project) -> list[Location]:
    """Production settings modules that raise or require a variable while imported, themselves or
    in a module they star-import (``from .base import *``)."""
    found = []
    for f in _settings_modules(project):
        if f.settings_env != "production":
            continue
        pending, seen = [f], {f.path}
        while pending:
            current = pending.pop()
            check = current.rule_data.get(FAIL_FAST_KEY)
            if check is not None:
                found.append((current.path, check[0], check[1]))
                break
            for level, module in _star_imports(current):
                target = project.resolve_import(current, level, module)
                if target is not None and target.path not in seen:
                    seen.add(target.path)
                    pending.append(target)
    return sorted(set(found))


def _no_fail_fast(project: Project) -> str:
    production = [f.path for f in _settings_modules(project) if f.settings_env == "production"]
    if production:
        return (
            f"{', '.join(production[:3])} neither raises nor requires a variable while it is "
            "imported: a missing value becomes a default at run time"
        )
    return "no production settings module, so nothing refuses to start with missing values"


def _imports_of(facts: FileFacts) -> list[tuple[int, str, tuple[str, ...]]]:
    from django_celery_audit.prefilter import IMPORTS_KEY

    found: list[tuple[int, str, tuple[str, ...]]] = facts.rule_data.get(IMPORTS_KEY, [])
    return found


def _celery_through_selector(project: Project) -> list[Location]:
    selectors = {path for path, _l, _w in _selectors(project)}
    found = []
    for app in project.celery_apps:
        if any(w.literal for w in app.settings_writes):
            continue
        for level, module, names in _imports_of(app):
            for name in (module, *(f"{module}.{n}" for n in names)):
                target = project.resolve_import(app, level, name) if name else None
                if target is not None and target.path in selectors:
                    assert app.celery_app_at is not None
                    found.append((app.path, app.celery_app_at[0], f"uses {target.path}"))
    return found


def _celery_own_choice(project: Project) -> str:
    own = [
        f"{app.path}:{_first_write(app)[0]} {_first_write(app)[1]}"
        for app in project.celery_apps
        if app.settings_writes
    ]
    if own:
        return "the Celery app chooses for itself: " + "; ".join(own[:3])
    return "the Celery app relies on whatever DJANGO_SETTINGS_MODULE the worker inherits"


def db_touching_functions(project: Project) -> set[str]:
    """Names of functions that reach the database, directly or through calls (matched by name)."""
    calls: dict[str, set[str]] = {}
    touching: set[str] = set()
    for facts in project.files:
        for name, info in facts.functions.items():
            calls.setdefault(name, set()).update(info.calls)
            if info.touches_db:
                touching.add(name)
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            if name not in touching and callees & touching:
                touching.add(name)
                changed = True
    return touching


def worker_handlers(project: Project) -> tuple[list[tuple[FileFacts, str, str, int]], set[str]]:
    """Every (file, signal, handler, line) worker-signal connection, and the DB-touching names."""
    handlers = [
        (facts, signal, handler, line)
        for facts in project.files
        if not facts.is_test
        for signal, handler, line in facts.signal_handlers
    ]
    return handlers, db_touching_functions(project) if handlers else set()


def _diagnostics(project: Project) -> list[Location]:
    handlers, touching = worker_handlers(project)
    return [
        (f.path, line, f"{signal} -> {handler}() probes the database")
        for f, signal, handler, line in handlers
        if handler in touching
    ]


def _no_diagnostics(project: Project) -> str:
    handlers, _touching = worker_handlers(project)
    if handlers:
        named = "; ".join(
            f"{f.path}:{line} {signal} -> {h}()" for f, signal, h, line in handlers[:3]
        )
        return f"worker signal handlers that never touch the database: {named}"
    return (
        "no worker signal handler: a worker on the wrong database looks healthy until a task fails"
    )


def _diagnose_command(project: Project) -> list[Location]:
    found = []
    for path in sorted(project.all_paths):
        parts = path.split("/")
        if len(parts) >= 3 and parts[-3:-1] == ["management", "commands"]:
            stem = parts[-1][:-3].lower().replace("-", "_")
            if stem.startswith("diagnos") or stem in _DIAGNOSE_NAMES:
                found.append((path, 1, f"manage.py {parts[-1][:-3]}"))
    return found


def _health(project: Project) -> list[Location]:
    found = []
    for f in sorted(project.files, key=lambda f: f.path):
        route = f.rule_data.get(HEALTH_ROUTE_KEY)
        if route is not None and not f.is_test:
            found.append((f.path, route[0], f"route {route[1]!r}"))
    return found


def _nothing(what: str) -> Callable[[Project], str]:
    return lambda project: what


EXPECTED_LAYOUT: tuple[Piece, ...] = (
    Piece(
        "selector",
        "DCA505",
        "{slug}/environment.py",
        "one selector module that maps DJANGO_ENVIRONMENT to a settings module",
        False,
        _selectors,
        "one selector",
        "maps DJANGO_ENVIRONMENT to a settings module; every entry point calls it",
        _entry_point_choices,
    ),
    Piece(
        "settings-split",
        None,
        "{slug}/settings/base.py",
        "settings split by deployment",
        False,
        _split,
        "settings split",
        "shared base.py; development, staging, production and testing.py import it",
        _one_settings_module,
    ),
    Piece(
        "testing-settings",
        "DCA501",
        "{slug}/settings/testing.py",
        "testing settings",
        False,
        _testing,
        "testing settings",
        "a module of its own that pytest-django loads; nothing sniffs how it was started",
        _tests_share,
    ),
    Piece(
        "production-settings",
        "DCA502",
        "{slug}/settings/production.py",
        "production settings",
        False,
        _settings_for("production"),
        "production settings",
        "every value from the environment, no defaults",
        _one_settings_module,
    ),
    Piece(
        "staging-settings",
        "DCA505",
        "{slug}/settings/staging.py",
        "staging settings",
        False,
        _settings_for("staging"),
        "staging settings",
        "production's settings under another name, to try changes first",
        _nothing("changes to production settings are first tried in production"),
    ),
    Piece(
        "production-fail-fast",
        None,
        "{slug}/settings/production.py",
        "production settings that refuse to start with a variable missing",
        False,
        _fail_fast,
        "production fail-fast",
        "raises one ImproperlyConfigured naming every missing variable, at import",
        _no_fail_fast,
    ),
    Piece(
        "celery-through-selector",
        None,
        "{slug}/celery.py",
        "a Celery app that chooses its settings through the selector",
        True,
        _celery_through_selector,
        "Celery app through the selector",
        "calls environment.configure_settings() before creating the app",
        _celery_own_choice,
    ),
    Piece(
        "worker-diagnostics",
        "DCA504",
        "{slug}/diagnostics.py",
        "worker diagnostics (a worker signal handler that probes the database)",
        True,
        _diagnostics,
        "worker diagnostics",
        "worker signal handlers probe the database and broker before the worker takes tasks",
        _no_diagnostics,
    ),
    Piece(
        "diagnose-command",
        "DCA505",
        "{slug}/management/commands/diagnose.py",
        "a `manage.py diagnose` command",
        True,
        _diagnose_command,
        "diagnose command",
        "manage.py diagnose prints the settings module, database and broker a process uses",
        _nothing("nobody can ask a running container which database it uses"),
    ),
    Piece(
        "health-endpoint",
        None,
        "{slug}/health.py",
        "a health endpoint",
        False,
        _health,
        "health endpoint",
        "/health/ answers 200 or 503 from a database and broker probe",
        _nothing(
            "no health route in any urls module: a load balancer cannot tell a broken web process"
        ),
    ),
)


def piece(key: str) -> Piece:
    for item in EXPECTED_LAYOUT:
        if item.key == key:
            return item
    raise KeyError(key)


def applies(item: Piece, project: Project) -> bool:
    return bool(project.celery_apps) if item.needs_celery else project.is_django


def missing_pieces(project: Project) -> list[Piece]:
    return [p for p in EXPECTED_LAYOUT if applies(p, project) and not p.present(project)]


def anchor_for(item: Piece, project: Project) -> tuple[str, int]:
    if item.needs_celery and project.celery_apps:
        app = project.celery_apps[0]
        assert app.celery_app_at is not None
        return app.path, app.celery_app_at[0]
    return project.primary_anchor()


# -- the side-by-side report ------------------------------------------------------------------
REPORT_KEYS = (
    "selector",
    "settings-split",
    "testing-settings",
    "production-fail-fast",
    "celery-through-selector",
    "worker-diagnostics",
    "diagnose-command",
    "health-endpoint",
)


@dataclass(frozen=True)
class Row:
    key: str
    title: str
    template: str  # where the template has it
    template_does: str
    status: str  # "present", "missing" or "not applicable"
    found: list[Location]
    instead: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "template": self.template,
            "template_does": self.template_does,
            "status": self.status,
            "found": [{"path": p, "line": line, "what": what} for p, line, what in self.found],
            "instead": self.instead,
        }


def report(project: Project, slug: str = "<project>") -> list[Row]:
    rows = []
    for key in REPORT_KEYS:
        item = piece(key)
        found: list[Location] = []
        instead: str | None
        if not applies(item, project):
            status = "not applicable"
            instead = (
                "no Celery app in this project" if item.needs_celery else "not a Django project"
            )
        else:
            found = item.locate(project)
            status = "present" if found else "missing"
            instead = None if found or item.instead is None else item.instead(project)
        rows.append(
            Row(key, item.title, item.path_for(slug), item.template_does, status, found, instead)
        )
    return rows
