"""log_format json: the formatter writes one JSON object per record, with a task's id and name."""

import json
import logging
import sys

from celery import shared_task

from {{ cookiecutter.project_slug }}.logs import JsonFormatter
from {{ cookiecutter.project_slug }}.settings import base


def record(message: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("orders", logging.WARNING, __file__, 1, message, args, exc_info)


@shared_task
def format_a_record_in_a_task() -> str:
    return JsonFormatter().format(record("inside"))


def test_every_process_logs_json():
    console = base.LOGGING["handlers"]["console"]
    assert base.LOGGING["formatters"][console["formatter"]]["()"].endswith(".JsonFormatter")


def test_a_record_is_one_json_object_on_one_line():
    line = JsonFormatter().format(record("paid %s\nin full", b"\xff\xfe"))
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "paid b'\\xff\\xfe'\nin full"
    assert (entry["level"], entry["logger"]) == ("WARNING", "orders")
    assert entry["time"].endswith("+00:00")
    assert "task_id" not in entry


def test_a_record_inside_a_task_carries_its_id_and_name():
    result = format_a_record_in_a_task.apply(task_id="task-1")
    entry = json.loads(result.get())
    assert entry["task_id"] == "task-1"
    assert entry["task_name"] == "tests.test_logs.format_a_record_in_a_task"


def test_a_traceback_stays_inside_the_line():
    try:
        raise ValueError("bad input")
    except ValueError:
        line = JsonFormatter().format(record("failed", exc_info=sys.exc_info()))
    entry = json.loads(line)
    assert entry["exception"].startswith("Traceback")
    assert "ValueError: bad input" in entry["exception"]
