"""The template's own test suite: long, so only with --suite, and once unless --runs says."""

from __future__ import annotations

from benchmarks.core import REPO, Bench, Figure, newcomer_environment, section, timed_run


@section("suite", order=90, opt_in=True)
def bench_suite(bench: Bench) -> list[Figure]:
    samples = [
        timed_run(["uv", "run", "pytest"], REPO, newcomer_environment()) for _ in range(bench.runs)
    ]
    return [
        Figure("template test suite (uv run pytest)", "s", samples, note=f"{bench.runs} run(s)")
    ]
