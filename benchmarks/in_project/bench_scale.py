"""Throughput of 1, 2 and 3 worker nodes on one broker: the half that needs Celery.

Copied into the benchmark's rendered project and run with its interpreter (see
benchmarks/figures/scale.py):

    python bench_scale.py --broker redis=redis://... --broker rabbitmq=amqp://... \
        --nodes 1,2,3 --count 1000 --runs 3

For each broker and node count it starts that many workers as deployed (prefork, default
concurrency, production settings) on a queue of their own, then per run: the workers stop
consuming, ``count`` example tasks (``create_report``) are queued, every worker is told to
consume at once, and the clock runs until the last row is in PostgreSQL. The workers' CPU
time (main process and pool children, from /proc) over the same span gives the cost per
task. Prints one JSON document.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from celery import Celery
from kombu import Exchange, Queue

from testkit import DEFAULT_SLUG, stop_group  # copied in beside this file by run.py

TASK = "reports.tasks.create_report"
READY_TIMEOUT = 60.0
DRAIN_TIMEOUT = 300.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and all its descendants still running."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        # After the name: state is field 3, utime and stime are fields 14 and 15.
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        pending += [int(child) for child in children]
    return total


class Node:
    def __init__(self, slug: str, broker_url: str, queue: str, log_dir: Path) -> None:
        token = uuid.uuid4().hex[:8]
        self.name = f"scale-{token}@{socket.gethostname()}"
        log = (log_dir / f"{token}.log").open("w")
        command = [sys.executable, "-m", "celery", "-A", slug, "worker", "--loglevel", "INFO"]
        self.process = subprocess.Popen(
            [*command, "--queues", queue, "--hostname", self.name],
            env={**os.environ, "CELERY_BROKER_URL": broker_url, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.log_path = Path(log.name)

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)


def wait_ready(client: Celery, nodes: list[Node]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    waiting = {node.name for node in nodes}
    while waiting and time.monotonic() < deadline:
        for node in nodes:
            if node.process.poll() is not None:
                raise RuntimeError(f"worker exited:\n{node.log_path.read_text()[-3000:]}")
        replies = client.control.ping(destination=sorted(waiting), timeout=0.5)
        waiting -= {name for reply in replies for name in reply}
    if waiting:
        raise RuntimeError(f"workers not ready within {READY_TIMEOUT} s: {sorted(waiting)}")


def count_rows(database_url: str, prefix: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as connection:
        query = "SELECT count(*) FROM reports_report WHERE name LIKE %s"
        return connection.execute(query, (f"{prefix}%",)).fetchone()[0]


def one_run(client, nodes, queue: str, count: int, database_url: str) -> dict:
    names = [node.name for node in nodes]
    client.control.cancel_consumer(queue, destination=names, reply=True, timeout=5)
    time.sleep(2)  # a BRPOP already waiting on Redis (1 s) would take a task for no consumer
    prefix = f"scale-{uuid.uuid4().hex[:8]}-"
    with client.producer_or_acquire() as producer:
        for number in range(count):
            client.send_task(TASK, args=[f"{prefix}{number}"], queue=queue, producer=producer)
    cpu_before = sum(node.cpu() for node in nodes)
    started = time.perf_counter()
    client.control.add_consumer(queue, destination=names, reply=True, timeout=5)
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while (done := count_rows(database_url, prefix)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{done} of {count} tasks done within {DRAIN_TIMEOUT} s")
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    cpu = sum(node.cpu() for node in nodes) - cpu_before
    return {
        "seconds": seconds,
        "tasks_per_s": count / seconds,
        "cpu_ms_per_task": cpu / count * 1000,
    }


def measure(slug: str, broker_url: str, nodes: int, count: int, runs: int, logs: Path) -> list:
    queue = f"bench-scale-{uuid.uuid4().hex[:8]}"
    client = Celery("bench-scale-client", broker=broker_url, set_as_current=False)
    with client.connection_for_write() as connection:
        Queue(
            queue, Exchange(queue), routing_key=queue, channel=connection.default_channel
        ).declare()
    print(f"... {nodes} node(s) on {broker_url.partition(':')[0]}", file=sys.stderr, flush=True)
    started = [Node(slug, broker_url, queue, logs) for _ in range(nodes)]
    try:
        wait_ready(client, started)
        database_url = os.environ["DATABASE_URL"]
        return [one_run(client, started, queue, count, database_url) for _ in range(runs)]
    finally:
        for node in started:
            stop_group(node.process)
        with client.connection_for_write() as connection:
            channel = connection.default_channel
            declared = Queue(queue, Exchange(queue), routing_key=queue, channel=channel)
            declared.declare()
            declared.delete()
            declared.exchange.delete()
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--broker", action="append", required=True, help="NAME=URL")
    parser.add_argument("--nodes", default="1,2,3")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slug", default=DEFAULT_SLUG)
    args = parser.parse_args()
    # Celery prefers CELERY_BROKER_URL from the environment to the broker it is given.
    os.environ.pop("CELERY_BROKER_URL", None)
    results: dict[str, dict[str, list]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as logs:
        for broker in args.broker:
            name, _, url = broker.partition("=")
            results[name] = {
                nodes: measure(args.slug, url, int(nodes), args.count, args.runs, Path(logs))
                for nodes in args.nodes.split(",")
            }
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
