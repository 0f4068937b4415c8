"""How fast the template feels, measured on the machine this runs on.

    uv run python benchmarks/run.py                  # the default run, a few minutes
    uv run python benchmarks/run.py --runs 7 --skip cold,audit --json /tmp/bench.json
    uv run python benchmarks/run.py --suite          # also the template's own test suite (long)

Run it from the repository root, in the repository's own environment (``uv sync`` first).
Every figure is the median, min and max of ``--runs`` runs (default 5), printed as one table
next to the target this project aims at, and written as JSON to benchmarks/results/latest.json
(git-ignored). Targets are printed, never asserted: this is a measurement, not a test.

The figures (everything renders the default options: Django 5.2 on Python 3.11, Redis):

render
    ``cookiecutter()`` called in this process (after one warm-up) and ``cookiecutter
    --no-input`` as a command (interpreter and imports included), each next to Django's own
    ``startproject`` measured the same way in the same run (``call_command`` in a warm process;
    ``django-admin startproject``): the floor. The ratio is taken per run, pairing each render
    with the startproject timed right after it. ``cookiecutter --version`` shows how much of
    the command is cookiecutter's own start-up, which the template cannot change.
render-to-green
    What a newcomer waits for, stage by stage, each run in a fresh directory: render (command),
    ``uv sync`` with a cold cache (a fresh, empty UV_CACHE_DIR: wheels come from PyPI, so network
    time is included) and with the warm shared cache (a fresh .venv), then ``uv run pytest``.
    The totals add the stages of the same run; a run whose tests fail is left out and named.
worker
    ``celery -A <slug> worker --pool prefork --concurrency 2 --without-mingle --without-gossip
    --without-heartbeat`` under the production settings, on a fresh PostgreSQL database and
    Redis, from process start to its "ready." log line and to the first ``control.ping`` it
    answers (pinged every 25 ms), with WORKER_DIAGNOSTICS=on and =off (runs interleaved). The
    diagnostics cost is on minus off, per run pair. Per-child cost: from the worker log, the time
    between a child's "settings" line and its "database probe ok" line (1 ms resolution), and
    ``diagnostics.check_child()`` timed in-process.
round trips
    ``send_task`` (what ``.delay()`` does) to the result in the sender's hands, through Redis
    as broker and result backend (a benchmark-only wrapper app adds the backend; the template
    keeps no results by default), against a fresh worker per run: the first task after the
    worker answered a ping, then the median of 100 in a row; for a no-op task (a module copied
    into the temporary project) and the example ``create_report`` that writes a row.
diagnose
    Wall time of ``python manage.py diagnose`` under the production settings.
audit
    benchmarks/audit_benchmark.py's ``generate_project`` (2,000 files) and ``measure``, in a
    child process so its peak-memory figure sees only the auditor's processes.
suite (``--suite``)
    ``uv run pytest`` in this repository, once (or ``--runs`` times).

Sections can be left out with ``--skip`` (render, green, cold, worker, roundtrip, diagnose,
audit). ``--template DIR`` renders another copy of the template (to measure a change before
making it). PostgreSQL and Redis are expected on 127.0.0.1; when one is down its rows say so.
Everything the run creates (a database, Redis keys, temporary directories, processes) is
removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.helpers import real_interpreter  # noqa: E402 - needs the repository on sys.path

BENCHMARKS = REPO / "benchmarks"
IN_PROJECT = BENCHMARKS / "in_project"
DEFAULT_JSON = BENCHMARKS / "results" / "latest.json"
SLUG = "my_service"  # the default project_name renders this package
PYTHON_FOR_DEFAULT_DJANGO = "3.11"  # django_version 5.2, as in tests/helpers.py
SECTIONS = ("render", "green", "cold", "worker", "roundtrip", "diagnose", "audit")
POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)
ROUND_TRIPS = 100
AUDIT_FILES = 2000
COMMAND_TIMEOUT = 300
UNIT_SCALE = {"s": 1.0, "ms": 1000.0, "x": 1.0, "MiB": 1.0}


# --- figures and the table -------------------------------------------------------------


@dataclass
class Figure:
    """One row: samples in base units (seconds, a ratio or MiB), shown in ``unit``."""

    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    target: float | None = None  # an upper bound on the median, in base units
    note: str = ""
    skipped: str = ""
    summary: dict[str, float] | None = None  # when only median/min/max are known

    def stats(self) -> dict[str, float] | None:
        if self.summary:
            return self.summary
        if not self.samples:
            return None
        return {
            "median": statistics.median(self.samples),
            "min": min(self.samples),
            "max": max(self.samples),
        }

    def met(self) -> bool | None:
        stats = self.stats()
        if self.target is None or stats is None:
            return None
        return stats["median"] < self.target

    def show(self, value: float) -> str:
        scaled = value * UNIT_SCALE[self.unit]
        digits = {"s": 3, "MiB": 1}.get(self.unit, 2 if abs(scaled) < 10 else 1)
        return f"{scaled:.{digits}f} {self.unit}"

    def as_json(self) -> dict:
        return {**asdict(self), "stats": self.stats(), "met": self.met()}


def skipped(name: str, reason: str) -> Figure:
    return Figure(name, "s", skipped=reason)


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


# --- processes -------------------------------------------------------------------------


def clean_environment(**overrides: str) -> dict[str, str]:
    """This environment without anything that picks settings or a venv for a child.

    CI goes too: a newcomer's ``uv run pytest`` skips the integration tests it has no
    services for, where CI=true would fail them.
    """
    prefixes = ("DJANGO_", "DATABASE_URL", "CELERY_", "DB_", "VIRTUAL_ENV", "WORKER_DIAGNOSTICS")
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(prefixes) and key != "CI"
    }
    environ["UV_PYTHON_DOWNLOADS"] = "never"
    environ.update(overrides)
    return environ


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM a child's process group, then SIGKILL it if it is still there."""
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)


