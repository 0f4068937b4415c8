"""DCA301: production DATABASES built from optional reads and never validated."""

from __future__ import annotations

import pytest

from .conftest import summary

PROD = "proj/settings/production.py"

UNVALIDATED = """
import os
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("DB_NAME"),
    }
}
"""

GOOD = {
    "used-only-when-set": (
        "import os\nimport dj_database_url\nDATABASES = {}\n"
        'if os.environ.get("REPLICA_URL"):\n'
        '    DATABASES["replica"] = dj_database_url.parse(os.environ.get("REPLICA_URL"))\n'
    ),
    "subscript-read": 'import os\nDATABASES = {"default": {"NAME": os.environ["DB_NAME"]}}\n',
    "checked-after": UNVALIDATED
    + 'if not DATABASES["default"].get("NAME"):\n'
    + '    raise ValueError("DATABASE configuration is missing!")\n',
    "checked-before-by-name": (
        "import os\n"
        'if not os.environ.get("DB_NAME"):\n    raise RuntimeError("DB_NAME is required")\n'
        'DATABASES = {"default": {"NAME": os.environ.get("DB_NAME")}}\n'
    ),
    "missing-list": (
        "import os\n"
        'REQUIRED = ("DATABASE_URL", "DJANGO_SECRET_KEY")\n'
        "missing = [n for n in REQUIRED if not os.environ.get(n)]\n"
        'if missing:\n    raise RuntimeError(", ".join(missing))\n'
        'DATABASES = {"default": parse(os.environ.get("DATABASE_URL"))}\n'
    ),
    "parse-required-url": (
        "import os\nimport dj_database_url\n"
        'DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}\n'
    ),
}


def test_reports_unvalidated_name(audit_files):
    assert summary(audit_files({PROD: UNVALIDATED}, "DCA301")) == [("DCA301", "warning", PROD, 5)]


def test_reports_url_through_a_local_name(audit_files):
    source = (
        "import os\nimport dj_database_url\n"
        'database_url = os.environ.get("DATABASE_URL")\n'
        'DATABASES = {"default": dj_database_url.parse(database_url)}\n'
    )
    assert summary(audit_files({PROD: source}, "DCA301")) == [("DCA301", "warning", PROD, 3)]


@pytest.mark.parametrize("case", sorted(GOOD))
def test_clean(audit_files, case):
    assert audit_files({PROD: GOOD[case]}, "DCA301") == []


def test_check_in_production_clears_database_inherited_from_base(audit_files):
    files = {
        "proj/settings/base.py": UNVALIDATED,
        PROD: (
            'from .base import *\nif not DATABASES["default"]["NAME"]:\n    raise SystemExit(1)\n'
        ),
    }
    assert audit_files(files, "DCA301") == []
    files[PROD] = "from .base import *\n"
    assert [f.path for f in audit_files(files, "DCA301")] == ["proj/settings/base.py"]
