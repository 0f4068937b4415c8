"""use_docker: the Dockerfile, .dockerignore and compose.yaml, checked without a Docker engine.

No Docker engine runs where these tests run, so nothing here builds an image or starts a
container. Instead: hadolint and the Compose Specification's JSON schema check the files;
the tests read them and assert what each stage and service must be; and the slow test does
by hand what the image would do: it installs the builder stage's requirements with the
Dockerfile's own command, copies what the final stage copies (minus .dockerignore), and runs
compose's web and worker commands and health checks from that copy as the image's uid.
"""

import http.client
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
import yaml

from tests.helpers import (
    DEFAULT_SLUG,
    PYTHON_FOR_DJANGO,
    clean_environment,
    find_python,
    free_port,
    require_service,
    run,
    stop_group,
)

TOOLS = Path(sys.executable).parent
BOOLEAN_FILES = ["Dockerfile", ".dockerignore", "compose.yaml"]
DJANGO_SERVICES = ("web", "worker", "beat")
# The uid the final stage switches to (USER); the slow test runs the processes as it.
IMAGE_UID = 10001

# Option sets whose compose files differ: broker, result backend and beat.
COMPOSE_VARIANTS = [
    pytest.param({}, id="redis"),
    pytest.param({"broker": "rabbitmq"}, id="rabbitmq"),
    pytest.param({"broker": "rabbitmq", "result_backend": "redis"}, id="rabbitmq+redis-results"),
    pytest.param({"result_backend": "django-db", "use_celery_beat": True}, id="django-db+beat"),
    pytest.param({"result_backend": "redis", "use_celery_beat": True}, id="redis-results+beat"),
]


def answers_with(variant: dict) -> dict:
    return {"broker": "redis", "result_backend": "none", "use_celery_beat": False, **variant}


# -- Reading the files ---------------------------------------------------------------------


def dockerfile(project: Path) -> tuple[dict[str, str], list[list[tuple[str, str]]]]:
    """Global ARG defaults, and each stage's instructions as (INSTRUCTION, arguments)."""
    text = re.sub(r"\\\n", " ", (project / "Dockerfile").read_text())
    arguments: dict[str, str] = {}
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction, rest = instruction.upper(), " ".join(rest.split())
        if instruction == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction, rest))
        elif instruction == "ARG":
            name, _, default = rest.partition("=")
            arguments[name] = default
    return arguments, stages


def base_image(arguments: dict[str, str], from_line: str) -> str:
    image = from_line.split()[0]
    return re.sub(r"\$\{(\w+)\}", lambda match: arguments[match.group(1)], image)


def compose(project: Path) -> dict:
    return yaml.safe_load((project / "compose.yaml").read_text())


INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<operator>:?[-?])(?P<argument>[^}]*))?\}")


def interpolate(value: str, environ: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} interpolation."""

    def replace(match: re.Match) -> str:
        name, operator, argument = match.group("name", "operator", "argument")
        current = environ.get(name, "")
        if operator in (":?", "?") and not current:
            raise KeyError(f"compose refuses to start without {name}: {argument}")
        if operator in (":-", "-") and not current:
            return argument
        return current

    return INTERPOLATION.sub(replace, value).replace("$$", "$")


def service_environment(service: dict, environ: dict[str, str]) -> dict[str, str]:
    return {
        name: interpolate(str(value), environ) for name, value in service["environment"].items()
    }


def pyproject(project: Path) -> dict:
    return tomllib.loads((project / "pyproject.toml").read_text())


def dockerignore_matcher(project: Path):
    """Whether a path (relative, with /) is left out of the build context."""
    patterns = []
    for line in (project / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert not line.startswith("!"), "this matcher does not handle exceptions"
        regex = re.escape(line.rstrip("/")).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*")
        patterns.append(re.compile(regex.replace(r"\?", "[^/]")))

    def ignored(relative: str) -> bool:
        parts = relative.split("/")
        prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
        return any(pattern.fullmatch(prefix) for pattern in patterns for prefix in prefixes)

    return ignored


def copy_final_stage(project: Path, root: Path) -> Path:
    """Lay out what the final stage's COPY instructions put in the image; return WORKDIR."""
    _, stages = dockerfile(project)
    ignored = dockerignore_matcher(project)

    def left_out(directory: str, names: list[str]) -> list[str]:
        relative = Path(directory).relative_to(project)
        return [name for name in names if ignored(str(relative / name))]

    workdir = root
    for instruction, rest in stages[-1]:
        if instruction == "WORKDIR":
            workdir = root / rest.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        if instruction != "COPY" or rest.startswith("--from"):
            continue
        *sources, destination = rest.split()
        target = (root if destination.startswith("/") else workdir) / destination.lstrip("/")
        for source in sources:
            assert not ignored(source), f"COPY {source}, which .dockerignore leaves out"
            path = project / source
            copied = target / path.name if destination.endswith("/") else target
            if path.is_dir():
                shutil.copytree(path, copied, ignore=left_out, dirs_exist_ok=True)
            else:
                copied.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, copied)
    return workdir


