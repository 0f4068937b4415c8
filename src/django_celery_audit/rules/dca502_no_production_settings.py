"""A project without production settings configures production by environment sniffing and defaults
in shared settings.

Without a module that exists only for production, the values production needs (a real database,
DEBUG off, a secret key from the environment) have to be defaults or branches in one shared file,
and a missing variable quietly selects the development value instead of stopping the process.
"""

from __future__ import annotations

from django_celery_audit.context import Project
from django_celery_audit.layout import anchor_for, applies, piece
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA502",
    name="no-production-settings",
    severity=Severity.WARNING,
    title="No production settings module",
    template_answer=(
        "settings/production.py reads os.environ directly and raises one ImproperlyConfigured "
        "naming every missing variable"
    ),
    doc=__doc__,
)
PIECE = piece("production-settings")


@RULE.at_project_end
def _report(project: Project) -> None:
    if applies(PIECE, project) and not PIECE.present(project):
        path, line = anchor_for(PIECE, project)
        project.report(
            RULE,
            path,
            line,
            f"no production settings module (the template has {PIECE.path_for('<project>')}); "
            "production values come from defaults in shared settings",
        )
