"""The auditor against the real template: its render audits clean, its layout is the auditor's
expected layout, and a render with the incident planted is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from django_celery_audit.context import Project
from django_celery_audit.engine import audit
from django_celery_audit.layout import EXPECTED_LAYOUT
from testkit import DEFAULT_SLUG as SLUG

INCIDENT_BRANCH = """

import sys  # noqa: E402

if 'test' in sys.argv or 'pytest' in sys.modules:
    DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}}
"""
INCIDENT_CELERY = f"""import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{SLUG}.settings.development")

app = Celery("{SLUG}")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
"""


@pytest.fixture(scope="module")
def rendered(template_render) -> Path:
    assert template_render.name == SLUG
    return template_render


@pytest.fixture(scope="module")
def pieces(rendered) -> Project:
    return _pieces(rendered)


def _pieces(project: Path) -> Project:
    """Facts for the rendered project, without findings (for checking layout detectors)."""
    from django_celery_audit import engine

    facts = []
    plan = engine.Plan(set())
    for path in sorted(project.rglob("*.py")):
        rel = path.relative_to(project).as_posix()
        if "/migrations/" in f"/{rel}":
            continue
        candidate = engine.Candidate(path, rel, path.stat().st_size)
        file_facts, _ = engine.analyze_file(candidate, plan)
        facts.append(file_facts)
    return Project(facts, [f.path for f in facts])


def test_render_audits_clean(rendered):
    result = audit(rendered, jobs=1)
    assert result.findings == [], "\n".join(
        f"{f.path}:{f.line}: {f.code} {f.message}" for f in result.findings
    )
    assert result.files_audited > 10
    assert result.files_skipped == 0
    assert result.suppressed == 0


@pytest.mark.parametrize("piece", EXPECTED_LAYOUT, ids=lambda p: p.key)
def test_expected_layout_matches_the_render(rendered, pieces, piece):
    path = rendered / piece.path_for(SLUG)
    assert path.is_file(), (
        f"the layout expects {piece.path_for(SLUG)} but the template has no such file"
    )
    assert piece.present(pieces), f"{piece.key} exists but is not recognised"


def test_incident_planted_in_a_render_is_caught(rendered, tmp_path):
    project = tmp_path / SLUG
    shutil.copytree(rendered, project)
    production = project / SLUG / "settings" / "production.py"
    production.write_text(production.read_text() + INCIDENT_BRANCH)
    (project / SLUG / "celery.py").write_text(INCIDENT_CELERY)

    findings = audit(project, jobs=1).findings
    by_code = {(f.code, f.path) for f in findings}
    assert ("DCA101", f"{SLUG}/settings/production.py") in by_code
    assert ("DCA102", f"{SLUG}/celery.py") in by_code
    dca101 = next(f for f in findings if f.code == "DCA101")
    assert dca101.severity.label == "error" and "DATABASES" in dca101.message
    # Nothing else: diagnostics.py still defines its handlers, and manage.py, wsgi.py and asgi.py
    # still call the selector, so they name no module DCA104 could compare.
    assert {f.code for f in findings} == {"DCA101", "DCA102"}
