"""The process model: production rules judge what production web and workers load, whatever the
settings files are called, and report at the assignment that wins."""

from __future__ import annotations

import pytest

from .conftest import FIXTURES, summary

PRODUCTION_CODES = ("DCA201", "DCA202", "DCA203", "DCA204", "DCA301", "DCA302")
LEGACY_SETTINGS = """
import os
import dj_database_url
SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
DEBUG = os.environ.get("DEBUG", "1") == "1"
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": dj_database_url.config(default="sqlite:///db.sqlite3")}
"""
LEGACY_FOUND = ["DCA202", "DCA203", "DCA204", "DCA302"]
MANAGE = 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "{module}")\n'


def _codes_at(findings, path):
    return sorted(f.code for f in findings if f.path == path)


def test_legacy_single_settings_project_gets_all_four_problems():
    from django_celery_audit.engine import audit

    findings = audit(FIXTURES / "legacy_single", jobs=1).findings
    got = {(f.code, f.path, f.line) for f in findings if f.code in PRODUCTION_CODES}
    assert got == {
        ("DCA203", "legacy/settings.py", 8),  # os.environ.get("SECRET_KEY", "dev-only-key")
        ("DCA204", "legacy/settings.py", 9),  # os.environ.get("DEBUG", "true") == "true"
        ("DCA202", "legacy/settings.py", 10),  # ["*"]
        ("DCA302", "legacy/settings.py", 16),  # dj_database_url.config(default="sqlite:///...")
    }
    # The app's own settings.py (notes/, next to models.py) is neither judged nor an anchor.
    assert not [f for f in findings if f.path.startswith("notes/")]
    assert {f.path for f in findings if f.code in ("DCA501", "DCA502")} == {"legacy/settings.py"}


@pytest.mark.parametrize(
    "settings_path",
    ["proj/settings.py", "proj/settings/__init__.py", "deploy/web/site_config.py"],
)
def test_whatever_production_loads_is_judged(audit_files, settings_path):
    module = settings_path[:-3].replace("/", ".").removesuffix(".__init__")
    files = {"manage.py": MANAGE.format(module=module), settings_path: LEGACY_SETTINGS}
    files[settings_path] = "INSTALLED_APPS = []\nROOT_URLCONF = 'x'\n" + LEGACY_SETTINGS
    assert _codes_at(audit_files(files, *PRODUCTION_CODES), settings_path) == LEGACY_FOUND


def test_without_entry_points_the_only_settings_module_is_production(audit_files):
    files = {"proj/settings.py": "INSTALLED_APPS = []\n" + LEGACY_SETTINGS}
    assert _codes_at(audit_files(files, *PRODUCTION_CODES), "proj/settings.py") == LEGACY_FOUND


def test_development_default_with_a_production_module_judges_production_only(audit_files):
    files = {
        "manage.py": MANAGE.format(module="proj.settings.dev"),
        "proj/settings/base.py": "INSTALLED_APPS = []\nDEBUG = False\n",
        "proj/settings/dev.py": "from .base import *\nDEBUG = True\nSECRET_KEY = 'dev'\n",
        "proj/settings/prod.py": "from .base import *\nimport os\nSECRET_KEY = os.environ['K']\n",
    }
    assert audit_files(files, *PRODUCTION_CODES) == []


def test_env_driven_choice_judges_the_modules_it_can_pick(audit_files):
    """``f"proj.settings.{ENV}"``: every non-development module under the prefix may be loaded."""
    files = {
        "manage.py": (
            "import os\nenv = os.environ.get('APP_ENV', 'local')\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', f'proj.settings.{env}')\n"
        ),
        "proj/settings/common.py": "INSTALLED_APPS = []\nALLOWED_HOSTS = ['*']\n",
        "proj/settings/local.py": "from .common import *\nDEBUG = True\n",
        "proj/settings/server.py": "from .common import *\nSECRET_KEY = 'abc'\n",
    }
    findings = audit_files(files, *PRODUCTION_CODES)
    assert summary(findings) == [
        ("DCA202", "error", "proj/settings/common.py", 2),
        ("DCA203", "error", "proj/settings/server.py", 2),
    ]
    assert "in force for proj/settings/server.py" in findings[0].message


def test_the_last_assignment_wins_and_is_the_one_reported(audit_files):
    files = {
        "proj/settings/base.py": "INSTALLED_APPS = []\nSECRET_KEY = 'insecure'\nDEBUG = True\n",
        "proj/settings/production.py": (
            "import os\nDEBUG = True\nfrom .base import *\nSECRET_KEY = os.environ['KEY']\n"
            "DEBUG = os.environ.get('DEBUG') == '1'\n"
        ),
    }
    # base.py's SECRET_KEY and both DEBUG = True are overridden later: nothing is in force.
    assert audit_files(files, *PRODUCTION_CODES) == []
    files["proj/settings/production.py"] = (
        "import os\nSECRET_KEY = os.environ['K']\nfrom .base import *\n"
    )
    findings = audit_files(files, *PRODUCTION_CODES)
    assert summary(findings) == [
        ("DCA203", "error", "proj/settings/base.py", 2),
        ("DCA204", "error", "proj/settings/base.py", 3),
    ]


