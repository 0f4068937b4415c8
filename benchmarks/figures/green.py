"""Render-to-green: what a newcomer waits for, stage by stage, each run in a fresh directory."""

from __future__ import annotations

import testkit
from benchmarks.core import (
    Bench,
    Figure,
    gist,
    newcomer_environment,
    remove_tree,
    section,
    timed_run,
)


@section("green", order=20, parts=("cold",))
def bench_green(bench: Bench) -> list[Figure]:
    """A run whose tests fail is left out of the figures and named in the note."""
    cold = "cold" not in bench.skip
    stages: dict[str, list[float]] = {"render": [], "cold": [], "warm": [], "tests": []}
    failures = []
    for _ in range(bench.runs):
        try:
            timings = green_run(bench, cold)
        except testkit.CommandFailed as error:
            failures.append(gist(error))
            continue
        for stage, seconds in timings.items():
            stages[stage].append(seconds)
    tests_note = ""
    if failures:
        bench.errors["green"] = "\n".join(failures)
        tests_note = f"{len(failures)} of {bench.runs} runs FAILED, left out: {failures[0]}"
    cold_reason = "" if cold else "skipped (--skip cold)"
    return [
        Figure("green: render (command)", "s", stages["render"]),
        Figure("green: uv sync, cold cache (network)", "s", stages["cold"], skipped=cold_reason),
        Figure("green: uv sync, warm cache, fresh venv", "s", stages["warm"]),
        Figure("green: uv run pytest (generated tests)", "s", stages["tests"], note=tests_note),
        Figure(
            "render-to-green, cold",
            "s",
            add_stages(stages, "render", "cold", "tests"),
            target=15.0,
            skipped=cold_reason,
        ),
        Figure(
            "render-to-green, warm", "s", add_stages(stages, "render", "warm", "tests"), target=4.0
        ),
    ]


def green_run(bench: Bench, cold: bool) -> dict[str, float]:
    """Render, install (cold cache, then warm) and test one project; return each stage's time."""
    timings = {}
    timings["render"], project = bench.render_cli()
    try:
        if cold:
            cache = bench.fresh_dir("uv-cache")
            try:
                timings["cold"] = bench.uv_sync(project, UV_CACHE_DIR=str(cache))
            finally:
                remove_tree(cache)
            remove_tree(project / ".venv")
        timings["warm"] = bench.uv_sync(project)
        timings["tests"] = timed_run(["uv", "run", "pytest"], project, newcomer_environment())
    finally:
        remove_tree(project.parent)
    return timings


def add_stages(stages: dict[str, list[float]], *names: str) -> list[float]:
    if not all(stages[name] for name in names):
        return []
    return [sum(parts) for parts in zip(*(stages[name] for name in names), strict=True)]
