"""Finish the rendered project, offline: a .env with a fresh secret, and next steps.

Options that add whole files remove the ones not chosen here, so the template's Python
files carry no Jinja conditionals.
"""

import secrets
import sys
from pathlib import Path

PROJECT = Path.cwd()
SLUG = "{{ cookiecutter.project_slug }}"


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
