"""A Celery project with no worker start-up check that touches the database finds out which
database its workers use only when a task fails.

The incident's workers looked healthy until a task ran against SQLite. A handler on
``celeryd_after_setup``, ``worker_init`` or ``worker_process_init`` that logs the settings module
and probes the database turns that into a loud failure at start-up.
"""

from __future__ import annotations

from django_celery_audit.context import Project
from django_celery_audit.layout import anchor_for, applies, piece, worker_handlers
from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA504",
    name="no-worker-diagnostics",
    severity=Severity.WARNING,
    title="No worker diagnostics touching the database",
    template_answer=(
        "diagnostics.py: celeryd_after_setup logs the settings module and probes the database "
        "(stopping production workers on failure); worker_process_init re-checks each child"
    ),
    doc=__doc__,
)
PIECE = piece("worker-diagnostics")


@RULE.at_project_end
def _report(project: Project) -> None:
    if not applies(PIECE, project) or PIECE.present(project):
        return
    path, line = anchor_for(PIECE, project)
    handlers, _touching = worker_handlers(project)
    if handlers:
        names = ", ".join(
            sorted({f"{signal}:{handler}" for _f, signal, handler, _l in handlers})[:3]
        )
        detail = f"worker signal handlers ({names}) never touch the database"
    else:
        detail = "no handler on celeryd_after_setup, worker_init or worker_process_init"
    project.report(
        RULE,
        path,
        line,
        f"{detail}; a worker on the wrong database looks healthy until a task fails",
    )
