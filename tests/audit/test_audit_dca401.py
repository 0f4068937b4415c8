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
    "computed-from-the-broker": (
        "proj/settings.py",
        "import os\nCELERY_BROKER_URL = os.environ.get('CELERY_BROKER_URL')\n"
        "CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL\n",
        "error",
    ),
    "computed-is-none": (
        "proj/settings/production.py",
        "import os\nCELERY_TASK_ALWAYS_EAGER = os.getenv('BROKER_URL') is None\n",
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
    # Class-based settings: a subclass may turn it off again (out of reach, so quiet).
    "class-attribute": (
        "proj/settings/base.py",
        "class Base:\n    CELERY_TASK_ALWAYS_EAGER = True\n    INSTALLED_APPS = []\n",
    ),
    "computed-from-a-required-url": (
        "proj/settings/production.py",
        "import os\nCELERY_TASK_ALWAYS_EAGER = not os.environ['CELERY_BROKER_URL']\n",
    ),
    "computed-in-testing": (
        "proj/settings/testing.py",
        "import os\nCELERY_TASK_ALWAYS_EAGER = not os.environ.get('CELERY_BROKER_URL')\n",
    ),
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


def test_computed_eager_names_the_variable(audit_files):
    path, source, _severity = BAD["computed-from-the-broker"]
    (finding,) = audit_files({path: source}, "DCA401")
    assert "whenever CELERY_BROKER_URL is unset" in finding.message
