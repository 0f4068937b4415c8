"""Task round trips through Redis, from send_task to the result in the sender's hands."""

from __future__ import annotations

from benchmarks.core import Bench, Figure, section

ROUND_TRIPS = 100


@section("roundtrip", order=40, services=True)
def bench_round_trips(bench: Bench) -> list[Figure]:
    count = bench.size(ROUND_TRIPS, quick=5)
    arguments = ("round-trips", "--runs", str(bench.runs), "--count", str(count))
    runs = bench.driver(*arguments, timeout=600)
    bench.extra["round_trips"] = runs

    def pick(key: str) -> list[float]:
        return [run_[key] for run_ in runs]

    return [
        Figure("first round trip, no-op task", "ms", pick("noop_first_s"), target=0.1),
        Figure(
            "first round trip, create_report (writes a row)",
            "ms",
            pick("report_first_s"),
            target=0.1,
        ),
        Figure(f"median of {count} round trips, no-op", "ms", pick("noop_median_s"), target=0.01),
        Figure(
            f"median of {count} round trips, create_report",
            "ms",
            pick("report_median_s"),
            target=0.01,
        ),
    ]
