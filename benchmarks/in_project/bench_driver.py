"""The half of ``benchmarks/run.py`` that needs Django and Celery.

``run.py`` runs in the template repository's environment, which has neither. It copies this
file (with the other modules in this directory and the repository's testkit.py) into a temporary
rendered project and runs it with that project's interpreter. Each command prints one JSON
document on stdout; the services to use come from the environment run.py sets (the production
settings' variables, plus BENCH_* ones).

    python bench_driver.py startproject-server      # times call_command("startproject")
    python bench_driver.py worker-ready --runs 5    # diagnostics on, off, and a bare app
    python bench_driver.py django-setup --runs 5    # django.setup() in a fresh interpreter
    python bench_driver.py round-trips --runs 5 --count 100
    python bench_driver.py child-cost --runs 5      # check_child() in-process
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from testkit import DEFAULT_SLUG, stop_group  # copied in beside this file by run.py

PING_INTERVAL_SECONDS = 0.025
READY_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10
# "2026-11-28 19:04:32,979 INFO [15579] my_service.diagnostics: child 15579: settings ..."
CHILD_LINE = re.compile(
    r"^(?P<date>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(?P<ms>\d{3}) \w+ \[\d+\] \S+: "
    r"child (?P<pid>\d+): (?P<what>settings|database probe ok in (?P<probe>\d+) ms)"
)


def emit(document: object) -> None:
    print(json.dumps(document), flush=True)


def stop_on_sigterm() -> None:
    """Turn SIGTERM (run.py's timeout) into SystemExit, so ``finally`` stops our workers."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


# --- startproject ----------------------------------------------------------------------


def startproject_server() -> None:
    """Time ``call_command("startproject")`` for each directory named on stdin.

    A long-lived process, so run.py can interleave these runs with its in-process renders.
    One warm-up run first, as for the renders.
    """
    import django
    from django.conf import settings
    from django.core.management import call_command

    settings.configure()  # as django-admin runs without a project: no apps, no database
    django.setup()

    def timed(target: Path) -> float:
        target.mkdir(parents=True)
        started = time.perf_counter()
        call_command("startproject", "benchproj", str(target), verbosity=0)
        return time.perf_counter() - started

    with tempfile.TemporaryDirectory() as scratch:
        timed(Path(scratch) / "warm-up")
    emit({"ready": True})
    for line in sys.stdin:
        emit({"seconds": timed(Path(line.strip()))})


# --- a worker we start and stop --------------------------------------------------------


class Worker:
    """A ``celery worker`` subprocess in its own process group, with its output timestamped."""

    def __init__(self, app_module: str, diagnostics: bool, extra: list[str] = ()) -> None:
        token = uuid.uuid4().hex[:10]
        self.queue = f"bench-{token}"
        self.node = f"bench-{token}@{socket.gethostname()}"
        self.command = [
            *(str(Path(sys.executable).parent / "celery"), "-A", app_module, "worker"),
            *("--pool", "prefork", "--concurrency", "2", "--loglevel", "INFO"),
            *("--without-mingle", "--without-gossip", "--without-heartbeat"),
            *("-Q", self.queue, "-n", self.node),
            *extra,
        ]
        self.environment = dict(
            os.environ,
            WORKER_DIAGNOSTICS="on" if diagnostics else "off",
            PYTHONUNBUFFERED="1",
        )
        self.lines: list[tuple[float, str]] = []
        self.ready_at: float | None = None
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            self.command,
            env=self.environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        return self.started

    def _read(self) -> None:
        for line in self.process.stdout:
            now = time.perf_counter()
            self.lines.append((now, line.rstrip("\n")))
            if self.ready_at is None and line.rstrip().endswith(f"{self.node} ready."):
                self.ready_at = now

    def wait_for_ping(self, client) -> float:
        """Seconds from start to the first ``control.ping`` this worker answers."""
        deadline = self.started + READY_TIMEOUT_SECONDS
        while time.perf_counter() < deadline:
            if client.control.ping(destination=[self.node], timeout=PING_INTERVAL_SECONDS):
                return time.perf_counter() - self.started
            if self.process.poll() is not None:
                break
        raise RuntimeError(f"worker never answered a ping:\n{self.log()}")

    def wait_for_ready_line(self) -> float:
        deadline = self.started + READY_TIMEOUT_SECONDS
        while self.ready_at is None and time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited {self.process.returncode}:\n{self.log()}")
            time.sleep(0.005)
        if self.ready_at is None:
            raise RuntimeError(f"no 'ready.' line within {READY_TIMEOUT_SECONDS} s:\n{self.log()}")
        return self.ready_at - self.started

    def wait_for_children(self, count: int, timeout: float = 5) -> None:
        deadline = time.perf_counter() + timeout
        while len(self.child_diagnostics_ms()) < count and time.perf_counter() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        """SIGTERM the process group (a warm shutdown), then SIGKILL what is left."""
        if self.process is not None:
            stop_group(self.process, grace=STOP_TIMEOUT_SECONDS)

    def log(self) -> str:
        return "\n".join(line for _, line in self.lines[-60:])

    def errors(self) -> list[str]:
        return [line for _, line in self.lines if " ERROR " in line or " CRITICAL " in line]

    def child_diagnostics_ms(self) -> list[dict]:
        """Per child: ms between its 'settings' and 'probe ok' lines (the log's clock)."""
        seen: dict[str, dict] = {}
        for _, line in self.lines:
            match = CHILD_LINE.match(line)
            if not match:
                continue
            stamp = time.mktime(time.strptime(match["date"], "%Y-%m-%d %H:%M:%S"))
            stamp += int(match["ms"]) / 1000
            child = seen.setdefault(match["pid"], {})
            if match["what"] == "settings":
                child["first"] = stamp
            else:
                child["last"] = stamp
                child["probe_ms"] = int(match["probe"])
        return [
            {"log_span_ms": (child["last"] - child["first"]) * 1000, "probe_ms": child["probe_ms"]}
            for child in seen.values()
            if "first" in child and "last" in child
        ]


def client_app(backend: str | None = None):
    """A bare Celery app that only sends: no Django, no settings module."""
    from celery import Celery

    client = Celery("bench-client", broker=os.environ["CELERY_BROKER_URL"], backend=backend)
    # Open the broker connection now, so the first measured ping does not pay for it.
    client.control.ping(destination=["nobody@nowhere"], timeout=0.01)
    return client


# --- worker start to ready -------------------------------------------------------------


def one_worker_start(client, app_module: str, diagnostics: bool) -> dict:
    worker = Worker(app_module, diagnostics)
    try:
        worker.start()
        ping = worker.wait_for_ping(client)
        ready_line = worker.wait_for_ready_line()
        if diagnostics:  # the children log their checks while the parent gets ready
            worker.wait_for_children(2)
        return {
            "ready_line_s": ready_line,
            "ping_s": ping,
            "children": worker.child_diagnostics_ms(),
            "errors": worker.errors(),
        }
    finally:
        worker.stop()


def worker_ready(runs: int, slug: str) -> None:
    """The service's worker with diagnostics on and off, and the bare app (the floor)."""
    client = client_app()
    modules = {"on": slug, "off": slug, "bare": "bench_bare"}
    results: dict[str, list[dict]] = {mode: [] for mode in modules}
    for _ in range(runs):
        for mode, module in modules.items():
            results[mode].append(one_worker_start(client, module, diagnostics=mode == "on"))
    emit(results)


# --- django.setup() --------------------------------------------------------------------

SETUP_CHILD = """
import time
started = time.perf_counter()
import django
django.setup()
print(time.perf_counter() - started)
"""


def django_setup(runs: int, slug: str) -> None:
    """``django.setup()`` of the project's production settings in a fresh interpreter.

    The floor under any process that runs the service's code: the whole process's wall time
    (interpreter start included), the time inside it (imports + setup), and a bare interpreter.
    """
    environ = dict(os.environ, DJANGO_SETTINGS_MODULE=f"{slug}.settings.production")
    samples: dict[str, list[float]] = {"process_s": [], "inside_s": [], "interpreter_s": []}
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        samples["interpreter_s"].append(time.perf_counter() - started)
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-c", SETUP_CHILD],
            env=environ,
            capture_output=True,
            text=True,
            check=True,
        )
        samples["process_s"].append(time.perf_counter() - started)
        samples["inside_s"].append(float(completed.stdout.strip().splitlines()[-1]))
    emit(samples)


