"""A Celery app module that assigns ``os.environ["DJANGO_SETTINGS_MODULE"]`` outright overrides
what the deployment chose.

Web servers keep the DJANGO_SETTINGS_MODULE the platform sets; a worker that overwrites it runs
whatever the module computes instead, so web and worker can disagree without either failing.
``setdefault`` at least respects an explicit choice. (A literal development or testing module is
reported by DCA102 instead.)
"""

from __future__ import annotations

from django_celery_audit.classify import settings_module_env
from django_celery_audit.context import Project
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA103",
    name="celery-app-overrides-settings-module",
    severity=Severity.WARNING,
    title="Celery app overwrites DJANGO_SETTINGS_MODULE",
    template_answer=(
        "only environment.py writes DJANGO_SETTINGS_MODULE, after checking that any value already "
        "set agrees with DJANGO_ENVIRONMENT; the Celery app calls it"
    ),
    doc=__doc__,
)


@RULE.at_project_end
def _report(project: Project) -> None:
    for app in project.celery_apps:
        for write in app.settings_writes:
            if write.kind != "assign":
                continue
            if write.literal is not None and settings_module_env(write.literal) in (
                "development",
                "testing",
            ):
                continue  # DCA102
            shown = f" to {write.literal!r}" if write.literal else ""
            project.report(
                RULE,
                app.path,
                write.line,
                f"the Celery app module overwrites DJANGO_SETTINGS_MODULE{shown}, ignoring the "
                "value the deployment set",
                column=write.column,
            )
