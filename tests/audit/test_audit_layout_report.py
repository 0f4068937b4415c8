"""`django-celery-audit layout PATH`: the project's layout next to the template's."""

from __future__ import annotations

import json

import pytest

from django_celery_audit.cli import main
from django_celery_audit.layout import REPORT_KEYS

from .conftest import write_tree
from .test_template_layout import rendered  # noqa: F401  (the module-scoped render fixture)

LEGACY = {
    "manage.py": """
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    """,
    "shop/settings.py": """
        import os
        SECRET_KEY = os.environ.get("SECRET_KEY", "dev")
        INSTALLED_APPS = ["shop"]
        DATABASES = {}
    """,
    "shop/celery.py": """
        import os
        from celery import Celery
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
        app = Celery("shop")
    """,
    "shop/urls.py": 'from django.urls import path\nurlpatterns = [path("cart/", None)]\n',
    "shop/views.py": "def cart(request):\n    return None\n",
}


def _layout_json(capsys, root, *spelling: str) -> dict:
    assert main([*spelling[:1], str(root), *spelling[1:], "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_render_has_every_piece(rendered, capsys):  # noqa: F811
    document = _layout_json(capsys, rendered, "layout")
    pieces = {p["key"]: p for p in document["pieces"]}
    assert list(pieces) == list(REPORT_KEYS)
    missing = {k: p["instead"] for k, p in pieces.items() if p["status"] != "present"}
    assert missing == {}
    assert document["summary"] == {"present": 8, "missing": 0, "not_applicable": 0}
    where = {k: {(f["path"], f["line"]) for f in p["found"]} for k, p in pieces.items()}
    urls = (rendered / "my_service" / "urls.py").read_text().splitlines()
    health_line = next(n for n, line in enumerate(urls, start=1) if '"health/"' in line)
    assert ("my_service/urls.py", health_line) in where["health-endpoint"]
    assert any(path == "my_service/environment.py" for path, _ in where["selector"])
    assert any(path == "my_service/celery.py" for path, _ in where["celery-through-selector"])
    assert any(p == "my_service/settings/production.py" for p, _ in where["production-fail-fast"])


def test_a_legacy_project_shows_its_gaps_and_what_it_does_instead(tmp_path, capsys):
    root = write_tree(tmp_path / "shop", LEGACY)
    document = _layout_json(capsys, root, "--layout")
    status = {p["key"]: p["status"] for p in document["pieces"]}
    assert status == {key: "missing" for key in REPORT_KEYS}
    instead = {p["key"]: p["instead"] for p in document["pieces"]}
    assert "manage.py:2 setdefault DJANGO_SETTINGS_MODULE to 'shop.settings'" in instead["selector"]
    assert "shop/celery.py:3" in instead["selector"]
    assert "one settings module for every deployment: shop/settings.py" in instead["settings-split"]
    assert "shop/celery.py:3" in instead["celery-through-selector"]
    assert "no worker signal handler" in instead["worker-diagnostics"]
    assert "no health route" in instead["health-endpoint"]


def test_partial_layout_finds_each_piece_where_the_project_put_it(tmp_path, capsys):
    files = dict(LEGACY)
    files["shop/settings.py"] = 'INSTALLED_APPS = []\nSECRET_KEY = ""\n'
    files["shop/settings/__init__.py"] = ""
    files.pop("shop/settings.py")
    files.update(
        {
            "shop/settings/common.py": "INSTALLED_APPS = []\nSECRET_KEY = ''\n",
            "shop/settings/prod.py": """
                import os
                from .common import *
                SECRET_KEY = os.environ["SECRET_KEY"]
            """,
            "shop/settings/ci.py": "from .common import *\n",
            "shop/urls.py": 'from django.urls import path\nurlpatterns = [path("healthz", None)]\n',
            "shop/ops/management/commands/doctor.py": "def handle():\n    pass\n",
        }
    )
    root = write_tree(tmp_path / "shop", files)
    pieces = {p["key"]: p for p in _layout_json(capsys, root, "layout")["pieces"]}
    found = {k: [(f["path"], f["line"]) for f in p["found"]] for k, p in pieces.items()}
    assert found["settings-split"][0][0] == "shop/settings/__init__.py"
    assert ("shop/settings/ci.py", 1) in found["testing-settings"]
    assert found["production-fail-fast"] == [("shop/settings/prod.py", 3)]
    assert found["health-endpoint"] == [("shop/urls.py", 2)]
    assert found["diagnose-command"] == [("shop/ops/management/commands/doctor.py", 1)]
    assert pieces["selector"]["status"] == "missing"


def test_text_report_lines_up_template_and_project(tmp_path, capsys):
    root = write_tree(tmp_path / "shop", LEGACY)
    assert main(["layout", str(root)]) == 0
    out = capsys.readouterr().out
    assert "piece" in out and "template" in out and "this project" in out
    assert "<project>/environment.py" in out
    assert "MISSING: each entry point chooses for itself" in out
    assert out.rstrip().endswith("0 of 8 pieces present, 8 missing.")


def test_without_celery_the_celery_pieces_do_not_apply(tmp_path, capsys):
    files = {k: v for k, v in LEGACY.items() if k != "shop/celery.py"}
    root = write_tree(tmp_path / "shop", files)
    pieces = {p["key"]: p["status"] for p in _layout_json(capsys, root, "layout")["pieces"]}
    assert pieces["celery-through-selector"] == "not applicable"
    assert pieces["worker-diagnostics"] == "not applicable"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["layout", "{root}/shop/views.py"], "needs a project directory"),
        (["--layout", "{root}", "--format", "sarif"], "text or json"),
    ],
)
def test_layout_usage_errors(tmp_path, capsys, args, message):
    write_tree(tmp_path / "shop", LEGACY)
    assert main([a.format(root=tmp_path / "shop") for a in args]) == 2
    assert message in capsys.readouterr().err