def run(command: list[str], cwd: Path, env: dict, timeout: float = COMMAND_TIMEOUT) -> str:
    """Run a command in its own process group; return its stdout, raise with its output."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        stop_group(process)
    if process.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited {process.returncode}\n{stdout[-2000:]}{stderr[-3000:]}"
        )
    return stdout


def timed_run(command: list[str], cwd: Path, env: dict) -> float:
    started = time.perf_counter()
    run(command, cwd, env)
    return time.perf_counter() - started


def run_json(command: list[str], cwd: Path, env: dict, timeout: float = COMMAND_TIMEOUT):
    """Run a command that prints one JSON document as its last line."""
    return json.loads(run(command, cwd, env, timeout).strip().splitlines()[-1])


@contextlib.contextmanager
def stdout_silenced() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null: cookiecutter's hooks print to it directly."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def find_python(version: str) -> str:
    """The real interpreter for ``pythonX.Y`` (found the way the template's tests find it)."""
    python = real_interpreter(version)
    if python is None:
        raise RuntimeError(f"no Python {version} found (PATH and pyenv's versions)")
    return python


def remove_tree(path: Path) -> None:
    def make_writable_and_retry(function, failed_path, _):
        os.chmod(failed_path, 0o700)
        function(failed_path)

    if path.exists():
        shutil.rmtree(path, onerror=make_writable_and_retry)


# --- services --------------------------------------------------------------------------


def reachable(address: tuple[str, int]) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(address, timeout=1):
        return True
    return False


@dataclass
class Services:
    """A PostgreSQL database and a Redis database number that belong to this run."""

    database: str = ""
    redis_db: int | None = None
    down: str = ""  # why the rows that need services are skipped

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@{POSTGRES[0]}:{POSTGRES[1]}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://{REDIS[0]}:{REDIS[1]}/{self.redis_db}"


def claim_services() -> Services:
    services = Services()
    missing = [
        name for name, addr in (("PostgreSQL", POSTGRES), ("Redis", REDIS)) if not reachable(addr)
    ]
    if missing:
        services.down = f"{' and '.join(missing)} not reachable on 127.0.0.1"
        return services
    import psycopg
    import redis

    services.database = f"template_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(
        f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}/postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{services.database}"')
    # An empty database number, so every key in it at the end is one this run made.
    for number in range(14, 0, -1):
        if redis.Redis(*REDIS, db=number).dbsize() == 0:
            services.redis_db = number
            break
    else:
        services.down = "no empty Redis database number (1-14) to use"
    return services


