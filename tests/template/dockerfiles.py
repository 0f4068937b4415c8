"""Reading a rendered project's Dockerfile, .dockerignore and compose.yaml as Docker would.

Shared by test_docker.py (the files' static checks) and test_docker_image.py (the image's
contents run without Docker).
"""

import re
import shlex
import shutil
import tomllib
from pathlib import Path

import pytest
import yaml

DJANGO_SERVICES = ("web", "worker", "beat", "flower")
# The uid the final stage switches to (USER); the image rehearsal runs the processes as it.
IMAGE_UID = 10001
# What compose reads the secret key from; strong enough for the production settings.
STRONG_KEY = {"PRODUCTION_SECRET_KEY": "compose-" + "s3cr3t-K3y-" * 5}
# What compose reads Flower's basic auth from (use_flower).
FLOWER_AUTH = {"PRODUCTION_FLOWER_BASIC_AUTH": "ops:" + "fl0wer-Pa55-" * 2}

# Option sets whose compose files differ: broker, result backend and beat.
COMPOSE_VARIANTS = [
    pytest.param({}, id="redis"),
    pytest.param({"broker": "rabbitmq"}, id="rabbitmq"),
    pytest.param({"broker": "rabbitmq", "result_backend": "redis"}, id="rabbitmq+redis-results"),
    pytest.param({"result_backend": "django-db", "use_celery_beat": True}, id="django-db+beat"),
    pytest.param({"result_backend": "redis", "use_celery_beat": True}, id="redis-results+beat"),
    pytest.param({"django_version": "6.1", "use_celery_beat": True}, id="django-6.1+beat"),
    pytest.param({"broker": "rabbitmq", "use_flower": True}, id="rabbitmq+flower"),
]


def answers_with(variant: dict) -> dict:
    defaults = {"django_version": "5.2", "broker": "redis", "result_backend": "none"}
    return {**defaults, "use_celery_beat": False, "use_flower": False, **variant}


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


def builder_environment(builder: list[tuple[str, str]]) -> dict[str, str]:
    """The builder stage's ENV NAME=value pairs."""
    pairs = [rest.split() for instruction, rest in builder if instruction == "ENV"]
    return dict(pair.split("=", 1) for group in pairs for pair in group)


def builder_install(project: Path) -> list[str]:
    """The builder stage's install command, without the build-only --mount."""
    _, (builder, _) = dockerfile(project)
    (install,) = [rest for instruction, rest in builder if instruction == "RUN"]
    return [word for word in shlex.split(install) if not word.startswith("--mount=")]


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


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


def final_stage_builds(project: Path) -> list[str]:
    """The final stage's RUN commands from WORKDIR on: what it builds from the copied code."""
    _, stages = dockerfile(project)
    instructions = [instruction for instruction, _ in stages[-1]]
    after_workdir = stages[-1][instructions.index("WORKDIR") :]
    return [rest for instruction, rest in after_workdir if instruction == "RUN"]
