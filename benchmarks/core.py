"""The benchmark's parts that every figure module uses: rows, the run's state, the registry."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import testkit
from testkit import DEFAULT_SLUG

REPO = testkit.REPO_ROOT
BENCHMARKS = REPO / "benchmarks"
IN_PROJECT = BENCHMARKS / "in_project"
COMMAND_TIMEOUT = 300
UNIT_SCALE = {"s": 1.0, "ms": 1000.0, "x": 1.0, "MiB": 1.0, "tasks/s": 1.0}


# --- rows ------------------------------------------------------------------------------


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
    section: str = ""  # the registered section that measured it

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


# --- the registry ----------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    name: str
    order: int
    measure: Callable[[Bench], list[Figure]]
    services: bool  # needs this run's PostgreSQL database and Redis number
    opt_in: bool  # runs only when asked for by name (--with)
    parts: tuple[str, ...]  # more names --skip accepts, which the section reads itself


SECTIONS: dict[str, Section] = {}


def section(
    name: str,
    *,
    order: int,
    services: bool = False,
    opt_in: bool = False,
    parts: tuple[str, ...] = (),
) -> Callable:
    """Register a function that measures one group of figures (a module in figures/)."""

    def register(measure: Callable[[Bench], list[Figure]]) -> Callable:
        if name in SECTIONS:
            raise ValueError(f"two benchmark sections are named {name!r}")
        SECTIONS[name] = Section(name, order, measure, services, opt_in, parts)
        return measure

    return register


# --- the run's state -------------------------------------------------------------------


@dataclass
class Services:
    """A PostgreSQL database and a Redis database number that belong to this run."""

    database_url: str = ""
    redis_url: str = ""
    down: str = ""  # why the rows that need services are skipped


@dataclass
class Bench:
    runs: int
    quick: bool  # every figure once, on small inputs: proves the figures still measure
    scratch: Path
    services: Services
    python: str
    template: Path = REPO
    skip: frozenset[str] = frozenset()
    base: Path | None = None  # a rendered, installed project for the Django/Celery parts
    extra: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # one line each, printed after the table

    def size(self, full: int, quick: int) -> int:
        """How many of something to measure: ``quick`` in a quick run."""
        return quick if self.quick else full

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
            [*self.cookiecutter_command, "-o", str(out)], self.scratch, newcomer_environment()
        )
        return seconds, out / DEFAULT_SLUG

    def uv_sync(self, project: Path, **env: str) -> float:
        return timed_run(
            ["uv", "sync", "--python", self.python], project, newcomer_environment(**env)
        )

    def project_python(self) -> str:
        return str(self.base / ".venv" / "bin" / "python")

    def production_env(self, **extra: str) -> dict[str, str]:
        return newcomer_environment(
            DJANGO_ENVIRONMENT="production",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
            DJANGO_ALLOWED_HOSTS="localhost",
            DATABASE_URL=self.services.database_url,
            CELERY_BROKER_URL=self.services.redis_url,
            BENCH_RESULT_BACKEND=self.services.redis_url,
            BENCH_PROJECT_SLUG=DEFAULT_SLUG,
            **extra,
        )

    def driver(self, *arguments: str, timeout: float = COMMAND_TIMEOUT):
        """Run in_project/bench_driver.py in the base project; return the JSON it prints."""
        command = [self.project_python(), "bench_driver.py", *arguments, "--slug", DEFAULT_SLUG]
        return run_json(command, self.base, self.production_env(), timeout)


# --- processes -------------------------------------------------------------------------


def newcomer_environment(**overrides: str) -> dict[str, str]:
    """What a newcomer's shell would give a child: no settings choices, no CI."""
    return testkit.clean_environment(as_newcomer=True, **overrides)


def run(command: list[str], cwd: Path, env: dict, timeout: float = COMMAND_TIMEOUT) -> str:
    """testkit.run, returning stdout."""
    return testkit.run(command, cwd, env, timeout).stdout


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


def remove_tree(path: Path) -> None:
    def make_writable_and_retry(function, failed_path, _):
        os.chmod(failed_path, 0o700)
        function(failed_path)

    if path.exists():
        shutil.rmtree(path, onerror=make_writable_and_retry)


def gist(error: Exception) -> str:
    """The first line of an error and the lines that name what failed (pytest's FAILED ...)."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()] or ["no message"]
    named = [line for line in lines[1:] if line.startswith(("FAILED", "ERROR", "E "))][:3]
    return " | ".join([f"{type(error).__name__}: {lines[0]}", *named])[:400]
