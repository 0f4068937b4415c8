"""The generated project's integration tests, run by the template against real services."""

import re

import pytest

from tests.helpers import (
    clean_environment,
    project_python,
    readme_commands,
    require_service,
    run,
)

pytestmark = [pytest.mark.slow, pytest.mark.services]

RABBITMQ = {"django_version": "6.1", "broker": "rabbitmq", "use_celery_beat": True}
# The Redis suite is the longest thing the template's tests run, so it goes in two parts that
# xdist runs side by side (each in a project of its own): the fault scenarios, and the rest.
FAULTS = ["tests/integration/test_outages.py", "tests/integration/test_stopping.py"]
# The whole suite once per broker. The RabbitMQ project (and its venv) is shared with
# test_options' Django 6.1 + RabbitMQ + beat row. The fewest tests each part must pass: five
# outage and two stop scenarios; the rest, five of them three worker nodes as network hosts
# (test_scale_out). A test that stops being collected shows here.
PARTS = [
    pytest.param({}, FAULTS, 7, id="redis-faults", marks=pytest.mark.xdist_group("suite-redis-1")),
    pytest.param(
        {},
        [f"--ignore={path}" for path in FAULTS],
        35,
        id="redis-rest",
        marks=pytest.mark.xdist_group("suite-redis-2"),
    ),
    pytest.param(RABBITMQ, [], 40, id="rabbitmq", marks=pytest.mark.xdist_group("row-5")),
]


@pytest.mark.parametrize(("answers", "arguments", "at_least"), PARTS)
def test_generated_integration_suite_passes_on_real_services(
    installed, answers, arguments, at_least
):
    project = installed(**answers)
    require_service("postgresql")
    require_service(answers.get("broker", "redis"))
    # The command exactly as the project's README gives it, with this machine's services.
    (command,) = [line for line in readme_commands(project) if "-m integration" in line]
    command = " ".join([command, *arguments])
    environ = clean_environment(CI="true")
    # A hang bound: outages, stops and three-node scenarios take minutes on a busy machine.
    completed = run(["bash", "-c", command], project, environ, timeout=1500)
    summary = completed.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed.group(1)) >= at_least, summary
    assert "skipped" not in summary and "failed" not in summary, summary
    print(f"{command}: {summary}")


@pytest.mark.xdist_group("django-5.2")
def test_check_deploy_against_the_real_database(installed):
    project = installed()
    environ = clean_environment(
        DJANGO_ENVIRONMENT="production",
        DJANGO_SECRET_KEY="deploy-" + "s3cr3t-" * 10,
        DJANGO_ALLOWED_HOSTS="example.com",
        DATABASE_URL=require_service("postgresql"),
        CELERY_BROKER_URL=require_service("redis"),
    )
    command = ["manage.py", "check", "--deploy", "--database", "default", "--fail-level", "WARNING"]
    completed = run([project_python(project), *command], project, environ)
    assert "no issues" in completed.stdout
