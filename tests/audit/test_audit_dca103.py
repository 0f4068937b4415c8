"""DCA103: a Celery app module that overwrites DJANGO_SETTINGS_MODULE."""

from __future__ import annotations

from .conftest import summary

COMPUTED_ASSIGNMENT = """
import os
from celery import Celery
environment = os.environ.get("DJANGO_ENVIRONMENT", "production")
os.environ["DJANGO_SETTINGS_MODULE"] = f"proj.settings.{environment}"
app = Celery("proj")
"""


def test_outright_assignment_in_celery_app(audit_files):
    findings = audit_files({"proj/celery.py": COMPUTED_ASSIGNMENT}, "DCA103", "DCA102")
    assert summary(findings) == [("DCA103", "warning", "proj/celery.py", 4)]


def test_dev_literal_is_dca102_not_dca103(audit_files):
    source = """
        import os
        from celery import Celery
        os.environ["DJANGO_SETTINGS_MODULE"] = "proj.settings.development"
        app = Celery("proj")
    """
    assert [f.code for f in audit_files({"proj/celery.py": source}, "DCA103", "DCA102")] == [
        "DCA102"
    ]


def test_setdefault_and_selector_modules_are_fine(audit_files):
    files = {
        "proj/celery.py": COMPUTED_ASSIGNMENT.replace(
            'os.environ["DJANGO_SETTINGS_MODULE"] = ',
            'os.environ.setdefault("DJANGO_SETTINGS_MODULE", ',
        ).replace('{environment}"', '{environment}")'),
        # The template's selector assigns outright, but instantiates no Celery app.
        "proj/environment.py": (
            'import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "proj.settings.production"\n'
        ),
    }
    assert audit_files(files, "DCA103") == []
