"""A real worker with passwords in its URLs: its log, ``inspect conf`` and diagnose hide them."""

import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from .support import PROJECT_PACKAGE, PROJECT_ROOT, manage, production_environment

pytestmark = pytest.mark.integration


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

    inspect = [sys.executable, "-m", "celery", "-A", PROJECT_PACKAGE, "inspect", "conf"]
    completed = subprocess.run(
        [*inspect, "--destination", worker.nodename, "--timeout", "10", "--json"],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "CELERY_BROKER_URL" in completed.stdout
    assert_hidden(completed.stdout + completed.stderr, urls, secrets)

    diagnosed = manage(environ, "diagnose", "--worker", worker.nodename)
    assert diagnosed.returncode == 0, diagnosed.stdout + diagnosed.stderr
    assert "all checks passed" in diagnosed.stdout
    assert_hidden(diagnosed.stdout + diagnosed.stderr, urls, secrets)

    worker.stop()
    assert_hidden(worker.log, urls, secrets)
