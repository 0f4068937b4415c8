"""Pieces of the template's layout that a project lacks are the places where the incident's bug can
come back.

Without one selector module every entry point picks settings on its own; without staging settings
production changes are first tried in production; without a diagnose command nobody can ask a
running container which database it uses. Testing settings, production settings and worker
diagnostics are reported by DCA501, DCA502 and DCA504; this rule lists the rest.
"""

from __future__ import annotations

from django_celery_audit.context import Project
from django_celery_audit.layout import EXPECTED_LAYOUT, anchor_for, applies
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA505",
    name="layout-gap",
    severity=Severity.INFO,
    title="Missing a piece of the template's layout",
    template_answer=(
        "the template renders environment.py, settings/{base,development,staging,production,"
        "testing}.py, diagnostics.py and management/commands/diagnose.py"
    ),
    doc=__doc__,
)


@RULE.at_project_end
def _report(project: Project) -> None:
    for item in EXPECTED_LAYOUT:
        if item.code != RULE.code or not applies(item, project) or item.present(project):
            continue
        path, line = anchor_for(item, project)
        project.report(
            RULE,
            path,
            line,
            f"missing {item.description} (the template has {item.path_for('<project>')})",
        )
