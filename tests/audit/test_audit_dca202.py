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


def test_wildcard_with_the_projects_own_host_check_is_fine(audit_files):
    middleware = (
        "from django.core.exceptions import DisallowedHost\n\n"
        "class KnownHosts:\n    def __call__(self, request):\n"
        "        if request.get_host() not in KNOWN:\n"
        "            raise DisallowedHost(request.get_host())\n"
    )
    files = {PROD: 'ALLOWED_HOSTS = ["*"]\n', "proj/middleware.py": middleware}
    assert audit_files(files, "DCA202") == []
    # Trap: catching it is no check of one's own.
    files["proj/middleware.py"] = middleware.replace("raise DisallowedHost", "print")
    assert [f.code for f in audit_files(files, "DCA202")] == ["DCA202"]
