"""The benchmark script works (its timings are printed, never asserted)."""

from __future__ import annotations

import importlib.util

from .conftest import REPO_ROOT


def _load():
    spec = importlib.util.spec_from_file_location(
        "audit_benchmark", REPO_ROOT / "benchmarks" / "audit_benchmark.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generate_and_measure_a_small_project(tmp_path):
    bench = _load()
    bench.generate_project(tmp_path / "p", 60)
    assert len(list((tmp_path / "p").rglob("*.py"))) == 60
    figures = bench.measure(tmp_path / "p", runs=1)
    assert figures["files"] == 60
    assert figures["findings"] > 0
    assert set(figures) >= {"median_s", "min_s", "max_s", "peak_mib"}
    assert figures["min_s"] <= figures["median_s"] <= figures["max_s"]


def test_real_shaped_tree_and_the_side_by_side_with_ruff(tmp_path):
    bench = _load()
    root = tmp_path / "real"
    bench.generate_real_shaped(root, 120)
    python_files = [p for p in root.rglob("*.py") if not {"build", "node_modules"} & set(p.parts)]
    assert len(python_files) == 120
    assert (root / ".gitignore").read_text().startswith("build/")
    figures = bench.versus_ruff(root, runs=1)
    assert figures["files"] == 120 - len(list(root.glob("*/migrations/*.py")))
    assert figures["audit_median_s"] > 0 and figures["ruff_median_s"] > 0
    assert figures["ratio"] == figures["audit_median_s"] / figures["ruff_median_s"]
    assert figures["audit_cpu_median_s"] > 0 and figures["ruff_cpu_median_s"] > 0
