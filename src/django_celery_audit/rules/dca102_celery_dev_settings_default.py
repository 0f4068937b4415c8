"""A Celery app module that defaults DJANGO_SETTINGS_MODULE to development settings runs production
workers on them.

``os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.development")`` only takes effect
when the variable is unset, which is exactly the deployment mistake nobody notices: the web
process gets its module from the platform while ``celery -A proj worker`` silently falls back to
development settings (a local database, eager tasks, DEBUG). The incident's celery.py did this.
Any module that instantiates ``Celery(...)`` counts, whatever its file name. The same applies to
a testing module named here.
"""

from __future__ import annotations

from django_celery_audit.classify import settings_module_env
from django_celery_audit.context import Project
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA102",
    name="celery-app-dev-settings-default",
    severity=Severity.ERROR,
    title="Celery app defaults to development settings",
    template_answer=(
        "celery.py calls environment.configure_settings(): DJANGO_ENVIRONMENT picks the module for "
        "every entry point, and a disagreeing DJANGO_SETTINGS_MODULE is an error"
    ),
    doc=__doc__,
)


@RULE.at_project_end
def _report(project: Project) -> None:
    for app in project.celery_apps:
        for write in app.settings_writes:
            env = settings_module_env(write.literal) if write.literal else None
            if env not in ("development", "testing"):
                continue
            if write.kind == "setdefault":
                message = (
                    f"the Celery app module defaults DJANGO_SETTINGS_MODULE to {env} settings "
                    f"{write.literal!r}; a worker started without the variable runs on them"
                )
            else:
                message = (
                    f"the Celery app module sets DJANGO_SETTINGS_MODULE to {env} settings "
                    f"{write.literal!r} outright; every worker runs on them"
                )
            project.report(RULE, app.path, write.line, message, column=write.column)
