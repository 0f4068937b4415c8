"""The image's contents, run without Docker, as the image's uid.

No Docker engine runs where these tests run. Instead, per broker, a fixture does what the build
would: the builder stage's own install command into a venv of the same Python, the final
stage's COPY instructions (minus .dockerignore, owned by root so read-only for the image's
uid), and its build steps (collectstatic). The tests then run compose's web and worker
commands and health checks from that copy, against this machine's PostgreSQL (a database of
their own) and broker (a Redis database number of their own, or a queue of their own on
RabbitMQ's default vhost), all removed at the end.
"""

import http.client
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

import testkit
from tests.helpers import (
    DEFAULT_SLUG,
    SERVICE_URLS,
    clean_environment,
    find_python,
    free_port,
    require_service,
    run,
    stop_group,
)
from tests.template.dockerfiles import (
    IMAGE_UID,
    STRONG_KEY,
    builder_environment,
    builder_install,
    compose,
    copy_final_stage,
    dockerfile,
    final_stage_builds,
    service_environment,
)

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.xdist_group("docker-image")]
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c"]


def as_image_user(command: list[str]) -> list[str]:
    uid = str(IMAGE_UID)
    return ["setpriv", "--reuid", uid, "--regid", uid, "--clear-groups", *command]


def link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:  # another file system
        shutil.copy2(source, destination)


def python_for_image_user(version: str, root: Path) -> tuple[str, dict[str, str]]:
    """An interpreter ``version`` the image's uid may run, and the variables it needs.

    pyenv's live under root's private home: one is laid out again under ``root`` (its binary,
    shared library and standard library, linked where the file system allows), and finds
    its shared library through LD_LIBRARY_PATH instead of its RUNPATH under /root.
    """
    for candidate in (f"/usr/local/bin/python{version}", f"/usr/bin/python{version}"):
        check = subprocess.run(as_image_user([candidate, "-c", "pass"]), capture_output=True)
        if check.returncode == 0:
            return candidate, {}
    prefix = Path(find_python(version)).resolve().parent.parent
    copy = root / "python"
    (copy / "bin").mkdir(parents=True)
    (copy / "lib").mkdir()
    link_or_copy(str(prefix / "bin" / f"python{version}"), str(copy / "bin" / f"python{version}"))
    for library in (prefix / "lib").glob(f"libpython{version}*.so*"):
        link_or_copy(str(library), str(copy / "lib" / library.name))
    unneeded = {"test", "site-packages", "idlelib", "tkinter", "turtledemo", "ensurepip"}
    shutil.copytree(
        prefix / "lib" / f"python{version}",
        copy / "lib" / f"python{version}",
        ignore=lambda _, names: [n for n in names if n in unneeded or n.startswith("config-")],
        copy_function=link_or_copy,
    )
    (copy / "lib" / f"python{version}" / "site-packages").mkdir()
    python, environ = str(copy / "bin" / f"python{version}"), {"LD_LIBRARY_PATH": str(copy / "lib")}
    check = subprocess.run(
        as_image_user([python, "-c", "pass"]), env=environ, capture_output=True, text=True
    )
    if check.returncode != 0:
        pytest.fail(f"no Python {version} that uid {IMAGE_UID} can run: {check.stderr}")
    return python, environ


