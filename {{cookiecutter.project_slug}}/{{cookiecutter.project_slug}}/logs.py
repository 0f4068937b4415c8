"""Log records as JSON lines, one object per line, for log collectors (log_format json).

Each line has the time (UTC, ISO 8601), level, logger, process id and message, the
traceback when there is one, and, inside a Celery task, the task's id and name, so a
task's lines can be found among those of every child of every worker.
https://docs.python.org/3/library/logging.html#formatter-objects
"""

import json
import logging
from datetime import UTC, datetime

from celery import current_task

# Python's warnings print themselves to stderr, outside logging; send them through it (as
# the py.warnings logger) so that they become JSON lines too. Django's LOGGING loads this
# module, and so does gunicorn.conf.py, before either process does anything else.
logging.captureWarnings(True)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
            "message": record.getMessage(),
        }
        # current_task is None outside a task (web requests, the worker's main process).
        if current_task and current_task.request.id:
            entry["task_id"] = current_task.request.id
            entry["task_name"] = current_task.name
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: a message argument that JSON cannot hold must not lose the line.
        return json.dumps(entry, default=str)
