"""use_github_actions: the generated service's workflow, checked statically and run locally.

actionlint is not installable here (its PyPI package downloads a binary from GitHub while it
builds), so the workflow is checked against the GitHub Actions workflow schema that
check-jsonschema ships, its shell steps with ``bash -n``, and its content by assertion. The
slow test runs the test job's steps in an installed project with the job's own environment
against this machine's PostgreSQL and Redis, which the job's service containers stand for.
"""

import os
import re
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.helpers import (
    PYTHON_FOR_DJANGO,
    clean_environment,
    find_python,
    require_service,
    run,
    schema_errors,
)

WORKFLOW = ".github/workflows/ci.yml"
DEPENDABOT = ".github/dependabot.yml"
# The current release of each action the workflow uses. setup-uv publishes no major tags
# since v8, so it is pinned to a release; Dependabot proposes each new one.
CURRENT_ACTIONS = {"actions/checkout": "v6", "astral-sh/setup-uv": "v8.3.2"}
VARIANTS = [
    pytest.param({}, id="redis"),
    pytest.param({"broker": "rabbitmq"}, id="rabbitmq"),
    pytest.param({"broker": "rabbitmq", "result_backend": "redis"}, id="rabbitmq+redis-results"),
    pytest.param({"use_docker": True, "django_version": "6.1"}, id="docker+django-6.1"),
]
SERVICE_PORTS = {"postgres": 5432, "redis": 6379, "rabbitmq": 5672}


def workflow(project: Path) -> dict:
    return yaml.safe_load((project / WORKFLOW).read_text())


