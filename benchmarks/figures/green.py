"""Render-to-green: what a newcomer waits for, stage by stage, each run in a fresh directory.

Beside it, the floor: Django's own startproject, a warm ``uv sync`` of Django, pytest and
pytest-django, and one pytest-django test that uses the database, run the same way.
"""

from __future__ import annotations

import statistics
from pathlib import Path

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
    floor: dict[str, list[float]] = {"startproject": [], "sync": [], "tests": []}
    failures = []
    for _ in range(bench.runs):
        try:
            timings = green_run(bench, cold)
            floor_timings = floor_run(bench)
        except testkit.CommandFailed as error:
            failures.append(gist(error))
            continue
        for stage, seconds in timings.items():
            stages[stage].append(seconds)
        for stage, seconds in floor_timings.items():
            floor[stage].append(seconds)
    tests_note = ""
    if failures:
        bench.errors["green"] = "\n".join(failures)
        tests_note = f"{len(failures)} of {bench.runs} runs FAILED, left out: {failures[0]}"
    cold_reason = "" if cold else "skipped (--skip cold)"
    warm = add_stages(stages, "render", "warm", "tests")
    floor_total = add_stages(floor, "startproject", "sync", "tests")
    above = [ours - least for ours, least in zip(warm, floor_total, strict=True)]
    if warm:
        median = statistics.median
        bench.notes.append(
            f"Render-to-green warm {median(warm):.2f} s (tests {median(stages['tests']):.2f} s); "
            f"floor: startproject + uv sync + one pytest-django test {median(floor_total):.2f} s "
            f"(that test run alone {median(floor['tests']):.2f} s); the template's cost above "
            f"it: {median(above):.2f} s."
        )
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
        Figure("render-to-green, warm", "s", warm, target=4.0),
        Figure("floor: django-admin startproject", "s", floor["startproject"]),
        Figure("floor: uv sync (django, pytest, pytest-django), warm", "s", floor["sync"]),
        Figure("floor: uv run pytest (one pytest-django test)", "s", floor["tests"]),
        Figure("floor: startproject-to-green, warm", "s", floor_total),
        Figure("render-to-green, warm, above the floor", "s", above, note="paired runs"),
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


FLOOR_PYPROJECT = """\
[project]
name = "floor"
version = "0"
requires-python = ">={python}"
dependencies = ["django=={django}.*"]

[dependency-groups]
dev = ["pytest", "pytest-django"]

[tool.uv]
package = false

[tool.pytest.ini_options]
DJANGO_SETTINGS_MODULE = "floor.settings"
"""
FLOOR_TEST = """\
import pytest


@pytest.mark.django_db
def test_admin_login_page(client):
    assert client.get("/admin/login/").status_code == 200
"""


def floor_run(bench: Bench) -> dict[str, float]:
    """The least a Django project with a database test takes from nothing to green."""
    directory = bench.fresh_dir("floor")
    django_admin = str(bench.base / ".venv" / "bin" / "django-admin")
    try:
        timings = {
            "startproject": timed_run(
                [django_admin, "startproject", "floor", str(directory)],
                bench.scratch,
                newcomer_environment(),
            )
        }
        django = testkit.template_context()["django_version"][0]
        python = Path(bench.python).name.removeprefix("python")
        (directory / "pyproject.toml").write_text(
            FLOOR_PYPROJECT.format(python=python, django=django)
        )
        (directory / "test_floor.py").write_text(FLOOR_TEST)
        timings["sync"] = bench.uv_sync(directory)
        timings["tests"] = timed_run(["uv", "run", "pytest"], directory, newcomer_environment())
    finally:
        remove_tree(directory)
    return timings
