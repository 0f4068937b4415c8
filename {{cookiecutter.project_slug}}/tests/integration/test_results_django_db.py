"""Task results are rows in the Django database (django-celery-results) and read back."""

import time

import psycopg
import pytest

from .support import manage, production_environment

pytestmark = pytest.mark.integration


def stored_result(database_url: str, task_id: str, timeout: float = 20.0):
    query = (
        "SELECT status, result, task_name FROM django_celery_results_taskresult "
        "WHERE task_id = %s AND status = 'SUCCESS'"
    )
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as connection:
        while time.monotonic() < deadline:
            if row := connection.execute(query, (task_id,)).fetchone():
                return row
            time.sleep(0.05)
    raise TimeoutError(f"no stored result for {task_id} within {timeout} s")


def test_result_is_stored_in_the_database_and_read_back(
    shared_worker, client, database_url, broker_url
):
    result = client.send_task(
        "reports.tasks.create_report", args=["with a result"], queue=shared_worker.queue
    )
    client.sent_task_ids.append(result.id)
    status, stored, task_name = stored_result(database_url, result.id)
    assert (status, task_name) == ("SUCCESS", "reports.tasks.create_report")

    read_back = manage(
        production_environment(database_url, broker_url),
        "shell",
        "-c",
        f"from celery.result import AsyncResult; print(AsyncResult({result.id!r}).get(timeout=5))",
    )
    assert read_back.returncode == 0, read_back.stderr
    assert read_back.stdout.split()[-1] == stored
