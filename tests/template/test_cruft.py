"""cruft: a project created from an older commit of the template updates cleanly.

The template is copied into a temporary git repository with two commits: an "older" one
that lacks what the current template added (the health endpoint, the pre-commit
configuration) and has a README line it dropped, and the current template. A project is created with
``cruft create`` from the older commit, committed and edited as its owners would, then
updated with ``cruft update``. cruft re-runs the post-generation hook for both versions, so
each writes a .env with a fresh secret: the project's ``[tool.cruft] skip`` keeps that file
out of the update, or it would turn up as a rejected hunk that holds two new secrets.
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import DEFAULT_SLUG, REPO_ROOT

TOOLS = Path(sys.executable).parent
TEMPLATE_PARTS = ["cookiecutter.json", "hooks", "{{cookiecutter.project_slug}}"]
SLUG_DIR = "{{cookiecutter.project_slug}}"
# Only in the current template: the update must bring each of them in.
ADDED_LATER = [
    ".pre-commit-config.yaml",
    f"{SLUG_DIR}/health.py",
    "tests/test_health.py",
]
# Only in the older template's README: the update must take it out again.
OLDER_README_LINE = "This service was rendered from an older template."


def git(cwd: Path, *arguments: str) -> str:
    completed = subprocess.run(
        ["git", *arguments], cwd=cwd, capture_output=True, text=True, check=True
    )
    return completed.stdout


def cruft(cwd: Path, *arguments: str) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [str(TOOLS / "cruft"), *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No user cookiecutter config or git identity leaks in; nothing is written to ~."""
    config = tmp_path / "cookiecutterrc.yaml"
    config.write_text(
        f"cookiecutters_dir: {tmp_path / 'cookiecutters'}\nreplay_dir: {tmp_path / 'replay'}\n"
    )
    monkeypatch.setenv("COOKIECUTTER_CONFIG", str(config))
    for variable in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{variable}_NAME", "Template Tests")
        monkeypatch.setenv(f"GIT_{variable}_EMAIL", "tests@example.com")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    return tmp_path


@pytest.fixture
def template(isolated) -> tuple[Path, str, str]:
    """A git copy of the template: (path, older commit, current commit)."""
    repo = isolated / "template"
    for part in TEMPLATE_PARTS:
        source = REPO_ROOT / part
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".venv")
            shutil.copytree(source, repo / part, ignore=ignore)
        else:
            repo.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / part)
    git(repo, "init", "--quiet", "--initial-branch", "main")

    # The older template: what the current one added since is taken out again.
    project = repo / SLUG_DIR
    saved = {path: (project / path).read_bytes() for path in [*ADDED_LATER, "README.md"]}
    urls = project / SLUG_DIR / "urls.py"
    saved["urls"] = urls.read_bytes()
    for path in ADDED_LATER:
        (project / path).unlink()
    urls.write_text(
        "\n".join(line for line in urls.read_text().splitlines() if "health" not in line) + "\n"
    )
    readme = (project / "README.md").read_text()
    (project / "README.md").write_text(readme.replace("\n\n", f"\n\n{OLDER_README_LINE}\n\n", 1))
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "older template")
    older = git(repo, "rev-parse", "HEAD").strip()

    for path, content in saved.items():
        (urls if path == "urls" else project / path).write_bytes(content)
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--message", "current template")
    return repo, older, git(repo, "rev-parse", "HEAD").strip()


def create(template_repo: Path, commit: str, output: Path, **answers) -> Path:
    arguments = ["create", "--no-input", "--checkout", commit, "--output-dir", str(output)]
    if answers:
        arguments += ["--extra-context", json.dumps(answers)]
    cruft(output.parent, *arguments, str(template_repo))
    project = output / DEFAULT_SLUG
    git(project, "init", "--quiet", "--initial-branch", "main")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "rendered by cruft")
    return project


def untracked_or_rejected(project: Path) -> list[str]:
    status = git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    leftovers = [line for line in status if line.startswith("??")]
    leftovers += [str(p) for p in project.rglob("*") if p.suffix in (".rej", ".orig")]
    return leftovers


