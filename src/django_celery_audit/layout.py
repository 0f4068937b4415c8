"""The layout the template renders, in one place.

Each :class:`Piece` names where the template puts it (``template_path``, with ``{slug}`` for the
project package), which finding code reports it missing, and how to recognise it in a project
that names things its own way. ``tests/audit/test_template_layout.py`` renders the template and
checks every ``template_path`` exists and is recognised, so this list cannot drift from the
template unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django_celery_audit.context import Project
from django_celery_audit.filefacts import FileFacts

_DIAGNOSE_WORDS = ("diagnos", "doctor", "health")


@dataclass(frozen=True)
class Piece:
    key: str
    code: str
    template_path: str
    description: str
    needs_celery: bool
    present: Callable[[Project], bool]

    def path_for(self, slug: str) -> str:
        return self.template_path.format(slug=slug)


def _selector(project: Project) -> bool:
    return any(
        f.settings_writes
        and not f.is_test
        and not f.is_settings
        and f.entry_point is None
        and not f.is_celery_app
        for f in project.files
    )


def _settings_for(env: str) -> Callable[[Project], bool]:
    def present(project: Project) -> bool:
        return any(f.is_settings and f.settings_env == env for f in project.files)

    return present


def _has_testing_settings(project: Project) -> bool:
    return any(f.is_settings and (f.settings_env == "testing" or f.is_test) for f in project.files)


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


def _diagnostics(project: Project) -> bool:
    handlers, touching = worker_handlers(project)
    return any(handler in touching for _f, _s, handler, _l in handlers)


def _diagnose_command(project: Project) -> bool:
    for facts in project.files:
        parts = facts.parts
        if len(parts) >= 3 and parts[-3:-1] == ("management", "commands"):
            stem = parts[-1][:-3].lower()
            if any(word in stem for word in _DIAGNOSE_WORDS):
                return True
    return False


EXPECTED_LAYOUT: tuple[Piece, ...] = (
    Piece(
        "selector",
        "DCA505",
        "{slug}/environment.py",
        "one selector module that maps DJANGO_ENVIRONMENT to a settings module",
        False,
        _selector,
    ),
    Piece(
        "testing-settings",
        "DCA501",
        "{slug}/settings/testing.py",
        "testing settings",
        False,
        _has_testing_settings,
    ),
    Piece(
        "production-settings",
        "DCA502",
        "{slug}/settings/production.py",
        "production settings",
        False,
        _settings_for("production"),
    ),
    Piece(
        "staging-settings",
        "DCA505",
        "{slug}/settings/staging.py",
        "staging settings",
        False,
        _settings_for("staging"),
    ),
    Piece(
        "worker-diagnostics",
        "DCA504",
        "{slug}/diagnostics.py",
        "worker diagnostics (a worker signal handler that probes the database)",
        True,
        _diagnostics,
    ),
    Piece(
        "diagnose-command",
        "DCA505",
        "{slug}/management/commands/diagnose.py",
        "a `manage.py diagnose` command",
        True,
        _diagnose_command,
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
