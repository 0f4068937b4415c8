"""The generated .pre-commit-config.yaml: valid, pinned to revisions that exist, and passing.

The ruff hooks would come from GitHub, which the tests cannot reach: their pin is checked
against uv.lock and their commands run with this repository's ruff. The audit hook names the
repository and commit the project was rendered from, so pre-commit installs and runs it for
real from a local clone of this repository, offline but for the package index.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.helpers import DEFAULT_SLUG, REPO_ROOT, clean_environment, run

TOOLS = Path(sys.executable).parent
CONFIG = ".pre-commit-config.yaml"
RUFF_REPO = "https://github.com/astral-sh/ruff-pre-commit"
AUDIT_HOOK = "django-celery-audit"
TEMPLATE_PARTS = ["cookiecutter.json", "hooks", "{{cookiecutter.project_slug}}"]
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


def audit_repo(project: Path) -> dict:
    config = yaml.safe_load((project / CONFIG).read_text())
    (repo,) = [
        repo for repo in config["repos"] if AUDIT_HOOK in [hook["id"] for hook in repo["hooks"]]
    ]
    return repo


def git(cwd: Path, *arguments: str) -> str:
    return run(["git", *arguments], cwd).stdout.strip()


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


def test_audit_hook_is_pinned_to_the_commit_the_project_was_rendered_from(bake):
    repo = audit_repo(bake())
    assert [hook["id"] for hook in repo["hooks"]] == [AUDIT_HOOK]
    assert repo["rev"] == git(REPO_ROOT, "rev-parse", "HEAD")
    origin = subprocess.run(
        ["git", "remote", "get-url", "origin"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert repo["repo"] == (origin.stdout.strip() or str(REPO_ROOT.resolve()))
    manifest = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert AUDIT_HOOK in [hook["id"] for hook in manifest]


def test_template_outside_git_keeps_the_template_repository_and_says_so(tmp_path):
    template = tmp_path / "template"
    template.mkdir()
    for part in TEMPLATE_PARTS:
        if (REPO_ROOT / part).is_dir():
            shutil.copytree(REPO_ROOT / part, template / part)
        else:
            shutil.copy2(REPO_ROOT / part, template / part)
    completed = run(
        [str(TOOLS / "cookiecutter"), str(template), "--no-input", "-o", str(tmp_path / "out")],
        tmp_path,
        {**os.environ, "GIT_CEILING_DIRECTORIES": str(tmp_path)},
    )
    context = json.loads((REPO_ROOT / "cookiecutter.json").read_text())
    repo = audit_repo(tmp_path / "out" / DEFAULT_SLUG)
    assert (repo["repo"], repo["rev"]) == (context["_template_repo"], "main")
    assert "is not a git checkout" in completed.stderr


@pytest.mark.slow
def test_pre_commit_installs_and_runs_the_audit_hook_from_a_local_clone(tmp_path):
    """As a newcomer's first commit would: pre-commit clones the pinned commit, installs it."""
    # This working tree as a repository of its own, committed as a published template is.
    clone = tmp_path / "template"
    listed = git(REPO_ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        if (REPO_ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, clone / name)
    run(["git", "init", "--quiet"], clone)
    run(["git", "add", "--all"], clone)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "template"], clone)
    # A relative path, as typed in a shell: the hook resolves it against the shell's $PWD.
    environ = clean_environment(PWD=str(tmp_path), PRE_COMMIT_HOME=str(tmp_path / "cache"))
    render = [str(TOOLS / "cookiecutter"), "template", "--no-input", "-o", "out"]
    run(render, tmp_path, environ)
    project = tmp_path / "out" / DEFAULT_SLUG
    repo = audit_repo(project)
    assert (repo["repo"], repo["rev"]) == (str(clone), git(clone, "rev-parse", "HEAD"))

    # ruff's hooks come from GitHub, out of reach here: a configuration with the audit alone.
    audit_only = tmp_path / "audit-only.yaml"
    audit_only.write_text(yaml.safe_dump({"repos": [repo]}))
    run(["git", "init", "--quiet"], project)
    run(["git", "add", "--all"], project)
    hook = [str(TOOLS / "pre-commit"), "run", "--config", str(audit_only), "--all-files", "-v"]
    completed = run(hook, project, environ, timeout=600)
    assert "No findings" in completed.stdout, completed.stdout

    # The hook fails the commit when the project breaks what the auditor guards.
    settings = project / DEFAULT_SLUG / "settings" / "production.py"
    settings.write_text(
        settings.read_text()
        + "\nimport sys\nif 'test' in sys.argv:\n"
        + "    DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3'}}\n"
    )
    run(["git", "add", "--all"], project)
    failed = subprocess.run(hook, cwd=project, env=environ, capture_output=True, text=True)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "DCA101" in failed.stdout


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_hook_passes_on_a_fresh_project(bake, variant, tmp_path):
    """Each hook's own command, as pre-commit would run it, on a just-rendered project."""
    project = bake(**variant)
    repos = hooks_by_repo(project)
    audit = {
        hook["id"]: hook
        for hook in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    }
    (audit_hook,) = audit_repo(project)["hooks"]
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
