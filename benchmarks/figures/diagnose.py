"""``manage.py diagnose`` under the production settings."""

from __future__ import annotations

from benchmarks.core import Bench, Figure, section, timed_run


@section("diagnose", order=50, services=True)
def bench_diagnose(bench: Bench) -> list[Figure]:
    command = [bench.project_python(), "manage.py", "diagnose"]
    samples = [timed_run(command, bench.base, bench.production_env()) for _ in range(bench.runs)]
    return [Figure("manage.py diagnose (production, Postgres + Redis)", "s", samples)]
