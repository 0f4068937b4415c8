"""DCA302: dj_database_url.config() without a required URL in production."""

from __future__ import annotations

import pytest

PROD = "proj/settings/production.py"
HEAD = "import os\nimport dj_database_url\n"

BAD = {
    "default-fallback": (
        HEAD + 'DATABASES = {"default": dj_database_url.config(default="sqlite:///db.sqlite3")}\n',
        "error",
    ),
    "no-url": (
        HEAD + 'DATABASES = {"default": dj_database_url.config(conn_max_age=600)}\n',
        "warning",
    ),
    "subscript-form": (
        HEAD + 'DATABASES = {}\nDATABASES["default"] = dj_database_url.config()\n',
        "warning",
    ),
}
GOOD = {
    "used-only-when-set": HEAD
    + 'if os.environ.get("DATABASE_URL"):\n'
    + '    DATABASES = {"default": dj_database_url.config()}\n'
    + 'else:\n    DATABASES = {"default": {"NAME": os.environ["DB_NAME"]}}\n',
    "required-default": HEAD
    + 'DATABASES = {"default": dj_database_url.config(default=os.environ["DATABASE_URL"])}\n',
    "checked": HEAD
    + 'if "DATABASE_URL" not in os.environ:\n    raise RuntimeError("DATABASE_URL is required")\n'
    + 'DATABASES = {"default": dj_database_url.config(conn_max_age=600)}\n',
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_reports_optional_url(audit_files, case):
    source, severity = BAD[case]
    findings = audit_files({PROD: source}, "DCA302")
    assert [(f.code, f.severity.label) for f in findings] == [("DCA302", severity)]


@pytest.mark.parametrize("case", sorted(GOOD))
def test_clean(audit_files, case):
    assert audit_files({PROD: GOOD[case]}, "DCA302") == []


SQLITE = '{"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}'
SQLITE_FALLBACKS = {
    "engine-by-whether-a-variable-exists": (
        'import os\nimport dj_database_url\nif os.environ.get("DATABASE_URL"):\n'
        '    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}\n'
        f'else:\n    DATABASES = {{"default": {SQLITE}}}\n',
        6,
    ),
    "update-after-sqlite": (
        f'import dj_database_url\nDATABASES = {{"default": {SQLITE}}}\n'
        'DATABASES["default"].update(dj_database_url.config(conn_max_age=600))\n',
        2,
    ),
    "built-by-a-function": (
        "import os\nimport dj_database_url\n\ndef database():\n"
        '    url = os.environ.get("DATABASE_URL")\n    if url:\n'
        f"        return dj_database_url.parse(url)\n    return {SQLITE}\n\n"
        'DATABASES = {"default": database()}\n',
        8,
    ),
}
NOT_FALLBACKS = {
    # SQLite on purpose, with nothing else to pick: a choice, not a fallback.
    "sqlite-only": f'DATABASES = {{"default": {SQLITE}}}\n',
    # SQLite under test detection is DCA101's finding, not a second one here.
    "test-detection-branch": (
        f'import sys\nif "test" in sys.argv:\n    DATABASES = {{"default": {SQLITE}}}\n'
        'else:\n    DATABASES = {"default": {"NAME": "app"}}\n'
    ),
}


@pytest.mark.parametrize("case", sorted(SQLITE_FALLBACKS))
def test_reports_sqlite_fallback(audit_files, case):
    source, line = SQLITE_FALLBACKS[case]
    findings = audit_files({PROD: source}, "DCA302")
    assert [(f.severity.label, f.line) for f in findings] == [("error", line)]
    assert "fall back to SQLite" in findings[0].message


@pytest.mark.parametrize("case", sorted(NOT_FALLBACKS))
def test_sqlite_traps(audit_files, case):
    assert audit_files({PROD: NOT_FALLBACKS[case]}, "DCA302") == []


def test_sqlite_fallback_built_in_another_module(audit_files):
    source, _line = SQLITE_FALLBACKS["built-by-a-function"]
    builder = source.split("DATABASES =")[0]
    files = {
        "proj/dbconf.py": builder,
        PROD: 'from proj.dbconf import database\nDATABASES = {"default": database()}\n',
    }
    findings = audit_files(files, "DCA302")
    assert [(f.path, f.line) for f in findings] == [(PROD, 2)]
    assert "(from proj/dbconf.py:8)" in findings[0].message
