"""A project without testing settings decides "am I under test?" at run time, which is how test
detection ends up in production settings.

When tests share the production or default settings module, the only way to give them SQLite and
eager tasks is to sniff ``sys.argv`` or ``sys.modules``: the incident's bug. A dedicated testing
module, selected explicitly by the test runner, removes the need. A pytest configuration
(pytest.ini, pyproject.toml, setup.cfg, tox.ini) that points pytest-django at the module production
loads counts as having none, whatever else the project holds.
"""

from __future__ import annotations

from django_celery_audit.context import Project
from django_celery_audit.layout import anchor_for, applies, piece
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA501",
    name="no-testing-settings",
    severity=Severity.WARNING,
    title="No testing settings module",
    template_answer=(
        "settings/testing.py (SQLite in memory, eager Celery that propagates errors), selected by "
        "DJANGO_ENVIRONMENT=testing in the pytest configuration"
    ),
    doc=__doc__,
)
PIECE = piece("testing-settings")


@RULE.at_project_end
def _report(project: Project) -> None:
    if not applies(PIECE, project):
        return
    chosen = project.processes.tests_on_production()
    if chosen is not None:
        project.report(
            RULE,
            chosen.path,
            chosen.line,
            f"tests run on {chosen.module}, the settings production loads: there are no testing "
            "settings, so tests share, or sniff their way out of, the real ones",
            column=chosen.column,
        )
    elif not PIECE.present(project):
        path, line = anchor_for(PIECE, project)
        project.report(
            RULE,
            path,
            line,
            f"no testing settings module (the template has {PIECE.path_for('<project>')}); tests "
            "end up sharing, or sniffing their way out of, the real settings",
        )
