"""The auditor on a generated project, through benchmarks/audit_benchmark.py."""

from __future__ import annotations

import sys

from benchmarks.core import BENCHMARKS, Bench, Figure, newcomer_environment, run_json, section

AUDIT_FILES = 2000
AUDIT_CHILD = """
import json, sys, tempfile
from pathlib import Path
from audit_benchmark import generate_project, measure
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp) / "project"
    generate_project(root, {files})
    print(json.dumps(measure(root, {runs})))
"""


@section("audit", order=60)
def bench_audit(bench: Bench) -> list[Figure]:
    """In a child process, so its peak memory (RUSAGE_CHILDREN) sees only the auditor."""
    files = bench.size(AUDIT_FILES, quick=200)
    name = f"audit of {files:,} generated files"
    code = AUDIT_CHILD.format(files=files, runs=bench.runs)
    result = run_json([sys.executable, "-c", code], BENCHMARKS, newcomer_environment())
    bench.extra["audit"] = result
    summary = {key: result[f"{key}_s"] for key in ("median", "min", "max")}
    return [
        Figure(name, "s", summary=summary, target=2.0, note=f"{result.get('files')} files audited"),
        Figure(
            "audit, time inside audit() (median only)",
            "s",
            summary={key: result["audit_median_s"] for key in ("median", "min", "max")},
        ),
        Figure(
            "audit peak memory (largest process)",
            "MiB",
            summary={k: result["peak_mib"] for k in ("median", "min", "max")},
        ),
    ]