# --- round trips -----------------------------------------------------------------------


def round_trip(client, queue: str, task: str, args: list) -> float:
    """``send_task`` (what ``.delay()`` calls) to the result in the sender's hands."""
    started = time.perf_counter()
    result = client.send_task(task, args=args, queue=queue)
    result.get(timeout=30)
    elapsed = time.perf_counter() - started
    result.forget()
    return elapsed


def round_trips(runs: int, count: int, report_task: str) -> None:
    client = client_app(backend=os.environ["BENCH_RESULT_BACKEND"])
    tasks = {
        "noop": ("bench_tasks.noop", lambda i: []),
        "report": (report_task, lambda i: [f"b{i}"]),
    }
    results = []
    for _ in range(runs):
        worker = Worker("bench_celery", diagnostics=True, extra=["--include", "bench_tasks"])
        try:
            worker.start()
            worker.wait_for_ping(client)
            run: dict[str, object] = {}
            for name, (task, args) in tasks.items():
                run[f"{name}_first_s"] = round_trip(client, worker.queue, task, args(0))
            for name, (task, args) in tasks.items():
                samples = [round_trip(client, worker.queue, task, args(i)) for i in range(count)]
                run[f"{name}_median_s"] = statistics.median(samples)
                run[f"{name}_p95_s"] = sorted(samples)[int(len(samples) * 0.95) - 1]
            run["errors"] = worker.errors()
            results.append(run)
        finally:
            worker.stop()
    emit(results)


# --- per-child diagnostics, in-process -------------------------------------------------


def child_cost(runs: int, slug: str) -> None:
    """Time ``diagnostics.check_child()`` (what each pool child runs) in this process."""
    import importlib

    import django

    importlib.import_module(f"{slug}.celery")  # selects the settings, like the worker
    django.setup()
    diagnostics = importlib.import_module(f"{slug}.diagnostics")
    diagnostics.check_child()  # warm-up: imports and the first connection's set-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        diagnostics.check_child()
        samples.append(time.perf_counter() - started)
    emit({"samples_s": samples})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "command",
        choices=[
            "startproject-server",
            "worker-ready",
            "django-setup",
            "round-trips",
            "child-cost",
        ],
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--slug", default=DEFAULT_SLUG)
    args = parser.parse_args()
    stop_on_sigterm()
    if args.command == "startproject-server":
        startproject_server()
    elif args.command == "worker-ready":
        worker_ready(args.runs, args.slug)
    elif args.command == "django-setup":
        django_setup(args.runs, args.slug)
    elif args.command == "round-trips":
        round_trips(args.runs, args.count, "reports.tasks.create_report")
    else:
        child_cost(args.runs, args.slug)


if __name__ == "__main__":
    main()
