"""The byte-level pre-filter changes how fast the audit is, never what it finds."""

from __future__ import annotations

import importlib.util

import pytest

from django_celery_audit.context import Project
from django_celery_audit.engine import audit

from .conftest import FIXTURES, REPO_ROOT, write_tree
from .test_template_layout import rendered  # noqa: F401  (the module-scoped render fixture)


def _findings(root, prefilter_files):
    result = audit(root, jobs=1, prefilter_files=prefilter_files)
    # DCA001 (cannot parse) is only claimed for files a rule could care about: a broken file
    # that no rule reads is not a gap in the audit.
    return [f for f in result.findings if f.code != "DCA001"], result


@pytest.mark.parametrize(
    "fixture", sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()), ids=str
)
def test_fixtures_give_the_same_findings_with_and_without(fixture):
    with_filter, result = _findings(FIXTURES / fixture, True)
    without, plain = _findings(FIXTURES / fixture, False)
    assert with_filter == without
    assert result.files_audited == plain.files_audited


def test_the_render_gives_the_same_findings_with_and_without(rendered):  # noqa: F811
    assert _findings(rendered, True)[0] == _findings(rendered, False)[0]


def test_a_generated_real_shaped_project_gives_the_same_findings(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "audit_benchmark", REPO_ROOT / "benchmarks" / "audit_benchmark.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.generate_project(tmp_path / "p", 300)
    with_filter, _ = _findings(tmp_path / "p", True)
    assert with_filter, "the generated project plants findings; none were found"
    assert with_filter == _findings(tmp_path / "p", False)[0]


def _parsed(root) -> set[str]:
    seen: list[Project] = []
    audit(root, jobs=1, on_project=seen.append)
    return {f.path for f in seen[0].files}


def test_modules_that_settings_import_are_parsed_and_the_rest_are_not(tmp_path):
    root = write_tree(
        tmp_path / "p",
        {
            "manage.py": """
                import os
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "p.settings")
            """,
            "p/settings.py": """
                from p.conf.constants import FALLBACK_KEY
                from .envtools import flag
                SECRET_KEY = FALLBACK_KEY
                DEBUG = flag("DEBUG", True)
            """,
            "p/conf/constants.py": "from p.conf.defaults import *\n",
            "p/conf/defaults.py": "FALLBACK_KEY = 'dev'\n",
            "p/envtools.py": "def flag(name, default):\n    return default\n",
            "shop/views.py": "def index(request):\n    return None\n",
            "shop/models.py": "from p.conf.constants import FALLBACK_KEY\n",
        },
    )
    parsed = _parsed(root)
    assert {
        "p/settings.py",
        "p/conf/constants.py",
        "p/conf/defaults.py",  # two imports away, through a star import
        "p/envtools.py",
    } <= parsed
    assert not parsed & {"shop/views.py", "shop/models.py"}


def test_a_worker_handler_calling_a_probe_elsewhere_finds_it(tmp_path):
    root = write_tree(
        tmp_path / "p",
        {
            "p/settings/production.py": "INSTALLED_APPS = []\nSECRET_KEY = ''\n",
            "p/celery.py": """
                from celery import Celery
                from celery.signals import worker_init
                from p.checks import startup_check
                app = Celery("p")
                worker_init.connect(startup_check)
            """,
            "p/checks.py": "from p.probes import ping\n\ndef startup_check(**kw):\n    ping()\n",
            "p/probes.py": """
                from django.db import connection
                def ping():
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT 1")
            """,
        },
    )
    assert {"p/checks.py", "p/probes.py"} <= _parsed(root)
    assert not [f for f in audit(root, codes={"DCA504"}, jobs=1).findings]


def test_test_code_is_parsed_only_where_it_chooses_or_is_settings(tmp_path):
    root = write_tree(
        tmp_path / "p",
        {
            "p/settings.py": "INSTALLED_APPS = []\nSECRET_KEY = ''\n",
            "conftest.py": "import os\nos.environ['DJANGO_SETTINGS_MODULE'] = 'p.settings'\n",
            "tests/ci_conf.py": "from p.settings import *\nDATABASES = {}\n",
            "tests/test_cache.py": """
                from django.test import override_settings
                @override_settings(
                    CACHES={"default": {}},
                )
                def test_celery_mock():
                    app = Celery("x")  # test code never counts as a Celery app
            """,
            "app/views.py": "def view():\n    return override(\n        CACHES={},\n    )\n",
        },
    )
    parsed = _parsed(root)
    assert {"p/settings.py", "conftest.py", "tests/ci_conf.py"} <= parsed
    assert not parsed & {"tests/test_cache.py", "app/views.py"}
