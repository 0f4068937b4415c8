"""Real services for the integration tests: a database of their own, workers, a slow proxy."""

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests import services

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGE = "{{ cookiecutter.project_slug }}"
# Long enough for a cold interpreter on a busy two-core machine.
READY_TIMEOUT = 90.0


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def with_database(url: str, name: str) -> str:
    """The same server URL, pointing at database ``name``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(server_url: str) -> str:
    name = unique_name(f"{PROJECT_PACKAGE}_it")
    with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return with_database(server_url, name)


def drop_database(server_url: str, database_url: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_environment(database_url: str, broker_url: str, **extra: str) -> dict[str, str]:
    """What a deployment sets, and nothing this test process chose for itself."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "DB_", "DATABASE_URL", "PYTEST_"))
    }
    # A result backend URL given to the tests is passed on (some projects require one).
    if "CELERY_RESULT_BACKEND" in services.given:
        environ["CELERY_RESULT_BACKEND"] = services.given["CELERY_RESULT_BACKEND"]
    environ.update(
        DJANGO_ENVIRONMENT="production",
        DJANGO_SECRET_KEY="integration-" + uuid.uuid4().hex * 2,
        DJANGO_ALLOWED_HOSTS="localhost",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL=broker_url,
        PYTHONUNBUFFERED="1",
    )
    environ.update(extra)
    return environ


def manage(environ: dict[str, str], *arguments: str, timeout: float = 60):
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class LoggedProcess:
    """A process of the project in a process group of its own, its output in a file."""

    def __init__(self, command: list[str], environ: dict[str, str], log_path: Path):
        self.log_path = log_path
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=environ,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_process_group(self.process)


class Worker(LoggedProcess):
    """A real prefork worker in its own process group, logging to a file."""

    def __init__(
        self, environ, log_path: Path, *, queue: str, concurrency=1, extra_args=(), quiet=False
    ):
        self.queue = queue
        self.nodename = f"{queue}@integration"
        self.log_path = log_path
        self.command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            PROJECT_PACKAGE,
            *(["--quiet"] if quiet else []),  # no start-up banner: only log records
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--queues",
            queue,
            "--hostname",
            self.nodename,
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
            "--include",
            "tests.integration.worker_tasks",
            *extra_args,
        ]
        super().__init__(self.command, environ, log_path)

    def wait_until_ready(self, client, timeout: float = READY_TIMEOUT) -> float:
        """Wait for the worker to answer a ping; return the seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited {self.process.returncode}:\n{self.log}")
            if client.control.ping(destination=[self.nodename], timeout=0.5):
                return time.monotonic() - started
        raise TimeoutError(f"worker not ready within {timeout} s:\n{self.log}")

    def wait_for_count(self, text: str, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while self.log.count(text) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{text!r} not {count} times in the log:\n{self.log}")
            time.sleep(0.05)

    def wait_for_log(self, pattern: str, timeout: float = 20.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if match := re.search(pattern, self.log):
                return match
            time.sleep(0.05)
        raise TimeoutError(f"{pattern!r} not in the worker log within {timeout} s:\n{self.log}")

    def child_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM a process started in a session of its own, then SIGKILL what is left."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


class TcpProxy:
    """A TCP proxy on 127.0.0.1 that this test owns: it can slow, cut and restore a service.

    ``delay`` holds every new connection that long before passing it on (a database that
    accepts but answers slowly). ``cut()`` closes every open connection and refuses new
    ones, as a server that went away; ``restore()`` listens again on the same port.
    """

    def __init__(self, upstream_host: str, upstream_port: int, delay: float = 0.0):
        self.upstream = (upstream_host, upstream_port)
        self.delay = delay
        self.port = 0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listen()

    def _listen(self) -> None:
        self._closing = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept_loop, args=(self._closing,), daemon=True).start()

    def _accept_loop(self, closing: threading.Event) -> None:
        listener = self._listener
        while not closing.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._track(client)
            threading.Thread(target=self._serve, args=(client, closing), daemon=True).start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _serve(self, client: socket.socket, closing: threading.Event) -> None:
        if closing.wait(self.delay):
            return
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        self._track(upstream)
        if closing.is_set():  # cut while connecting
            upstream.close()
            return
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass  # the other side went away: close both directions below
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Refuse new connections and close every open one, as a service that went away."""
        self._closing.set()
        self._listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        """Accept connections again, on the same port."""
        self._listen()

    def close(self) -> None:
        self.cut()

    def url(self, service_url: str) -> str:
        """``service_url`` (user, password, path and query kept) pointed at this proxy."""
        return with_port(service_url, self.port)


class Workers:
    """Starts workers on queues of their own, and stops every one of them."""

    def __init__(self, client, log_dir: Path, environ: dict[str, str]):
        self.client = client
        self.log_dir = log_dir
        self.environ = environ
        self.started: list[Worker] = []

    def start(
        self,
        *,
        concurrency=1,
        extra_args=(),
        wait=True,
        environ=None,
        queue=None,
        quiet=False,
        **variables,
    ):
        """Start a worker on ``queue``, or on a queue of its own."""
        if queue is None:
            queue = unique_name("it")
            self.client.created_queues.append(queue)
        worker = Worker(
            environ if environ is not None else {**self.environ, **variables},
            self.log_dir / f"{queue}.log",
            queue=queue,
            concurrency=concurrency,
            extra_args=extra_args,
            quiet=quiet,
        )
        self.started.append(worker)
        if wait:
            worker.wait_until_ready(self.client)
        return worker

    def stop_all(self) -> None:
        for worker in self.started:
            worker.stop()


