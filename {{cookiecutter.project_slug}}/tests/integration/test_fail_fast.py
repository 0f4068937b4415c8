"""A misconfigured production worker stops at once and says why; so does diagnose."""

import subprocess
import sys

import pytest

from .support import (
    PROJECT_PACKAGE,
    PROJECT_ROOT,
    closed_port,
    manage,
    production_environment,
    with_port,
)

pytestmark = pytest.mark.integration
PRODUCTION = f"{PROJECT_PACKAGE}.settings.production"
WORKER = [sys.executable, "-m", "celery", "-A", PROJECT_PACKAGE, "worker", "--loglevel", "INFO"]
WORKER += ["--without-mingle", "--without-gossip", "--without-heartbeat", "--queues"]


def run_worker(environ, queue: str) -> subprocess.CompletedProcess:
    # A worker that does not exit by itself within 5 s has failed this test.
    return subprocess.run(
        [*WORKER, queue, "--hostname", f"{queue}@integration"],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    )


def test_worker_exits_when_postgresql_is_unreachable(database_url, broker_url):
    port = closed_port()
    environ = production_environment(with_port(database_url, port), broker_url)
    completed = run_worker(environ, "it_unreachable")
    assert completed.returncode != 0
    refusal = [line for line in completed.stderr.splitlines() if "refusing to start" in line]
    assert len(refusal) == 1, completed.stderr
    assert f"host=127.0.0.1:{port}" in refusal[0]
    assert PRODUCTION in refusal[0]


def test_worker_exits_naming_every_missing_variable(database_url, broker_url):
    environ = production_environment(database_url, broker_url)
    del environ["DJANGO_SECRET_KEY"], environ["DATABASE_URL"]
    completed = run_worker(environ, "it_unconfigured")
    assert completed.returncode != 0
    naming = [line for line in completed.stderr.splitlines() if "DJANGO_SECRET_KEY" in line]
    assert len(naming) == 1, completed.stderr
    assert "DATABASE_URL" in naming[0]
    assert "CELERY_BROKER_URL" not in naming[0]


def test_diagnose_passes_with_the_services_up(database_url, broker_url):
    completed = manage(production_environment(database_url, broker_url), "diagnose")
    assert completed.returncode == 0, completed.stderr
    assert f"settings  {PRODUCTION}" in completed.stdout
    assert "all checks passed" in completed.stdout


def test_diagnose_fails_naming_the_broker_when_it_is_down(database_url, broker_url):
    environ = production_environment(database_url, with_port(broker_url, closed_port()))
    completed = manage(environ, "diagnose")
    assert completed.returncode != 0
    assert "diagnose failed: broker" in completed.stderr
    assert "database" not in completed.stderr.split("diagnose failed:")[1]
