"""The generated .pre-commit-config.yaml: valid, pinned consistently, and its hooks pass.

pre-commit would clone the hook repositories from GitHub, which the tests cannot reach, so
the configuration is checked with ``pre-commit validate-config`` and by assertion, and each
hook's own command runs on a freshly rendered project with the tools of this repository:
a fresh project must not be blocked by its own first commit.
"""

import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO_ROOT, run

TOOLS = Path(sys.executable).parent
CONFIG = ".pre-commit-config.yaml"
RUFF_REPO = "https://github.com/astral-sh/ruff-pre-commit"
TEMPLATE_REPO = "https://github.com/org/django-celery-template"
VARIANTS = [
    pytest.param({}, id="defaults"),
    pytest.param(
        {"use_docker": True, "broker": "rabbitmq", "result_backend": "redis"},
        id="docker+rabbitmq",
    ),
    pytest.param(
        {"use_celery_beat": True, "result_backend": "django-db", "use_github_actions": False},
        id="beat+django-db",
    ),
]


def hooks_by_repo(project: Path) -> dict[str, dict]:
    config = yaml.safe_load((project / CONFIG).read_text())
    return {repo["repo"]: repo for repo in config["repos"]}


def locked_version(package: str) -> str:
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    (entry,) = [entry for entry in lock["package"] if entry["name"] == package]
    return entry["version"]


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.removeprefix("v").split("."))


@pytest.mark.parametrize("variant", VARIANTS)
def test_config_is_valid_for_pre_commit(bake, variant):
    project = bake(**variant)
    completed = subprocess.run(
        [str(TOOLS / "pre-commit"), "validate-config", CONFIG],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_ruff_hooks_are_the_ruff_that_proves_the_template_clean(bake):
    project = bake()
    ruff = hooks_by_repo(project)[RUFF_REPO]
    assert [hook["id"] for hook in ruff["hooks"]] == ["ruff-check", "ruff-format"]
    # The template's tests lint every rendered project with the ruff in uv.lock.
    assert ruff["rev"] == f"v{locked_version('ruff')}"
    dev = tomllib.loads((project / "pyproject.toml").read_text())["dependency-groups"]["dev"]
    (floor,) = [spec.split(">=")[1] for spec in dev if spec.startswith("ruff>=")]
    assert version_tuple(ruff["rev"]) >= version_tuple(floor)


def test_audit_hook_is_this_repositorys_at_its_release(bake):
    template = hooks_by_repo(bake())[TEMPLATE_REPO]
    assert [hook["id"] for hook in template["hooks"]] == ["django-celery-audit"]
    version = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]
    # Bump both together: a project names the release it was rendered from.
    assert template["rev"] == f"v{version}"
    manifest = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert "django-celery-audit" in [hook["id"] for hook in manifest]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_hook_passes_on_a_fresh_project(bake, variant, tmp_path):
    """Each hook's own command, as pre-commit would run it, on a just-rendered project."""
    project = bake(**variant)
    repos = hooks_by_repo(project)
    audit = {
        hook["id"]: hook
        for hook in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    }
    (audit_hook,) = repos[TEMPLATE_REPO]["hooks"]
    entry = shlex.split(audit[audit_hook["id"]]["entry"])
    command = [str(TOOLS / entry[0]), *entry[1:], *audit_hook.get("args", []), "--fail-on", "info"]
    completed = run(command, project)
    assert "No findings" in completed.stdout

    ruff_args = {hook["id"]: hook.get("args", []) for hook in repos[RUFF_REPO]["hooks"]}
    cache = ["--cache-dir", str(tmp_path / "ruff-cache")]
    # --fix must find nothing to fix: check without it, so a change would fail the test.
    assert ruff_args["ruff-check"] == ["--fix"]
    run([str(TOOLS / "ruff"), "check", *cache, "."], project)
    run([str(TOOLS / "ruff"), "format", "--check", *cache, "."], project)
