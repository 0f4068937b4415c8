"""Fixtures that start real services' clients, a database of our own, and real workers.

The tests run when DATABASE_URL (a PostgreSQL server; a database is created and dropped on
it) and CELERY_BROKER_URL are set. Otherwise they skip and say how to run them, except with
``--integration`` or under CI=true, where a missing service is a failure.
"""

import psycopg
import pytest
from celery import Celery
from kombu import Connection, Exchange, Queue

from tests import services

from .support import (
    Workers,
    create_database,
    drop_database,
    forget_unacked,
    manage,
    production_environment,
    services_required,
)

HOW_TO_RUN = (
    "set DATABASE_URL to a PostgreSQL server (a test database is created and dropped there) "
    "and CELERY_BROKER_URL to a broker, e.g. "
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
    "CELERY_BROKER_URL=redis://127.0.0.1:6379/0 uv run pytest -m integration"
)


@pytest.fixture(scope="session")
def service_urls(request) -> tuple[str, str]:
    urls = services.given.get("DATABASE_URL"), services.given.get("CELERY_BROKER_URL")
    problem = None
    if not all(urls):
        problem = f"integration tests need real services: {HOW_TO_RUN}"
    else:
        try:
            with psycopg.connect(urls[0], connect_timeout=3):
                pass
            with Connection(urls[1], connect_timeout=3) as broker:
                broker.ensure_connection(max_retries=0)
        except Exception as error:
            problem = f"a service is unreachable ({error}); {HOW_TO_RUN}"
    if problem:
        if services_required(request.config):
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    return urls


@pytest.fixture(scope="session")
def server_url(service_urls) -> str:
    return service_urls[0]


@pytest.fixture(scope="session")
def broker_url(service_urls) -> str:
    return service_urls[1]


@pytest.fixture(scope="session")
def database_url(server_url, broker_url):
    """A fresh, migrated database for this run, dropped at the end."""
    url = create_database(server_url)
    try:
        migrated = manage(production_environment(url, broker_url), "migrate", "--no-input")
        assert migrated.returncode == 0, migrated.stderr
        yield url
    finally:
        drop_database(server_url, url)


@pytest.fixture(scope="session")
def client(broker_url):
    """A Celery client of our own: the project's app runs eagerly under testing settings.

    It remembers the queues the workers were given and the tasks that were sent, and
    removes both from the broker (and any result backend) at the end.
    """
    app = Celery(
        "integration-client",
        broker=broker_url,
        backend=services.given.get("CELERY_RESULT_BACKEND"),
        set_as_current=False,
    )
    app.conf.broker_connection_retry_on_startup = False
    app.created_queues = []
    app.sent_task_ids = []
    yield app
    forget_unacked(broker_url, app.created_queues)
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for name in app.created_queues:
            # Declared here first: a channel deletes only the bindings it knows of.
            queue = Queue(name, Exchange(name), routing_key=name, channel=channel)
            queue.declare()
            queue.delete()
            queue.exchange.delete()
    if app.conf.result_backend:
        for task_id in app.sent_task_ids:
            app.AsyncResult(task_id).forget()
    app.close()


@pytest.fixture
def start_worker(database_url, broker_url, client, tmp_path):
    """Start real workers for one test; all are stopped when it ends."""
    workers = Workers(client, tmp_path, production_environment(database_url, broker_url))
    yield workers.start
    workers.stop_all()


@pytest.fixture(scope="module")
def shared_worker(database_url, broker_url, client, tmp_path_factory):
    """One worker with two children for the tests that only send it tasks."""
    workers = Workers(
        client,
        tmp_path_factory.mktemp("worker"),
        production_environment(database_url, broker_url),
    )
    yield workers.start(concurrency=2)
    workers.stop_all()
