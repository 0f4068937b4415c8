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

# The whole suite once per broker; the projects (and their venvs) are shared with
# test_generated_project's Django 5.2 group (and the workflow rehearsal, which runs a sample
# of the suite) and test_options' Django 6.1 + RabbitMQ + beat row.
PROJECTS = [
    pytest.param({}, id="redis", marks=pytest.mark.xdist_group("django-5.2")),
    pytest.param(
        {"django_version": "6.1", "broker": "rabbitmq", "use_celery_beat": True},
        id="rabbitmq",
        marks=pytest.mark.xdist_group("row-5"),
    ),
]


@pytest.mark.parametrize("answers", PROJECTS)
def test_generated_integration_suite_passes_on_real_services(installed, answers):
    project = installed(**answers)
    require_service("postgresql")
    require_service(answers.get("broker", "redis"))
    # The command exactly as the project's README gives it, with this machine's services.
    (command,) = [line for line in readme_commands(project) if "-m integration" in line]
    environ = clean_environment(CI="true")
    # A hang bound: outages, stops and three-node scenarios take minutes on a busy machine.
    completed = run(["bash", "-c", command], project, environ, timeout=1500)
    summary = completed.stdout.strip().splitlines()[-1]
    passed = re.search(r"(\d+) passed", summary)
    # Every integration test the rendered project has: 40, five of them with three worker
    # nodes as network hosts (test_scale_out). A test that stops being collected shows here.
    assert passed and int(passed.group(1)) >= 40, summary
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
