"""The worker-ready floor: a Celery app with nothing of the service's (no Django, no settings).

Started with the same command line as the service's worker, on the same broker.
"""

import os

from celery import Celery

app = Celery("bench_bare", broker=os.environ["CELERY_BROKER_URL"])
