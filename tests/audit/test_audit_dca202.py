"""DCA202: ALLOWED_HOSTS is or defaults to '*' in production."""

from __future__ import annotations

import pytest

from .conftest import summary

PROD = "proj/settings/prod.py"

BAD = {
    "literal": 'ALLOWED_HOSTS = ["*"]\n',
    "os-default": 'import os\nALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "*").split(",")\n',
    "decouple-default": (
        "from decouple import Csv, config\n"
        "ALLOWED_HOSTS = config('ALLOWED_HOSTS', default='*', cast=Csv())\n"
    ),
}
GOOD = {
    "required": 'import os\nALLOWED_HOSTS = os.environ["ALLOWED_HOSTS"].split(",")\n',
    "explicit-list": 'ALLOWED_HOSTS = ["api.example.com"]\n',
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_reports_wildcard(audit_files, case):
    line = 1 if case == "literal" else 2
    assert summary(audit_files({PROD: BAD[case]}, "DCA202", "DCA201")) == [
        ("DCA202", "error", PROD, line)
    ]


@pytest.mark.parametrize("case", sorted(GOOD))
def test_clean(audit_files, case):
    assert audit_files({PROD: GOOD[case]}, "DCA202") == []