# -- Presence ------------------------------------------------------------------------------


def test_docker_files_come_only_with_use_docker(bake):
    without, with_docker = bake(), bake(use_docker=True)
    assert [name for name in BOOLEAN_FILES if (without / name).exists()] == []
    assert [name for name in BOOLEAN_FILES if not (with_docker / name).is_file()] == []


# -- Dockerfile ----------------------------------------------------------------------------


@pytest.mark.parametrize("django_version", sorted(PYTHON_FOR_DJANGO))
def test_dockerfile_passes_hadolint(bake, django_version):
    project = bake(use_docker=True, django_version=django_version)
    completed = subprocess.run(
        [str(TOOLS / "hadolint"), "--no-color", "Dockerfile"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("django_version", sorted(PYTHON_FOR_DJANGO))
def test_dockerfile_builds_in_one_stage_and_runs_slim_in_another(bake, django_version):
    project = bake(use_docker=True, django_version=django_version)
    arguments, stages = dockerfile(project)
    assert len(stages) == 2, "a builder stage and a final stage"
    builder, final = stages
    floor = pyproject(project)["project"]["requires-python"].removeprefix(">=")
    assert floor == PYTHON_FOR_DJANGO[django_version]
    # Both stages on the same Python (the venv's interpreter is a symlink into it).
    assert base_image(arguments, builder[0][1]) == f"python:{floor}-slim"
    assert base_image(arguments, final[0][1]) == f"python:{floor}-slim"
    assert builder[0][1].split()[-2:] == ["AS", "builder"]

    # The builder installs the project's runtime dependencies (not its dev group) into a venv.
    installs = [rest for instruction, rest in builder if instruction == "RUN"]
    assert any(
        "uv pip install --python /opt/venv/bin/python --requirement /app/pyproject.toml" in run
        for run in installs
    ), installs
    assert ("COPY", "pyproject.toml /app/pyproject.toml") in builder


def test_final_stage_has_no_compiler_and_runs_as_a_user(bake):
    project = bake(use_docker=True)
    _, (_, final) = dockerfile(project)
    runs = " ".join(rest for instruction, rest in final if instruction == "RUN")
    for forbidden in ("apt-get install", "apk add", "gcc", "build-essential", "g++", "pip install"):
        assert forbidden not in runs
    assert ("COPY", "--from=builder /opt/venv /opt/venv") in final
    copies_from = [rest for instruction, rest in final if rest.startswith("--from")]
    assert copies_from == ["--from=builder /opt/venv /opt/venv"], "only the venv, no toolchain"

    instructions = [instruction for instruction, _ in final]
    users = [rest for instruction, rest in final if instruction == "USER"]
    assert len(users) == 1
    uid, _, gid = users[0].partition(":")
    assert int(uid) == IMAGE_UID and int(gid) == IMAGE_UID
    # Code is copied (as root, so read-only for the user) before the switch; nothing after.
    assert instructions.index("USER") > max(
        i for i, name in enumerate(instructions) if name == "COPY"
    )
    assert f"--uid {IMAGE_UID}" in runs

    environment = " ".join(rest for instruction, rest in final if instruction == "ENV")
    assert "PATH=/opt/venv/bin:$PATH" in environment
    assert "DJANGO_ENVIRONMENT=production" in environment


def test_image_gets_every_package_and_no_secret(bake, tmp_path):
    project = bake(use_docker=True)
    workdir = copy_final_stage(project, tmp_path / "image")
    packages = pyproject(project)["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    for package in ["manage.py", *packages]:
        assert (workdir / package).exists(), f"the image lacks {package}"
    assert (workdir / DEFAULT_SLUG / "settings" / "production.py").is_file()
    # .env holds this checkout's development secret: it must never reach an image.
    assert (project / ".env").is_file()
    leaked = [str(path.relative_to(workdir)) for path in workdir.rglob("*") if path.name == ".env"]
    assert leaked == []
    assert not list(workdir.rglob("__pycache__"))
    ignored = dockerignore_matcher(project)
    for path in (".env", ".env.local", ".venv", ".git", "db.sqlite3", ".broker", "tests"):
        assert ignored(path), path
    assert ignored(f"{DEFAULT_SLUG}/__pycache__") and ignored("__pycache__")
    assert not ignored(f"{DEFAULT_SLUG}/settings/production.py")


def test_image_command_serves_the_wsgi_app_with_a_declared_dependency(bake):
    project = bake(use_docker=True)
    _, (_, final) = dockerfile(project)
    (command,) = [json.loads(rest) for instruction, rest in final if instruction == "CMD"]
    assert command[:2] == ["gunicorn", f"{DEFAULT_SLUG}.wsgi"]
    dependencies = [
        re.split(r"[\[<>=~ ]", dep)[0] for dep in pyproject(project)["project"]["dependencies"]
    ]
    assert "gunicorn" in dependencies, "the image runs gunicorn: it must be a project dependency"


# -- compose.yaml --------------------------------------------------------------------------


@pytest.mark.parametrize("variant", COMPOSE_VARIANTS)
def test_compose_file_matches_the_compose_specification(bake, variant):
    project = bake(use_docker=True, **variant)
    completed = subprocess.run(
        [
            str(TOOLS / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            "compose.yaml",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("variant", COMPOSE_VARIANTS)
def test_compose_services_follow_the_answers(bake, variant):
    answers = answers_with(variant)
    services = compose(bake(use_docker=True, **variant))["services"]
    uses_redis = "redis" in (answers["broker"], answers["result_backend"])
    expected = {"web", "worker", "db"}
    expected |= {"beat"} if answers["use_celery_beat"] else set()
    expected |= {"redis"} if uses_redis else set()
    expected |= {"rabbitmq"} if answers["broker"] == "rabbitmq" else set()
    assert set(services) == expected

    db = services["db"]
    assert db["image"] in ("postgres:17", "postgres:16")
    assert db["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    if uses_redis:
        assert services["redis"]["image"] == "redis:7"
        assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    if answers["broker"] == "rabbitmq":
        assert services["rabbitmq"]["image"] in (
            "rabbitmq:4-management",
            "rabbitmq:3.13-management",
        )
        assert services["rabbitmq"]["healthcheck"]["test"] == [
            "CMD",
            "rabbitmq-diagnostics",
            "-q",
            "ping",
        ]


@pytest.mark.parametrize("variant", COMPOSE_VARIANTS)
def test_django_processes_get_production_settings_and_wait_for_healthy_services(bake, variant):
    answers = answers_with(variant)
    services = compose(bake(use_docker=True, **variant))["services"]
    broker_service = answers["broker"]
    needed = {"db", broker_service} | ({"redis"} if answers["result_backend"] == "redis" else set())
    for name in (name for name in DJANGO_SERVICES if name in services):
        service = services[name]
        assert service["build"] == "."
        environment = service["environment"]
        assert environment["DJANGO_ENVIRONMENT"] == "production"
        assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]+\}", environment["DJANGO_SECRET_KEY"])
        assert environment["DATABASE_URL"].startswith("postgres://")
        resolved = service_environment(service, {"DJANGO_SECRET_KEY": "k" * 50})
        assert urlsplit(resolved["DATABASE_URL"]).hostname == "db"
        assert urlsplit(resolved["CELERY_BROKER_URL"]).hostname == broker_service
        assert environment["DJANGO_ALLOWED_HOSTS"]
        if answers["result_backend"] == "redis":
            assert environment["CELERY_RESULT_BACKEND"].startswith("redis://redis:6379/")
        else:
            assert "CELERY_RESULT_BACKEND" not in environment
        depends = service["depends_on"]
        assert needed <= set(depends), (name, depends)
        assert {entry["condition"] for entry in depends.values()} == {"service_healthy"}
        if name != "web":
            # Web migrates before it serves; the others start once it has.
            assert depends["web"] == {"condition": "service_healthy"}


@pytest.mark.parametrize("variant", COMPOSE_VARIANTS)
def test_every_service_has_a_health_check_and_django_ones_use_diagnose(bake, variant):
    services = compose(bake(use_docker=True, **variant))["services"]
    for name, service in services.items():
        assert service["healthcheck"]["test"][0] == "CMD", name
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "manage.py", "diagnose"]
    # Not a ping of the parent: diagnose --worker checks every child of the pool is alive.
    assert services["worker"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "manage.py",
        "diagnose",
        "--worker",
    ]
    # --worker with no name means celery@<this host>: the worker must keep its default name.
    worker_command = shlex.split(services["worker"]["command"])
    assert worker_command[:4] == ["celery", "-A", DEFAULT_SLUG, "worker"]
    assert "--hostname" not in worker_command and "-n" not in worker_command
    if "beat" in services:
        assert services["beat"]["healthcheck"]["test"] == ["CMD", "python", "manage.py", "diagnose"]
        assert (
            "--scheduler django_celery_beat.schedulers:DatabaseScheduler"
            in services["beat"]["command"]
        )


def test_compose_holds_no_secret_and_refuses_to_start_without_one(bake):
    project = bake(use_docker=True, broker="rabbitmq")
    text = (project / "compose.yaml").read_text()
    secret = (project / ".env").read_text().split("DJANGO_SECRET_KEY=")[1].split()[0]
    assert secret not in text
    web = compose(project)["services"]["web"]
    with pytest.raises(KeyError, match="DJANGO_SECRET_KEY"):
        service_environment(web, {})
    environment = service_environment(web, {"DJANGO_SECRET_KEY": "k" * 50})
    assert environment["DJANGO_SECRET_KEY"] == "k" * 50
    # Only the secret key must be given; every other variable has a default.
    assert "${" not in "".join(environment.values())


# -- The compose environment satisfies the production settings (installed projects) --------


@pytest.mark.slow
@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(v.values[0], id=v.id, marks=pytest.mark.xdist_group(f"docker-{v.id}"))
        for v in COMPOSE_VARIANTS
        if v.id in ("redis", "rabbitmq+redis-results")
    ],
)
def test_compose_environment_passes_the_deployment_checks(installed, variant):
    project = installed(use_docker=True, **variant)
    services = compose(project)["services"]
    for name in (name for name in DJANGO_SERVICES if name in services):
        environment = service_environment(services[name], {"DJANGO_SECRET_KEY": "s3cr3t-" * 10})
        completed = run(
            [str(project / ".venv/bin/python"), "manage.py", "check", "--deploy"],
            project,
            clean_environment(**environment) | {"DJANGO_ENVIRONMENT": "production"},
        )
        assert "no issues" in completed.stdout, (name, completed.stdout)


# -- The image's contents, run without Docker ----------------------------------------------


def as_image_user(command: list[str]) -> list[str]:
    uid = str(IMAGE_UID)
    return ["setpriv", "--reuid", uid, "--regid", uid, "--clear-groups", *command]


def python_for_image_user(version: str) -> str:
    """An interpreter the image's uid may run (pyenv's live under root's private home)."""
    candidates = [f"/usr/local/bin/python{version}", f"/usr/bin/python{version}"]
    candidates.append(find_python(version))
    for candidate in candidates:
        check = subprocess.run(as_image_user([candidate, "-c", "pass"]), capture_output=True)
        if check.returncode == 0:
            return candidate
    pytest.fail(f"no Python {version} that uid {IMAGE_UID} can run (tried {candidates})")


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


def final_stage_builds(project: Path) -> list[str]:
    """The final stage's RUN commands from WORKDIR on: what it builds from the copied code."""
    _, stages = dockerfile(project)
    instructions = [instruction for instruction, _ in stages[-1]]
    after_workdir = stages[-1][instructions.index("WORKDIR") :]
    return [rest for instruction, rest in after_workdir if instruction == "RUN"]


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


BROKERS = {
    "redis": "redis://127.0.0.1:6379/12",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672//",
}


@pytest.mark.slow
@pytest.mark.services
@pytest.mark.xdist_group("docker-image")
@pytest.mark.parametrize("broker", sorted(BROKERS))
def test_image_contents_run_web_and_worker_and_their_health_checks(bake, broker):
    """The builder's install, the final stage's files, compose's commands and health checks.

    Runs as the image's uid, with the code owned by root, against PostgreSQL (a database of
    its own, dropped at the end) and the broker (Redis DB 12, or a queue of its own on
    RabbitMQ's default vhost, deleted at the end).
    """
    require_service("postgresql")
    require_service(broker)
    broker_url = BROKERS[broker]
    project = bake(use_docker=True, broker=broker)
    services = compose(project)["services"]
    # World-readable, unlike pytest's tmp_path, so the image's uid can read the code.
    root = Path(tempfile.mkdtemp(prefix="image-"))
    root.chmod(0o755)
    database = f"{DEFAULT_SLUG}_image_{uuid.uuid4().hex[:8]}"
    queue = f"image_{uuid.uuid4().hex[:8]}"
    processes: list[subprocess.Popen] = []
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c"]
    try:
        # Builder stage: the Dockerfile's own install command, into a venv of the same Python.
        venv = root / "opt" / "venv"
        python = python_for_image_user(PYTHON_FOR_DJANGO["5.2"])
        run(["uv", "venv", "--quiet", "--python", python, str(venv)], project, clean_environment())
        requirements = str(project / "pyproject.toml")
        install = ["uv", "pip", "install", "--python", str(venv / "bin/python")]
        run([*install, "--requirement", requirements], project, clean_environment())
        # Final stage: its files, owned by root and read-only for the image's uid.
        app = copy_final_stage(project, root)
        run([*psql, f'CREATE DATABASE "{database}"'], project)

        environ = clean_environment(HOME="/nonexistent", PYTHONDONTWRITEBYTECODE="1")
        environ["PATH"] = f"{venv / 'bin'}:{environ['PATH']}"
        compose_environment = service_environment(services["web"], {"DJANGO_SECRET_KEY": "x" * 60})
        environ |= compose_environment | {
            # The same variables, pointed at this machine's services instead of compose's.
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "CELERY_BROKER_URL": broker_url,
        }

        # The final stage's build steps (collectstatic), as root, with only the image's ENV.
        build = clean_environment(DJANGO_ENVIRONMENT="production", PYTHONDONTWRITEBYTECODE="1")
        build["PATH"] = f"{venv / 'bin'}:{build['PATH']}"
        for command in final_stage_builds(project):
            run(["sh", "-c", command], app, build)

        port = free_port()
        web_log, worker_log = root / "web.log", root / "worker.log"
        web_command = shlex.split(services["web"]["command"])
        assert "0.0.0.0:8000" in web_command[-1]
        web_command[-1] = web_command[-1].replace("0.0.0.0:8000", f"127.0.0.1:{port}")
        processes.append(start(web_command, app, environ, web_log))

        def web_answers():
            try:
                return get(port, "/health/")
            except OSError:
                assert processes[0].poll() is None, web_log.read_text()
                return None

        status, body = wait_until(web_answers, 60, "web did not answer /health/", web_log)
        # Plain HTTP, as a load balancer's probe inside the network sends it.
        assert status == 200, f"/health/ answered {status} (is it in SECURE_REDIRECT_EXEMPT?)"
        assert json.loads(body)["status"] == "ok"
        # Every other path still redirects to HTTPS.
        assert get(port, "/admin/login/")[0] == 301
        # Behind the TLS proxy: the admin's stylesheet, collected into the image at build time.
        status, body = get(port, "/static/admin/css/base.css", **{"X-Forwarded-Proto": "https"})
        assert status == 200 and "body" in body, (status, body[:500])
        completed = health_check(services["web"], app, environ)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "all checks passed" in completed.stdout

        worker_command = [*shlex.split(services["worker"]["command"]), "--queues", queue]
        worker = start(worker_command, app, environ, worker_log)
        processes.append(worker)

        def worker_healthy():
            assert worker.poll() is None, worker_log.read_text()
            return health_check(services["worker"], app, environ).returncode == 0

        wait_until(worker_healthy, 60, "the worker's health check did not pass", worker_log)
        completed = health_check(services["worker"], app, environ)
        assert re.search(r"worker +celery@\S+: 2 of 2 children alive", completed.stdout)

        # A child that stops working while its parent still answers: unhealthy.
        # setpriv execs the command, so the process started is the worker's main process.
        pool = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        assert len(pool) == 2, pool
        os.kill(int(pool[0]), signal.SIGSTOP)
        try:
            completed = health_check(services["worker"], app, environ)
        finally:
            os.kill(int(pool[0]), signal.SIGCONT)
        assert completed.returncode != 0
        assert f"{pool[0]} is stopped" in completed.stderr + completed.stdout
        assert health_check(services["worker"], app, environ).returncode == 0
    finally:
        for process in processes:
            stop_group(process)
        subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'], check=False)
        if broker == "redis":
            redis.Redis(host="127.0.0.1", port=6379, db=12).flushdb()
        elif (venv / "bin/python").exists():
            delete = (
                "import sys; from kombu import Connection\n"
                "with Connection(sys.argv[1]) as c:\n"
                "    c.default_channel.queue_delete(sys.argv[2])\n"
                "    c.default_channel.exchange_delete(sys.argv[2])"
            )
            subprocess.run([str(venv / "bin/python"), "-c", delete, broker_url, queue], check=False)
        shutil.rmtree(root, ignore_errors=True)
