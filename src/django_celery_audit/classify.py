"""What a file is, judged from its path, its neighbours and its top-level names: test code, a
settings module (and for which environment), an entry point."""

from __future__ import annotations

import ast
import re

PRODUCTION_WORDS = frozenset({"production", "prod", "live"})
STAGING_WORDS = frozenset({"staging", "stage"})
TESTING_WORDS = frozenset({"test", "tests", "testing", "ci"})
DEVELOPMENT_WORDS = frozenset({"development", "dev", "local"})
# Folders that hold what a deployment runs: a settings module inside one is production's.
DEPLOYMENT_DIRS = frozenset(
    {"deploy", "deployment", "deployments", "docker", "k8s", "kubernetes", "heroku", "helm"}
)
TEST_DIRS = frozenset(
    {"tests", "test", "unittests", "unit_tests", "functional_tests", "integration_tests"}
)
# A folder holding one of these is a Django app, whatever it is called.
APP_MARKERS = frozenset({"models.py", "apps.py", "views.py", "admin.py"})
DJANGO_SETTING_NAMES = frozenset(
    {
        "INSTALLED_APPS",
        "DATABASES",
        "SECRET_KEY",
        "MIDDLEWARE",
        "ROOT_URLCONF",
        "WSGI_APPLICATION",
        "ASGI_APPLICATION",
        "TEMPLATES",
        "AUTH_PASSWORD_VALIDATORS",
        "ALLOWED_HOSTS",
        "CACHES",
        "STATIC_URL",
        "DEFAULT_AUTO_FIELD",
    }
)
ENTRY_POINT_FILES = {"manage.py": "manage", "wsgi.py": "wsgi", "asgi.py": "asgi"}
WORD_SPLIT = re.compile(r"[_\-.]+")


def env_of_words(words: list[str]) -> str | None:
    """Which deployment environment a module name speaks of, if any."""
    lowered = {w.lower() for w in words}
    if lowered & TESTING_WORDS:
        return "testing"
    if lowered & PRODUCTION_WORDS:
        return "production"
    if lowered & STAGING_WORDS:
        return "staging"
    if lowered & DEVELOPMENT_WORDS:
        return "development"
    return None


def settings_module_env(dotted: str) -> str | None:
    """``development`` for ``proj.settings.dev`` or ``proj.dev_settings``; None for others."""
    last = dotted.rsplit(".", 1)[-1]
    return env_of_words([w for w in WORD_SPLIT.split(last) if w != "settings"])


def app_dirs_of(paths: list[str]) -> frozenset[str]:
    """Folders (POSIX, relative) that are Django apps: they hold models.py, apps.py, views.py..."""
    found: set[str] = set()
    for rel in paths:
        folder, _, name = rel.rpartition("/")
        if name in APP_MARKERS or rel.endswith("/migrations/__init__.py"):
            found.add(folder.removesuffix("/migrations") if name == "__init__.py" else folder)
    return frozenset(found)


def is_test_dir(name: str) -> bool:
    """tests/, test/, unittests/, and any *_tests/ or tests_*/ (playwright_tests/)."""
    return name in TEST_DIRS or name.endswith("_tests") or name.startswith("tests_")


def is_test_path(parts: tuple[str, ...]) -> bool:
    """Files in test folders (see :func:`is_test_dir`), conftest.py, test_*.py, *_test.py,
    tests.py."""
    name = parts[-1]
    stem = name[:-3]
    if any(is_test_dir(p) for p in parts[:-1]):
        return True
    if "settings" in WORD_SPLIT.split(stem):
        return False  # test_settings.py may be testing *settings*: decided by its content
    return name in ("conftest.py", "tests.py") or stem.startswith("test_") or stem.endswith("_test")


def defines_tests(tree: ast.Module) -> bool:
    """Top-level ``def test_*`` or ``class Test*``: a test module, whatever else it is called."""
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name.startswith(
            "test"
        ):
            return True
        if isinstance(stmt, ast.ClassDef) and (
            stmt.name.startswith("Test") or stmt.name.endswith("Test")
        ):
            return True
    return False


def top_level_setting_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for stmt in tree.body:
        targets: list[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id in DJANGO_SETTING_NAMES:
                names.add(target.id)
    return names


def _settings_dir(name: str) -> bool:
    return name == "settings" or name.endswith("_settings") or name.startswith("settings_")


def _env_of_path(parts: tuple[str, ...]) -> str | None:
    """The environment a settings module's own name gives, else its nearest folder's
    (``settings/testing/base.py`` is testing), else a deployment folder's (production)."""
    stem = parts[-1][:-3]
    if stem != "__init__":
        env = env_of_words([w for w in WORD_SPLIT.split(stem) if w != "settings"])
        if env is not None:
            return env
    for folder in reversed(parts[:-1]):
        if is_test_dir(folder):
            continue
        env = env_of_words([w for w in WORD_SPLIT.split(folder) if w != "settings"])
        if env is not None:
            return env
        if folder.lower() in DEPLOYMENT_DIRS:
            return "production"
    return None


def classify_settings(
    parts: tuple[str, ...], tree: ast.Module | None, app_dirs: frozenset[str] = frozenset()
) -> tuple[bool, str | None]:
    """Return (is_settings, environment) for a module at ``parts`` (relative path parts).

    A module is settings when its name or package says so (``settings.py``, ``prod_settings.py``,
    ``settings/...``) or it assigns two of Django's own settings. A Django app that happens to be
    called ``*settings*`` (it has models.py, apps.py or views) is not, nor is an app's
    ``settings.py`` holding the app's own defaults, unless they assign Django's settings.
    """
    stem = parts[-1][:-3]
    dirs = parts[:-1]
    django_names = len(top_level_setting_names(tree)) if tree is not None else 0
    if django_names >= 2:
        return True, _env_of_path(parts)
    named = "settings" in WORD_SPLIT.split(stem)
    folder = "/".join(dirs)
    packages = [i for i, d in enumerate(dirs) if _settings_dir(d)]
    if packages:
        package = "/".join(dirs[: packages[-1] + 1])
        if package in app_dirs or folder in app_dirs:
            return False, None
        return True, _env_of_path(parts)
    if named and folder not in app_dirs:
        return True, _env_of_path(parts)
    return False, None


def dotted_name(parts: tuple[str, ...]) -> str:
    names = list(parts[:-1])
    stem = parts[-1][:-3]
    if stem != "__init__":
        names.append(stem)
    return ".".join(names)