def release_services(services: Services) -> list[str]:
    """Drop the database and delete the Redis keys this run made; say what was left."""
    leftovers = []
    if services.database:
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}/postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{services.database}" WITH (FORCE)')
    if services.redis_db is not None:
        import redis

        client = redis.Redis(*REDIS, db=services.redis_db)
        ours = ("_kombu.binding*", "*bench-*", "celery-task-meta-*", "unacked*", "*.celery.pidbox")
        for pattern in ours:
            for key in client.scan_iter(match=pattern):
                client.delete(key)
        leftovers = [key.decode() for key in client.scan_iter()]
    return leftovers


# --- the run ---------------------------------------------------------------------------


@dataclass
class Bench:
    runs: int
    scratch: Path
    services: Services
    python: str
    template: Path = REPO
    base: Path | None = None  # a rendered, installed project for the Django/Celery parts
    extra: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def cookiecutter_command(self) -> list[str]:
        return [str(Path(sys.executable).parent / "cookiecutter"), str(self.template), "--no-input"]

    def fresh_dir(self, name: str) -> Path:
        path = self.scratch / f"{name}-{uuid.uuid4().hex[:6]}"
        path.mkdir()
        return path

    def render_cli(self) -> tuple[float, Path]:
        out = self.fresh_dir("render")
        seconds = timed_run(
            [*self.cookiecutter_command, "-o", str(out)], self.scratch, clean_environment()
        )
        return seconds, out / SLUG

    def uv_sync(self, project: Path, **env: str) -> float:
        return timed_run(["uv", "sync", "--python", self.python], project, clean_environment(**env))

    def project_python(self) -> str:
        return str(self.base / ".venv" / "bin" / "python")

    def production_env(self, **extra: str) -> dict[str, str]:
        return clean_environment(
            DJANGO_ENVIRONMENT="production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="localhost",
            DATABASE_URL=self.services.database_url,
            CELERY_BROKER_URL=self.services.redis_url,
            BENCH_RESULT_BACKEND=self.services.redis_url,
            BENCH_PROJECT_SLUG=SLUG,
            **extra,
        )

    def driver(self, *arguments: str, timeout: float = COMMAND_TIMEOUT):
        command = [self.project_python(), "bench_driver.py", *arguments, "--slug", SLUG]
        return run_json(command, self.base, self.production_env(), timeout)


def prepare_base_project(bench: Bench) -> None:
    """Render and install one project for the startproject, worker and diagnose figures."""
    _, project = bench.render_cli()
    bench.uv_sync(project)
    for helper in IN_PROJECT.glob("*.py"):
        shutil.copy(helper, project)
    bench.base = project
    if not bench.services.down:
        command = [bench.project_python(), "manage.py", "migrate", "--verbosity", "0"]
        run(command, project, bench.production_env())


# --- 1. render -------------------------------------------------------------------------


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
        env=clean_environment(),
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
        server.stdin.close()
        stop_group(server)
    return render_figures("in-process", "cookiecutter()", "call_command", renders, floors)


def render_as_command(bench: Bench) -> list[Figure]:
    django_admin = str(bench.base / ".venv" / "bin" / "django-admin")

    def startproject() -> float:
        return timed_run(
            [django_admin, "startproject", "p"], bench.fresh_dir("sp"), clean_environment()
        )

    version = [bench.cookiecutter_command[0], "--version"]
    bench.render_cli(), startproject()  # warm-up: file-system caches
    renders, floors, start_ups = [], [], []
    for _ in range(bench.runs):
        renders.append(bench.render_cli()[0])
        floors.append(startproject())
        start_ups.append(timed_run(version, bench.scratch, clean_environment()))
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


# --- 2. render-to-green ----------------------------------------------------------------


