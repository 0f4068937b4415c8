"""``manage.py diagnose``: the worker's start-up checks, from a shell or a health check.

Exits 0 only when the settings load, the database answers and the broker accepts a
connection; otherwise it names what failed. With ``--worker`` it also asks a running worker
for its pool's child processes and checks that each one is alive: a worker whose parent
still answers a ping while its children are gone takes tasks it never runs.
"""

import os
from pathlib import Path

from celery.utils.nodenames import default_nodename
from django.core.management.base import BaseCommand, CommandError

from {{ cookiecutter.project_slug }} import diagnostics
from {{ cookiecutter.project_slug }}.celery import app

PROC = Path("/proc")


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, and belongs to another user
    return True


def child_problem(pid: int, parent: int) -> str | None:
    """Why ``pid`` is not a live child of worker process ``parent``, or None if it is one."""
    if not running(pid):
        return f"{pid} is not running"
    try:
        # "pid (name) state ppid ...": the name may hold spaces and parentheses.
        state, ppid = (PROC / str(pid) / "stat").read_text().rpartition(")")[2].split()[:2]
    except OSError:
        # Without /proc (not Linux) that the pid exists is all there is to know.
        return f"{pid} is not running" if (PROC / "self").exists() else None
    if state in ("Z", "X"):
        return f"{pid} is dead (state {state})"
    if state in ("T", "t"):
        return f"{pid} is stopped"
    if int(ppid) != parent:
        return f"{pid} is not a child of worker process {parent}"
    return None


def probe_worker(nodename: str, timeout: float) -> diagnostics.ProbeResult:
    """Ask ``nodename`` for its pool's pids; check each is its live child on this host."""
    replies: dict = {}

    def ask() -> None:
        replies.update(app.control.inspect([nodename], timeout=timeout).stats() or {})

    # The reply may take ``timeout``; connecting to the broker gets as long again.
    asked = diagnostics.run_bounded(ask, 2 * timeout)
    if not asked.ok:
        return asked
    stats = replies.get(nodename)
    if stats is None:
        return diagnostics.ProbeResult(False, f"no reply within {timeout:.1f} s", asked.seconds)
    pool, parent = stats.get("pool") or {}, stats.get("pid")
    elapsed = f"in {asked.seconds * 1000:.0f} ms"
    if "processes" not in pool:  # solo and thread pools run tasks in the worker itself
        detail = f"answered {elapsed} (its pool has no child processes)"
        return diagnostics.ProbeResult(True, detail, asked.seconds)
    if parent is None or not running(parent):
        detail = f"worker process {parent} is not visible here: run this where the worker runs"
        return diagnostics.ProbeResult(False, detail, asked.seconds)
    pids = pool["processes"]
    problems = [problem for pid in pids if (problem := child_problem(pid, parent))]
    if not pids or problems:
        detail = "; ".join(problems) or "its pool has no child processes"
        return diagnostics.ProbeResult(False, detail, asked.seconds)
    concurrency = pool.get("max-concurrency", len(pids))
    listed = ", ".join(map(str, pids))
    detail = f"{len(pids)} of {concurrency} children alive (pids {listed}) {elapsed}"
    return diagnostics.ProbeResult(True, detail, asked.seconds)


class Command(BaseCommand):
    help = "Check the settings, database and broker this process would use."

    def add_arguments(self, parser):
        parser.add_argument(
            "--timeout",
            type=float,
            default=2.5,
            help="Seconds to wait for each of the database and the broker (default 2.5).",
        )
        parser.add_argument(
            "--worker",
            nargs="?",
            const="",
            metavar="NODENAME",
            help=(
                "Also check that this worker (default celery@<this host>) answers and that "
                "every child of its pool is alive. Run it where the worker runs, as in the "
                "worker's own container: the children's pids must be visible."
            ),
        )

    def handle(self, *args, timeout: float, worker: str | None = None, **options):
        configuration = diagnostics.Configuration.current(app.conf.broker_url)
        self.stdout.write(f"settings  {configuration.settings_module}")
        for override in diagnostics.environment_overrides():
            self.stderr.write(f"warning: {override}; Celery prefers the environment")
        checks = {
            "database": (
                f"{configuration.engine} name={configuration.database} host={configuration.host}",
                diagnostics.probe_database(timeout),
            ),
            "broker": (configuration.broker, diagnostics.probe_broker(app, timeout)),
        }
        if worker is not None:
            nodename = worker or default_nodename(None)
            checks["worker"] = (nodename, probe_worker(nodename, timeout))
        failed = []
        for name, (target, result) in checks.items():
            self.stdout.write(f"{name:<9} {target}: {result.detail}")
            if not result.ok:
                failed.append(f"{name} ({result.detail})")
        if failed:
            raise CommandError(f"diagnose failed: {'; '.join(failed)}")
        self.stdout.write(self.style.SUCCESS("all checks passed"))
