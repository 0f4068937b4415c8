"""The class every task of this project is built on (celery.py makes it the app's default).

A database failover or a broker reconnect lasts seconds to a minute. A task that meets one
is sent again later, with growing delays, instead of failing: Celery acknowledges a failed
task even with late acks, so a failure here would be a task lost for good. The retries stop
after TASK_RETRY_WINDOW seconds (settings), long enough to outlast a managed database's
failover; after that the task fails with the error it last met.
https://docs.celeryq.dev/en/stable/userguide/tasks.html#custom-task-classes
"""

import random
import time

from celery import Task
from celery.exceptions import Reject, Retry
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

# What a database or broker that is briefly away raises inside a task. Sending a task
# (.delay()) wraps the broker's own errors in kombu's OperationalError; ConnectionError is
# a socket refused or reset in mid-call.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerOperationalError, ConnectionError)
# Carried from one attempt's message to the next, so the window spans every worker.
FIRST_ERROR_AT = "transient_error_first_at"
TRANSIENT_RETRIES = "transient_error_retries"


def retry_delay(attempt: int, longest: float) -> float:
    """Seconds before retry ``attempt`` (1, 2, ...): doubling up to ``longest``, jittered.

    The jitter (half to all of the delay) spreads the tasks that failed together, so they
    do not all come back in the same second to a database that has just recovered.
    """
    ceiling = min(longest, 2.0 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


class RetryTransientErrorsTask(Task):
    """Sends the task again when the database or broker is briefly away."""

    # After a worker loss (task_retry_on_worker_lost) and for a bare self.retry(): a lost
    # child is retried after seconds, not Celery's default of three minutes.
    default_retry_delay = 10

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except TRANSIENT_ERRORS as error:
            self.retry_transient(error)
            raise  # not retried: tests, direct calls, and errors past the window

    def retry_transient(self, error: Exception) -> None:
        """Send this task again later and raise Retry, unless it is not to be retried."""
        request = self.request
        if request.called_directly or request.is_eager:
            return
        headers = dict(request.headers or {})
        first_at = headers.setdefault(FIRST_ERROR_AT, time.time())
        if time.time() - first_at > settings.TASK_RETRY_WINDOW:
            return
        attempt = headers.get(TRANSIENT_RETRIES, 0) + 1
        headers[TRANSIENT_RETRIES] = attempt
        delay = retry_delay(attempt, settings.TASK_RETRY_LONGEST_DELAY)
        # Built as Task.retry() builds it, but ``retries`` stays as it was: max_retries is
        # kept for explicit retries and worker losses, which a long outage must not use up.
        again = self.signature_from_request(
            request, countdown=delay, retries=request.retries, headers=headers
        )
        try:
            again.apply_async()
        except Exception as publish_error:
            # The broker is away too: put the message back rather than drop it.
            raise Reject(publish_error, requeue=True) from error
        raise Retry(exc=error, when=delay, sig=again) from error
