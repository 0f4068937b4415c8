"""Worker nodes as separate network hosts: a network namespace and a veth pair for each.

PostgreSQL and the broker listen on loopback only, so one forwarder process listens on the
host side of every veth and passes a node's connections on to them: each node sees its own
address for the database and the broker, and cutting its link cuts it off from both.
Namespace and link names carry this process's pid; a run that was killed leaves names whose
pid is gone, and the next run removes them (``sweep_stale``).
"""

import contextlib
import datetime
import fcntl
import ipaddress
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from {{ cookiecutter.project_slug }}.management.commands.diagnose import running

from .support import PROJECT_ROOT

NAMESPACE = re.compile(r"^scale-(?P<pid>\d+)-(?P<index>\d+)$")
HOST_LINK = re.compile(r"^sc(?P<pid>\d+)h(?P<index>\d+)$")
# Each run takes one 10.231.<n>.0/24 and gives every node a /30 of it.
SUBNETS = ipaddress.ip_network("10.231.0.0/16")
SUBNET_LOCK = Path("/tmp/scale-out-subnets.lock")
STOP_TIMEOUT = 60.0
# Three nodes start at once on a busy two-core machine: a hang bound, not a speed target.
READY_TIMEOUT = 90.0
# "2026-12-01 20:41:07,123 INFO [4242] celery.worker.strategy: Task x[id] received"
TASK_EVENT = r"Task [\w.]+\[(?P<id>[0-9a-f-]+)\] "
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")


def ip(*arguments: str, check: bool = True) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        ["ip", *arguments], capture_output=True, text=True, timeout=30, check=False
    )
    if check and completed.returncode != 0:
        raise RuntimeError(f"ip {' '.join(arguments)}: {completed.stderr.strip()}")
    return completed


def namespaces_unavailable() -> str | None:
    """Why this machine cannot make test hosts, or None when it can."""
    if os.geteuid() != 0:
        return "network namespaces need root (the multi-node tests run as root in CI)"
    try:
        ip("netns", "list")
    except (OSError, RuntimeError) as error:
        return f"`ip netns` does not work here ({error})"
    return None


def sweep_stale() -> list[str]:
    """Remove namespaces and links left by runs that were killed; return their names."""
    removed = []
    for line in ip("netns", "list").stdout.splitlines():
        name = line.split()[0] if line.strip() else ""
        if (match := NAMESPACE.match(name)) and not running(int(match["pid"])):
            ip("netns", "delete", name, check=False)
            removed.append(name)
    for line in ip("-o", "link", "show").stdout.splitlines():
        name = line.split(":")[1].strip().partition("@")[0]
        if (match := HOST_LINK.match(name)) and not running(int(match["pid"])):
            ip("link", "delete", name, check=False)
            removed.append(name)
    return removed


def pick_subnet() -> ipaddress.IPv4Network:
    """A /24 of 10.231.0.0/16 that no interface on this machine uses."""
    used = ip("-o", "-4", "addr", "show").stdout
    candidates = list(SUBNETS.subnets(new_prefix=24))[1:]
    start = os.getpid() % len(candidates)
    for subnet in candidates[start:] + candidates[:start]:
        prefix = str(subnet.network_address).rpartition(".")[0] + "."
        if f" {prefix}" not in used:
            return subnet
    raise RuntimeError("no free 10.231.x.0/24 subnet for test hosts")


@dataclass
class Host:
    """One network namespace joined to this host by a veth pair."""

    index: int
    namespace: str
    host_link: str
    guest_link: str
    host_address: str
    guest_address: str

    def create(self) -> None:
        namespace = ("-n", self.namespace)
        ip("netns", "add", self.namespace)
        peer = ("peer", "name", self.guest_link, "netns", self.namespace)
        ip("link", "add", self.host_link, "type", "veth", *peer)
        ip("addr", "add", f"{self.host_address}/30", "dev", self.host_link)
        ip("link", "set", self.host_link, "up")
        ip(*namespace, "addr", "add", f"{self.guest_address}/30", "dev", self.guest_link)
        ip(*namespace, "link", "set", self.guest_link, "up")
        ip(*namespace, "link", "set", "lo", "up")

    def command(self, *command: str) -> list[str]:
        return ["ip", "netns", "exec", self.namespace, *command]

    def cut(self) -> None:
        """Set the node's side of the link down: it is cut off from everything."""
        ip("-n", self.namespace, "link", "set", self.guest_link, "down")

    def reconnect(self) -> None:
        ip("-n", self.namespace, "link", "set", self.guest_link, "up")

    def remove(self) -> None:
        # Deleting the namespace deletes the veth pair with it; the link is a fallback.
        ip("netns", "delete", self.namespace, check=False)
        ip("link", "delete", self.host_link, check=False)


