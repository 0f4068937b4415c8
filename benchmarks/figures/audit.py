"""The auditor on a generated project, through benchmarks/audit_benchmark.py."""

from __future__ import annotations

import sys

from benchmarks.core import BENCHMARKS, Bench, Figure, newcomer_environment, run_json, section

AUDIT_FILES = 2000
# Run in a child process: generate a tree with one audit_benchmark function, measure with another.
CHILD = """
import json, tempfile
from pathlib import Path
from audit_benchmark import {generate}, {measure}
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp) / "project"
    {generate}(root, {files})
    print(json.dumps({measure}(root, {runs})))
"""


@section("audit", order=60)
def bench_audit(bench: Bench) -> list[Figure]:
    """In a child process, so its peak memory (RUSAGE_CHILDREN) sees only the auditor."""
    files = bench.size(AUDIT_FILES, quick=200)
    name = f"audit of {files:,} generated files"
    code = CHILD.format(
        generate="generate_project", measure="measure", files=files, runs=bench.runs
    )
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


VERSUS_RUFF_FILES = 4000


@section("audit-vs-ruff", order=61)
def bench_audit_versus_ruff(bench: Bench) -> list[Figure]:
    """The auditor and ``ruff check`` (default rules) on the same real-shaped tree, in one run."""
    files = bench.size(VERSUS_RUFF_FILES, quick=300)
    code = CHILD.format(
        generate="generate_real_shaped", measure="versus_ruff", files=files, runs=bench.runs
    )
    result = run_json([sys.executable, "-c", code], BENCHMARKS, newcomer_environment())
    bench.extra["audit_vs_ruff"] = result
    audit_s = {key: result[f"audit_{key}_s"] for key in ("median", "min", "max")}
    ruff_s = {key: result[f"ruff_{key}_s"] for key in ("median", "min", "max")}
    ratio = {key: result["ratio"] for key in ("median", "min", "max")}
    return [
        Figure(f"audit of a real-shaped {files:,}-file tree", "s", summary=audit_s),
        Figure("ruff check (default rules) of the same tree", "s", summary=ruff_s),
        Figure(
            "audit time / ruff time (medians)",
            "x",
            summary=ratio,
            target=1.0,
            note=f"{result['files']} files audited; CPU (user+sys) median: audit "
            f"{result['audit_cpu_median_s']:.2f} s, ruff {result['ruff_cpu_median_s']:.2f} s. "
            "Target: no slower than ruff on 4,000 files (on small trees the auditor's Python "
            "start-up dominates)",
        ),
    ]