def test_look_alikes_are_not_pieces(tmp_path, capsys):
    """Traps seen in real projects: each names a piece's word without being the piece."""
    files = dict(LEGACY)
    files.pop("shop/settings.py")
    files.update(
        {
            "shop/settings/__init__.py": "",
            "shop/settings/base.py": "INSTALLED_APPS = []\nSECRET_KEY = ''\n",
            "shop/settings/production.py": """
                import os
                from .base import *
                if os.environ.get("MAIL"):
                    EMAIL = os.environ["MAIL"]  # read only when set: no fail-fast
                try:
                    BROKER = os.environ["BROKER"]
                except KeyError:  # caught: no fail-fast either
                    BROKER = "memory://"
            """,
            # a docs build and a script set the variable for themselves: not a selector
            "docs/conf.py": "import os\nos.environ['DJANGO_SETTINGS_MODULE'] = 'shop.settings'\n",
            "scripts/load.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'x')\n",
            # a data check and routes that merely contain the letters
            "shop/management/commands/exercises-health-check.py": "def handle():\n    pass\n",
            "shop/urls.py": """
                from django.urls import path, re_path
                urlpatterns = [path("weight/", None), re_path(r"^readyforl10n/(?P<id>\\d+)$", None)]
            """,
            # a page object for browser tests, named like settings
            "tests/pages/edit_settings_page.py": "TITLE = 'Edit settings'\n",
        }
    )
    root = write_tree(tmp_path / "shop", files)
    pieces = {p["key"]: p for p in _layout_json(capsys, root, "layout")["pieces"]}
    for key in (
        "selector",
        "production-fail-fast",
        "diagnose-command",
        "health-endpoint",
        "testing-settings",
    ):
        assert pieces[key]["status"] == "missing", (key, pieces[key]["found"])


def test_class_based_testing_settings_count(tmp_path, capsys):
    files = dict(LEGACY)
    files.pop("shop/settings.py")
    files.update(
        {
            "shop/settings/__init__.py": "",
            "shop/settings/base.py": "class Base:\n    DEBUG = False\n",
            "shop/settings/test.py": "from .base import Base\n\n\nclass T(Base):\n    X = 1\n",
        }
    )
    root = write_tree(tmp_path / "shop", files)
    pieces = {p["key"]: p for p in _layout_json(capsys, root, "layout")["pieces"]}
    assert [f["path"] for f in pieces["testing-settings"]["found"]] == ["shop/settings/test.py"]
