"""No command of this service prints a password: celery report, inspect conf, diagnose, logs.

Real commands in subprocesses, under the settings a deployment uses. Most need no service
(their URLs point at a port where nothing listens); the last test runs a real worker.
"""

import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from .support import PROJECT_PACKAGE, PROJECT_ROOT, manage, production_environment

pytestmark = pytest.mark.integration
# Distinctive, so finding one in an output cannot be chance. Port 1: nothing listens.
DATABASE_SECRET = f"Db-{uuid.uuid4().hex[:12]}"
BROKER_SECRET = f"Mq-{uuid.uuid4().hex[:12]}"
RESULTS_SECRET = f"Rs-{uuid.uuid4().hex[:12]}"
SECRETS = (DATABASE_SECRET, BROKER_SECRET, RESULTS_SECRET)


def environment(settings: str = "production", **overrides: str) -> dict[str, str]:
    return production_environment(
        f"postgres://app:{DATABASE_SECRET}@127.0.0.1:1/app",
        f"redis://default:{BROKER_SECRET}@127.0.0.1:1/0",
        **{
            "CELERY_RESULT_BACKEND": f"redis://default:{RESULTS_SECRET}@127.0.0.1:1/1",
            "DJANGO_ENVIRONMENT": settings,
            **overrides,
        },
    )


def python(environ: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def shown(completed: subprocess.CompletedProcess) -> str:
    return completed.stdout + completed.stderr


def test_celery_report_shows_no_password():
    completed = python(environment(), "-m", "celery", "-A", PROJECT_PACKAGE, "report")
    assert completed.returncode == 0, completed.stderr
    assert "CELERY_BROKER_URL: 'redis://default:**@127.0.0.1:1/0'" in completed.stdout
    assert not [secret for secret in SECRETS if secret in shown(completed)]


def test_diagnose_shows_no_password_when_services_are_down():
    completed = python(environment(), "manage.py", "diagnose", "--timeout", "1")
    assert completed.returncode != 0
    assert "broker    redis://default:**@127.0.0.1:1/0" in completed.stdout
    assert not [secret for secret in SECRETS if secret in shown(completed)]


def test_diagnose_refuses_a_weak_secret_key_in_production():
    # Every rule is in test_settings.py; here, that the health check really fails.
    key = "django-insecure-" + "k3y" * 20
    completed = python(environment(DJANGO_SECRET_KEY=key), "manage.py", "diagnose")
    assert completed.returncode != 0
    assert "all checks passed" not in completed.stdout
    assert "DJANGO_SECRET_KEY starts with 'django-insecure-'" in shown(completed)
    assert key not in shown(completed)


@pytest.mark.parametrize(
    ("settings", "variable", "url"),
    [
        (
            "development",
            "CELERY_BROKER_URL",
            f"redis://:{BROKER_SECRET[:6]}#{BROKER_SECRET[6:]}@127.0.0.1:1/0",
        ),
        ("production", "CELERY_RESULT_BACKEND", f"redis://:{RESULTS_SECRET}?x@127.0.0.1:1/1"),
    ],
    ids=["hash-in-broker-password", "question-mark-in-results-password"],
)
def test_a_malformed_url_is_a_configuration_error_that_hides_it(settings, variable, url):
    completed = python(environment(settings, **{variable: url}), "manage.py", "diagnose")
    assert completed.returncode != 0
    assert f"{variable} is not a valid URL" in shown(completed)
    for secret in (BROKER_SECRET[:6], BROKER_SECRET[6:], RESULTS_SECRET):
        assert secret not in shown(completed)


def test_a_worker_refuses_a_database_url_with_an_unencoded_slash_and_logs_no_secret():
    # Unchecked, "12" became the port and the rest of the password the database name.
    url = f"postgres://app:12/{DATABASE_SECRET}@127.0.0.1:1/app"
    worker = ["-m", "celery", "-A", PROJECT_PACKAGE, "worker", "--pool", "solo"]
    completed = python(environment(DATABASE_URL=url), *worker, "--loglevel", "INFO")
    assert completed.returncode != 0
    assert "DATABASE_URL has '@' after its host" in shown(completed)
    assert DATABASE_SECRET not in shown(completed)


def with_password(url: str, secret: str) -> tuple[str, str | None]:
    """``url`` with a password in it, and that password.

    A URL that has one keeps it. Otherwise ``secret`` goes in where the server ignores it
    (PostgreSQL with trust authentication, Redis's default user without a password);
    other servers (RabbitMQ's guest) keep what they were given.
    """
    parts = urlsplit(url)
    if parts.password:
        return url, parts.password
    user = parts.username or {"redis": "default", "postgres": "postgres"}.get(parts.scheme)
    if user is None:
        return url, None
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{secret}@{host}")), secret


def assert_hidden(text: str, urls: list[str], secrets: list[str | None]) -> None:
    for url, secret in zip(urls, secrets, strict=True):
        if not secret:
            continue
        assert f":{secret}@" not in text
        if secret != urlsplit(url).username:  # amqp://guest:guest@ shows the user's name
            assert secret not in text


def test_worker_log_inspect_conf_and_diagnose_hide_passwords(
    start_worker, database_url, broker_url
):
    database, database_secret = with_password(database_url, f"Db-{uuid.uuid4().hex[:12]}")
    broker, broker_secret = with_password(broker_url, f"Mq-{uuid.uuid4().hex[:12]}")
    urls, secrets = [database, broker], [database_secret, broker_secret]
    environ = production_environment(database, broker)
    worker = start_worker(DATABASE_URL=database, CELERY_BROKER_URL=broker)
    worker.wait_for_count(": database probe ok in", 2)

    inspect = ["-m", "celery", "-A", PROJECT_PACKAGE, "inspect", "conf", "--json"]
    completed = python(environ, *inspect, "--destination", worker.nodename, "--timeout", "30")
    assert completed.returncode == 0, completed.stderr
    assert "CELERY_BROKER_URL" in completed.stdout
    assert_hidden(completed.stdout + completed.stderr, urls, secrets)

    diagnosed = manage(environ, "diagnose", "--timeout", "20", "--worker", worker.nodename)
    assert diagnosed.returncode == 0, diagnosed.stdout + diagnosed.stderr
    assert "all checks passed" in diagnosed.stdout
    assert_hidden(diagnosed.stdout + diagnosed.stderr, urls, secrets)

    worker.stop()
    assert_hidden(worker.log, urls, secrets)
