"""Scale out: three worker nodes, each a network host of its own, on one broker and database.

Every node runs in its own network namespace and reaches PostgreSQL and the broker through
its own link (see cluster.py), so a node can be killed or cut off alone. The nodes are
shared by the tests of this module; each test first brings back any node a test before it
stopped. Tasks are the example ``create_report``: a task id writes one row, so counting rows
per id says what survived, and the database records which node wrote each row (the
connection's application_name, in a column only this test database has).
"""

import collections
import datetime
import json
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import psycopg
import pytest

from tests import services

from .cluster import (
    Forwarder,
    Host,
    Node,
    as_seen_from,
    make_hosts,
    namespaces_unavailable,
    sweep_stale,
)
from .support import (
    PROJECT_PACKAGE,
    PROJECT_ROOT,
    may_lose_in_flight,
    on_redis,
    production_environment,
    services_required,
)

pytestmark = [pytest.mark.integration, pytest.mark.scale_out]

TASK = "reports.tasks.create_report"
PRODUCTION = f"{PROJECT_PACKAGE}.settings.production"
NODES = 3
CUT_SECONDS = 30
# Redis hands a dead node's unacknowledged tasks to others after this; production keeps
# the settings' much longer timeout (see the README's operations section).
VISIBILITY_TIMEOUT = 10
# Generous bounds against hangs; the figures themselves are printed, never asserted.
DRAIN_TIMEOUT = 120.0
REJOIN_TIMEOUT = 120.0
BRPOP_SECONDS = 2.0


