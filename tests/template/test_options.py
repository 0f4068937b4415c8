"""Every option value, rendered, linted and tested, in combinations where each pair meets.

The full product of the options is 768 projects; these eight meet every pair of option
values at least once (pairwise), which is where option bugs live.
"""

import itertools

import pytest

from tests.helpers import (
    clean_environment,
    project_python,
    require_service,
    run,
    template_context,
)

OPTIONS = {
    key: value
    for key, value in template_context().items()
    if key in ("django_version", "broker", "result_backend", "log_format") or key.startswith("use_")
}
DEFAULTS = {key: value[0] if isinstance(value, list) else value for key, value in OPTIONS.items()}

# Differences from the defaults (5.2, redis, no results, no beat, no docker, actions, no Sentry,
# no Flower, plain).
MATRIX = [
    {},
    {"django_version": "6.1", "broker": "rabbitmq", "result_backend": "django-db",
     "use_docker": True, "use_github_actions": False, "use_sentry": True, "log_format": "json"},
    {"broker": "rabbitmq", "result_backend": "redis", "use_celery_beat": True,
     "use_github_actions": False, "use_sentry": True},
    {"result_backend": "django-db", "use_celery_beat": True, "use_docker": True,
     "use_sentry": True, "use_flower": True},
    {"django_version": "6.1", "result_backend": "redis", "use_docker": True, "use_flower": True,
     "log_format": "json"},
    {"django_version": "6.1", "broker": "rabbitmq", "use_celery_beat": True},
    {"use_celery_beat": True, "use_docker": True, "use_github_actions": False,
     "use_sentry": True, "use_flower": True, "log_format": "json"},
    {"broker": "rabbitmq", "result_backend": "django-db", "use_celery_beat": True,
     "use_github_actions": False, "use_flower": True, "log_format": "json"},
]  # fmt: skip


def pairs_of(answers: dict) -> set:
    return {
        ((a, answers[a]), (b, answers[b])) for a, b in itertools.combinations(sorted(answers), 2)
    }


def choices(option: str) -> list:
    value = OPTIONS[option]
    return value if isinstance(value, list) else [False, True]


def test_matrix_meets_every_pair_of_option_values():
    every = [dict(zip(OPTIONS, values, strict=True)) for values in
             itertools.product(*(choices(option) for option in OPTIONS))]  # fmt: skip
    needed = set().union(*(pairs_of(answers) for answers in every))
    rows = [{**DEFAULTS, **row} for row in MATRIX]
    assert needed - set().union(*(pairs_of(row) for row in rows)) == set()


def row_id(row: dict) -> str:
    return ",".join(f"{key.removeprefix('use_')}:{value}" for key, value in row.items())


@pytest.mark.slow
@pytest.mark.services
@pytest.mark.parametrize(
    "row",
    [
        pytest.param(row, id=row_id(row), marks=pytest.mark.xdist_group(f"row-{index}"))
        for index, row in enumerate(MATRIX)
        if row  # the defaults are tested in test_generated_project and test_integration
    ],
)
def test_option_set_renders_lints_and_passes_its_tests(installed, row):
    answers = {**DEFAULTS, **row}
    project = installed(**row)

    expected_files = {
        "Dockerfile": answers["use_docker"],
        "compose.yaml": answers["use_docker"],
        ".github/workflows/ci.yml": answers["use_github_actions"],
        "tests/integration/test_beat.py": answers["use_celery_beat"],
        "tests/integration/test_beat_admin.py": answers["use_celery_beat"]
        and answers["django_version"] == "5.2",
        "tests/integration/test_results_redis.py": answers["result_backend"] == "redis",
        "tests/integration/test_results_django_db.py": answers["result_backend"] == "django-db",
        "my_service/logs.py": answers["log_format"] == "json",
        "gunicorn.conf.py": answers["log_format"] == "json",
        "tests/integration/test_json_logs.py": answers["log_format"] == "json",
        "my_service/sentry.py": answers["use_sentry"],
        "tests/test_sentry.py": answers["use_sentry"],
        "tests/integration/test_sentry.py": answers["use_sentry"],
        "tests/integration/raising_wsgi.py": answers["use_sentry"],
        "flowerconfig.py": answers["use_flower"],
        "my_service/flower_access.py": answers["use_flower"],
        "tests/test_flower_access.py": answers["use_flower"],
        "tests/integration/test_flower.py": answers["use_flower"],
    }
    present = {name: (project / name).exists() for name in expected_files}
    assert present == expected_files

    venv = project / ".venv" / "bin"
    run([str(venv / "ruff"), "check", "."], project)
    run([str(venv / "ruff"), "format", "--check", "."], project)
    run(
        [project_python(project), "manage.py", "makemigrations", "--check", "--dry-run"],
        project,
        clean_environment(DJANGO_ENVIRONMENT="testing"),
    )
    unit = clean_environment(as_newcomer=True)
    run(
        [str(venv / "pytest"), "-q", "-p", "no:cacheprovider", "-m", "not integration"],
        project,
        unit,
    )

    # The real-service tests this option set adds, plus the round trip, on its broker.
    services = clean_environment(
        DATABASE_URL=require_service("postgresql"),
        CELERY_BROKER_URL=require_service(answers["broker"]),
        CI="true",
    )
    if answers["result_backend"] == "redis":
        services["CELERY_RESULT_BACKEND"] = require_service("redis").rsplit("/", 1)[0] + "/1"
    selection = "writes_a_row or test_results_ or beat or diagnose_passes or json"
    selection += " or sentry or flower"
    completed = run(
        [
            str(venv / "pytest"),
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "integration",
            "-k",
            selection,
        ],
        project,
        services,
        timeout=600,
    )
    summary = completed.stdout.strip().splitlines()[-1]
    beat_tests = answers["use_celery_beat"] * (2 if answers["django_version"] == "5.2" else 1)
    json_tests = 2 if answers["log_format"] == "json" else 0
    # Two tests of Sentry's (a task's error, a view's); three of Flower's.
    option_tests = json_tests + 2 * answers["use_sentry"] + 3 * answers["use_flower"]
    expected_count = 2 + beat_tests + (answers["result_backend"] != "none") + option_tests
    assert f"{expected_count} passed" in summary, summary
    assert "skipped" not in summary, summary
