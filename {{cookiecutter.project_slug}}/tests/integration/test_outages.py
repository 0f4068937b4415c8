"""Outages under load: every task sent writes its row exactly once, whatever blinked meanwhile.

One worker (two children) reaches PostgreSQL and the broker through TCP proxies this module
owns; cutting a proxy stands for a database failover or a broker restart (the real servers
are never touched). Each scenario sends a batch of the example task, breaks something while
the worker is working through it, and then counts rows in PostgreSQL: one per task id sent,
no more, no fewer.
"""

import os
import signal
import time
from urllib.parse import urlsplit

import pytest

from .support import (
    TcpProxy,
    Workers,
    forget_unacked,
    may_lose_in_flight,
    production_environment,
    redis_unacked,
    task_ids_of_reports,
    unique_name,
)

pytestmark = pytest.mark.integration
# Enough that an outage lands in the middle of the work, few enough to keep the suite quick.
BATCH = 200
# Generous: every task retried through the outage, at most 30 s apart, has to come back.
DRAIN_TIMEOUT = 240.0
# For the rest: what is left takes seconds; a minute means something hangs.
HANG_BOUND = 60.0


@pytest.fixture(scope="module")
def proxies(database_url, broker_url):
    database, broker = urlsplit(database_url), urlsplit(broker_url)
    proxied = {
        "database": TcpProxy(database.hostname, database.port or 5432),
        "broker": TcpProxy(broker.hostname, broker.port),
    }
    yield proxied
    for proxy in proxied.values():
        proxy.close()


@pytest.fixture(scope="module")
def proxied_worker(database_url, broker_url, client, tmp_path_factory, proxies):
    environ = production_environment(
        proxies["database"].url(database_url), proxies["broker"].url(broker_url)
    )
    workers = Workers(client, tmp_path_factory.mktemp("outages"), environ)
    yield workers.start(concurrency=2)
    workers.stop_all()


def send_batch(client, worker, marker: str, count: int = BATCH) -> list[str]:
    """Send ``count`` create_report tasks, as the web process would; return their ids."""
    ids = []
    for number in range(count):
        result = client.send_task(
            "reports.tasks.create_report", args=[f"{marker}-{number}"], queue=worker.queue
        )
        ids.append(result.id)
    client.sent_task_ids.extend(ids)
    return ids


def assert_each_written(written: list[str], sent: list[str], worker_log: str) -> None:
    """One row per task sent; a task without one is shown with what the worker logged of it."""
    missing = set(sent) - set(written)
    logged = [line for line in worker_log.splitlines() if any(i in line for i in missing)]
    assert not missing, f"{len(missing)} of {len(sent)} tasks wrote no row:\n" + "\n".join(logged)
    assert sorted(written) == sorted(sent)


def wait_for_rows(database_url: str, marker: str, count: int, timeout: float) -> list[str]:
    """Poll until ``count`` rows of this batch exist (or the time is up); return their ids."""
    deadline = time.monotonic() + timeout
    while True:
        written = task_ids_of_reports(database_url, f"{marker}-")
        if len(written) >= count or time.monotonic() > deadline:
            return written
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("service", "seconds"), [("database", 10), ("database", 60), ("broker", 10)]
)
def test_an_outage_under_load_loses_no_task_and_repeats_none(
    proxied_worker, proxies, client, database_url, broker_url, service, seconds
):
    marker = unique_name(f"{service}_cut")
    sent = send_batch(client, proxied_worker, marker)
    # Cut while the worker is in the middle of the batch.
    wait_for_rows(database_url, marker, BATCH // 10, timeout=60)
    proxies[service].cut()
    time.sleep(seconds)
    proxies[service].restore()
    restored = time.monotonic()
    written = wait_for_rows(database_url, marker, BATCH, timeout=DRAIN_TIMEOUT)
    # On Redis, a task the worker had reserved when its broker connection dropped waits in
    # the unacknowledged hash until visibility_timeout (README, Waits). Still there after the
    # drain, it has waited minutes: it is not in flight.
    waiting = set(redis_unacked(broker_url, [proxied_worker.queue]).values()) - set(written)
    lost = set(sent) - set(written) - waiting
    print(
        f"{service} cut {seconds} s: {len(written)}/{BATCH} rows, "
        f"drained {time.monotonic() - restored:.1f} s after the restore, "
        f"{len(waiting)} waiting for visibility_timeout, {len(lost)} lost"
    )
    # A broker cut can catch one message on its way from Redis (see may_lose_in_flight).
    assert len(lost) <= (may_lose_in_flight(broker_url) if service == "broker" else 0), lost
    expected = [task for task in sent if task not in waiting | lost]
    assert_each_written(written, expected, proxied_worker.log)


def test_children_killed_under_load_lose_no_task_and_repeat_none(
    proxied_worker, client, database_url
):
    marker = unique_name("children_killed")
    sent = send_batch(client, proxied_worker, marker)
    for _ in range(3):
        wait_for_rows(database_url, marker, len(task_ids_of_reports(database_url, marker)) + 20, 60)
        for pid in proxied_worker.child_pids():
            os.kill(pid, signal.SIGKILL)
    # A lost child's task comes back after its default_retry_delay (10 s), and may be in hand
    # at the next kill too: up to three such delays, on a machine that may be busy.
    written = wait_for_rows(database_url, marker, BATCH, timeout=DRAIN_TIMEOUT)
    assert_each_written(written, sent, proxied_worker.log)


def test_a_worker_killed_outright_and_restarted_loses_no_task(
    database_url, broker_url, client, tmp_path
):
    workers = Workers(client, tmp_path, production_environment(database_url, broker_url))
    first = workers.start(concurrency=2)
    marker = unique_name("parent_killed")
    try:
        sent = send_batch(client, first, marker)
        wait_for_rows(database_url, marker, BATCH // 10, timeout=60)
        # The whole worker at once, as the OOM killer or a lost container does.
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        held = list(redis_unacked(broker_url, [first.queue]).values())
        # A child killed between its commit and its ack leaves a task both written and held:
        # redelivered, it finds its row (the task is keyed on its id). Give PostgreSQL a
        # moment to finish a commit the dead children had already sent.
        time.sleep(1)
        waiting = set(held) - set(task_ids_of_reports(database_url, f"{marker}-"))
        workers.start(concurrency=2, queue=first.queue)
        written = wait_for_rows(database_url, marker, BATCH - len(waiting), timeout=HANG_BOUND)
    finally:
        workers.stop_all()
        forget_unacked(broker_url, [first.queue])
    lost = set(sent) - set(written) - waiting
    print(
        f"parent killed: {len(held)} held in Redis, {len(waiting)} of them without a row; "
        f"{len(written)} rows, {len(lost)} tasks lost"
    )
    # On Redis the tasks the dead worker held come back after visibility_timeout (README,
    # Operations); until then they wait in Redis. RabbitMQ redelivers them at once. A row per
    # task id is unique, so none ran twice.
    assert set(written) <= set(sent)
    assert not set(written) & waiting
    assert len(lost) <= may_lose_in_flight(broker_url), sorted(lost)
