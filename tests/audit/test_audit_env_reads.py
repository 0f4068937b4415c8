"""Environment reads however they are spelled: project helpers (one level or more, list and flag
variants), env objects imported from other modules, and constants from other modules."""

from __future__ import annotations

import pytest

from .conftest import summary

PROD = "proj/settings/production.py"
HELPERS = """
import os

def env_str(name, default=None):
    return os.environ.get(name, default)

def env_flag(name, default=False):
    return os.environ.get(name, str(default)).lower() in ("1", "true", "yes")

def env_list(name, default=""):
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]

def env_required(name):
    return os.environ[name]
"""

# (production.py, the findings it must give); helpers live in proj/envtools.py
FOUND = {
    "flag-defaults-true": ("DEBUG = env_flag('DEBUG', True)\n", [("DCA204", 2)]),
    "flag-param-default-true": (
        "def on(name, default=True):\n    return env_flag(name, default)\nDEBUG = on('DEBUG')\n",
        [("DCA204", 4)],
    ),
    "list-two-levels": ("ALLOWED_HOSTS = env_list('ALLOWED_HOSTS', '*')\n", [("DCA202", 2)]),
    "str-default": ("SECRET_KEY = env_str('SECRET_KEY', 'dev')\n", [("DCA203", 2)]),
}
# (production.py, the trap: nothing must be reported)
CLEAN = {
    "flag-defaults-false": "DEBUG = env_flag('DEBUG', False)\n",
    "list-without-wildcard": "ALLOWED_HOSTS = env_list('ALLOWED_HOSTS', 'example.com')\n",
    "required": "SECRET_KEY = env_required('SECRET_KEY')\n",
    "str-checked": (
        "SECRET_KEY = env_str('SECRET_KEY')\n"
        "if not SECRET_KEY:\n    raise SystemExit('SECRET_KEY')\n"
    ),
}
CODES = ("DCA201", "DCA202", "DCA203", "DCA204")


def _project(body: str) -> dict[str, str]:
    imports = "from proj.envtools import env_flag, env_list, env_required, env_str\n"
    return {"proj/envtools.py": HELPERS, PROD: imports + body}


@pytest.mark.parametrize("case", sorted(FOUND))
def test_helpers_in_another_module_are_env_reads(audit_files, case):
    body, expected = FOUND[case]
    found = summary(audit_files(_project(body), *CODES))
    assert [(code, line) for code, _severity, _path, line in found] == expected


@pytest.mark.parametrize("case", sorted(CLEAN))
def test_helper_traps(audit_files, case):
    assert audit_files(_project(CLEAN[case]), *CODES) == []


def test_helper_in_the_same_module(audit_files):
    source = HELPERS + "DEBUG = env_flag('DJANGO_DEBUG', 'yes')\n"
    assert summary(audit_files({PROD: source}, *CODES)) == [("DCA204", "error", PROD, 14)]


LIBRARIES = {
    "django-environ-from-base": (
        "import environ\nenv = environ.Env()\n",
        "from .base import env\nSECRET_KEY = env('DJANGO_SECRET_KEY', default='x')\n",
        "SECRET_KEY = env('DJANGO_SECRET_KEY')\n",
    ),
    "file-aware-env-star-import": (
        "import environ\nenv = environ.FileAwareEnv(DEBUG=(bool, True))\n",
        "from .base import *\nDEBUG = env('DEBUG')\n",
        "DEBUG = env.bool('DEBUG', default=False)\n",
    ),
    "environs-env": (
        "from environs import Env\nenv = Env()\nenv.read_env()\n",
        "from .base import *\nALLOWED_HOSTS = env.list('ALLOWED_HOSTS', ['*'])\n",
        "ALLOWED_HOSTS = env.list('ALLOWED_HOSTS')\n",
    ),
    "decouple-through-star-import": (
        "from decouple import config\n",
        "from .base import *\nSECRET_KEY = config('SECRET_KEY', 'fallback')\n",
        "SECRET_KEY = config('SECRET_KEY')\n",
    ),
}


