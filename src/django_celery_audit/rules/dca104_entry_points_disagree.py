"""Entry points that default to different settings modules make web and worker run different
configurations.

When manage.py, wsgi.py, asgi.py and the Celery app module each name their own default, the
process that happens to start without DJANGO_SETTINGS_MODULE decides which database it talks to.
The incident's web server and worker disagreed in exactly this way. An entry point that names a
module missing from the tree, while the others name modules that are there, is left out: it
starts nothing in this project. Entry points under different manage.py folders belong to
different projects and are not compared. A Celery app that overwrites the variable outright is
DCA103's. Reported as an error when two
entry points name different modules, and as a warning when one names a module itself while
others compute theirs (so it ignores the selector the others use).
"""

from __future__ import annotations

from collections import Counter

from django_celery_audit.context import Project
from django_celery_audit.filefacts import FileFacts
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA104",
    name="entry-points-disagree",
    severity=Severity.ERROR,
    title="Entry points default to different settings modules",
    template_answer=(
        "manage.py, wsgi.py, asgi.py and celery.py all call environment.configure_settings() and "
        "name no settings module themselves"
    ),
    doc=__doc__,
)

_KIND_LABEL = {"manage": "manage.py", "wsgi": "wsgi.py", "asgi": "asgi.py"}


def _entry_points(project: Project) -> list[FileFacts]:
    apps = project.celery_apps
    return [f for f in project.files if not f.is_test and f.entry_point is not None] + [
        f for f in apps if f.entry_point is None
    ]


def _default_of(facts: FileFacts) -> tuple[str, str | None]:
    """("literal", module), ("computed", None) or ("none", None)."""
    if not facts.settings_writes:
        return "none", None
    literals = {w.literal for w in facts.settings_writes}
    if len(literals) == 1 and None not in literals:
        return "literal", literals.pop()
    return "computed", None


def _overrides(facts: FileFacts) -> bool:
    """A Celery app that overwrites the variable outright: DCA103's finding, not a selector the
    other entry points ignore."""
    return facts.is_celery_app and all(w.kind == "assign" for w in facts.settings_writes)


@RULE.at_project_end
def _report(project: Project) -> None:
    entries = _entry_points(project)
    defaults = {f.path: _default_of(f) for f in entries}
    literal = {path: value for path, (kind, value) in defaults.items() if value is not None}
    present = {path for path, value in literal.items() if project.find_module(value) is not None}
    if present:
        # An entry point naming a module that is not in the tree (a leftover wsgi.py of another
        # project) starts nothing here: it cannot disagree with the ones that do.
        literal = {path: value for path, value in literal.items() if path in present}
    by_path = {f.path: f for f in entries}
    computed = sorted(
        path
        for path, (kind, _) in defaults.items()
        if kind == "computed" and not _overrides(by_path[path])
    )
    if not literal:
        return
    # One repository may hold several projects, each with its own manage.py (backend/ and
    # docs/demo/): entry points of different projects are not rival settings.
    roots = sorted(
        (f.path.rpartition("/")[0] for f in entries if f.entry_point == "manage"),
        key=len,
        reverse=True,
    )
    projects: dict[str, dict[str, str]] = {}
    for path, value in literal.items():
        root = next((r for r in roots if not r or path.startswith(r + "/")), "")
        projects.setdefault(root, {})[path] = value
    for group in projects.values():
        _disagreements(project, group, by_path, computed if len(projects) == 1 else [])


def _disagreements(
    project: Project, literal: dict[str, str], by_path: dict[str, FileFacts], computed: list[str]
) -> None:
    if len(set(literal.values())) > 1:
        manage = [p for p in sorted(literal) if by_path[p].entry_point == "manage"]
        if manage:
            reference_path = manage[0]
        else:
            counts = Counter(literal.values())
            top = max(counts.values())
            reference_path = min(p for p, v in literal.items() if counts[v] == top)
        reference = literal[reference_path]
        for path in sorted(literal):
            value = literal[path]
            if value == reference:
                continue
            write = by_path[path].settings_writes[0]
            project.report(
                RULE,
                path,
                write.line,
                f"defaults DJANGO_SETTINGS_MODULE to {value!r} but {reference_path} defaults to "
                f"{reference!r}; a process started without the variable gets its own settings",
                column=write.column,
            )
    elif computed:
        others = ", ".join(computed[:3])
        for path in sorted(literal):
            write = by_path[path].settings_writes[0]
            project.report(
                RULE,
                path,
                write.line,
                f"names the settings module {literal[path]!r} itself while {others} compute "
                "theirs; "
                "this entry point ignores that selection",
                Severity.WARNING,
                column=write.column,
            )
