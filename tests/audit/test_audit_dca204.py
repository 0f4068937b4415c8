"""DCA204: DEBUG is or defaults to True in production."""

from __future__ import annotations

import pytest

PROD = "proj/settings/live.py"

BAD = {
    "literal": "DEBUG = True\n",
    "decouple": "from decouple import config\nDEBUG = config('DEBUG', default=True, cast=bool)\n",
    "os-string": 'import os\nDEBUG = os.environ.get("DEBUG", "True") == "True"\n',
    "environ-scheme": (
        "import environ\nenv = environ.Env(DEBUG=(bool, True))\nDEBUG = env('DEBUG')\n"
    ),
}
GOOD = {
    "literal": "DEBUG = False\n",
    "decouple": "from decouple import config\nDEBUG = config('DEBUG', default=False, cast=bool)\n",
    "os-string": 'import os\nDEBUG = os.environ.get("DEBUG", "0") == "1"\n',
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_reports_debug_true(audit_files, case):
    assert [f.code for f in audit_files({PROD: BAD[case]}, "DCA204")] == ["DCA204"]


@pytest.mark.parametrize("case", sorted(GOOD))
def test_clean(audit_files, case):
    assert audit_files({PROD: GOOD[case]}, "DCA204") == []


def test_inherited_debug_true(audit_files):
    files = {"proj/settings/base.py": "DEBUG = True\n", PROD: "from .base import *\n"}
    assert [f.path for f in audit_files(files, "DCA204")] == ["proj/settings/base.py"]