@pytest.mark.parametrize("case", sorted(LIBRARIES))
def test_library_env_objects_imported_from_another_module(audit_files, case):
    base, bad, good = LIBRARIES[case]
    files = {"proj/settings/__init__.py": "", "proj/settings/base.py": base, PROD: bad}
    found = audit_files(files, *CODES)
    assert [(f.code, f.path, f.line) for f in found] == [(found[0].code, PROD, 2)]
    files[PROD] = bad.splitlines()[0] + "\n" + good
    assert audit_files(files, *CODES) == []


def test_constant_from_another_module(audit_files):
    files = {
        "proj/constants.py": "DEFAULT_KEY = 'not-secret'\nKEY_VARIABLE = 'DJANGO_SECRET_KEY'\n",
        PROD: "from proj.constants import DEFAULT_KEY\nSECRET_KEY = DEFAULT_KEY\n",
    }
    findings = audit_files(files, "DCA203")
    assert summary(findings) == [("DCA203", "error", PROD, 2)]
    assert "proj/constants.py:1" in findings[0].message
    files[PROD] = (
        "import os\nfrom proj.constants import KEY_VARIABLE\n"
        "SECRET_KEY = os.environ[KEY_VARIABLE]\n"
    )
    assert audit_files(files, "DCA203") == []


def test_alias_of_os_environ_get_from_another_module(audit_files):
    files = {
        "proj/settings/_util.py": "import os\nget_secret = os.environ.get\n",
        PROD: (
            "from django.core.management.utils import get_random_secret_key\n"
            "from ._util import get_secret\n"
            'SECRET_KEY = get_secret("DJANGO_SECRET", None) or get_random_secret_key()\n'
            'DEBUG = get_secret("DJANGO_DEBUG", "1") == "1"\n'
        ),
    }
    findings = audit_files(files, "DCA203", "DCA204")
    assert summary(findings) == [("DCA203", "error", PROD, 3), ("DCA204", "error", PROD, 4)]
    assert "generated at import time when the variable is unset" in findings[0].message


def test_env_object_shared_by_a_settings_package(audit_files):
    """One django-environ object made in base.py, imported by name and by star elsewhere."""
    files = {
        "config/settings/__init__.py": "",
        "config/settings/base.py": (
            "import environ\nenv = environ.Env()\n"
            "DEBUG = env.bool('DJANGO_DEBUG', False)\n"
            "DATABASES = {'default': env.db('DATABASE_URL')}\n"
        ),
        "config/settings/production.py": (
            "from .base import *\nfrom .base import env\n"
            "SECRET_KEY = env('DJANGO_SECRET_KEY')\n"
            "DATABASES['default']['CONN_MAX_AGE'] = env.int('CONN_MAX_AGE', default=60)\n"
            "ALLOWED_HOSTS = env.list('DJANGO_ALLOWED_HOSTS', default=['*'])\n"
        ),
        "config/settings/local.py": (
            "from .base import *\nfrom .base import env\n"
            "SECRET_KEY = env('DJANGO_SECRET_KEY', default='local-only')\nDEBUG = True\n"
        ),
    }
    found = summary(audit_files(files, *CODES))
    assert found == [("DCA202", "error", "config/settings/production.py", 5)]


@pytest.mark.parametrize(
    "importing", ["from proj import secrets", "import proj.secrets as secrets"]
)
def test_helper_called_through_its_module(audit_files, importing):
    files = {
        "proj/__init__.py": "",
        "proj/secrets.py": "import os\n\ndef get_secret(name, default=''):\n"
        "    return os.environ.get(name, default)\n",
        PROD: f"{importing}\nSECRET_KEY = secrets.get_secret('KEY', 'dev')\n"
        "DEBUG = secrets.get_secret('DEBUG', '') == '1'\n",
    }
    assert summary(audit_files(files, *CODES)) == [("DCA203", "error", PROD, 2)]