@dataclass
class Cluster:
    nodes: list[Node]
    work_queue: str
    reports_queue: str
    database_url: str
    client: object

    def ensure_running(self) -> None:
        """Start again any node a test before this one stopped, and wait for all of them."""
        for node in self.nodes:
            if not node.running:
                node.start()
        for node in self.nodes:
            node.wait_until_ready(self.client)

    def send_backlog(self, prefix: str, count: int) -> list[str]:
        """Queue ``count`` tasks while no node consumes, then set every node on them at once.

        Sent one by one, tasks can trickle in no faster than the nodes finish them; a
        backlog keeps every node busy, with tasks in hand, for as long as it lasts.
        """
        names = [node.nodename for node in self.nodes]
        control = self.client.control
        control.cancel_consumer(self.work_queue, destination=names, reply=True, timeout=10)
        # On Redis a node's BRPOP already waiting (up to 1 s) would still take the first task
        # sent, for a consumer that is gone: let those run out first.
        time.sleep(BRPOP_SECONDS)
        try:
            return self.send(prefix, count)
        finally:
            control.add_consumer(self.work_queue, destination=names, reply=True, timeout=10)

    def send(self, prefix: str, count: int, queue: str | None = None) -> list[str]:
        ids = []
        for number in range(count):
            result = self.client.send_task(
                TASK, args=[f"{prefix}-{number}"], queue=queue or self.work_queue
            )
            ids.append(result.id)
        self.client.sent_task_ids.extend(ids)
        return ids

    def rows(self, prefix: str) -> dict[str, dict]:
        """task id -> the row it wrote, for the tasks whose name starts with ``prefix``."""
        query = (
            "SELECT task_id, written_by_node, created_at, written_by_settings, "
            "written_by_engine FROM reports_report WHERE name LIKE %s"
        )
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            found = connection.execute(query, (f"{prefix}-%",)).fetchall()
        columns = ("node", "created_at", "settings", "engine")
        return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in found}

    def wait_for_rows(self, prefix: str, count: int, timeout: float = DRAIN_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while len(rows := self.rows(prefix)) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        return rows

    def executions(self, ids: list[str]) -> collections.Counter:
        """How often each task id is logged as succeeded, over every node's log."""
        wanted = set(ids)
        logged = (task_id for node in self.nodes for task_id in node.task_ids("succeeded"))
        return collections.Counter(task_id for task_id in logged if task_id in wanted)


def unique_prefix(scenario: str) -> str:
    return f"{scenario}-{uuid.uuid4().hex[:8]}"


def assert_each_once(
    cluster: Cluster, prefix: str, sent: list[str], rows: dict, may_lose: int = 0
) -> None:
    """Every task sent (but at most ``may_lose``) wrote its row, and nothing else did."""
    missing = set(sent) - set(rows)
    assert len(missing) <= may_lose, f"{len(missing)} of {len(sent)} tasks never wrote their row"
    assert set(rows) <= set(sent)
    executions = cluster.executions(sent)
    repeated = sum(count - 1 for count in executions.values() if count > 1)
    by_node = collections.Counter(row["node"] for row in rows.values())
    print(
        f"\n[scale-out] {prefix}: sent {len(sent)}, rows {len(rows)} (one per task id), "
        f"executions logged twice or more: {repeated}; rows by node {dict(sorted(by_node.items()))}"
    )


@pytest.fixture(scope="module")
def test_hosts(request):
    problem = namespaces_unavailable()
    if problem:
        if services_required(request.config):
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    sweep_stale()
    hosts = make_hosts(NODES)
    yield hosts
    for host in hosts:
        host.remove()


def node_environment(host: Host, name: str, database_url: str, broker_url: str, run: str):
    # The database records which node wrote a row through the connection's application_name.
    database = f"{as_seen_from(host, database_url)}?{urlencode({'application_name': name})}"
    extra = {
        # Keys of this run's own for Redis's unacknowledged messages (RabbitMQ ignores them).
        "CLUSTER_TRANSPORT_OPTIONS": json.dumps(
            {
                "visibility_timeout": VISIBILITY_TIMEOUT,
                "unacked_restore_interval": 2,
                "unacked_restore_throttle": 1,
                "unacked_key": f"unacked_{run}",
                "unacked_index_key": f"unacked_index_{run}",
                "unacked_mutex_key": f"unacked_mutex_{run}",
            }
        )
    }
    if backend := services.given.get("CELERY_RESULT_BACKEND"):
        extra["CELERY_RESULT_BACKEND"] = as_seen_from(host, backend)
    return production_environment(database, as_seen_from(host, broker_url), **extra)


@pytest.fixture(scope="module")
def cluster(test_hosts, database_url, broker_url, client, tmp_path_factory):
    run = uuid.uuid4().hex[:8]
    logs = tmp_path_factory.mktemp("cluster")
    work_queue, reports_queue = f"scale_{run}", f"scale_reports_{run}"
    client.created_queues.extend([work_queue, reports_queue])
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            "ALTER TABLE reports_report ADD COLUMN IF NOT EXISTS written_by_node text "
            "DEFAULT current_setting('application_name')"
        )
    urls = [database_url, broker_url, services.given.get("CELERY_RESULT_BACKEND", "")]
    forwarder = Forwarder(test_hosts, list(filter(None, urls)), logs / "forwarder.log")
    nodes = []
    try:
        for host in test_hosts:
            name = f"node{host.index + 1}-{run}"
            # The first node alone also serves the reports queue.
            queues = [work_queue, reports_queue] if host.index == 0 else [work_queue]
            arguments = ["--concurrency", "2", "--loglevel", "INFO"]
            arguments += ["--without-mingle", "--without-gossip"]
            environ = node_environment(host, name, database_url, broker_url, run)
            nodes.append(Node(name, host, queues, environ, logs / f"{name}.log", arguments))
        cluster = Cluster(nodes, work_queue, reports_queue, database_url, client)
        cluster.ensure_running()
        yield cluster
    finally:
        for node in nodes:
            node.stop()
        forwarder.stop()
        if on_redis(broker_url):
            with client.connection_for_write() as connection:
                keys = [f"{key}_{run}" for key in ("unacked", "unacked_index", "unacked_mutex")]
                connection.default_channel.client.delete(*keys)


