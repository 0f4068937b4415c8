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
