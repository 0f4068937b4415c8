"""How fast the template feels, measured on this machine: one table, figures beside targets.

The figures, and what each one measures, are described in README.md ("Benchmarks"). Each group
of figures is a module in benchmarks/figures/; to add rows, add a module there (see core.section).
Targets are printed, never asserted. ``--quick`` measures every figure once on small inputs
(what the template's test suite runs) and never touches results/latest.json.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import importlib
import json
import os
import pkgutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # for testkit, and for this directory as the package `benchmarks`

import testkit  # noqa: E402
from benchmarks import figures as figure_modules  # noqa: E402
from benchmarks.core import (  # noqa: E402
    BENCHMARKS,
    IN_PROJECT,
    SECTIONS,
    Bench,
    Figure,
    Services,
    gist,
    remove_tree,
    run,
    skipped,
)

RESULTS = BENCHMARKS / "results"
NOTES = """\
Notes: targets are printed, not asserted. The cold uv sync downloads from PyPI, so it includes
network time. Round trips use Redis as broker and result backend (added by a benchmark-only
wrapper app); "first" is the first task after the worker answered a ping. Per-child cost comes
from the worker's own log timestamps and from check_child() timed in-process. Other load on the
machine shows up in every figure: see the load averages in the JSON."""


def load_sections() -> list:
    for module in pkgutil.iter_modules(figure_modules.__path__):
        importlib.import_module(f"{figure_modules.__name__}.{module.name}")
    return sorted(SECTIONS.values(), key=lambda section: section.order)


# --- services --------------------------------------------------------------------------


def claim_services(cleanup: contextlib.ExitStack) -> Services:
    """A PostgreSQL database and a Redis database number of this run's own, removed at exit."""
    missing = [name for name in ("postgresql", "redis") if testkit.unreachable(name)]
    if missing:
        return Services(down=f"{' and '.join(missing)} not reachable")
    import psycopg

    database = f"template_bench_{uuid.uuid4().hex[:8]}"
    server = urlsplit(testkit.SERVICE_URLS["postgresql"])
    database_url = server._replace(path=f"/{database}").geturl()

    def execute(statement: str) -> None:
        with psycopg.connect(server.geturl(), autocommit=True) as connection:
            connection.execute(statement)

    execute(f'CREATE DATABASE "{database}"')
    cleanup.callback(execute, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return Services(database_url, cleanup.enter_context(testkit.redis_database()))


def prepare_base_project(bench: Bench) -> None:
    """Render and install one project for the startproject, worker and diagnose figures."""
    _, project = bench.render_cli()
    bench.uv_sync(project)
    for helper in [*IN_PROJECT.glob("*.py"), testkit.REPO_ROOT / "testkit.py"]:
        (project / helper.name).write_bytes(helper.read_bytes())
    bench.base = project
    if not bench.services.down:
        command = [bench.project_python(), "manage.py", "migrate", "--verbosity", "0"]
        run(command, project, bench.production_env())


# --- the run ---------------------------------------------------------------------------


def measure(bench: Bench, section) -> list[Figure]:
    """One section's figures; a failure or a missing service becomes a row saying why.

    A failure's whole text goes to stderr and to the JSON's ``errors``; the row keeps its gist.
    """
    print(f"... {section.name}", file=sys.stderr, flush=True)
    if section.services and bench.services.down:
        figures = [skipped(section.name, bench.services.down)]
    else:
        try:
            figures = section.measure(bench)
        except Exception as error:
            bench.errors[section.name] = f"{type(error).__name__}: {error}"
            print(bench.errors[section.name], file=sys.stderr, flush=True)
            figures = [skipped(section.name, f"failed: {gist(error)}")]
    for figure in figures:
        figure.section = section.name
    return figures


def parse_args(argv: list[str] | None, sections: list) -> argparse.Namespace:
    skippable = [name for section in sections for name in (section.name, *section.parts)]
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, help="runs per figure (default 5; --quick: 1)")
    parser.add_argument("--quick", action="store_true", help="every figure once, small inputs")
    parser.add_argument("--skip", default="", help=f"comma-separated: {','.join(skippable)}")
    parser.add_argument("--suite", action="store_true", help="also time the template's suite")
    parser.add_argument("--json", type=Path, help="where to write JSON (default results/)")
    parser.add_argument(
        "--template",
        type=Path,
        default=REPO,
        help="render this template instead (a patched copy, to measure a change)",
    )
    args = parser.parse_args(argv)
    args.skip = frozenset(name.strip() for name in args.skip.split(",") if name.strip())
    if unknown := args.skip - set(skippable):
        parser.error(f"unknown --skip section(s): {', '.join(sorted(unknown))}")
    default_json = "quick.json" if args.quick else "latest.json"
    args.json = args.json or RESULTS / default_json
    return args


