"""The project's Celery app with one more periodic task, for test_beat (``celery -A``).

The entry joins the schedule from the settings the way any entry there would: every second,
a report named PERIODIC_MARKER, sent to the test worker's queue PERIODIC_QUEUE.
"""

import os

from {{ cookiecutter.project_slug }}.celery import app

app.conf.beat_schedule = {
    **app.conf.beat_schedule,
    "integration-every-second": {
        "task": "reports.tasks.create_report",
        "schedule": 1.0,
        "args": [os.environ["PERIODIC_MARKER"]],
        "options": {"queue": os.environ["PERIODIC_QUEUE"]},
    },
}
