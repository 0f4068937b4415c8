"""DCA101: settings that branch on test detection."""

from __future__ import annotations

import pytest

from .conftest import summary

SETTINGS = "proj/settings/production.py"

# Each snippet is a whole production settings module; the finding is expected on ``line``.
ERROR_CASES = {
    "argv-in": (
        """
        import sys
        if 'test' in sys.argv:
            DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3'}}
        """,
        2,
    ),
    "argv-index": (
        """
        import sys
        if len(sys.argv) > 1 and sys.argv[1] == "test":
            DATABASES = {}
        """,
        2,
    ),
    "argv-any": (
        """
        import sys
        if any("pytest" in arg for arg in sys.argv):
            CACHES = {}
        """,
        2,
    ),
    "from-sys-import": (
        """
        from sys import argv, modules
        if "test" in argv or "pytest" in modules:
            CELERY_BROKER_URL = "memory://"
        """,
        2,
    ),
    "modules-keys": (
        """
        import sys
        if "pytest" in sys.modules.keys():
            DATABASES = {}
        """,
        2,
    ),
    "modules-get": (
        """
        import sys
        if sys.modules.get("pytest"):
            DATABASES = {}
        """,
        2,
    ),
    "pytest-current-test": (
        """
        import os
        if os.environ.get("PYTEST_CURRENT_TEST"):
            DATABASES = {}
        """,
        2,
    ),
    "pytest-version-in-environ": (
        """
        import os
        if "PYTEST_VERSION" in os.environ:
            CELERY_TASK_ALWAYS_EAGER = True
        """,
        2,
    ),
    "import-alias": (
        """
        import sys as system
        if "pytest" in system.modules:
            from .testing import *
        """,
        2,
    ),
    "flag-then-branch": (
        """
        import sys
        TESTING = "pytest" in sys.modules
        DEBUG = False
        if TESTING:
            DATABASES = {}
        """,
        2,
    ),
    "flag-through-helper-function": (
        """
        import sys
        def running_tests():
            return "test" in sys.argv
        if running_tests():
            DATABASES = {}
        """,
        3,
    ),
    "conditional-expression": (
        """
        import sys
        DATABASES = SQLITE if "pytest" in sys.modules else POSTGRES
        """,
        2,
    ),
    "else-branch-counts": (
        """
        import sys
        if "test" not in sys.argv:
            DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}
        """,
        2,
    ),
    "derived-variable": (
        """
        import sys
        DATABASE_URL = "sqlite://" if "pytest" in sys.modules else "postgres://db/app"
        DATABASES = {"default": parse(DATABASE_URL)}
        """,
        2,
    ),
}

WARNING_CASES = {
    "harmless-branch": (
        """
        import sys
        if "test" in sys.argv:
            PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        """,
        2,
    ),
    "unused-flag": (
        """
        import os
        TESTING = os.getenv("PYTEST_CURRENT_TEST") is not None
        """,
        2,
    ),
    "hasattr-sys": (
        """
        import sys
        if hasattr(sys, "_called_from_test"):
            LOGGING = {}
        """,
        2,
    ),
}

CLEAN_CASES = {
    "branch-that-only-exits": """
        import sys
        if "test" in sys.argv:
            print("run the tests with pytest")
            sys.exit(1)
        """,
    "explicit-variable": """
        import os
        if os.environ.get("DJANGO_ENVIRONMENT") == "testing":
            DATABASES = {}
        """,
    "runserver-branch": """
        import sys
        if "runserver" in sys.argv:
            DEBUG_TOOLBAR = True
        """,
    "argv-without-test": """
        import sys
        SCRIPT = sys.argv[0]
        """,
    "test-string-elsewhere": """
        TEST_RUNNER = "django.test.runner.DiscoverRunner"
        NAME = "test"
        """,
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_error_when_the_branch_changes_what_matters(audit_files, case):
    source, line = ERROR_CASES[case]
    findings = audit_files({SETTINGS: source}, "DCA101")
    assert summary(findings) == [("DCA101", "error", SETTINGS, line)]


@pytest.mark.parametrize("case", sorted(WARNING_CASES))
def test_warning_otherwise(audit_files, case):
    source, line = WARNING_CASES[case]
    findings = audit_files({SETTINGS: source}, "DCA101")
    assert summary(findings) == [("DCA101", "warning", SETTINGS, line)]


@pytest.mark.parametrize("case", sorted(CLEAN_CASES))
def test_clean(audit_files, case):
    assert audit_files({SETTINGS: CLEAN_CASES[case]}, "DCA101") == []


def test_the_incident_branch_names_both_checks_once(audit_files):
    findings = audit_files(
        {
            "proj/settings.py": """
                import sys
                SECRET_KEY = "x"
                if 'test' in sys.argv or 'pytest' in sys.modules:
                    DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3'}}
                else:
                    DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}
            """
        },
        "DCA101",
    )
    assert len(findings) == 1
    assert "'test' in sys.argv" in findings[0].message
    assert "'pytest' in sys.modules" in findings[0].message
    assert "DATABASES" in findings[0].message


@pytest.mark.parametrize(
    "path",
    [
        "tests/settings_helpers.py",
        "proj/tests/test_settings_branch.py",
        "conftest.py",
        "proj/settings/testing.py",
        "proj/settings/test.py",
    ],
)
def test_test_code_and_testing_settings_are_not_checked(audit_files, path):
    source = """
        import sys
        INSTALLED_APPS = []
        SECRET_KEY = "x"
        if "pytest" in sys.modules:
            DATABASES = {}
    """
    assert audit_files({path: source}, "DCA101") == []


def test_settings_recognised_by_content_whatever_the_file_name(audit_files):
    source = """
        import sys
        INSTALLED_APPS = []
        ROOT_URLCONF = "proj.urls"
        if "pytest" in sys.modules:
            DATABASES = {}
    """
    findings = audit_files(
        {"proj/config.py": source, "proj/other.py": "import sys\nX = 'test' in sys.argv\n"},
        "DCA101",
    )
    assert summary(findings) == [("DCA101", "error", "proj/config.py", 4)]


def test_celery_app_module_switching_settings_on_argv(audit_files):
    source = """
        import os, sys
        from celery import Celery
        if "test" in sys.argv:
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.testing")
        app = Celery("proj")
    """
    findings = audit_files({"proj/worker.py": source}, "DCA101")
    assert summary(findings) == [("DCA101", "error", "proj/worker.py", 3)]
    assert "DJANGO_SETTINGS_MODULE" in findings[0].message