def chosen(args: argparse.Namespace, sections: list) -> list:
    opted_in = {"suite"} if args.suite else set()
    return [
        section
        for section in sections
        if section.name not in args.skip and (not section.opt_in or section.name in opted_in)
    ]


def main(argv: list[str] | None = None) -> int:
    sections = load_sections()
    args = parse_args(argv, sections)
    todo = chosen(args, sections)
    floor = testkit.python_floors()["5.2"]  # the default answers' Django
    python = testkit.real_interpreter(floor)
    if python is None:
        sys.exit(f"no Python {floor} found (PATH and pyenv)")
    started = time.perf_counter()
    info = machine()
    figures: list[Figure] = []
    with contextlib.ExitStack() as cleanup:
        scratch = Path(tempfile.mkdtemp(prefix="template-bench-"))
        cleanup.callback(remove_tree, scratch)
        services = Services(down="skipped (--skip)")
        if any(section.services for section in todo):
            services = claim_services(cleanup)
        runs = args.runs or (1 if args.quick else 5)
        template = args.template.resolve()
        bench = Bench(runs, args.quick, scratch, services, python, template, args.skip)
        prepare_base_project(bench)
        for section in todo:
            # Opt-in sections are long: once, unless --runs says otherwise.
            own = dataclasses.replace(bench, runs=args.runs or 1) if section.opt_in else bench
            figures.extend(measure(own, section))
    elapsed = time.perf_counter() - started
    info["load_average_at_end"] = os.getloadavg()
    print(
        f"\nTemplate benchmarks: {bench.runs} run(s) per figure{', quick' if args.quick else ''}, "
        f"{info['cpus']} CPUs, load {info['load_average_at_start'][0]:.2f} at start, "
        f"Python {info['python']}\n"
    )
    print_table(figures)
    print(f"\n{NOTES}")
    for note in bench.notes:
        print(textwrap.fill(note, 96, initial_indent="- ", subsequent_indent="  "))
    print(f"\nTotal elapsed: {elapsed:.0f} s")
    write_json(args.json, info, figures, bench, elapsed, [section.name for section in todo])
    return 1 if bench.errors else 0


def machine() -> dict:
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "python": sys.version.split()[0],
        "uv": subprocess.run(["uv", "--version"], capture_output=True, text=True).stdout.strip(),
    }


def print_table(figures: list[Figure]) -> None:
    headers = ("figure", "median", "min", "max", "target", "met?")
    rows = []
    for figure in figures:
        stats = figure.stats()
        if figure.skipped or stats is None:
            rows.append((figure.name, f"-- {figure.skipped or 'no samples'}", "", "", "", ""))
            continue
        target = f"< {figure.show(figure.target)}" if figure.target is not None else ""
        met = {True: "yes", False: "NO", None: ""}[figure.met()]
        values = (
            figure.show(stats["median"]),
            figure.show(stats["min"]),
            figure.show(stats["max"]),
        )
        rows.append((figure.name, *values, target, met))
    widths = [max(len(str(row[i])) for row in (*rows, headers)) for i in range(len(headers))]
    widths[1] = min(widths[1], 12)  # a skip reason runs on past its column

    def line(cells) -> str:
        return "  ".join(f"{cell:<{width}}" for cell, width in zip(cells, widths, strict=True))

    print(line(headers))
    print(line("-" * width for width in widths))
    for row in rows:
        print(line(row).rstrip())
    for figure in figures:
        if figure.note and not figure.skipped:
            print(f"  * {figure.name}: {figure.note}")


def write_json(
    path: Path,
    info: dict,
    figures: list[Figure],
    bench: Bench,
    elapsed: float,
    sections: list[str],
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": info,
        "runs": bench.runs,
        "quick": bench.quick,
        "sections": sections,
        "figures": [figure.as_json() for figure in figures],
        "extra": bench.extra,
        "errors": bench.errors,
        "notes": bench.notes,
        "total_seconds": elapsed,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"JSON: {path}")


if __name__ == "__main__":
    sys.exit(main())
