"""use_docker: the Dockerfile, .dockerignore and compose.yaml, checked without a Docker engine.

No Docker engine runs where these tests run, so nothing here builds an image or starts a
container. hadolint and the Compose Specification's JSON schema check the files, and the tests
read them and assert what each stage and service must be. test_docker_image.py runs what the
image would hold.
"""

import json
import re
import shlex
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers import (
    DEFAULT_SLUG,
    PYTHON_FOR_DJANGO,
    clean_environment,
    render_context,
    run,
    schema_errors,
    tool,
)
from tests.template.dockerfiles import (
    COMPOSE_VARIANTS,
    DJANGO_SERVICES,
    FLOWER_AUTH,
    IMAGE_UID,
    INTERPOLATION,
    STRONG_KEY,
    answers_with,
    base_image,
    builder_environment,
    compose,
    copy_final_stage,
    dockerfile,
    dockerignore_matcher,
    interpolate,
    pyproject,
    service_environment,
    version_tuple,
)

BOOLEAN_FILES = ["Dockerfile", ".dockerignore", "compose.yaml"]


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
        [tool("hadolint"), "--no-color", "Dockerfile"],
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
    # Both stages on the same Python (the venv's interpreter is a symlink into it): one newer
    # than the floor the tests run on, which test_docker_image installs uv.lock into.
    image_python = arguments["PYTHON_VERSION"]
    assert base_image(arguments, builder[0][1]) == f"python:{image_python}-slim"
    assert base_image(arguments, final[0][1]) == f"python:{image_python}-slim"
    assert version_tuple(image_python) > version_tuple(floor)
    assert builder[0][1].split()[-2:] == ["AS", "builder"]

    # The builder installs exactly the locked runtime dependencies (not the dev group) into
    # /opt/venv, keeping uv's downloads in a cache mount rather than in a layer.
    (install,) = [rest for instruction, rest in builder if instruction == "RUN"]
    assert install == (
        "--mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev --no-install-project"
    )
    assert builder_environment(builder)["UV_PROJECT_ENVIRONMENT"] == "/opt/venv"
    assert ("COPY", "pyproject.toml uv.lock ./") in builder
    assert not dockerignore_matcher(project)("uv.lock")


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
    assert schema_errors(project, "vendor.compose-spec", "compose.yaml") == ""


@pytest.mark.parametrize("variant", COMPOSE_VARIANTS)
def test_compose_services_follow_the_answers(bake, variant):
    answers = answers_with(variant)
    services = compose(bake(use_docker=True, **variant))["services"]
    uses_redis = bool(render_context(**answers)["__uses_redis"])
    expected = {"web", "worker", "db"}
    expected |= {"beat"} if answers["use_celery_beat"] else set()
    expected |= {"flower"} if answers["use_flower"] else set()
    expected |= {"redis"} if uses_redis else set()
    expected |= {"rabbitmq"} if answers["broker"] == "rabbitmq" else set()
    assert set(services) == expected

    db = services["db"]
    assert db["image"] == "postgres:18"
    # From 18 the image's VOLUME and data live under /var/lib/postgresql (PGDATA is
    # /var/lib/postgresql/18/docker); a volume at the old .../data path is refused at start.
    assert db["volumes"] == ["postgres-data:/var/lib/postgresql"]
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
        assert re.fullmatch(
            r"\$\{PRODUCTION_SECRET_KEY:\?[^}]+\}", environment["DJANGO_SECRET_KEY"]
        )
        assert environment["DATABASE_URL"].startswith("postgres://")
        resolved = service_environment(service, STRONG_KEY | FLOWER_AUTH)
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
        database_scheduler = "--scheduler django_celery_beat.schedulers:DatabaseScheduler"
        if answers_with(variant)["django_version"] == "5.2":
            assert database_scheduler in services["beat"]["command"]
        else:
            # Celery's own scheduler (settings), its state file where the user may write.
            assert "--scheduler" not in services["beat"]["command"]
            assert "--schedule /tmp/beat-schedule" in services["beat"]["command"]
    if "flower" in services:
        healthcheck = services["flower"]["healthcheck"]["test"]
        assert healthcheck[:3] == ["CMD", "python", "-c"]
        assert "http://127.0.0.1:5555/healthcheck" in healthcheck[3]


