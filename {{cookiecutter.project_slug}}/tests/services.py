"""Service URLs given to a test run, kept out of the test process's own environment.

Celery reads CELERY_BROKER_URL and CELERY_RESULT_BACKEND from the environment in preference
to any setting, so the eager test process must not see them; tests/integration hands them
to the real workers it starts.
"""

import os

VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
given: dict[str, str] = {}


def take_from_environment() -> None:
    for name in VARIABLES:
        if name in os.environ:
            given[name] = os.environ.pop(name)
