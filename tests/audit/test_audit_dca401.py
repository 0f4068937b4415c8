"""DCA401: eager Celery outside testing settings."""

from __future__ import annotations

import pytest

from .conftest import summary

EAGER = "CELERY_TASK_ALWAYS_EAGER = True\nINSTALLED_APPS = []\nSECRET_KEY = 'x'\n"

BAD = {
    "production": ("proj/settings/production.py", EAGER, "error"),
    "single-settings": ("proj/settings.py", "CELERY_ALWAYS_EAGER = True\n", "error"),
    "development": ("proj/settings/development.py", EAGER, "warning"),
    "app-conf": (
        "proj/celery.py",
        "from celery import Celery\napp = Celery('proj')\napp.conf.task_always_eager = True\n",
        "error",
    ),
    "conf-update": (
        "proj/celery.py",
        "from celery import Celery\napp = Celery('proj')\n"
        "app.conf.update(task_always_eager=True)\n",
        "error",
    ),
}
GOOD = {
    "testing-settings": ("proj/settings/testing.py", EAGER),
    "test-code": (
        "proj/tests/conftest.py",
        "from django.conf import settings\nsettings.CELERY_TASK_ALWAYS_EAGER = True\n",
    ),
    "off": ("proj/settings/production.py", "CELERY_TASK_ALWAYS_EAGER = False\n"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_reports_eager(audit_files, case):
    path, source, severity = BAD[case]
    findings = audit_files({path: source}, "DCA401")
    assert [(f.code, f.severity.label, f.path) for f in findings] == [("DCA401", severity, path)]


@pytest.mark.parametrize("case", sorted(GOOD))
def test_clean(audit_files, case):
    path, source = GOOD[case]
    assert audit_files({path: source}, "DCA401") == []


def test_line_of_the_assignment(audit_files):
    source = "INSTALLED_APPS = []\nSECRET_KEY = 'x'\nCELERY_TASK_ALWAYS_EAGER = True\n"
    assert summary(audit_files({"proj/settings/base.py": source}, "DCA401")) == [
        ("DCA401", "error", "proj/settings/base.py", 3)
    ]