def test_every_node_reports_the_same_settings_and_database(cluster, database_url):
    """The incident, spread over hosts, would show up here as one node disagreeing."""
    cluster.ensure_running()
    database = urlsplit(database_url).path.lstrip("/")
    # Each node's health check, run on the node's own host as its container would run it.
    diagnose = [
        (
            node,
            subprocess.Popen(
                # Generous: this checks what each node runs with, not how fast it answers.
                node.host.command(
                    sys.executable,
                    "manage.py",
                    "diagnose",
                    "--timeout",
                    "10",
                    "--worker",
                    node.nodename,
                ),
                cwd=PROJECT_ROOT,
                env=node.environ,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
        for node in cluster.nodes
    ]
    reported = {}
    for node, process in diagnose:
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output
        assert f"settings  {PRODUCTION}" in output
        assert "2 of 2 children alive" in output
        started = [
            line.partition(f"worker {node.nodename}: ")[2]
            for line in node.log.splitlines()
            if f"worker {node.nodename}: settings " in line
        ]
        assert started, node.log
        for line in started:
            settings, _, rest = line.removeprefix("settings ").partition("; database ")
            engine, name, host = rest.partition(";")[0].split()
            reported[node.name] = (settings, engine, name.removeprefix("name="))
            # Each host reaches the same database through its own address.
            assert host == f"host={node.host.host_address}:5432"
    expected = (PRODUCTION, "django.db.backends.postgresql", database)
    assert set(reported.values()) == {expected}, reported


def test_nodes_on_one_queue_share_the_work_and_run_each_task_once(cluster):
    cluster.ensure_running()
    prefix = unique_prefix("shared")
    sent = cluster.send_backlog(prefix, 150)
    rows = cluster.wait_for_rows(prefix, len(sent))
    assert_each_once(cluster, prefix, sent, rows)
    # Shared: more than one node ran them. How many each ran (printed above) depends on how
    # soon each takes up the queue again; on a busy machine two can drain it before the third.
    assert len({row["node"] for row in rows.values()}) >= 2
    assert {(row["settings"], row["engine"]) for row in rows.values()} == {
        (PRODUCTION, "postgresql")
    }


def test_a_queue_served_by_one_node_never_runs_elsewhere(cluster):
    cluster.ensure_running()
    prefix, other = unique_prefix("routed"), unique_prefix("unrouted")
    routed = cluster.send(prefix, 60, queue=cluster.reports_queue)
    # Meanwhile the other nodes are idle for want of work, not busy elsewhere.
    shared = cluster.send(other, 60)
    rows = cluster.wait_for_rows(prefix, len(routed))
    assert_each_once(cluster, prefix, routed, rows)
    assert {row["node"] for row in rows.values()} == {cluster.nodes[0].name}
    assert_each_once(cluster, other, shared, cluster.wait_for_rows(other, len(shared)))


def test_a_node_killed_mid_load_has_its_tasks_run_elsewhere_once(cluster, client, broker_url):
    cluster.ensure_running()
    victim, *others = cluster.nodes[::-1]
    prefix = unique_prefix("killed")
    sent = cluster.send_backlog(prefix, 400)
    cluster.wait_for_rows(prefix, 80)
    # Killed with work in hand. add_consumer reaches each node in its own time, so on a busy
    # machine the victim may not have taken up the queue yet: wait until it holds a task.
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while not (set(victim.task_ids("received")) - set(victim.task_ids("succeeded"))) & set(sent):
        if time.monotonic() > deadline:
            break  # the in_hand assertion below says what happened
        time.sleep(0.05)
    killed_at = datetime.datetime.now()
    victim.kill()
    rows = cluster.wait_for_rows(prefix, len(sent))
    may_lose = may_lose_in_flight(broker_url)
    assert_each_once(cluster, prefix, sent, rows, may_lose)

    # What the victim had received and not finished when it died. A child logs "succeeded"
    # before it hands the result back and the worker acknowledges the task, so none of these
    # was acknowledged: each must reach another node, even if its row was written already.
    finished = victim.task_times("succeeded")
    received = victim.task_times("received")
    in_hand = {task_id for task_id in set(sent) & set(received) if task_id not in finished}
    assert in_hand, "the node died holding no task: kill it earlier in the load"
    redelivered: dict[str, datetime.timedelta] = {}
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while set(redelivered) != in_hand and time.monotonic() < deadline:
        time.sleep(0.5)
        for node in others:
            for task_id, moment in node.task_times("received").items():
                if task_id in in_hand:
                    redelivered[task_id] = min(redelivered.get(task_id, moment), moment)
    assert set(redelivered) == in_hand, f"never reached another node: {in_hand - set(redelivered)}"
    delays = {task_id: moment - killed_at for task_id, moment in redelivered.items()}
    assert len(cluster.rows(prefix)) >= len(sent) - may_lose
    seconds = sorted(round(delay.total_seconds(), 2) for delay in delays.values())
    print(
        f"[scale-out] {prefix}: {len(in_hand)} tasks in the killed node's hands, "
        f"{len(redelivered)} redelivered to others after {seconds} s"
    )


class Sender(threading.Thread):
    """Keeps sending tasks in small batches until told to stop."""

    def __init__(self, cluster: Cluster, prefix: str):
        super().__init__(daemon=True)
        self.cluster, self.prefix = cluster, prefix
        self.sent: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        batch = 0
        while not self.stopping.wait(0.2):
            self.sent += self.cluster.send(f"{self.prefix}-{batch}", 5)
            batch += 1


def restart(node: Node, client) -> int:
    """SIGTERM the node's worker, wait for it to exit, start it again; return the exit code."""
    code = node.terminate()
    node.start()
    node.wait_until_ready(client)
    return code


def test_a_rolling_restart_while_a_node_is_cut_off_loses_nothing_and_it_rejoins(cluster):
    """Two faults at once, as they come in real life, and to wait for the cut only once.

    While tasks keep coming, the second node's link goes down for 30 s; meanwhile the other
    two nodes are restarted in turn. Once its link is back, the cut-off node must take work
    again; then it is restarted too. Every task sent must have written its row once.
    """
    cluster.ensure_running()
    first, cut_off, last = cluster.nodes
    prefix = unique_prefix("rolling")
    sender = Sender(cluster, prefix)
    sender.start()
    exits = {}
    try:
        time.sleep(1)
        cut_off.host.cut()
        cut_at = time.monotonic()
        try:
            for node in (first, last):
                exits[node.name] = restart(node, cluster.client)
            time.sleep(max(0.0, CUT_SECONDS - (time.monotonic() - cut_at)))
        finally:
            cut_off.host.reconnect()
        back_at = datetime.datetime.now(datetime.UTC)
        took_work = None
        deadline = time.monotonic() + REJOIN_TIMEOUT
        while took_work is None and time.monotonic() < deadline:
            time.sleep(0.5)
            written = [
                row["created_at"]
                for row in cluster.rows(prefix).values()
                if row["node"] == cut_off.name and row["created_at"] > back_at
            ]
            took_work = min(written, default=None)
        assert took_work, (
            f"{cut_off.name} took no task after its link came back:\n{cut_off.log[-3000:]}"
        )
        exits[cut_off.name] = restart(cut_off, cluster.client)
        time.sleep(1)
    finally:
        sender.stopping.set()
        sender.join(timeout=30)
    rows = cluster.wait_for_rows(prefix, len(sender.sent))
    assert_each_once(cluster, prefix, sender.sent, rows)
    assert set(exits.values()) == {0}, exits
    print(
        f"[scale-out] {prefix}: link down {CUT_SECONDS} s; {cut_off.name} wrote a row again "
        f"{(took_work - back_at).total_seconds():.1f} s after its link came back"
    )
