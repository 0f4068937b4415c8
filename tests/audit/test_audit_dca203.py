"""DCA203: SECRET_KEY hard-coded or defaulted in production (including inherited from base)."""

from __future__ import annotations

import pytest

from .conftest import summary

PROD = "proj/settings/production.py"

BAD = {
    "literal": 'SECRET_KEY = "django-insecure-123"\n',
    "os-default": 'import os\nSECRET_KEY = os.environ.get("SECRET_KEY", "dev")\n',
    "decouple-default": (
        'from decouple import config\nSECRET_KEY = config("SECRET_KEY", default="dev")\n'
    ),
    "generated": (
        "from django.core.management.utils import get_random_secret_key\n"
        "SECRET_KEY = get_random_secret_key()\n"
    ),
}
BAD["token-urlsafe"] = "import secrets\nSECRET_KEY = secrets.token_urlsafe(50)\n"
BAD["generated-when-unset"] = (
    "import os\nfrom django.core.management.utils import get_random_secret_key\n"
    'SECRET_KEY = os.environ.get("SECRET_KEY") or get_random_secret_key()\n'
)
GOOD = {
    # Generated once and written where the next process reads it: one key for all.
    "generated-and-persisted": (
        "from pathlib import Path\nfrom django.utils.crypto import get_random_string\n"
        'KEY_FILE = Path("/var/lib/app/secret")\n'
        "if KEY_FILE.exists():\n    SECRET_KEY = KEY_FILE.read_text()\nelse:\n"
        "    SECRET_KEY = get_random_string(50)\n    KEY_FILE.write_text(SECRET_KEY)\n"
    ),
    # Django refuses to start with an empty key: as good as required.
    "empty-default": 'import os\nSECRET_KEY = os.environ.get("SECRET_KEY", "")\n',
    # The read feeds a path, not the key: its default is not the key's.
    "read-from-a-file": (
        "import os\nfrom pathlib import Path\n"
        'DATA = Path(os.environ.get("DATA_DIR", "/srv"))\n'
        'SECRET_KEY = (DATA / "secret").read_text()\n'
    ),
    "required": 'import os\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\n',
    "decouple-required": 'from decouple import config\nSECRET_KEY = config("SECRET_KEY")\n',
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_reports_secret_in_code(audit_files, case):
    findings = audit_files({PROD: BAD[case]}, "DCA203")
    assert [(f.code, f.severity.label, f.path) for f in findings] == [("DCA203", "error", PROD)]


@pytest.mark.parametrize("case", sorted(GOOD))
def test_clean(audit_files, case):
    assert audit_files({PROD: GOOD[case]}, "DCA203") == []


def test_inherited_from_base_is_reported_at_base(audit_files):
    files = {
        "proj/settings/__init__.py": "",
        "proj/settings/base.py": 'SECRET_KEY = "django-insecure-123"\nINSTALLED_APPS = []\n',
        "proj/settings/production.py": "from .base import *\nDEBUG = False\n",
        "proj/settings/development.py": "from .base import *\n",
    }
    findings = audit_files(files, "DCA203")
    assert summary(findings) == [("DCA203", "error", "proj/settings/base.py", 1)]
    assert "proj/settings/production.py" in findings[0].message


def test_overridden_in_production_is_fine(audit_files):
    files = {
        "proj/settings/base.py": 'SECRET_KEY = "django-insecure-123"\n',
        "proj/settings/production.py": (
            'import os\nfrom proj.settings.base import *\nSECRET_KEY = os.environ["SECRET_KEY"]\n'
        ),
    }
    assert audit_files(files, "DCA203") == []


def test_base_only_used_by_development_is_fine(audit_files):
    files = {
        "proj/settings/base.py": 'SECRET_KEY = "django-insecure-123"\n',
        "proj/settings/local.py": "from .base import *\n",
    }
    assert audit_files(files, "DCA203") == []
