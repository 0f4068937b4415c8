"""A ``settings.py`` next to a ``settings/`` package is dead code: Python imports the package, and
edits to the file change nothing.

The import system prefers a package directory over a module of the same name, so ``proj.settings``
is ``proj/settings/__init__.py``. Fixes applied to ``proj/settings.py`` (as in the incident, which
patched both) never run, and readers are misled about what production loads. Any other module
shadowed the same way is reported as a warning.
"""

from __future__ import annotations

from django_celery_audit.context import Project
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA503",
    name="shadowed-settings-module",
    severity=Severity.ERROR,
    title="settings.py shadowed by a settings/ package",
    template_answer="settings is a package only (settings/__init__.py holds no logic)",
    doc=__doc__,
)


@RULE.at_project_end
def _report(project: Project) -> None:
    paths = set(project.all_paths)
    for path in sorted(paths):
        if not path.endswith(".py") or path.endswith("__init__.py"):
            continue
        package = path[:-3] + "/__init__.py"
        if package in paths:
            stem = path.rsplit("/", 1)[-1][:-3]
            settings = "settings" in stem
            project.report(
                RULE,
                path,
                1,
                f"{path} is shadowed by the package {package.rsplit('/', 1)[0]}/: Python imports "
                "the package, so nothing in this file runs",
                Severity.ERROR if settings else Severity.WARNING,
            )