def steps_running(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def answers_with(variant: dict) -> dict:
    defaults = {"broker": "redis", "result_backend": "none", "use_docker": False}
    return {"django_version": "5.2", **defaults, **variant}


def test_workflow_comes_only_with_use_github_actions(bake):
    assert (bake() / WORKFLOW).is_file()
    assert (bake() / DEPENDABOT).is_file()
    assert not (bake(use_github_actions=False) / ".github").exists()


@pytest.mark.parametrize("variant", VARIANTS)
def test_workflow_matches_the_github_workflow_schema(bake, variant):
    assert schema_errors(bake(**variant), "vendor.github-workflows", WORKFLOW) == ""


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_shell_step_parses(bake, variant):
    for job_name, job in workflow(bake(**variant))["jobs"].items():
        for script in steps_running(job):
            completed = subprocess.run(["bash", "-n", "-c", script], capture_output=True, text=True)
            assert completed.returncode == 0, (job_name, script, completed.stderr)


@pytest.mark.parametrize("variant", VARIANTS)
def test_workflow_uses_the_current_release_of_each_action(bake, variant):
    used = {
        step["uses"]
        for job in workflow(bake(**variant))["jobs"].values()
        for step in job["steps"]
        if "uses" in step
    }
    assert used == {f"{action}@{version}" for action, version in CURRENT_ACTIONS.items()}


@pytest.mark.parametrize("use_docker", [False, True])
def test_dependabot_keeps_locked_packages_actions_and_images_current(bake, use_docker):
    project = bake(use_docker=use_docker)
    assert schema_errors(project, "vendor.dependabot", DEPENDABOT) == ""
    updates = yaml.safe_load((project / DEPENDABOT).read_text())["updates"]
    expected = {"uv", "github-actions"} | ({"docker", "docker-compose"} if use_docker else set())
    assert {update["package-ecosystem"] for update in updates} == expected
    assert {update["directory"] for update in updates} == {"/"}


def test_workflow_has_no_expressions_that_jinja_would_eat(bake):
    # ${{ }} would have to be escaped from cookiecutter; the workflow needs none.
    text = (bake(use_docker=True) / WORKFLOW).read_text()
    assert "${{" not in text and "{%" not in text


@pytest.mark.parametrize("variant", VARIANTS)
def test_lint_job_runs_ruff_on_the_projects_python(bake, variant):
    project = bake(**variant)
    jobs = workflow(project)["jobs"]
    floor = tomllib.loads((project / "pyproject.toml").read_text())["project"]["requires-python"]
    assert floor == f">={PYTHON_FOR_DJANGO[answers_with(variant)['django_version']]}"
    for job in jobs.values():
        for step in job["steps"]:
            if step.get("uses", "").startswith("astral-sh/setup-uv@"):
                assert step["with"]["python-version"] == floor.removeprefix(">=")
    assert steps_running(jobs["lint"]) == [
        "uv sync --locked",
        "uv run ruff check .",
        "uv run ruff format --check .",
    ]
    assert workflow(project)["permissions"] == {"contents": "read"}
    assert all(job["timeout-minutes"] <= 30 for job in jobs.values())


@pytest.mark.parametrize("variant", VARIANTS)
def test_test_job_runs_unit_then_integration_tests_against_service_containers(bake, variant):
    answers = answers_with(variant)
    project = bake(**variant)
    job = workflow(project)["jobs"]["test"]
    services = job["services"]
    expected = {"postgres", answers["broker"]}
    expected |= {"redis"} if answers["result_backend"] == "redis" else set()
    assert set(services) == expected
    for name, service in services.items():
        assert service["ports"] == [f"{SERVICE_PORTS[name]}:{SERVICE_PORTS[name]}"], name
        assert "--health-cmd" in service["options"], name
    assert services["postgres"]["image"] == "postgres:18"

    integration, multi_node = [
        step for step in job["steps"] if "--integration" in step.get("run", "")
    ]
    # Only that step sees the services: Celery lets CELERY_BROKER_URL in the environment
    # override the testing settings' broker, which the unit tests rely on.
    assert "env" not in job
    environment = integration["env"]
    database = urlsplit(environment["DATABASE_URL"])
    assert (database.scheme, database.port) == ("postgres", 5432)
    assert database.password == services["postgres"]["env"]["POSTGRES_PASSWORD"]
    broker = urlsplit(environment["CELERY_BROKER_URL"])
    scheme = {"redis": "redis", "rabbitmq": "amqp"}[answers["broker"]]
    assert (broker.scheme, broker.port) == (scheme, SERVICE_PORTS[answers["broker"]])
    # The integration tests compare what a worker logs with 127.0.0.1.
    assert {database.hostname, broker.hostname} == {"127.0.0.1"}
    assert ("CELERY_RESULT_BACKEND" in environment) == (answers["result_backend"] == "redis")

    runs = steps_running(job)
    # Exactly uv.lock: a lock that is missing or disagrees with pyproject.toml fails the job.
    assert runs[0] == "uv sync --locked"
    assert 'uv run pytest -m "not integration"' in runs
    assert runs[-2] == 'uv run pytest -m "integration and not scale_out" --integration'
    # Network namespaces need root; the runner's user has passwordless sudo.
    assert runs[-1] == "sudo --preserve-env .venv/bin/pytest -m scale_out --integration"
    assert multi_node["env"] == environment
    # The marker and the option the workflow relies on are the project's own.
    pytest_options = tomllib.loads((project / "pyproject.toml").read_text())["tool"]["pytest"]
    assert any(m.startswith("integration:") for m in pytest_options["ini_options"]["markers"])
    assert '"--integration"' in (project / "tests" / "conftest.py").read_text()


@pytest.mark.parametrize("use_docker", [False, True])
def test_docker_job_builds_and_waits_for_healthy_services_only_with_docker(bake, use_docker):
    jobs = workflow(bake(use_docker=use_docker))["jobs"]
    assert ("docker" in jobs) == use_docker
    if use_docker:
        runs = steps_running(jobs["docker"])
        # Two worker nodes: scaling out must work, each replica a node of its own name.
        assert (
            "docker compose up --build --detach --wait --wait-timeout 300 --scale worker=2" in runs
        )
        assert "docker compose down --volumes" in runs
        # compose.yaml refuses to start without a key; the job makes a throwaway one.
        assert any("PRODUCTION_SECRET_KEY=$(python3 -c" in script for script in runs)
        assert not re.search(
            r"DJANGO_SECRET_KEY: \S", (bake(use_docker=True) / WORKFLOW).read_text()
        )


# test_integration runs the whole integration suite on this same project; here the job's
# integration steps, run as written, pick one test of each kind (a worker, diagnose, three
# nodes as network hosts) through PYTEST_ADDOPTS, which saves running the suite twice.
INTEGRATION_SAMPLE = "writes_a_row or diagnose_passes or every_node_reports"


@pytest.mark.slow
@pytest.mark.services
@pytest.mark.xdist_group("django-5.2")
def test_test_job_steps_pass_locally_with_the_jobs_environment(installed, tmp_path):
    """What GitHub would run, here: the job's steps, its env, CI=true, real services."""
    require_service("postgresql")
    require_service("redis")
    if os.geteuid() != 0:
        pytest.fail("the multi-node step makes network namespaces: run as root", pytrace=False)
    project = installed(django_version="5.2")
    job = workflow(project)["jobs"]["test"]
    # The runner's passwordless sudo; this machine runs the tests as root already.
    shim = tmp_path / "bin" / "sudo"
    shim.parent.mkdir()
    shim.write_text('#!/bin/sh\n[ "$1" = --preserve-env ] && shift\nexec "$@"\n')
    shim.chmod(0o755)
    environ = clean_environment(CI="true", UV_PYTHON=find_python(PYTHON_FOR_DJANGO["5.2"]))
    environ["PATH"] = f"{shim.parent}:{environ['PATH']}"
    ran = []
    for step in job["steps"]:
        if "run" not in step:
            continue
        environ_for_step = environ | step.get("env", {})
        if "--integration" in step["run"]:
            environ_for_step["PYTEST_ADDOPTS"] = f"-k '{INTEGRATION_SAMPLE}'"
        completed = run(["bash", "-c", step["run"]], project, environ_for_step, timeout=600)
        ran.append(step["run"])
        if "pytest" in step["run"]:
            summary = completed.stdout.strip().splitlines()[-1]
            assert re.search(r"\d+ passed", summary), summary
            assert "skipped" not in summary and "failed" not in summary, summary
    assert ran == steps_running(job)
