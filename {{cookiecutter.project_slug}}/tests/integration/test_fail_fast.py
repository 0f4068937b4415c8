"""A misconfigured production worker stops at once and says why; so does diagnose."""

import subprocess
import sys
import time

import pytest

from .support import (
    PROJECT_PACKAGE,
    PROJECT_ROOT,
    LoggedProcess,
    closed_port,
    manage,
    production_environment,
    with_port,
)

pytestmark = pytest.mark.integration
PRODUCTION = f"{PROJECT_PACKAGE}.settings.production"
WORKER = [sys.executable, "-m", "celery", "-A", PROJECT_PACKAGE, "worker", "--loglevel", "INFO"]
WORKER += ["--without-mingle", "--without-gossip", "--without-heartbeat", "--queues"]


# Only a hang detector: how fast a worker gives up is a figure in benchmarks/run.py.
HANG_BOUND = 60
EXIT_CONFIGURATION_ERROR = 78  # os.EX_CONFIG, as diagnostics.py exits


def run_worker(environ, queue: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*WORKER, queue, "--hostname", f"{queue}@integration"],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=HANG_BOUND,
        check=False,
    )


def refusals(completed: subprocess.CompletedProcess) -> list[str]:
    return [line for line in completed.stderr.splitlines() if "refusing to start" in line]


def test_worker_exits_when_postgresql_is_unreachable(database_url, broker_url):
    port = closed_port()
    environ = production_environment(with_port(database_url, port), broker_url)
    completed = run_worker(environ, "it_unreachable")
    assert completed.returncode == EXIT_CONFIGURATION_ERROR, completed.stderr
    (refusal,) = refusals(completed)
    assert "database probe failed" in refusal
    assert f"host=127.0.0.1:{port}" in refusal
    assert PRODUCTION in refusal


def test_worker_exits_when_the_broker_stays_unreachable(database_url, broker_url):
    port = closed_port()
    environ = production_environment(database_url, with_port(broker_url, port))
    completed = run_worker(environ, "it_no_broker")
    assert completed.returncode == EXIT_CONFIGURATION_ERROR, completed.stderr
    (refusal,) = refusals(completed)
    assert f"127.0.0.1:{port}" in refusal and "unreachable for 20 s" in refusal
    assert PRODUCTION in refusal


def test_a_development_worker_keeps_waiting_for_its_broker(database_url, broker_url, tmp_path):
    environ = production_environment(
        database_url, with_port(broker_url, closed_port()), DJANGO_ENVIRONMENT="development"
    )
    log_path = tmp_path / "worker.log"
    command = [*WORKER, "it_dev_no_broker", "--hostname", "it_dev_no_broker@integration"]
    worker = LoggedProcess(command, environ, log_path)
    try:
        deadline = time.monotonic() + HANG_BOUND
        while log_path.read_text().count("Trying again in") < 2:
            assert worker.process.poll() is None, worker.log
            assert time.monotonic() < deadline, worker.log
            time.sleep(0.2)
        assert worker.process.poll() is None
        assert "refusing to start" not in worker.log
    finally:
        worker.stop()


def test_worker_exits_naming_every_missing_variable(database_url, broker_url):
    environ = production_environment(database_url, broker_url)
    del environ["DJANGO_SECRET_KEY"], environ["DATABASE_URL"]
    completed = run_worker(environ, "it_unconfigured")
    assert completed.returncode != 0, completed.stderr
    # One line names both (a hint below it may name the key again).
    lines = completed.stderr.splitlines()
    naming = [line for line in lines if "DJANGO_SECRET_KEY" in line and "DATABASE_URL" in line]
    assert len(naming) == 1, completed.stderr
    assert "CELERY_BROKER_URL" not in naming[0]


def test_diagnose_passes_with_the_services_up(database_url, broker_url):
    # A generous bound: this checks what diagnose finds, not how fast a busy machine answers.
    environ = production_environment(database_url, broker_url)
    completed = manage(environ, "diagnose", "--timeout", "20")
    assert completed.returncode == 0, completed.stderr
    assert f"settings  {PRODUCTION}" in completed.stdout
    assert "all checks passed" in completed.stdout


def test_diagnose_fails_naming_the_broker_when_it_is_down(database_url, broker_url):
    environ = production_environment(database_url, with_port(broker_url, closed_port()))
    completed = manage(environ, "diagnose")
    assert completed.returncode != 0
    assert "diagnose failed: broker" in completed.stderr
    assert "database" not in completed.stderr.split("diagnose failed:")[1]
