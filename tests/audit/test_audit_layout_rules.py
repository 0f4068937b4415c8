"""DCA501-DCA505: layout rules, against small projects."""

from __future__ import annotations

from django_celery_audit.engine import audit

from .conftest import summary

CELERY_APP = "from celery import Celery\napp = Celery('proj')\n"
BASE = "INSTALLED_APPS = []\nSECRET_KEY = 'x'\n"


def codes(findings):
    return sorted({f.code for f in findings})


def test_dca501_dca502_single_settings_file(audit_files):
    findings = audit_files({"manage.py": "", "proj/settings.py": BASE}, "DCA501", "DCA502")
    assert summary(findings) == [
        ("DCA501", "warning", "proj/settings.py", 1),
        ("DCA502", "warning", "proj/settings.py", 1),
    ]


def test_dca501_dca502_satisfied_by_any_naming(audit_files):
    files = {
        "config/settings/base.py": BASE,
        "config/settings/test.py": "from .base import *\n",
        "config/settings/prod.py": "from .base import *\n",
    }
    assert audit_files(files, "DCA501", "DCA502") == []
    files = {"settings_prod.py": BASE, "test_settings.py": BASE}
    assert audit_files(files, "DCA501", "DCA502") == []


def test_layout_rules_stay_quiet_outside_django(audit_files):
    assert audit_files({"lib/util.py": "def f():\n    return 1\n"}) == []


def test_dca503_shadowed_settings(audit_files):
    files = {
        "proj/settings.py": BASE,
        "proj/settings/__init__.py": "",
        "proj/settings/production.py": BASE,
        "proj/utils.py": "",
        "proj/utils/__init__.py": "",
    }
    assert summary(audit_files(files, "DCA503")) == [
        ("DCA503", "error", "proj/settings.py", 1),
        ("DCA503", "warning", "proj/utils.py", 1),
    ]


def test_dca503_not_fired_by_a_namespace_directory(audit_files):
    files = {"proj/settings.py": BASE, "proj/settings/readme_example.py": ""}
    assert audit_files(files, "DCA503") == []


def test_dca504_no_handlers(audit_files):
    findings = audit_files({"proj/celery.py": CELERY_APP}, "DCA504")
    assert summary(findings) == [("DCA504", "warning", "proj/celery.py", 2)]
    assert "no handler" in findings[0].message


def test_dca504_handler_that_only_logs(audit_files):
    source = CELERY_APP + (
        "from celery.signals import worker_process_init\n"
        "@worker_process_init.connect\n"
        "def hello(**kwargs):\n    print('hello')\n"
    )
    findings = audit_files({"proj/celery.py": source}, "DCA504")
    assert [f.code for f in findings] == ["DCA504"]
    assert "worker_process_init:hello" in findings[0].message


def test_dca504_decorator_handler_touching_the_database(audit_files):
    source = CELERY_APP + (
        "from celery.signals import worker_process_init\n"
        "from django.db import connection\n"
        "@worker_process_init.connect\n"
        "def probe(**kwargs):\n    connection.ensure_connection()\n"
    )
    assert audit_files({"proj/celery.py": source}, "DCA504") == []


def test_dca504_connect_call_in_another_module_through_a_helper(audit_files):
    files = {
        "proj/celery.py": CELERY_APP + "from . import checks\nchecks.install()\n",
        "proj/checks.py": (
            "from celery import signals\nfrom .probes import database_ok\n"
            "def on_setup(sender, instance, **kwargs):\n    database_ok()\n"
            "def install():\n    signals.celeryd_after_setup.connect(on_setup, weak=False)\n"
        ),
        "proj/probes.py": (
            "from django.db import connections\n"
            "def database_ok():\n    connections['default'].cursor()\n"
        ),
    }
    assert audit_files(files, "DCA504") == []


def test_dca505_lists_the_missing_pieces(audit_files):
    files = {
        "manage.py": "",
        "proj/settings/base.py": BASE,
        "proj/settings/production.py": "from .base import *\n",
        "proj/settings/testing.py": "from .base import *\n",
        "proj/celery.py": CELERY_APP,
    }
    messages = [f.message for f in audit_files(files, "DCA505")]
    assert len(messages) == 3
    assert any("selector" in m and "environment.py" in m for m in messages)
    assert any("staging settings" in m for m in messages)
    assert any("diagnose" in m for m in messages)


def test_layout_rules_quiet_on_the_template_render(template_render):
    layout_codes = {"DCA501", "DCA502", "DCA503", "DCA504", "DCA505"}
    assert codes(audit(template_render, codes=layout_codes).findings) == []
