"""Whole fixture projects: the incident as it was written up, and a template-like clean project."""

from __future__ import annotations

from django_celery_audit.engine import audit

from .conftest import FIXTURES, summary


def test_incident_fixture():
    findings = audit(FIXTURES / "incident", jobs=1).findings
    got = {(code, path) for code, _sev, path, _line in summary(findings)}
    settings = "azure_advisor_reports/settings"
    expected = {
        ("DCA101", f"{settings}/production.py"),  # 'test' in sys.argv or 'pytest' in sys.modules
        ("DCA101", "azure_advisor_reports/settings.py"),
        ("DCA102", "azure_advisor_reports/celery.py"),  # setdefault(... .development)
        ("DCA104", "azure_advisor_reports/celery.py"),  # manage.py/wsgi.py say production
        ("DCA201", f"{settings}/production.py"),  # config('DB_NAME', default=...)
        ("DCA202", f"{settings}/base.py"),  # ALLOWED_HOSTS default '*', inherited
        ("DCA203", f"{settings}/base.py"),  # SECRET_KEY default, inherited
        ("DCA401", f"{settings}/development.py"),
        # layout findings land on the module production loads, not on the dead settings.py
        ("DCA501", f"{settings}/production.py"),
        ("DCA503", "azure_advisor_reports/settings.py"),
        ("DCA504", "azure_advisor_reports/celery.py"),
        ("DCA505", f"{settings}/production.py"),
        ("DCA505", "azure_advisor_reports/celery.py"),
    }
    assert got == expected
    # base.py's DEBUG default is overridden by production.py's DEBUG = False.
    assert not any(f.code == "DCA204" for f in findings)
    production = [f for f in findings if f.code == "DCA101" and f.path.endswith("production.py")]
    assert production[0].severity.label == "error"
