"""Finish the rendered project, offline: drop files of options not chosen, write .env.

Options that add whole files are listed in ONLY_WITH and removed here when not chosen, so
the template's Python files need no Jinja conditionals for them. cruft runs this hook again
on every update, so it never replaces what a project already has.
"""

import json
import secrets
import shutil
import sys
from pathlib import Path

# Rendered by cookiecutter: a JSON string literal, which is also a Python string literal.
ANSWERS = json.loads({{ cookiecutter | tojson | tojson }})  # fmt: skip
PROJECT = Path.cwd()

# Paths (relative to the project) that belong to one option value.
ONLY_WITH: dict[tuple[str, object], list[str]] = {
    ("use_docker", True): ["Dockerfile", ".dockerignore", "compose.yaml", "k8s"],
    ("use_github_actions", True): [".github"],
    ("use_celery_beat", True): ["tests/integration/test_beat.py", "k8s/beat.yaml"],
    ("result_backend", "redis"): ["tests/integration/test_results_redis.py"],
    ("result_backend", "django-db"): ["tests/integration/test_results_django_db.py"],
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


def main() -> int:
    for relative in unchosen_paths(ANSWERS):
        remove(relative)
    write_env_file()
    print(
        f"\nCreated {PROJECT.name}/. Next:\n"
        f"  cd {PROJECT.name}\n"
        "  uv sync && uv run python manage.py migrate\n"
        "  uv run honcho start      # web on http://127.0.0.1:5000 and a worker\n"
        "  uv run pytest\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