def test_optional_local_overrides_are_not_production(audit_files):
    files = {
        "proj/settings/production.py": (
            "import os\nSECRET_KEY = os.environ['K']\n"
            "try:\n    from .local import *\nexcept ImportError:\n    pass\n"
        ),
        "proj/settings/local.py": "SECRET_KEY = 'dev'\nDEBUG = True\n",
    }
    assert audit_files(files, *PRODUCTION_CODES) == []


def test_explicit_name_imports_and_split_settings_include(audit_files):
    files = {
        "proj/settings/__init__.py": (
            "from split_settings.tools import include, optional\n"
            "include('components/*.py', optional('local_settings.py'))\n"
        ),
        "proj/settings/components/common.py": "INSTALLED_APPS = []\nROOT_URLCONF = 'x'\n",
        "proj/settings/components/security.py": "from proj.keys import SECRET_KEY\n",
        "proj/keys.py": "SECRET_KEY = 'hard-coded'\n",
        "manage.py": MANAGE.format(module="proj.settings"),
    }
    findings = audit_files(files, *PRODUCTION_CODES)
    assert summary(findings) == [("DCA203", "error", "proj/keys.py", 1)]
    assert "in force for proj/settings/__init__.py" in findings[0].message


@pytest.mark.parametrize(
    "path",
    ["docs/example/settings.py", "proj/settings/production_example.py", "proj/prod.sample.py"],
)
def test_demos_and_files_to_copy_are_not_production(audit_files, path):
    assert audit_files({path: "INSTALLED_APPS = []\n" + LEGACY_SETTINGS}, *PRODUCTION_CODES) == []


def test_settings_in_test_code_are_never_production(audit_files):
    files = {
        "tests/settings.py": "INSTALLED_APPS = []\n" + LEGACY_SETTINGS,
        "app/unittests/test_settings.py": "INSTALLED_APPS = []\n" + LEGACY_SETTINGS,
        "conftest.py": MANAGE.format(module="tests.settings"),
    }
    assert audit_files(files, *PRODUCTION_CODES, "DCA401", "DCA101") == []


def test_a_hostile_import_chain_ends_without_a_crash(audit_files):
    """1,200 settings modules star-importing the next: followed to a depth, never recursed out."""
    files = {f"proj/settings/m{i}.py": f"from .m{i + 1} import *\n" for i in range(1200)}
    files["proj/settings/m1200.py"] = "SECRET_KEY = 'x'\n"
    files["proj/settings/production.py"] = "from .m1190 import *\n"  # near the end: in reach
    assert summary(audit_files(files, "DCA203")) == [
        ("DCA203", "error", "proj/settings/m1200.py", 1)
    ]
    files["proj/settings/production.py"] = "from .m0 import *\n"  # past the depth: given up
    assert audit_files(files, "DCA203") == []


def test_deployment_module_copied_into_the_settings_package(audit_files):
    """docker/config.py does ``from .common import *`` because the image copies it next to
    settings/common.py: what common.py sets stays in force for it."""
    files = {
        "settings/__init__.py": "",
        "settings/common.py": "INSTALLED_APPS = []\nALLOWED_HOSTS = ['*']\nSECRET_KEY = 'dev'\n",
        "settings/local.py": "from .common import *\n",
        "docker/config.py": (
            "import os\nfrom .common import *\nSECRET_KEY = os.environ['KEY']\nROOT_URLCONF = 'u'\n"
        ),
    }
    findings = audit_files(files, *PRODUCTION_CODES)
    assert summary(findings) == [("DCA202", "error", "settings/common.py", 2)]
    assert "in force for docker/config.py" in findings[0].message
    # Trap: inside a package the relative import means that package, which has no common.py.
    files["docker/__init__.py"] = ""
    assert audit_files(files, *PRODUCTION_CODES) == []


def test_dockerfile_selection_is_production(audit_files):
    files = {
        "manage.py": MANAGE.format(module="proj.settings.common"),
        "proj/settings/common.py": "import os\nINSTALLED_APPS = []\nSECRET_KEY = os.environ['K']\n",
        "proj/settings/web.py": "from .common import *\nALLOWED_HOSTS = ['*']\n",
        # Trap: compose files mostly describe development, so they select nothing.
        "docker-compose.yml": "services:\n  web:\n    environment:\n"
        "      DJANGO_SETTINGS_MODULE: proj.settings.web\n",
    }
    assert audit_files(files, *PRODUCTION_CODES) == []
    files["docker/Dockerfile"] = "FROM python:3.12\nENV DJANGO_SETTINGS_MODULE=proj.settings.web\n"
    findings = audit_files(files, *PRODUCTION_CODES)
    assert summary(findings) == [("DCA202", "error", "proj/settings/web.py", 2)]
