"""Finish the rendered project, offline: drop files of options not chosen, write .env.

Options that add whole files are listed in ONLY_WITH and removed here when not chosen, so
the template's Python files need no Jinja conditionals for them. cruft runs this hook again
on every update, so it never replaces what a project already has.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

# Rendered by cookiecutter: a JSON string literal, which is also a Python string literal.
ANSWERS = json.loads({{ cookiecutter | tojson | tojson }})  # fmt: skip
PROJECT = Path.cwd()
PACKAGE = ANSWERS["project_slug"]

# Paths (relative to the project) that belong to one option value.
ONLY_WITH: dict[tuple[str, object], list[str]] = {
    ("use_docker", True): ["Dockerfile", ".dockerignore", "compose.yaml", "k8s"],
    ("use_github_actions", True): [".github"],
    ("use_celery_beat", True): [
        "tests/integration/test_beat.py",
        "tests/integration/periodic.py",
        "k8s/beat.yaml",
    ],
    ("__beat_scheduler", "database"): ["tests/integration/test_beat_admin.py"],
    ("result_backend", "redis"): ["tests/integration/test_results_redis.py"],
    ("result_backend", "django-db"): ["tests/integration/test_results_django_db.py"],
    ("log_format", "json"): [
        f"{PACKAGE}/logs.py",
        "gunicorn.conf.py",
        "tests/test_logs.py",
        "tests/integration/test_json_logs.py",
    ],
    ("use_sentry", True): [
        f"{PACKAGE}/sentry.py",
        "tests/test_sentry.py",
        "tests/integration/test_sentry.py",
        "tests/integration/raising_wsgi.py",
    ],
    ("use_flower", True): [
        "flowerconfig.py",
        f"{PACKAGE}/flower_access.py",
        "tests/test_flower_access.py",
        "tests/integration/test_flower.py",
    ],
}


def unchosen_paths(answers: dict) -> list[str]:
    return [
        path
        for (option, value), paths in ONLY_WITH.items()
        if answers[option] != value
        for path in paths
    ]


def remove(relative: str) -> None:
    path = PROJECT / relative
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def write_env_file() -> None:
    """Give this checkout its own development secret; never replace an existing .env."""
    env_file = PROJECT / ".env"
    if env_file.exists():
        return
    # token_urlsafe: letters, digits, - and _, so nothing needs quoting in .env.
    env_file.write_text(
        "# Development only, and git-ignored. Production reads the real environment.\n"
        f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}\n"
    )
    env_file.chmod(0o600)


# cookiecutter's abbreviations for template repositories.
ABBREVIATIONS = {
    "gh:": "https://github.com/",
    "gl:": "https://gitlab.com/",
    "bb:": "https://bitbucket.org/",
}
REMOTE = re.compile(r"^(https?://|ssh://|git@|git\+)")


def git(checkout: Path, *arguments: str) -> str | None:
    """A one-line answer from git about ``checkout``, or None. Local only: no network."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(checkout), *arguments],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:  # no git on this machine
        return None
    if completed.returncode != 0:
        return None
    return completed.stdout.strip() or None


def template_source(answers: dict) -> tuple[str, str] | None:
    """The repository this project was rendered from and its commit, where both are known.

    cookiecutter names the template as it was given (``gh:owner/name``, a URL or a path,
    relative to where cookiecutter ran, which this hook does not run in); cruft also gives
    the commit. A local checkout stands for its ``origin`` when it has one.
    """
    given = answers.get("_template") or ""
    for abbreviation, prefix in ABBREVIATIONS.items():
        if given.startswith(abbreviation):
            given = prefix + given.removeprefix(abbreviation)
    remote = given.removeprefix("git+") if REMOTE.match(given) else None
    checkout = Path(answers.get("_repo_dir") or given).expanduser()
    if not checkout.is_absolute():
        checkout = Path(os.environ.get("PWD", "/nonexistent")) / checkout
    commit = answers.get("_commit") or git(checkout, "rev-parse", "HEAD")
    if remote is None and commit:
        remote = git(checkout, "remote", "get-url", "origin") or str(checkout.resolve())
    return (remote, commit) if remote and commit else None


def pin_audit_hook(answers: dict) -> None:
    """Point the audit hook at the repository and commit this project was rendered from."""
    config = PROJECT / ".pre-commit-config.yaml"
    if not config.exists():  # an older template, re-rendered by `cruft update`
        return
    placeholder = f"  - repo: {answers['_template_repo']}\n    rev: main\n"
    source = template_source(answers)
    if source is None:
        print(
            "note: the template is not a git checkout, so .pre-commit-config.yaml runs "
            f"django-celery-audit from {answers['_template_repo']} at main; pin a commit or "
            "tag there (`pre-commit autoupdate`).",
            file=sys.stderr,
        )
        return
    repository, commit = source
    text = config.read_text()
    if placeholder not in text:
        sys.exit(f"error: {config.name} no longer has the audit hook's lines: {placeholder!r}")
    config.write_text(text.replace(placeholder, f"  - repo: {repository}\n    rev: {commit}\n"))


def main() -> int:
    for relative in unchosen_paths(ANSWERS):
        remove(relative)
    write_env_file()
    pin_audit_hook(ANSWERS)
    print(
        f"\nCreated {PROJECT.name}/. Next:\n"
        f"  cd {PROJECT.name}\n"
        "  uv run python manage.py migrate\n"
        "  uv run honcho start      # web on http://127.0.0.1:5000 and a worker\n"
        "  uv run pytest\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