def bench_green(bench: Bench, cold: bool) -> list[Figure]:
    """Each run in a fresh directory; a run whose tests fail is left out and reported."""
    stages: dict[str, list[float]] = {"render": [], "cold": [], "warm": [], "tests": []}
    failures = []
    for _ in range(bench.runs):
        try:
            timings = green_run(bench, cold)
        except RuntimeError as error:
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
        timings["tests"] = timed_run(["uv", "run", "pytest"], project, clean_environment())
    finally:
        remove_tree(project.parent)
    return timings


def add_stages(stages: dict[str, list[float]], *names: str) -> list[float]:
    if not all(stages[name] for name in names):
        return []
    return [sum(parts) for parts in zip(*(stages[name] for name in names), strict=True)]


# --- 3. worker start to ready ----------------------------------------------------------


def bench_worker(bench: Bench) -> list[Figure]:
    result = bench.driver("worker-ready", "--runs", str(bench.runs), timeout=600)
    bench.extra["worker_errors"] = [
        e for mode in result.values() for run_ in mode for e in run_["errors"]
    ]
    on, off = result["on"], result["off"]
    children = [child for run_ in on for child in run_["children"]]
    in_process = bench.driver("child-cost", "--runs", str(max(bench.runs, 20)))["samples_s"]

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


# --- 4. round trips --------------------------------------------------------------------


def bench_round_trips(bench: Bench) -> list[Figure]:
    arguments = ("round-trips", "--runs", str(bench.runs), "--count", str(ROUND_TRIPS))
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
        Figure(
            f"median of {ROUND_TRIPS} round trips, no-op", "ms", pick("noop_median_s"), target=0.01
        ),
        Figure(
            f"median of {ROUND_TRIPS} round trips, create_report",
            "ms",
            pick("report_median_s"),
            target=0.01,
        ),
    ]


# --- 5. manage.py diagnose -------------------------------------------------------------


def bench_diagnose(bench: Bench) -> list[Figure]:
    command = [bench.project_python(), "manage.py", "diagnose"]
    samples = [timed_run(command, bench.base, bench.production_env()) for _ in range(bench.runs)]
    return [Figure("manage.py diagnose (production, Postgres + Redis)", "s", samples)]


# --- 6. the auditor --------------------------------------------------------------------

AUDIT_CHILD = """
import json, sys, tempfile
from pathlib import Path
from audit_benchmark import generate_project, measure
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp) / "project"
    generate_project(root, {files})
    print(json.dumps(measure(root, {runs})))
"""


def bench_audit(bench: Bench) -> list[Figure]:
    """Run audit_benchmark in a child: its peak memory (RUSAGE_CHILDREN) then sees only its own."""
    name = f"audit of {AUDIT_FILES:,} generated files"
    code = AUDIT_CHILD.format(files=AUDIT_FILES, runs=bench.runs)
    try:
        result = run_json([sys.executable, "-c", code], BENCHMARKS, clean_environment())
    except Exception as error:  # the auditor and its benchmark are written alongside this
        reason = (str(error).strip().splitlines() or ["no message"])[-1]
        return [skipped(name, f"auditor benchmark unavailable: {reason}")]
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


# --- 7. the template's own suite -------------------------------------------------------


def bench_suite(runs: int) -> list[Figure]:
    samples = [timed_run(["uv", "run", "pytest"], REPO, clean_environment()) for _ in range(runs)]
    return [Figure("template test suite (uv run pytest)", "s", samples, note=f"{runs} run(s)")]


# --- main ------------------------------------------------------------------------------


def section(
    figures: list[Figure],
    errors: dict[str, str],
    name: str,
    measure: Callable[[], list[Figure]],
    needs: str = "",
) -> None:
    """Run one section; a failure or a missing service becomes a row saying why.

    A failure's whole text goes to stderr and to the JSON's ``errors``; the row keeps its gist.
    """
    print(f"... {name}", file=sys.stderr, flush=True)
    if needs:
        figures.append(skipped(name, needs))
        return
    try:
        figures.extend(measure())
    except Exception as error:
        errors[name] = f"{type(error).__name__}: {error}"
        print(errors[name], file=sys.stderr, flush=True)
        figures.append(skipped(name, f"failed: {gist(error)}"))


