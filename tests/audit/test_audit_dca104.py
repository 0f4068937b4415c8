"""DCA104: entry points that default to different settings modules."""

from __future__ import annotations

from .conftest import summary

MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.{env}")\n'
WSGI = MANAGE + "application = None\n"
CELERY = (
    "import os\nfrom celery import Celery\n"
    'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.{env}")\napp = Celery("proj")\n'
)
COMPUTED = (
    "import os\nfrom celery import Celery\n"
    'env = os.environ.get("DJANGO_ENVIRONMENT", "production")\n'
    'os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"proj.settings.{env}")\n'
    'app = Celery("proj")\n'
)
SELECTOR_CALL = "from proj.environment import configure_settings\nconfigure_settings()\n"


def test_different_literals_are_an_error_against_manage_py(audit_files):
    files = {
        "manage.py": MANAGE.format(env="production"),
        "proj/wsgi.py": WSGI.format(env="production"),
        "proj/celery.py": CELERY.format(env="staging"),
    }
    assert summary(audit_files(files, "DCA104")) == [("DCA104", "error", "proj/celery.py", 3)]


def test_literal_next_to_computed_is_a_warning(audit_files):
    files = {"manage.py": MANAGE.format(env="production"), "proj/celery.py": COMPUTED}
    assert summary(audit_files(files, "DCA104")) == [("DCA104", "warning", "manage.py", 2)]


def test_same_literal_everywhere_is_fine(audit_files):
    files = {
        "manage.py": MANAGE.format(env="production"),
        "proj/asgi.py": WSGI.format(env="production"),
        "proj/celery.py": CELERY.format(env="production"),
    }
    assert audit_files(files, "DCA104") == []


def test_all_calling_the_selector_is_fine(audit_files):
    files = {
        "manage.py": SELECTOR_CALL,
        "proj/wsgi.py": SELECTOR_CALL,
        "proj/celery.py": SELECTOR_CALL + 'from celery import Celery\napp = Celery("proj")\n',
    }
    assert audit_files(files, "DCA104") == []


def test_entry_point_naming_a_module_missing_from_the_tree_is_left_out(audit_files):
    files = {
        "manage.py": MANAGE.format(env="prod"),
        "proj/settings/prod.py": "INSTALLED_APPS = []\n",
        "legacy/main/wsgi.py": WSGI.replace("proj.settings", "legacy.settings").format(env="prod"),
    }
    assert audit_files(files, "DCA104") == []
    # Trap: once the other module is in the tree, the two entry points really disagree.
    files["legacy/settings/prod.py"] = "INSTALLED_APPS = []\n"
    assert summary(audit_files(files, "DCA104")) == [("DCA104", "error", "legacy/main/wsgi.py", 2)]


def test_a_celery_app_overwriting_the_variable_is_dca103s(audit_files):
    overwrite = (
        "import os\nfrom celery import Celery\n"
        "if os.environ.get('DJANGO_SETTINGS_MODULE') in (None, 'proj.settings.prod'):\n"
        "    os.environ['DJANGO_SETTINGS_MODULE'] = f'{__package__}.settings.prod_worker'\n"
        "app = Celery('proj')\n"
    )
    files = {"manage.py": MANAGE.format(env="prod"), "proj/celery.py": overwrite}
    assert audit_files(files, "DCA104") == []
    assert [f.code for f in audit_files(files, "DCA103")] == ["DCA103"]


def test_projects_side_by_side_do_not_disagree(audit_files):
    files = {
        "manage.py": MANAGE.format(env="production"),
        "proj/settings/production.py": "INSTALLED_APPS = []\n",
        "demo/manage.py": MANAGE.replace("proj.settings", "demo_site.settings").format(env="dev"),
        "demo/demo_site/settings/dev.py": "INSTALLED_APPS = []\n",
        "demo/demo_site/wsgi.py": WSGI.replace("proj.settings", "demo_site.settings").format(
            env="dev"
        ),
    }
    assert audit_files(files, "DCA104") == []
    # Trap: inside one of them, a disagreeing entry point is still reported.
    files["demo/demo_site/celery.py"] = CELERY.replace("proj.settings", "demo_site.settings")
    files["demo/demo_site/celery.py"] = files["demo/demo_site/celery.py"].format(env="prod")
    files["demo/demo_site/settings/prod.py"] = "INSTALLED_APPS = []\n"
    found = summary(audit_files(files, "DCA104"))
    assert found == [("DCA104", "error", "demo/demo_site/celery.py", 3)]
