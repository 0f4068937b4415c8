"""DCA402: a production broker that is, or falls back to, a local transport."""

from __future__ import annotations

import pytest

from .conftest import summary

PROD = "proj/settings/production.py"
BAD = {
    "literal": ('CELERY_BROKER_URL = "memory://"\n', 1),
    "default": ('import os\nCELERY_BROKER_URL = os.environ.get("BROKER", "filesystem://")\n', 2),
    "fallback-branch": (
        "import environ\nenv = environ.Env()\ntry:\n"
        '    CELERY_BROKER_URL = env("CELERY_BROKER_URL")\n'
        "except environ.ImproperlyConfigured:\n"
        '    CELERY_BROKER_URL = "sqla+sqlite:///{}".format("/tmp/db")\n',
        6,
    ),
}
GOOD = {
    "required": 'import os\nCELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]\n',
    "remote-default": (
        'import os\nCELERY_BROKER_URL = os.environ.get("BROKER", "redis://cache:6379/0")\n'
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_reports_local_transport(audit_files, case):
    source, line = BAD[case]
    assert summary(audit_files({PROD: source}, "DCA402")) == [("DCA402", "error", PROD, line)]


@pytest.mark.parametrize("case", sorted(GOOD))
def test_clean(audit_files, case):
    assert audit_files({PROD: GOOD[case]}, "DCA402") == []


def test_development_may_use_the_embedded_broker(audit_files):
    dev = 'import os\nCELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "filesystem://"\n'
    files = {"proj/settings/development.py": dev, PROD: BAD["literal"][0]}
    assert [f.path for f in audit_files(files, "DCA402")] == [PROD]
