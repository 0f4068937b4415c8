"""Task results are stored in Redis and read back through Celery."""

import pytest

from .support import services_required

pytestmark = pytest.mark.integration


def test_result_is_stored_in_redis_and_read_back(shared_worker, client, request):
    if not client.conf.result_backend:
        message = "set CELERY_RESULT_BACKEND (e.g. redis://127.0.0.1:6379/1) to test results"
        if services_required(request.config):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    result = client.send_task(
        "reports.tasks.create_report", args=["with a result"], queue=shared_worker.queue
    )
    client.sent_task_ids.append(result.id)
    report_id = result.get(timeout=20)
    assert isinstance(report_id, int)
    assert result.status == "SUCCESS"
    stored = client.backend.get(client.backend.get_key_for_task(result.id))
    assert stored is not None, "no result key in Redis"
