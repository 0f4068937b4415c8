"""Check every answer before anything is written.

Each problem is one line on stderr; any problem exits 1, and cookiecutter then removes the
half-made output directory. Runs offline, with the standard library only.
"""

import json
import keyword
import re
import sys
import zoneinfo

# Rendered by cookiecutter: a JSON string literal, which is also a Python string literal.
ANSWERS = json.loads({{ cookiecutter | tojson | tojson }})  # fmt: skip

SLUG_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
SLUG_MAX_LENGTH = 40
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# Importing the project must not shadow what it depends on, or what it ships beside it.
TAKEN_NAMES = {
    "amqp",
    "billiard",
    "celery",
    "conftest",
    "dj_database_url",
    "django",
    "dotenv",
    "honcho",
    "kombu",
    "manage",
    "psycopg",
    "pytest",
    "redis",
    "reports",
    "test",
    "tests",
    "users",
    "vine",
    "whitenoise",
}


def problems_with(answers: dict) -> list[str]:
    problems = []
    name = answers["project_name"]
    if not name.strip():
        problems.append("project_name must not be empty.")
    elif any(character in name for character in '"\\') or not name.isprintable():
        problems.append(
            f"project_name {name!r} may not contain quotes, backslashes or control characters."
        )

    slug = answers["project_slug"]
    if not SLUG_PATTERN.fullmatch(slug):
        problems.append(
            f"project_slug {slug!r} must be a lowercase Python identifier: "
            "a letter, then letters, digits or underscores."
        )
    elif keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        problems.append(f"project_slug {slug!r} is a Python keyword.")
    elif slug in sys.stdlib_module_names or slug in TAKEN_NAMES:
        problems.append(
            f"project_slug {slug!r} would shadow the module of the same name; pick another."
        )
    elif len(slug) > SLUG_MAX_LENGTH:
        problems.append(f"project_slug {slug!r} is longer than {SLUG_MAX_LENGTH} characters.")

    email = answers["author_email"]
    if not EMAIL_PATTERN.fullmatch(email):
        problems.append(
            f"author_email {email!r} does not look like an email address (name@example.com)."
        )

    for field in ("description", "author_name"):
        if not answers[field].isprintable():
            problems.append(f"{field} must be one line without control characters.")

    django_versions = answers["_python_floor"]  # cookiecutter.json: Django -> oldest Python
    if answers["django_version"] not in django_versions:
        problems.append(
            f"django_version {answers['django_version']!r} is not one of "
            f"{', '.join(django_versions)}."
        )

    beat_versions = answers["_django_celery_beat_supports"]
    if answers["use_celery_beat"] and answers["django_version"] not in beat_versions:
        problems.append(
            f"use_celery_beat needs django_version {' or '.join(beat_versions)}: "
            "django-celery-beat 2.9 supports Django < 6.1."
        )

    timezone = answers["timezone"]
    try:
        zoneinfo.ZoneInfo(timezone)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        problems.append(
            f"timezone {timezone!r} is not an IANA time zone name (e.g. UTC, Europe/Paris)."
        )
    return problems


def main() -> int:
    problems = problems_with(ANSWERS)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