def make_hosts(count: int) -> list[Host]:
    """Create ``count`` test hosts on a subnet no other run on this machine holds."""
    pid = os.getpid()
    hosts: list[Host] = []
    with SUBNET_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two runs must not pick the same subnet
        subnet = pick_subnet()
        try:
            for index, pair in zip(range(count), subnet.subnets(new_prefix=30), strict=False):
                host_address, guest_address = (str(address) for address in list(pair.hosts()))
                host = Host(
                    index,
                    f"scale-{pid}-{index}",
                    f"sc{pid}h{index}",
                    f"sc{pid}g{index}",
                    host_address,
                    guest_address,
                )
                hosts.append(host)
                host.create()
        except BaseException:
            for host in hosts:
                host.remove()
            raise
    return hosts


def endpoint(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    default = {"postgres": 5432, "postgresql": 5432, "redis": 6379, "amqp": 5672}
    return parts.hostname or "127.0.0.1", parts.port or default[parts.scheme]


def as_seen_from(host: Host, url: str) -> str:
    """``url`` with its host replaced by the forwarder's address on ``host``'s link."""
    parts = urlsplit(url)
    _, port = endpoint(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{host.host_address}:{port}"
    return urlunsplit(parts._replace(netloc=f"{credentials}@{netloc}" if credentials else netloc))


class Forwarder:
    """One process forwarding every host's connections to the services on loopback."""

    def __init__(self, hosts: list[Host], urls: list[str], log_path: Path):
        targets = sorted({endpoint(url) for url in urls})
        mappings = [
            f"{host.host_address}:{port}={target}:{port}"
            for host in hosts
            for target, port in targets
        ]
        self.log_path = log_path
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.forwarder", *mappings],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=log_path.open("w"),
            text=True,
            start_new_session=True,
        )
        ready = self.process.stdout.readline()
        if ready.strip() != "ready":
            self.stop()
            raise RuntimeError(f"forwarder did not start: {log_path.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Node:
    """A real prefork worker running on a test host; its log survives restarts."""

    name: str
    host: Host
    queues: list[str]
    environ: dict[str, str]
    log_path: Path
    arguments: list[str]
    process: subprocess.Popen | None = None
    starts: list[float] = field(default_factory=list)

    @property
    def nodename(self) -> str:
        return f"{self.name}@{os.uname().nodename}"

    def start(self) -> None:
        command = self.host.command(
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.integration.cluster_app",
            "worker",
            "--queues",
            ",".join(self.queues),
            "--hostname",
            f"{self.name}@%h",
            *self.arguments,
        )
        self.starts.append(time.time())
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=self.environ,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_ready(self, client, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"{self.name} exited:\n{self.log[-5000:]}")
            if client.control.ping(destination=[self.nodename], timeout=0.5):
                return
        raise TimeoutError(f"{self.name} not ready within {timeout} s:\n{self.log[-5000:]}")

    def kill(self) -> None:
        """SIGKILL the node's whole process group: the host dies with its work in hand."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)

    def terminate(self) -> int:
        """SIGTERM the main process, as Kubernetes and `docker stop` do; wait for the exit."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.terminate()
        if self.running:
            self.kill()

    def task_ids(self, event: str) -> list[str]:
        """Every task id this node's log says ``event`` of, once per line."""
        return re.findall(TASK_EVENT.replace("(?P<id>", "(") + re.escape(event), self.log)

    def task_times(self, event: str) -> dict[str, datetime.datetime]:
        """Task id -> first time this node's log says ``event`` ("received", "succeeded")."""
        pattern = re.compile(TASK_EVENT + re.escape(event))
        found: dict[str, datetime.datetime] = {}
        for line in self.log.splitlines():
            if (match := pattern.search(line)) and (stamp := LOG_TIME.match(line)):
                moment = datetime.datetime.strptime(stamp.group(1), "%Y-%m-%d %H:%M:%S,%f")
                found.setdefault(match["id"], moment)
        return found