def tracked_files(project: Path) -> list[str]:
    return git(project, "ls-files").splitlines()


def test_update_from_an_older_commit_is_clean_and_keeps_the_env_file(template, isolated):
    repo, older, current = template
    project = create(repo, older, isolated / "out")
    env_file = project / ".env"
    env_before = env_file.read_bytes()
    assert ".env" not in tracked_files(project)
    for path in ADDED_LATER:
        assert not (project / path.replace(SLUG_DIR, DEFAULT_SLUG)).exists()
    assert OLDER_README_LINE in (project / "README.md").read_text()

    # The owners' own work: a line in the README and a module of their own.
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\nOur runbook lives in the wiki.\n")
    (project / "reports" / "exports.py").write_text('"""Exports."""\n')
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "our changes")

    assert subprocess.run([str(TOOLS / "cruft"), "check"], cwd=project).returncode != 0
    cruft(project, "update", "--skip-apply-ask")

    assert untracked_or_rejected(project) == []
    assert env_file.read_bytes() == env_before, "cruft update rewrote .env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    for path in ADDED_LATER:
        assert (project / path.replace(SLUG_DIR, DEFAULT_SLUG)).is_file(), path
    assert 'path("health/"' in (project / DEFAULT_SLUG / "urls.py").read_text()
    readme_text = readme.read_text()
    assert OLDER_README_LINE not in readme_text
    assert "Our runbook lives in the wiki." in readme_text
    assert (project / "reports" / "exports.py").is_file()
    assert json.loads((project / ".cruft.json").read_text())["commit"] == current

    # No secret reached a file git tracks, or the diff the owners will commit.
    secret = re.search(r"DJANGO_SECRET_KEY=(\S+)", env_before.decode()).group(1)
    diff = git(project, "diff", "HEAD")
    assert "DJANGO_SECRET_KEY=" not in diff
    for name in tracked_files(project):
        path = project / name
        if path.is_file():
            assert secret not in path.read_text(errors="replace"), name

    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "cruft update")
    cruft(project, "check")

    # Apart from the owners' changes, the project is now what the current template renders.
    fresh = isolated / "fresh"
    subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(repo), "--no-input", "-o", str(fresh)],
        check=True,
        capture_output=True,
    )
    fresh_project = fresh / DEFAULT_SLUG
    rendered = {str(p.relative_to(fresh_project)) for p in fresh_project.rglob("*") if p.is_file()}
    assert set(tracked_files(project)) == rendered - {".env"} | {
        "reports/exports.py",
        ".cruft.json",
    }
    for name in rendered - {".env", "README.md"}:
        assert (project / name).read_bytes() == (fresh_project / name).read_bytes(), name


def test_changing_an_answer_through_cruft_adds_and_removes_its_files(template, isolated):
    """cruft re-runs the post-generation hook: ONLY_WITH files follow the new answer."""
    repo, _, current = template
    project = create(repo, current, isolated / "out", use_github_actions="no")
    env_before = (project / ".env").read_bytes()
    docker_files = ["Dockerfile", ".dockerignore", "compose.yaml"]
    assert not (project / ".github").exists()
    assert [name for name in docker_files if (project / name).exists()] == []

    # Strings, as a person types them: "yes" must not stay a truthy string "no".
    cruft(project, "update", "--skip-apply-ask", "--variables-to-update", '{"use_docker": "yes"}')
    assert untracked_or_rejected(project) == []
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "--message", "docker")
    assert [name for name in docker_files if not (project / name).is_file()] == []
    assert not (project / ".github").exists(), "an unchanged 'no' answer came back"
    context = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    assert context["use_docker"] is True and context["use_github_actions"] is False

    cruft(project, "update", "--skip-apply-ask", "--variables-to-update", '{"use_docker": "no"}')
    assert [name for name in docker_files if (project / name).exists()] == []
    assert untracked_or_rejected(project) == []
    assert (project / ".env").read_bytes() == env_before
