"""Worker start to ready, with the start-up diagnostics on and off."""

from __future__ import annotations

from benchmarks.core import Bench, Figure, section


@section("worker", order=30, services=True)
def bench_worker(bench: Bench) -> list[Figure]:
    result = bench.driver("worker-ready", "--runs", str(bench.runs), timeout=600)
    bench.extra["worker_errors"] = [
        e for mode in result.values() for run_ in mode for e in run_["errors"]
    ]
    on, off = result["on"], result["off"]
    children = [child for run_ in on for child in run_["children"]]
    child_runs = bench.size(max(bench.runs, 20), quick=3)
    in_process = bench.driver("child-cost", "--runs", str(child_runs))["samples_s"]

    def pick(runs: list[dict], key: str) -> list[float]:
        return [run_[key] for run_ in runs]

    return [
        Figure("worker ready ('ready.' line), diagnostics on", "s", pick(on, "ready_line_s"), 1.5),
        Figure(
            "worker ready ('ready.' line), diagnostics off", "s", pick(off, "ready_line_s"), 1.5
        ),
        Figure("worker ready (first ping reply), diagnostics on", "s", pick(on, "ping_s"), 1.5),
        Figure("worker ready (first ping reply), diagnostics off", "s", pick(off, "ping_s"), 1.5),
        Figure(
            "diagnostics cost at start (on - off, 'ready.')",
            "ms",
            [
                a - b
                for a, b in zip(pick(on, "ready_line_s"), pick(off, "ready_line_s"), strict=True)
            ],
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
