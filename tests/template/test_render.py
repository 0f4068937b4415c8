"""What the template renders, before anything is installed."""

import ast
import json
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import DEFAULT_SLUG, PYTHON_FOR_DJANGO, REPO_ROOT, in_ci, render_context
from tests.template.test_options import DEFAULTS, MATRIX

# GitHub Actions expressions (${{ ... }}) are meant to stay.
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|%\}|\{#")
TEXT_SUFFIXES = {".py", ".toml", ".md", ".txt", ".cfg", ".example", ".yml", ".yaml", ""}
ROWS = [{**DEFAULTS, **row} for row in MATRIX]


def rendered_files(project: Path) -> list[Path]:
    return [path for path in project.rglob("*") if path.is_file() and ".venv" not in path.parts]


def test_default_render_has_the_designed_layout(bake):
    project = bake()
    assert project.name == DEFAULT_SLUG
    expected = [
        "manage.py",
        "pyproject.toml",
        "README.md",
        ".env.example",
        ".gitignore",
        "Procfile",
        f"{DEFAULT_SLUG}/__init__.py",
        f"{DEFAULT_SLUG}/environment.py",
        f"{DEFAULT_SLUG}/celery.py",
        f"{DEFAULT_SLUG}/diagnostics.py",
        f"{DEFAULT_SLUG}/task_base.py",
        f"{DEFAULT_SLUG}/urls.py",
        f"{DEFAULT_SLUG}/wsgi.py",
        f"{DEFAULT_SLUG}/asgi.py",
        f"{DEFAULT_SLUG}/management/commands/diagnose.py",
        f"{DEFAULT_SLUG}/settings/__init__.py",
        *(f"{DEFAULT_SLUG}/settings/{name}.py" for name in ("base", "development", "staging")),
        *(f"{DEFAULT_SLUG}/settings/{name}.py" for name in ("production", "testing")),
        "users/models.py",
        "users/admin.py",
        "users/migrations/0001_initial.py",
        "reports/models.py",
        "reports/tasks.py",
        "reports/migrations/0001_initial.py",
        "tests/conftest.py",
    ]
    missing = [name for name in expected if not (project / name).is_file()]
    assert missing == []
    assert (project / f"{DEFAULT_SLUG}/settings/__init__.py").read_text() == ""


@pytest.mark.parametrize("row", ROWS, ids=[f"row-{number}" for number in range(len(ROWS))])
def test_no_template_syntax_is_left_and_python_compiles(cookies, row):
    """Every pair of option values (test_options' matrix), so every Jinja branch is rendered."""
    # A fresh render: the session's shared ones may have run and written files since.
    result = cookies.bake(extra_context=row, template=str(REPO_ROOT))
    assert result.exit_code == 0, result.exception
    project = Path(result.project_path)
    checked = 0
    for path in rendered_files(project):
        if path.suffix not in TEXT_SUFFIXES:
            continue
        text = path.read_text()
        assert not LEFTOVER_JINJA.search(text), f"{path}: {LEFTOVER_JINJA.search(text)}"
        if path.suffix == ".py":
            ast.parse(text, filename=str(path))
        checked += 1
    assert checked > 30


@pytest.mark.parametrize(
    ("django_version", "django_pin"),
    [("5.2", "django>=5.2,<5.3"), ("6.1", "django>=6.1,<6.2")],
)
def test_django_version_sets_pins_and_python(bake, django_version, django_pin):
    import tomllib

    pyproject = tomllib.loads((bake(django_version=django_version) / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={PYTHON_FOR_DJANGO[django_version]}"
    assert django_pin in pyproject["project"]["dependencies"]
    docs = (bake(django_version=django_version) / f"{DEFAULT_SLUG}/settings/base.py").read_text()
    assert f"docs.djangoproject.com/en/{django_version}/" in docs


def test_answers_reach_the_project(bake):
    project = bake(
        project_name='Ledger "Sync"'.replace('"', ""),
        description='Keeps "books" in sync \\ fast',
        author_name="Zoë O'Brien",
        author_email="zoe@example.org",
        timezone="Europe/Paris",
    )
    assert project.name == "ledger_sync"
    import tomllib

    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "ledger-sync"
    assert pyproject["project"]["description"] == 'Keeps "books" in sync \\ fast'
    assert pyproject["project"]["authors"] == [{"name": "Zoë O'Brien", "email": "zoe@example.org"}]
    assert 'TIME_ZONE = "Europe/Paris"' in (project / "ledger_sync/settings/base.py").read_text()


def test_env_file_holds_a_fresh_private_secret(bake, cookies):
    project = bake()
    env_text = (project / ".env").read_text()
    secret = re.search(r"^DJANGO_SECRET_KEY=(\S+)$", env_text, re.MULTILINE).group(1)
    assert len(secret) >= 50
    assert stat.S_IMODE((project / ".env").stat().st_mode) == 0o600
    assert ".env" in (project / ".gitignore").read_text().split()

    again = cookies.bake(template=str(REPO_ROOT))
    other = re.search(r"^DJANGO_SECRET_KEY=(\S+)$", (again.project_path / ".env").read_text(), re.M)
    assert other.group(1) != secret


def test_no_settings_module_sniffs_how_it_was_started(bake):
    settings_dir = bake() / DEFAULT_SLUG / "settings"
    sniffing = re.compile(r"sys\.argv|sys\.modules|PYTEST_")
    offenders = [p.name for p in settings_dir.glob("*.py") if sniffing.search(p.read_text())]
    assert offenders == []


def test_entry_points_name_no_settings_module(bake):
    project = bake()
    for name in (
        "manage.py",
        f"{DEFAULT_SLUG}/wsgi.py",
        f"{DEFAULT_SLUG}/asgi.py",
        f"{DEFAULT_SLUG}/celery.py",
    ):
        source = (project / name).read_text()
        assert "start()" in source, name
        assert "settings." not in source, name


def test_render_is_fast_and_offline(tmp_path):
    """Render in a network namespace with no interfaces up: no hook may reach the network."""
    command = [
        sys.executable,
        "-m",
        "cookiecutter",
        str(REPO_ROOT),
        "--no-input",
        "-o",
        str(tmp_path),
    ]
    unshare = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if unshare.returncode != 0:
        if in_ci():
            pytest.fail(f"unshare -n is needed to prove rendering is offline: {unshare.stderr!r}")
        pytest.skip("unshare -n needs root (or user namespaces); CI runs this as root")
    started = time.perf_counter()
    completed = subprocess.run(["unshare", "-n", *command], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / DEFAULT_SLUG / "manage.py").is_file()
    print(f"offline render, including interpreter start: {elapsed:.2f} s")


def test_cookiecutter_json_prompts_cover_every_variable():
    context = json.loads((REPO_ROOT / "cookiecutter.json").read_text())
    variables = {key for key in context if not key.startswith("_")}
    assert variables <= set(context["__prompts__"])


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
@pytest.mark.parametrize("result_backend", ["none", "redis", "django-db"])
@pytest.mark.parametrize("django_version", sorted(PYTHON_FOR_DJANGO))
def test_derived_values_follow_the_answers(broker, result_backend, django_version):
    """cookiecutter.json's one definition of each value the template files derive."""
    answers = {"broker": broker, "result_backend": result_backend, "django_version": django_version}
    context = render_context(**answers)
    assert bool(context["__uses_redis"]) == ("redis" in (broker, result_backend))
    assert context["__python_floor"] == PYTHON_FOR_DJANGO[django_version]
    assert context["__broker_name"] == {"redis": "Redis", "rabbitmq": "RabbitMQ"}[broker]


def test_beat_on_django_6_1_uses_celerys_own_scheduler(bake):
    """django-celery-beat does not support 6.1 yet: the schedule and its state stay local."""
    project = bake(django_version="6.1", use_celery_beat=True)
    import tomllib

    dependencies = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert not [dep for dep in dependencies["dependencies"] if "django-celery-beat" in dep]
    base = (project / DEFAULT_SLUG / "settings" / "base.py").read_text()
    assert 'CELERY_BEAT_SCHEDULER = "celery.beat:PersistentScheduler"' in base
    assert '"django_celery_beat",' not in base  # not an installed app
    assert (project / "tests/integration/test_beat.py").is_file()
    assert not (project / "tests/integration/test_beat_admin.py").exists()
    assert ".broker/" in (project / ".gitignore").read_text().split()
