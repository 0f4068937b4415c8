"""Task results are stored in Redis and read back through Celery."""

import pytest
from celery import Celery

from tests import services

from .support import services_required

pytestmark = pytest.mark.integration


@pytest.fixture
def results_client(broker_url, request):
    backend = services.given.get("CELERY_RESULT_BACKEND")
    if not backend:
        message = "set CELERY_RESULT_BACKEND (e.g. redis://127.0.0.1:6379/1) to test results"
        if services_required(request.config):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    app = Celery("results-client", broker=broker_url, backend=backend, set_as_current=False)
    yield app
    app.close()


def test_result_is_stored_in_redis_and_read_back(shared_worker, results_client, database_url):
    result = results_client.send_task(
        "reports.tasks.create_report", args=["with a result"], queue=shared_worker.queue
    )
    try:
        report_id = result.get(timeout=20)
        stored = results_client.backend.get(results_client.backend.get_key_for_task(result.id))
        assert stored is not None, "no result key in Redis"
        assert result.status == "SUCCESS"
        assert isinstance(report_id, int)
    finally:
        result.forget()
