"""What counts as settings, testing settings and test code; where project-level findings land."""

from __future__ import annotations

import pytest

from .conftest import summary

DETECTION = "import sys\nif 'test' in sys.argv:\n    DATABASES = {}\n"
BASE = "INSTALLED_APPS = []\nROOT_URLCONF = 'proj.urls'\n"
LAYOUT = ("DCA501", "DCA502")
MANAGE = "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', '{}')\n"


def test_testing_package_name_makes_testing_settings(audit_files):
    files = {
        "proj/settings/base.py": BASE,
        "proj/settings/production.py": "from .base import *\n",
        "proj/settings/testing/__init__.py": "",
        "proj/settings/testing/base.py": "from ..base import *\n" + DETECTION,
    }
    # Found: nothing is missing, and test detection in testing settings is not judged.
    assert audit_files(files, "DCA101", *LAYOUT) == []
    files["proj/settings/testing/base.py"] = "from ..base import *\n"
    del files["proj/settings/testing/__init__.py"]
    files["proj/settings/qa/base.py"] = files.pop("proj/settings/testing/base.py")
    # Trap: without the package name it is ordinary settings, and testing settings are missing.
    assert [f.code for f in audit_files(files, "DCA101", *LAYOUT)] == ["DCA501"]


def test_app_package_called_settings_is_not_settings(audit_files):
    files = {
        "proj/settings.py": BASE,
        "user_settings/__init__.py": "",
        "user_settings/apps.py": "from django.apps import AppConfig\n",
        "user_settings/models.py": "DEBUG = True\n",
        "user_settings/views.py": DETECTION,
    }
    found = audit_files(files, "DCA101", "DCA401", *LAYOUT)
    assert {f.path for f in found} == {"proj/settings.py"}  # the layout findings only
    files["conf_settings/extra.py"] = files.pop("user_settings/views.py")
    del files["user_settings/apps.py"], files["user_settings/models.py"]
    # Trap: a *_settings package without app modules is settings, and its detection is reported.
    assert "DCA101" in [f.code for f in audit_files(files, "DCA101")]


@pytest.mark.parametrize("folder", ["unittests", "playwright_tests", "tests_e2e"])
def test_unittests_folder_is_test_code(audit_files, folder):
    files = {"proj/settings.py": BASE, f"{folder}/settings.py": BASE + DETECTION}
    assert audit_files(files, "DCA101") == []
    files = {"proj/settings.py": BASE, f"{folder}/pages/edit_settings_page.py": "X = 1\n"}
    assert [f.code for f in audit_files(files, "DCA501")] == ["DCA501"]
    files = {"proj/settings.py": BASE, "unittests/settings.py": BASE + DETECTION}
    files["unit/settings.py"] = files.pop("unittests/settings.py")
    assert [f.code for f in audit_files(files, "DCA101")] == ["DCA101"]


def test_test_module_named_settings_is_not_testing_settings(audit_files):
    tests = "def test_settings_load():\n    assert True\n"
    files = {"proj/settings.py": BASE, "proj/test_settings.py": tests}
    assert [f.code for f in audit_files(files, *LAYOUT)] == ["DCA501", "DCA502"]
    files["proj/test_settings.py"] = "from .settings import *\nDATABASES = {}\n"
    assert [f.code for f in audit_files(files, *LAYOUT)] == ["DCA502"]


PYTEST_CONFIGS = {
    "pytest.ini": ("[pytest]\n# tests\nDJANGO_SETTINGS_MODULE = proj.settings\n", 3),
    "pyproject.toml": ('[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "proj.settings"\n', 2),
    "setup.cfg": ("[tool:pytest]\naddopts = --ds=proj.settings -ra\n", 2),
    "tox.ini": ("[testenv]\nsetenv =\n    DJANGO_SETTINGS_MODULE=proj.settings\n", 3),
}


@pytest.mark.parametrize("config", sorted(PYTEST_CONFIGS))
def test_pytest_on_the_production_module_means_no_testing_settings(audit_files, config):
    text, line = PYTEST_CONFIGS[config]
    files = {
        "manage.py": MANAGE.format("proj.settings"),
        "proj/settings.py": BASE,
        "proj/settings_test.py": "from .settings import *\n",
        config: text,
    }
    findings = audit_files(files, "DCA501")
    assert summary(findings) == [("DCA501", "warning", config, line)]
    assert "proj.settings" in findings[0].message
    # Trap: pytest on the testing module is the template's answer.
    files[config] = text.replace("proj.settings", "proj.settings_test")
    assert audit_files(files, "DCA501") == []


def test_project_findings_land_on_what_production_loads(audit_files):
    files = {
        "manage.py": MANAGE.format("site_conf.main"),
        "accounts/models.py": "",
        "accounts/settings.py": "ACCOUNTS_PAGE = 20\nDEBUG_TOOLBAR = True\n",
        "site_conf/main.py": BASE + "SECRET_KEY = __import__('os').environ['K']\n",
    }
    assert {f.path for f in audit_files(files, *LAYOUT, "DCA505")} == {"site_conf/main.py"}
