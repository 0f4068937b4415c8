"""use_flower: a real Flower under production settings lists a real worker, to basic auth only."""

import base64
import contextlib
import json
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .support import (
    PROJECT_PACKAGE,
    PROJECT_ROOT,
    READY_TIMEOUT,
    LoggedProcess,
    closed_port,
    http_get,
    production_environment,
)

pytestmark = pytest.mark.integration
FLOWER = [sys.executable, "-m", "celery", "-A", PROJECT_PACKAGE, "flower"]
EXIT_CONFIGURATION_ERROR = 78  # os.EX_CONFIG, as flowerconfig.py exits
# Hang bounds only: how fast a busy machine answers is not what these tests check.
HANG_BOUND = 60.0


class Flower(LoggedProcess):
    """Flower on a free local port, started in the project directory as the Procfile does."""

    def __init__(self, environ: dict[str, str], log_path: Path):
        self.port = closed_port()
        # Each inspect may take up to 5 s to be answered on a busy machine (Flower's own
        # default is 1 s). Flower would also tell every worker on the broker to send events,
        # other test runs' too; listing workers needs only inspect.
        command = [*FLOWER, f"--port={self.port}", "--inspect_timeout=5000"]
        command += ["--enable_events=false"]
        super().__init__(command, environ, log_path)

    def get(self, path: str, credentials: str | None = None) -> tuple[int, bytes]:
        headers = {}
        if credentials is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
        status, _, body = http_get(self.port, path, headers, timeout=30)
        return status, body

    def wait_until_serving(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"flower exited {self.process.returncode}:\n{self.log}")
            with contextlib.suppress(OSError):
                if self.get("/healthcheck")[0] == 200:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"flower not serving within {timeout} s:\n{self.log}")

    def wait_for_worker(self, nodename: str, credentials: str) -> dict:
        """Ask Flower to inspect the workers until ``nodename`` answers; return its entry."""
        deadline = time.monotonic() + HANG_BOUND
        while time.monotonic() < deadline:
            status, body = self.get("/api/workers?refresh=1", credentials)
            assert status == 200, (status, body, self.log)
            if nodename in (workers := json.loads(body)):
                return workers[nodename]
            time.sleep(0.5)
        raise TimeoutError(f"{nodename} not listed within {HANG_BOUND} s:\n{self.log}")


def listening_addresses(port: int) -> set[str]:
    """The local addresses on which a socket listens on ``port``, from /proc (Linux)."""
    addresses = set()
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, _, hex_port = local.partition(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                    addresses.add(socket.inet_ntop(family, words))
    return addresses


def basic_auth() -> str:
    return f"ops:{uuid.uuid4().hex}"


def test_flower_lists_the_worker_to_basic_auth_only(
    start_worker, database_url, broker_url, tmp_path
):
    worker = start_worker()
    credentials = basic_auth()
    environ = production_environment(database_url, broker_url, FLOWER_BASIC_AUTH=credentials)
    flower = Flower(environ, tmp_path / "flower.log")
    try:
        flower.wait_until_serving()
        entry = flower.wait_for_worker(worker.nodename, credentials)
        assert entry["stats"]["pid"] == worker.process.pid
        assert [queue["name"] for queue in entry["active_queues"]] == [worker.queue]

        user, _, password = credentials.partition(":")
        for refused in (None, f"{user}:wrong-{password}", f"{user}:"):
            assert flower.get("/api/workers", refused)[0] == 401, refused
            assert flower.get("/", refused)[0] == 401, refused
        assert flower.get("/", credentials)[0] == 200
        # On 127.0.0.1 unless told otherwise: Flower's own default is every interface (and
        # its banner says 127.0.0.1 either way).
        assert listening_addresses(flower.port) == {"127.0.0.1"}
    finally:
        flower.stop()
    # No password in its log: neither its own nor the broker's (Flower logs the broker URL).
    assert password not in flower.log
    if broker_password := urlsplit(broker_url).password:
        assert f":{broker_password}@" not in flower.log


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({}, "Flower needs basic auth under production"),
        ({"FLOWER_BASIC_AUTH": "ops:Sh0rt-pa55"}, "a password of 10 characters, fewer than 16"),
    ],
    ids=["no-basic-auth", "weak-password"],
)
def test_production_flower_refuses_to_start_with_one_line(
    database_url, broker_url, variables, says
):
    completed = subprocess.run(
        FLOWER,
        cwd=PROJECT_ROOT,
        env=production_environment(database_url, broker_url, **variables),
        capture_output=True,
        text=True,
        timeout=HANG_BOUND,
        check=False,
    )
    assert completed.returncode == EXIT_CONFIGURATION_ERROR, completed.stderr
    # One line for a person, no traceback, no password.
    (line,) = completed.stderr.splitlines()
    assert line.startswith(f"{PROJECT_PACKAGE} cannot start Flower: ") and says in line, line
    assert "Sh0rt-pa55" not in line
