"""However SIGTERM arrives, a worker stops, and the task in its hands is not lost.

honcho (on Ctrl-C), systemd's KillMode=control-group, ``timeout`` and ``tini -g`` signal
every process of the worker; Kubernetes and ``kill`` signal its main process only. Each way
is tried on ten workers, under the development settings (file broker) and the production
ones; the thirty workers of one settings module run side by side and are signalled together
(the tries overlap, and the load makes races likelier). Every worker is
running a task when the signal comes. Afterwards each task has written its row: before its
worker exited, or, sent back to the queue, once another worker ran it.
"""

import os
import shlex
import signal
import sys
import time
from pathlib import Path

import pytest

from .support import (
    PROJECT_PACKAGE,
    PROJECT_ROOT,
    LoggedProcess,
    manage,
    production_environment,
    task_ids_of_reports,
    unique_name,
)

pytestmark = pytest.mark.integration
TRIES = 10
WAYS = ("group", "main", "honcho")
# Only a hang detector; the stop times are printed.
HANG_BOUND = 60.0
TASK = "tests.integration.worker_tasks.slow_report"
# The task in hand when the signal comes.
TASK_SECONDS = 1.5


def environment(settings: str, database_url: str, broker_url: str) -> dict[str, str]:
    environ = production_environment(database_url, broker_url, DJANGO_ENVIRONMENT=settings)
    if settings == "development":
        del environ["CELERY_BROKER_URL"]  # the file broker under .broker/
        environ.pop("CELERY_RESULT_BACKEND", None)
    return environ


def worker_command(queues: list[str], hostname: str) -> list[str]:
    """The Procfile's worker, on queues of this test's own."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        PROJECT_PACKAGE,
        "worker",
        "--loglevel",
        "INFO",
        "--concurrency",
        "2",
        "--include",
        "tests.integration.worker_tasks",
        "--queues",
        ",".join(queues),
        "--hostname",
        hostname,
        "--without-mingle",
        "--without-gossip",
    ]


class Started(LoggedProcess):
    """A worker, or honcho running one, in a session of its own, logging to a file."""

    def __init__(self, how: str, queue: str, environ: dict[str, str], log_dir: Path):
        self.how = how
        self.queue = queue
        command = worker_command([queue], f"{queue}@stopping")
        if how == "honcho":
            procfile = log_dir / f"{queue}.Procfile"
            procfile.write_text(f"worker: {shlex.join(command)}\n")
            command = [sys.executable, "-m", "honcho", "-f", str(procfile), "-d", ".", "start"]
        super().__init__(command, environ, log_dir / f"{queue}.log")

    def signal(self) -> None:
        if self.how == "group":
            os.killpg(self.process.pid, signal.SIGTERM)
        elif self.how == "main":
            os.kill(self.process.pid, signal.SIGTERM)
        else:  # Ctrl-C in honcho's terminal reaches honcho's process group
            os.killpg(self.process.pid, signal.SIGINT)


def wait_for(condition, what: str, timeout: float = HANG_BOUND) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def send_slow_tasks(environ, queues: list[str], marker: str) -> list[str]:
    """Send one slow task to each queue the way the service does (its own settings)."""
    command = (
        "from celery import current_app\n"
        f"for queue in {queues!r}:\n"
        f"    print(current_app.send_task({TASK!r}, args=[{marker!r} + '-' + queue, "
        f"{TASK_SECONDS}], queue=queue).id)"
    )
    sent = manage(environ, "shell", "-c", command)
    assert sent.returncode == 0, sent.stderr
    return sent.stdout.split()[-len(queues) :]  # after what the shell says of itself


@pytest.mark.parametrize("settings", ["development", "production"])
def test_sigterm_however_sent_stops_the_worker_and_loses_no_task(
    settings, database_url, broker_url, client, tmp_path
):
    environ = environment(settings, database_url, broker_url)
    marker = unique_name(f"stop_{settings}")
    started: list[Started] = []
    sweeper = None
    try:
        # Started ten at a time, so that a busy machine brings them up within the bound.
        for how in WAYS:
            wave = [Started(how, f"{marker}_{how}_{n}", environ, tmp_path) for n in range(TRIES)]
            started += wave
            if settings == "production":
                client.created_queues.extend(worker.queue for worker in wave)
            for worker in wave:
                wait_for(lambda w=worker: " ready." in w.log, f"{worker.queue} ready\n{worker.log}")
        queues = [worker.queue for worker in started]
        sent = send_slow_tasks(environ, queues, marker)
        for worker, task_id in zip(started, sent, strict=True):
            wait_for(lambda w=worker, t=task_id: f"[{t}] received" in w.log, f"{task_id} received")
        time.sleep(0.5)  # into the task
        signalled = time.monotonic()
        for worker in started:
            worker.signal()
        stop_times: dict[str, list[float]] = {how: [] for how in WAYS}
        for worker in started:
            left = HANG_BOUND - (time.monotonic() - signalled)
            worker.process.wait(timeout=max(left, 1))
            stop_times[worker.how].append(time.monotonic() - signalled)
        for how, times in stop_times.items():
            print(f"{settings}, {how}: {len(times)}/{TRIES} stopped, slowest {max(times):.1f} s")
        killed = sum("sending SIGKILL" in worker.log for worker in started)
        print(f"{settings}, honcho: {killed}/{TRIES} workers killed after honcho's 5 s")
        finished = len(task_ids_of_reports(database_url, marker))
        print(f"{settings}: {finished}/{len(sent)} tasks finished before their worker exited")
        if finished < len(sent):
            # A task sent back to the queue (its child died) is run by another worker.
            command = worker_command(queues, f"{marker}_sweeper@stopping")
            sweeper = LoggedProcess(command, environ, tmp_path / "sweeper.log")
            wait_for(lambda: len(task_ids_of_reports(database_url, marker)) >= len(sent), "rows")
        assert sorted(task_ids_of_reports(database_url, marker)) == sorted(sent)
    finally:
        for worker in started:
            worker.stop()
        if sweeper:
            sweeper.stop()
        # The file broker keeps a file per exchange and queue this test declared.
        for leftover in (PROJECT_ROOT / ".broker").rglob(f"*{marker}*"):
            leftover.unlink()