def gist(error: Exception) -> str:
    """The first line of an error and the lines that name what failed (pytest's FAILED ...)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()] or ["no message"]
    named = [line for line in lines[1:] if line.startswith(("FAILED", "ERROR", "E "))][:3]
    return " | ".join([f"{type(error).__name__}: {lines[0]}", *named])[:400]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, help="runs per figure (default 5; --suite: 1)")
    parser.add_argument("--skip", default="", help=f"comma-separated: {','.join(SECTIONS)}")
    parser.add_argument("--suite", action="store_true", help="also time the template's suite")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write JSON")
    parser.add_argument(
        "--template",
        type=Path,
        default=REPO,
        help="render this template instead (a patched copy, to measure a change)",
    )
    args = parser.parse_args(argv)
    args.skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    if unknown := args.skip - set(SECTIONS):
        parser.error(f"unknown --skip section(s): {', '.join(sorted(unknown))}")
    return args


def measure_all(args: argparse.Namespace, bench: Bench) -> list[Figure]:
    figures: list[Figure] = []
    down = bench.services.down
    plan = [
        ("render", lambda: bench_render(bench), ""),
        ("green", lambda: bench_green(bench, cold="cold" not in args.skip), ""),
        ("worker", lambda: bench_worker(bench), down),
        ("roundtrip", lambda: bench_round_trips(bench), down),
        ("diagnose", lambda: bench_diagnose(bench), down),
        ("audit", lambda: bench_audit(bench), ""),
    ]
    for name, measure, needs in plan:
        if name not in args.skip:
            section(figures, bench.errors, name, measure, needs)
    if args.suite:
        section(figures, bench.errors, "suite", lambda: bench_suite(args.runs or 1))
    return figures


def machine() -> dict:
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "python": sys.version.split()[0],
        "uv": subprocess.run(["uv", "--version"], capture_output=True, text=True).stdout.strip(),
    }


NOTES = """\
Notes: targets are printed, not asserted. The cold uv sync downloads from PyPI, so it includes
network time. Round trips use Redis as broker and result backend (added by a benchmark-only
wrapper app); "first" is the first task after the worker answered a ping. Per-child cost comes
from the worker's own log timestamps and from check_child() timed in-process. Other load on the
machine shows up in every figure: see the load averages in the JSON."""


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    info = machine()
    scratch = Path(tempfile.mkdtemp(prefix="template-bench-"))
    services = Services(down="skipped (--skip)")
    if not {"worker", "roundtrip", "diagnose"} <= args.skip:
        services = claim_services()
    python = find_python(PYTHON_FOR_DEFAULT_DJANGO)
    bench = Bench(args.runs or 5, scratch, services, python, args.template.resolve())
    try:
        prepare_base_project(bench)
        figures = measure_all(args, bench)
    finally:
        leftovers = release_services(services)
        remove_tree(scratch)
    elapsed = time.perf_counter() - started
    info["load_average_at_end"] = os.getloadavg()
    print(
        f"\nTemplate benchmarks: {bench.runs} runs per figure, {info['cpus']} CPUs, "
        f"load {info['load_average_at_start'][0]:.2f} at start, Python {info['python']}\n"
    )
    print_table(figures)
    print(f"\n{NOTES}")
    if leftovers:
        print(f"Redis keys left in db {services.redis_db}: {leftovers}")
    print(f"\nTotal elapsed: {elapsed:.0f} s")
    write_json(args.json, info, figures, bench, elapsed)
    return 0


def write_json(path: Path, info: dict, figures: list[Figure], bench: Bench, elapsed: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": info,
        "runs": bench.runs,
        "figures": [figure.as_json() for figure in figures],
        "extra": bench.extra,
        "errors": bench.errors,
        "total_seconds": elapsed,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"JSON: {path}")


if __name__ == "__main__":
    sys.exit(main())
