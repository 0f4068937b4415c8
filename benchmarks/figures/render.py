"""Render time, next to Django's own startproject measured the same way in the same run."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time

from benchmarks.core import Bench, Figure, newcomer_environment, section, stdout_silenced, timed_run
from testkit import stop_group


@section("render", order=10)
def bench_render(bench: Bench) -> list[Figure]:
    return [*render_in_process(bench), *render_as_command(bench)]


def render_in_process(bench: Bench) -> list[Figure]:
    from cookiecutter.main import cookiecutter

    def render() -> float:
        out = bench.fresh_dir("inproc")
        started = time.perf_counter()
        with stdout_silenced():
            cookiecutter(str(bench.template), no_input=True, output_dir=str(out))
        return time.perf_counter() - started

    server = subprocess.Popen(
        [bench.project_python(), "bench_driver.py", "startproject-server"],
        cwd=bench.base,
        env=newcomer_environment(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        json.loads(server.stdout.readline())  # its warm-up is done
        render()  # ours
        renders, floors = [], []
        for _ in range(bench.runs):
            renders.append(render())
            server.stdin.write(f"{bench.fresh_dir('sp-inproc')}/p\n")
            server.stdin.flush()
            floors.append(json.loads(server.stdout.readline())["seconds"])
    finally:
        server.stdin.close()  # it ends at end of input; a SIGTERM while it exits is noise
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(10)
        stop_group(server, grace=10)
    return render_figures("in-process", "cookiecutter()", "call_command", renders, floors)


def render_as_command(bench: Bench) -> list[Figure]:
    django_admin = str(bench.base / ".venv" / "bin" / "django-admin")

    def startproject() -> float:
        return timed_run(
            [django_admin, "startproject", "p"], bench.fresh_dir("sp"), newcomer_environment()
        )

    version = [bench.cookiecutter_command[0], "--version"]
    bench.render_cli(), startproject()  # warm-up: file-system caches
    renders, floors, start_ups = [], [], []
    for _ in range(bench.runs):
        renders.append(bench.render_cli()[0])
        floors.append(startproject())
        start_ups.append(timed_run(version, bench.scratch, newcomer_environment()))
    figures = render_figures("command", "cookiecutter --no-input", "django-admin", renders, floors)
    note = "interpreter + cookiecutter's imports"
    return [
        *figures,
        Figure("cookiecutter --version (its start-up alone)", "s", start_ups, note=note),
    ]


def render_figures(how: str, ours: str, theirs: str, renders: list, floors: list) -> list[Figure]:
    return [
        Figure(f"render, {how} ({ours})", "s", renders, target=0.5),
        Figure(f"startproject, {how} ({theirs})", "s", floors),
        Figure(
            f"render / startproject, {how}",
            "x",
            [ours / floor for ours, floor in zip(renders, floors, strict=True)],
            target=2.0,
        ),
    ]