def wait_for_report(database_url: str, task_id: str, timeout: float = 20.0) -> dict:
    """Poll PostgreSQL for the Report row a task wrote."""
    columns = "name, written_by_engine, written_by_settings"
    query = f"SELECT {columns} FROM reports_report WHERE task_id = %s"
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as connection:
        while time.monotonic() < deadline:
            row = connection.execute(query, (task_id,)).fetchone()
            if row:
                return dict(zip(("name", "engine", "settings"), row, strict=True))
            time.sleep(0.05)
    raise TimeoutError(f"task {task_id} wrote no Report row within {timeout} s")


def on_redis(broker_url: str) -> bool:
    return urlsplit(broker_url).scheme in ("redis", "rediss")


def may_lose_in_flight(broker_url: str) -> int:
    """How many tasks a worker killed outright, or cut off from its broker, may lose.

    None on RabbitMQ: it requeues whatever the dead connection held. kombu's Redis transport
    takes a message off the queue (BRPOP) before it records it as unacknowledged, so a worker
    killed, or whose connection breaks, between the two loses that one message (the README's
    Waits table says so).
    """
    return 1 if on_redis(broker_url) else 0


# kombu's Redis transport keeps a delivered, unacknowledged message in these two keys until
# it is acknowledged, or restored to its queue once visibility_timeout has passed.
UNACKED, UNACKED_INDEX = "unacked", "unacked_index"


def redis_unacked(broker_url: str, queues: list[str]) -> dict[str, str]:
    """Delivery tag -> task id of what waits unacknowledged for these queues.

    Always empty on RabbitMQ, which requeues what a connection held when it drops.
    """
    if not on_redis(broker_url):
        return {}
    import redis

    with redis.Redis.from_url(broker_url) as connection:
        unacked = connection.hgetall(UNACKED)
    held = {}
    for tag, value in unacked.items():
        message, _exchange, routing_key = json.loads(value)
        if routing_key in queues:
            held[tag.decode()] = message["headers"]["id"]
    return held


def forget_unacked(broker_url: str, queues: list[str]) -> None:
    """Remove what waits unacknowledged for these queues (Redis only).

    A worker stopped or cut off before its acks reached Redis leaves entries there; left
    alone, whichever worker next sweeps restores them to a queue nobody consumes.
    """
    if tags := list(redis_unacked(broker_url, queues)):
        import redis

        with redis.Redis.from_url(broker_url) as connection:
            connection.hdel(UNACKED, *tags)
            connection.zrem(UNACKED_INDEX, *tags)


def task_ids_of_reports(database_url: str, name_prefix: str) -> list[str]:
    with psycopg.connect(database_url, autocommit=True) as connection:
        query = "SELECT task_id FROM reports_report WHERE name LIKE %s"
        return [row[0] for row in connection.execute(query, (f"{name_prefix}%",))]


def count_reports(database_url: str, name_prefix: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as connection:
        query = "SELECT count(*) FROM reports_report WHERE name LIKE %s"
        return connection.execute(query, (f"{name_prefix}%",)).fetchone()[0]


def closed_port() -> int:
    """A local port that nothing listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_port(url: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def services_required(config) -> bool:
    """With --integration or under CI, a missing service fails the tests instead of skipping."""
    return config.getoption("--integration") or os.environ.get("CI", "").lower() in ("1", "true")


def http_get(
    port: int, path: str, headers: dict[str, str], timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    """GET http://127.0.0.1:<port><path>; the status, headers and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


class WebServer(LoggedProcess):
    """gunicorn serving the project on a free local port, as the Dockerfile starts it."""

    def __init__(self, environ: dict[str, str], log_path: Path, app=f"{PROJECT_PACKAGE}.wsgi"):
        self.port = closed_port()
        command = [sys.executable, "-m", "gunicorn", app, "--workers", "1"]
        super().__init__([*command, "--bind", f"127.0.0.1:{self.port}"], environ, log_path)

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        """GET over plain HTTP with these headers (Host defaults to an allowed name)."""
        return http_get(self.port, path, {"Host": "localhost", **headers})

    def wait_until_serving(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.process.returncode}:\n{self.log}")
            with contextlib.suppress(OSError):
                self.get("/health/")
                return
            time.sleep(0.1)
        raise TimeoutError(f"gunicorn not serving within {timeout} s:\n{self.log}")


class Beat(LoggedProcess):
    """celery beat in its own process group, logging to a file, checking every second."""

    def __init__(self, environ: dict[str, str], log_path: Path, app: str = PROJECT_PACKAGE):
        command = [sys.executable, "-m", "celery", "-A", app, "beat", "--loglevel", "INFO"]
        super().__init__([*command, "--max-interval", "1"], environ, log_path)

    def wait_for_reports(self, database_url: str, marker: str, timeout: float = 30.0) -> None:
        """Wait until a task that beat sent has written a Report named ``marker``."""
        deadline = time.monotonic() + timeout
        while count_reports(database_url, marker) == 0:
            if self.process.poll() is not None:
                raise RuntimeError(f"beat exited {self.process.returncode}:\n{self.log}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no periodic task ran within {timeout} s:\n{self.log}")
            time.sleep(0.2)
