"""DCA102: a Celery app module that defaults DJANGO_SETTINGS_MODULE to development settings."""

from __future__ import annotations

import pytest

from .conftest import summary

BAD = {
    "setdefault-development": (
        "proj/celery.py",
        """
        import os
        from celery import Celery
        os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'proj.settings.development')
        app = Celery('proj')
        """,
        3,
    ),
    "any-file-name-local": (
        "proj/worker_app.py",
        """
        import os
        import celery
        SETTINGS = "proj.settings.local"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
        app = celery.Celery("proj")
        """,
        4,
    ),
    "assigned-dev-settings": (
        "proj/tasks_app.py",
        """
        from os import environ
        from celery import Celery
        environ["DJANGO_SETTINGS_MODULE"] = "proj.dev_settings"
        app = Celery("proj")
        """,
        3,
    ),
}

CELERY_MADE_OTHERWISE = {
    "subclass": """
        import os
        from celery import Celery
        class ProjectCelery(Celery):
            pass
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.dev")
        app = ProjectCelery("proj")
        """,
    "alias-of-the-class": """
        import os
        import celery
        App = celery.Celery
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.dev")
        app = App("proj")
        """,
    "factory-in-another-module": """
        import os
        from proj.factory import make_app
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.dev")
        app = make_app()
        """,
}
FACTORY = "from celery import Celery\n\ndef make_app():\n    return Celery('proj')\n"


@pytest.mark.parametrize("case", sorted(CELERY_MADE_OTHERWISE))
def test_celery_apps_not_spelled_celery(audit_files, case):
    files = {"proj/factory.py": FACTORY, "proj/worker.py": CELERY_MADE_OTHERWISE[case]}
    found = [(f.path, f.line) for f in audit_files(files, "DCA102")]
    assert found == [("proj/worker.py", {"subclass": 5, "alias-of-the-class": 4}.get(case, 3))]
    # Trap: the same module without the app is no Celery app at all.
    files["proj/worker.py"] = files["proj/worker.py"].rsplit("app =", 1)[0]
    del files["proj/factory.py"]
    assert audit_files(files, "DCA102") == []


GOOD = {
    "selector": (
        "proj/celery.py",
        """
        from celery import Celery
        from .environment import configure_settings
        configure_settings()
        app = Celery("proj")
        """,
    ),
    "production-default": (
        "proj/celery.py",
        """
        import os
        from celery import Celery
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
        app = Celery("proj")
        """,
    ),
    "not-a-celery-app": (
        "proj/scripts/seed.py",
        """
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.development")
        """,
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_reports_dev_default(audit_files, case):
    path, source, line = BAD[case]
    assert summary(audit_files({path: source}, "DCA102")) == [("DCA102", "error", path, line)]


@pytest.mark.parametrize("case", sorted(GOOD))
def test_clean(audit_files, case):
    path, source = GOOD[case]
    assert audit_files({path: source}, "DCA102") == []
