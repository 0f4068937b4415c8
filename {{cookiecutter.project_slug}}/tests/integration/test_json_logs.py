"""log_format json: every line the real worker and gunicorn log is one JSON object."""

import json

import pytest

from .support import WebServer, production_environment, unique_name

pytestmark = pytest.mark.integration
TASKS = "tests.integration.worker_tasks"


def json_lines(log: str) -> list[dict]:
    """Each non-empty line parsed; a line that is not a JSON object fails the test."""
    entries = []
    for line in filter(None, log.splitlines()):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON line: {line!r}\n--- log ---\n{log}")
        assert isinstance(entry, dict), line
        assert {"time", "level", "logger", "process", "message"} <= entry.keys(), line
        entries.append(entry)
    return entries


def test_worker_lines_are_json_with_the_task_id_and_name(start_worker, client):
    # --quiet: Celery prints its start-up banner outside logging.
    worker = start_worker(quiet=True)
    marker = unique_name("json")
    result = client.send_task(f"{TASKS}.log_a_line", args=[marker], queue=worker.queue)
    client.sent_task_ids.append(result.id)
    worker.wait_for_log(rf"Task {TASKS}\.log_a_line\[{result.id}\] succeeded")

    entries = json_lines(worker.log)
    (line,) = [entry for entry in entries if marker in entry["message"]]
    assert line["message"] == f"a line from a task: {marker}"
    assert (line["task_id"], line["task_name"]) == (result.id, f"{TASKS}.log_a_line")
    assert line["level"] == "INFO" and line["logger"] == TASKS
    # Celery's own line about the task carries them too; the main process's lines do not.
    (succeeded,) = [entry for entry in entries if "succeeded" in entry["message"]]
    assert succeeded["task_id"] == result.id
    assert any("worker" in entry["message"] and "task_id" not in entry for entry in entries)


def test_gunicorn_and_django_lines_are_json(database_url, broker_url, tmp_path):
    web = WebServer(production_environment(database_url, broker_url), tmp_path / "web.log")
    try:
        web.wait_until_serving()
        assert web.get("/no-such-page/", **{"X-Forwarded-Proto": "https"})[0] == 404
    finally:
        web.stop()
    entries = json_lines(web.log)
    loggers = {entry["logger"] for entry in entries}
    assert {"gunicorn.error", "django.request"} <= loggers, loggers
    # Under load a health check may answer 503 while gunicorn warms up; that is logged too.
    (not_found,) = [
        entry
        for entry in entries
        if entry["logger"] == "django.request" and "/no-such-page/" in entry["message"]
    ]
    assert not_found["level"] == "WARNING"
    assert not_found["message"] == "Not Found: /no-such-page/"
