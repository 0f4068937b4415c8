"""DCA201: production settings read through decouple/django-environ with defaults."""

from __future__ import annotations

import pytest

from .conftest import summary

PROD = "proj/settings/production.py"

BAD = {
    "decouple-db-name": (
        """
        from decouple import config
        DATABASES = {"default": {"NAME": config("DB_NAME", default="app"),
                                 "PORT": config("DB_PORT", default=5432)}}
        """,
        [2],
    ),
    "environ-db-url": (
        """
        import environ
        env = environ.Env()
        DATABASES = {"default": env.db("DATABASE_URL", default="sqlite:///db.sqlite3")}
        """,
        [3],
    ),
    "environ-scheme-default": (
        """
        import environ
        env = environ.Env(ALLOWED_HOSTS=(list, ["localhost"]))
        ALLOWED_HOSTS = env("ALLOWED_HOSTS")
        """,
        [3],
    ),
}

GOOD = {
    "decouple-required": """
        from decouple import config
        DATABASES = {"default": {"NAME": config("DB_NAME"), "HOST": config("DB_HOST")}}
        """,
    "os-environ": """
        import os
        DATABASES = {"default": {"NAME": os.environ["DB_NAME"]}}
        """,
    "empty-defaults-are-unset": """
        import environ
        env = environ.Env()
        DATABASES = {"default": {"NAME": env.str("DB_NAME"), "USER": env.str("DB_USER", "")}}
        ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
        """,
    "knobs-of-a-required-url": """
        import environ
        env = environ.Env()
        DATABASES = {"default": env.db("DATABASE_URL", conn_max_age=env.int("AGE", 60))}
        """,
    "port-default-is-fine": """
        from decouple import config
        DATABASES = {"default": {"NAME": config("DB_NAME"),
                                 "PORT": config("DB_PORT", default="5432")}}
        """,
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_reports_library_defaults(audit_files, case):
    source, lines = BAD[case]
    findings = audit_files({PROD: source}, "DCA201")
    assert summary(findings) == [("DCA201", "error", PROD, line) for line in lines]


@pytest.mark.parametrize("case", sorted(GOOD))
def test_clean(audit_files, case):
    assert audit_files({PROD: GOOD[case]}, "DCA201") == []


def test_only_production_like_settings(audit_files):
    source = BAD["decouple-db-name"][0]
    assert audit_files({"proj/settings/development.py": source}, "DCA201") == []
    assert [f.path for f in audit_files({"proj/settings/staging.py": source}, "DCA201")] == [
        "proj/settings/staging.py"
    ]