def start(command: list[str], cwd: Path, environ: dict, log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            as_image_user(command),
            cwd=cwd,
            env=environ,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def get(port: int, path: str, **headers: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "localhost", **headers})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def health_check(service: dict, cwd: Path, environ: dict) -> subprocess.CompletedProcess:
    test = service["healthcheck"]["test"]
    assert test[0] == "CMD"
    return subprocess.run(
        as_image_user(test[1:]),
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def wait_until(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := predicate():
            return result
        time.sleep(0.5)
    pytest.fail(f"{what} within {timeout} s; log:\n{log.read_text()[-4000:]}")


@dataclass
class Image:
    """What the image would hold, laid out on this machine, and compose's view of it."""

    app: Path  # WORKDIR, holding the final stage's files
    root: Path  # for logs
    services: dict  # compose's services
    environ: dict  # compose's variables, pointed at this machine's services
    processes: list

    def start(self, command: list[str], log_name: str) -> tuple[subprocess.Popen, Path]:
        log = self.root / log_name
        process = start(command, self.app, self.environ, log)
        self.processes.append(process)
        return process, log

    def health_check(self, service: str) -> subprocess.CompletedProcess:
        return health_check(self.services[service], self.app, self.environ)


@pytest.fixture(scope="module", params=["redis", "rabbitmq"])
def built_image(request, bake):
    broker = request.param
    require_service("postgresql")
    require_service(broker)
    project = bake(use_docker=True, broker=broker)
    # World-readable, unlike pytest's tmp_path, so the image's uid can read the code.
    root = Path(tempfile.mkdtemp(prefix="image-"))
    root.chmod(0o755)
    database = f"{DEFAULT_SLUG}_image_{uuid.uuid4().hex[:8]}"
    processes: list[subprocess.Popen] = []
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, root, ignore_errors=True)
        # Builder stage: the Dockerfile's own install command and environment, into a venv of
        # the image's Python, from the uv.lock that the project's first `uv sync` writes.
        venv = root / "opt" / "venv"
        arguments, (builder, _) = dockerfile(project)
        python, python_environ = python_for_image_user(arguments["PYTHON_VERSION"], root)
        run(["uv", "lock", "--quiet"], project, clean_environment())
        install_environment = builder_environment(builder) | {
            "UV_PROJECT_ENVIRONMENT": str(venv),
            "UV_PYTHON": python,
            **python_environ,
        }
        run(builder_install(project), project, clean_environment(**install_environment))
        assert not (venv / "bin" / "pytest").exists(), "the dev group reached the image"
        # Final stage: its files, owned by root and read-only for the image's uid.
        app = copy_final_stage(project, root)
        run([*PSQL, f'CREATE DATABASE "{database}"'], project)
        cleanup.callback(
            subprocess.run, [*PSQL, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)']
        )
        if broker == "redis":
            broker_url = cleanup.enter_context(testkit.redis_database())
        else:
            broker_url = SERVICE_URLS["rabbitmq"]
            queue = f"image_{uuid.uuid4().hex[:8]}"
            cleanup.callback(delete_queue, venv / "bin/python", broker_url, queue, python_environ)

        services = compose(project)["services"]
        environ = clean_environment(
            HOME="/nonexistent", PYTHONDONTWRITEBYTECODE="1", **python_environ
        )
        environ["PATH"] = f"{venv / 'bin'}:{environ['PATH']}"
        environ |= service_environment(services["web"], STRONG_KEY) | {
            # The same variables, pointed at this machine's services instead of compose's.
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "CELERY_BROKER_URL": broker_url,
        }
        if broker == "rabbitmq":
            services["worker"]["command"] += f" --queues {queue}"

        # The final stage's build steps (collectstatic), as root, with only the image's ENV.
        build = clean_environment(
            DJANGO_ENVIRONMENT="production", PYTHONDONTWRITEBYTECODE="1", **python_environ
        )
        build["PATH"] = f"{venv / 'bin'}:{build['PATH']}"
        for command in final_stage_builds(project):
            run(["sh", "-c", command], app, build)

        cleanup.callback(lambda: [stop_group(process) for process in processes])
        yield Image(app, root, services, environ, processes)


@pytest.fixture
def image(built_image):
    """The image, with what a test starts in it stopped when the test ends."""
    yield built_image
    while built_image.processes:
        stop_group(built_image.processes.pop())


def delete_queue(python: Path, url: str, queue: str, environ: dict[str, str]) -> None:
    delete = (
        "import sys; from kombu import Connection\n"
        "with Connection(sys.argv[1]) as c:\n"
        "    c.default_channel.queue_delete(sys.argv[2])\n"
        "    c.default_channel.exchange_delete(sys.argv[2])"
    )
    if python.exists():
        subprocess.run(
            [str(python), "-c", delete, url, queue], env=clean_environment(**environ), check=False
        )


def test_web_serves_health_and_static_files_as_the_image_user(image):
    port = free_port()
    web_command = shlex.split(image.services["web"]["command"])
    assert "0.0.0.0:8000" in web_command[-1]
    web_command[-1] = web_command[-1].replace("0.0.0.0:8000", f"127.0.0.1:{port}")
    web, log = image.start(web_command, "web.log")

    def web_answers():
        try:
            return get(port, "/health/")
        except OSError:
            assert web.poll() is None, log.read_text()
            return None

    status, body = wait_until(web_answers, 60, "web did not answer /health/", log)
    # Plain HTTP, as a load balancer's probe inside the network sends it.
    assert status == 200, f"/health/ answered {status} (is it in SECURE_REDIRECT_EXEMPT?)"
    assert json.loads(body)["status"] == "ok"
    # Every other path still redirects to HTTPS.
    assert get(port, "/admin/login/")[0] == 301
    # Behind the TLS proxy: the admin's stylesheet, collected into the image at build time.
    status, body = get(port, "/static/admin/css/base.css", **{"X-Forwarded-Proto": "https"})
    assert status == 200 and "body" in body, (status, body[:500])
    completed = image.health_check("web")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "all checks passed" in completed.stdout


def test_worker_health_check_sees_a_stopped_child(image):
    worker, log = image.start(shlex.split(image.services["worker"]["command"]), "worker.log")

    def worker_healthy():
        assert worker.poll() is None, log.read_text()
        return image.health_check("worker").returncode == 0

    wait_until(worker_healthy, 60, "the worker's health check did not pass", log)
    completed = image.health_check("worker")
    assert re.search(r"worker +celery@\S+: 2 of 2 children alive", completed.stdout)

    # A child that stops working while its parent still answers: unhealthy.
    # setpriv execs the command, so the process started is the worker's main process.
    pool = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    assert len(pool) == 2, pool
    os.kill(int(pool[0]), signal.SIGSTOP)
    try:
        completed = image.health_check("worker")
    finally:
        os.kill(int(pool[0]), signal.SIGCONT)
    assert completed.returncode != 0
    assert f"{pool[0]} is stopped" in completed.stderr + completed.stdout
    assert image.health_check("worker").returncode == 0
