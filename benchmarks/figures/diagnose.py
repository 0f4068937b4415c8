"""``manage.py diagnose``, and a worker refusing an unreachable database, under production."""

from __future__ import annotations

import os
import subprocess
import time

import testkit
from benchmarks.core import COMMAND_TIMEOUT, Bench, Figure, section, timed_run


@section("diagnose", order=50, services=True)
def bench_diagnose(bench: Bench) -> list[Figure]:
    command = [bench.project_python(), "manage.py", "diagnose"]
    samples = [timed_run(command, bench.base, bench.production_env()) for _ in range(bench.runs)]
    return [
        Figure("manage.py diagnose (production, Postgres + Redis)", "s", samples),
        worker_refusal(bench),
    ]


def worker_refusal(bench: Bench) -> Figure:
    """From start to exit 78 (tests/integration/test_fail_fast.py checks the exit itself)."""
    unreachable = f"postgres://postgres@127.0.0.1:{testkit.free_port()}/postgres"
    command = [bench.project_python(), "-m", "celery", "-A", testkit.DEFAULT_SLUG, "worker"]
    samples = []
    for _ in range(bench.runs):
        started = time.perf_counter()
        completed = subprocess.run(
            [*command, "--queues", "bench_refused"],
            cwd=bench.base,
            env={**bench.production_env(), "DATABASE_URL": unreachable},
            capture_output=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        samples.append(time.perf_counter() - started)
        if completed.returncode != os.EX_CONFIG:
            raise RuntimeError(f"the worker exited {completed.returncode}, not {os.EX_CONFIG}")
    return Figure("worker refusing an unreachable database (start to exit 78)", "s", samples)
