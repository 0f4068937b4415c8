"""The generated project's integration tests, run by the template against real services."""

import re
import shlex

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
# The whole suite once per broker, each in two parts that xdist runs side by side in projects
# of their own: the fault scenarios, and the rest. They are the longest tests here by far.
# The first RabbitMQ part shares its project (and venv) with test_options' Django 6.1 +
# RabbitMQ + beat row.
FAULTS = ["tests/integration/test_outages.py", "tests/integration/test_stopping.py"]
THE_REST = [f"--ignore={path}" for path in FAULTS]
# Under the development settings the stop scenarios run on the file broker whatever the
# project's broker is: the Redis project's run covers them, and thirty workers fewer here
# keep the longest part shorter.
STOPS_ON_THE_FILE_BROKER = (
    "--deselect=tests/integration/test_stopping.py::"
    "test_sigterm_however_sent_stops_the_worker_and_loses_no_task[development]"
)
# The fewest tests each part must pass: five outage and two stop scenarios (one on RabbitMQ);
# the rest, five of them with three worker nodes as network hosts (test_scale_out). A test
# that stops being collected shows here.
PARTS = [
    pytest.param({}, FAULTS, 7, id="redis-faults", marks=pytest.mark.xdist_group("suite-1")),
    pytest.param({}, THE_REST, 35, id="redis-rest", marks=pytest.mark.xdist_group("suite-2")),
    pytest.param(
        RABBITMQ,
        [*FAULTS, STOPS_ON_THE_FILE_BROKER],
        6,
        id="rabbitmq-faults",
        marks=pytest.mark.xdist_group("row-5"),
    ),
    pytest.param(
        RABBITMQ, THE_REST, 36, id="rabbitmq-rest", marks=pytest.mark.xdist_group("suite-3")
    ),
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
    command = " ".join([command, *map(shlex.quote, arguments)])
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
