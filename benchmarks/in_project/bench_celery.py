"""Benchmark-only Celery app: the service's own app, plus a result backend.

The default rendered service keeps no task results, so a round trip could not be observed
from the sender. This module is copied into a temporary rendered project and started with
``celery -A bench_celery worker --include bench_tasks``; it changes nothing but
``result_backend`` (from ``BENCH_RESULT_BACKEND``).
"""

import importlib
import os

app = importlib.import_module(f"{os.environ['BENCH_PROJECT_SLUG']}.celery").app
app.conf.result_backend = os.environ["BENCH_RESULT_BACKEND"]
