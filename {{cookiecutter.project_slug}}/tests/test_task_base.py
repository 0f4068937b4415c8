"""Every task retries a database or broker that is briefly away (tests/integration cuts them)."""

import time

import pytest
from celery import shared_task
from celery.exceptions import Retry
from django.db import OperationalError

from {{ cookiecutter.project_slug }}.task_base import (
    FIRST_ERROR_AT,
    TRANSIENT_RETRIES,
    RetryTransientErrorsTask,
    retry_delay,
)


def test_every_task_of_the_project_is_built_on_the_retrying_base(report_task):
    @shared_task
    def declared_as_usual() -> None:
        """A new task, written the way the README says."""

    assert isinstance(report_task, RetryTransientErrorsTask)
    assert isinstance(declared_as_usual, RetryTransientErrorsTask)


def test_a_lost_worker_retries_its_task_in_seconds_not_minutes(report_task):
    # task_retry_on_worker_lost waits default_retry_delay; Celery's own is 180 s.
    assert report_task.default_retry_delay <= 30


@pytest.mark.parametrize("attempt", range(1, 12))
def test_retry_delays_double_up_to_the_longest_with_jitter(attempt):
    ceiling = min(30.0, 2.0 ** (attempt - 1))
    delays = [retry_delay(attempt, longest=30.0) for _ in range(50)]
    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(set(delays)) > 1


@shared_task(bind=True)
def fails_on_the_database(self) -> None:
    raise OperationalError("connection refused")


def test_tests_and_direct_calls_see_the_error_at_once():
    with pytest.raises(OperationalError):
        fails_on_the_database.delay()
    with pytest.raises(OperationalError):
        fails_on_the_database()


@pytest.fixture
def in_a_worker(monkeypatch):
    """Run retry_transient as a worker would: its sends reach the (in-memory) broker."""
    monkeypatch.setitem(fails_on_the_database.app.conf, "task_always_eager", False)

    def push(**headers):
        fails_on_the_database.push_request(
            id="from-the-broker",
            retries=1,
            is_eager=False,
            called_directly=False,
            headers=headers,
        )

    yield push
    fails_on_the_database.pop_request()


def test_a_transient_error_sends_the_task_again_carrying_the_first_error_time(in_a_worker):
    first_at = time.time() - 20
    in_a_worker(**{FIRST_ERROR_AT: first_at, TRANSIENT_RETRIES: 3})
    with pytest.raises(Retry) as retry:
        fails_on_the_database.retry_transient(OperationalError("connection refused"))
    again = retry.value.sig
    assert again.options["headers"] == {FIRST_ERROR_AT: first_at, TRANSIENT_RETRIES: 4}
    assert again.options["task_id"] == "from-the-broker"
    # Explicit retries and worker losses keep their own count (max_retries).
    assert again.options["retries"] == 1
    assert 4 <= retry.value.when <= 8


def test_a_task_still_failing_after_the_window_fails(in_a_worker, settings):
    settings.TASK_RETRY_WINDOW = 60
    in_a_worker(**{FIRST_ERROR_AT: time.time() - 61, TRANSIENT_RETRIES: 6})
    # Nothing is sent and no Retry raised: the caller lets the error through.
    assert fails_on_the_database.retry_transient(OperationalError("still away")) is None
