"""Worker start to ready, with the start-up diagnostics on and off, beside its floors.

Floors: a bare Celery app (no Django) started with the same command on the same broker, and
``django.setup()`` of the project in a fresh interpreter. They do not add up (the bare app's
ready time is partly waiting, not work), so the worker's time is shown above each.
"""

from __future__ import annotations

import statistics

from benchmarks.core import Bench, Figure, section


@section("worker", order=30, services=True)
def bench_worker(bench: Bench) -> list[Figure]:
    result = bench.driver("worker-ready", "--runs", str(bench.runs), timeout=600)
    bench.extra["worker_errors"] = [
        e for mode in result.values() for run_ in mode for e in run_["errors"]
    ]
    on, off, bare = result["on"], result["off"], result["bare"]
    children = [child for run_ in on for child in run_["children"]]
    child_runs = bench.size(max(bench.runs, 20), quick=3)
    in_process = bench.driver("child-cost", "--runs", str(child_runs))["samples_s"]
    setup = bench.driver("django-setup", "--runs", str(bench.runs))
    bench.extra["django_setup"] = setup

    def pick(runs: list[dict], key: str) -> list[float]:
        return [run_[key] for run_ in runs]

    def minus(first: list[float], *others: list[float]) -> list[float]:
        return [a - sum(rest) for a, *rest in zip(first, *others, strict=True)]

    ready_off, ready_bare = pick(off, "ready_line_s"), pick(bare, "ready_line_s")
    figures = [
        Figure("worker ready ('ready.' line), diagnostics on", "s", pick(on, "ready_line_s"), 1.5),
        Figure("worker ready ('ready.' line), diagnostics off", "s", ready_off, 1.5),
        Figure("worker ready (first ping reply), diagnostics on", "s", pick(on, "ping_s"), 1.5),
        Figure("worker ready (first ping reply), diagnostics off", "s", pick(off, "ping_s"), 1.5),
        Figure("floor: bare Celery app ready (same command and broker)", "s", ready_bare),
        Figure("floor: django.setup(), fresh interpreter (whole process)", "s", setup["process_s"]),
        Figure("floor: django.setup(), inside the process", "s", setup["inside_s"]),
        Figure("floor: python -c pass", "s", setup["interpreter_s"]),
        Figure(
            "worker ready (off) above the bare app",
            "s",
            minus(ready_off, ready_bare),
            note="paired runs",
        ),
        Figure(
            "worker ready (off) above django.setup() (whole process)",
            "s",
            minus(ready_off, setup["process_s"]),
            note="paired runs",
        ),
        Figure(
            "diagnostics cost at start (on - off, 'ready.')",
            "ms",
            minus(pick(on, "ready_line_s"), ready_off),
            target=0.1,
            note="paired runs; negative = noise",
        ),
        Figure(
            "per-child diagnostics (worker log, settings->probe)",
            "ms",
            [child["log_span_ms"] / 1000 for child in children],
            note=f"{len(children)} children; log clock, 1 ms resolution",
        ),
        Figure("per-child check_child() (in-process)", "ms", in_process),
    ]
    median = statistics.median
    bench.notes.append(
        f"Worker ready (diagnostics off) {median(ready_off):.2f} s; floors: a bare Celery app "
        f"{median(ready_bare):.2f} s, django.setup() {median(setup['inside_s']):.2f} s inside a "
        f"fresh interpreter ({median(setup['process_s']):.2f} s whole process); the worker is "
        f"{median(minus(ready_off, ready_bare)):.2f} s above the bare app and "
        f"{median(minus(ready_off, setup['process_s'])):.2f} s above django.setup()."
    )
    return figures