def test_compose_holds_no_secret_and_refuses_to_start_without_one(bake):
    project = bake(use_docker=True, broker="rabbitmq")
    text = (project / "compose.yaml").read_text()
    secret = (project / ".env").read_text().split("DJANGO_SECRET_KEY=")[1].split()[0]
    assert secret not in text
    web = compose(project)["services"]["web"]
    with pytest.raises(KeyError, match="PRODUCTION_SECRET_KEY"):
        service_environment(web, {})
    environment = service_environment(web, STRONG_KEY)
    assert environment["DJANGO_SECRET_KEY"] == STRONG_KEY["PRODUCTION_SECRET_KEY"]
    # Only the secret key must be given; every other variable has a default.
    assert "${" not in "".join(environment.values())


def test_flower_service_needs_basic_auth_and_listens_on_the_hosts_loopback(bake, tmp_path):
    project = bake(use_docker=True, use_flower=True)
    flower = compose(project)["services"]["flower"]
    assert shlex.split(flower["command"]) == [
        "celery", "-A", DEFAULT_SLUG, "flower", "--address=0.0.0.0", "--port=5555"
    ]  # fmt: skip
    # Published on the host's loopback only, whatever port FLOWER_HOST_PORT picks.
    (port,) = flower["ports"]
    assert interpolate(port, {}) == "127.0.0.1:5555:5555"
    assert interpolate(port, {"FLOWER_HOST_PORT": "6000"}) == "127.0.0.1:6000:5555"
    # Compose refuses to start without the credentials, and takes them from the environment.
    assert re.fullmatch(
        r"\$\{PRODUCTION_FLOWER_BASIC_AUTH:\?[^}]+\}", flower["environment"]["FLOWER_BASIC_AUTH"]
    )
    with pytest.raises(KeyError, match="PRODUCTION_FLOWER_BASIC_AUTH"):
        service_environment(flower, STRONG_KEY)
    environment = service_environment(flower, STRONG_KEY | FLOWER_AUTH)
    assert environment["FLOWER_BASIC_AUTH"] == FLOWER_AUTH["PRODUCTION_FLOWER_BASIC_AUTH"]
    # Everything else as the other Django services; flowerconfig.py beside manage.py in the
    # image's working directory, where Flower looks for it.
    web = service_environment(compose(project)["services"]["web"], STRONG_KEY)
    assert environment == web | {"FLOWER_BASIC_AUTH": environment["FLOWER_BASIC_AUTH"]}
    workdir = copy_final_stage(project, tmp_path / "image")
    assert (workdir / "flowerconfig.py").is_file() and (workdir / "manage.py").is_file()
    assert "working_dir" not in flower


def env_file(path: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )


@pytest.mark.parametrize("variant", COMPOSE_VARIANTS)
def test_compose_never_takes_a_value_from_the_development_env_file(bake, variant):
    """Compose interpolates from .env too: no variable it reads may be one .env sets."""
    project = bake(use_docker=True, **variant)
    text = (project / "compose.yaml").read_text()
    interpolated = {match.group("name") for match in INTERPOLATION.finditer(text)}
    development = env_file(project / ".env")
    example = env_file(project / ".env.example")
    assert "DJANGO_SECRET_KEY" in development
    assert interpolated and not interpolated & (development.keys() | example.keys())
    # With only the development .env at hand, compose refuses to start.
    with pytest.raises(KeyError, match="PRODUCTION_SECRET_KEY"):
        service_environment(compose(project)["services"]["web"], development)


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
        environment = service_environment(services[name], STRONG_KEY | FLOWER_AUTH)
        completed = run(
            [str(project / ".venv/bin/python"), "manage.py", "check", "--deploy"],
            project,
            clean_environment(**environment) | {"DJANGO_ENVIRONMENT": "production"},
        )
        assert "no issues" in completed.stdout, (name, completed.stdout)
