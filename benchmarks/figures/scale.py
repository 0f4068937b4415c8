"""Throughput of 1, 2 and 3 worker nodes on Redis and on RabbitMQ, in the same run.

in_project/bench_scale.py starts the nodes (prefork, default concurrency, production
settings) and drains a queue of example tasks; each figure is tasks per second from the
moment every node is told to consume to the last row in PostgreSQL, and the workers' CPU
time per task over the same span (the cost, which grows with every node's share of polling
and coordination). All nodes run on this machine: on a small one they compete for the same
cores, so more nodes show the overhead of more processes, not the gain of more hosts.
"""

from __future__ import annotations

import testkit
from benchmarks.core import Bench, Figure, run_json, section

NODES = (1, 2, 3)
TASKS = 500


@section("scale", order=45, services=True)
def bench_scale(bench: Bench) -> list[Figure]:
    brokers = {"redis": bench.services.redis_url}
    rabbitmq_down = testkit.unreachable("rabbitmq")
    if not rabbitmq_down:
        brokers["rabbitmq"] = testkit.SERVICE_URLS["rabbitmq"]
    arguments = [f"--broker={name}={url}" for name, url in brokers.items()]
    count, runs = bench.size(TASKS, quick=20), bench.size(min(bench.runs, 3), quick=1)
    command = [bench.project_python(), "bench_scale.py", *arguments]
    nodes = NODES[:2] if bench.quick else NODES  # quick: proves the figures, in seconds
    command += ["--count", str(count), "--runs", str(runs), "--nodes", ",".join(map(str, nodes))]
    result = run_json(command, bench.base, bench.production_env(), timeout=1800)
    bench.extra["scale"] = result
    figures = []
    for broker, by_nodes in result.items():
        for nodes, samples in by_nodes.items():
            label = f"{broker}, {nodes} node{'s' if nodes != '1' else ''} x default concurrency"
            figures.append(
                Figure(
                    f"throughput, {label}",
                    "tasks/s",
                    [sample["tasks_per_s"] for sample in samples],
                    note=f"{count} create_report tasks per run",
                )
            )
            figures.append(
                Figure(
                    f"worker CPU per task, {label}",
                    "ms",
                    [sample["cpu_ms_per_task"] / 1000 for sample in samples],
                )
            )
    if rabbitmq_down:
        figures.append(Figure("throughput, rabbitmq", "tasks/s", skipped=rabbitmq_down))
    return figures
