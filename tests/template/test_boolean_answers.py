"""Yes/no answers mean what the person typed, however they typed it.

A boolean given on the command line arrives as a string, and the string "no" is truthy:
templates that test it with {% if %} (or a hook that compares it with True) would add the
files a person declined. cookiecutter 2.x turns such strings into real booleans for
variables whose default is a JSON boolean; these tests hold the template to that, through
the real command line, a user config file and the interactive prompts.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import DEFAULT_SLUG, REPO_ROOT

DOCKER_FILES = ["Dockerfile", ".dockerignore", "compose.yaml"]
WORKFLOW = ".github/workflows/ci.yml"
YES = ["yes", "y", "true", "1", "on", "Yes", "TRUE"]
NO = ["no", "n", "false", "0", "off", "No", "FALSE"]


def cookiecutter(tmp_path: Path, *arguments: str, stdin: str | None = None):
    command = [sys.executable, "-m", "cookiecutter", str(REPO_ROOT), "-o", str(tmp_path)]
    return subprocess.run(
        [*command, *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def render(tmp_path: Path, *answers: str) -> Path:
    completed = cookiecutter(tmp_path, "--no-input", *answers)
    assert completed.returncode == 0, completed.stderr
    return tmp_path / DEFAULT_SLUG


def present(project: Path) -> dict[str, bool]:
    names = [*DOCKER_FILES, WORKFLOW]
    return {name: (project / name).is_file() for name in names}


@pytest.mark.parametrize("no", NO)
def test_no_leaves_the_files_out(tmp_path, no):
    project = render(tmp_path, f"use_docker={no}", f"use_github_actions={no}")
    assert present(project) == dict.fromkeys([*DOCKER_FILES, WORKFLOW], False)
    assert not (project / ".github").exists()
    assert (project / "manage.py").is_file()


@pytest.mark.parametrize("yes", YES)
def test_yes_puts_the_files_in(tmp_path, yes):
    project = render(tmp_path, f"use_docker={yes}", f"use_github_actions={yes}")
    assert present(project) == dict.fromkeys([*DOCKER_FILES, WORKFLOW], True)
    # The workflow's docker job follows the same answer.
    assert "\n  docker:\n" in (project / WORKFLOW).read_text()


def test_each_answer_counts_on_its_own(tmp_path):
    project = render(tmp_path, "use_docker=no", "use_github_actions=yes")
    assert present(project) == {**dict.fromkeys(DOCKER_FILES, False), WORKFLOW: True}
    # A declined option leaves no trace in the files that stay.
    assert "docker" not in (project / WORKFLOW).read_text()


def test_declining_beat_leaves_it_out_of_compose(tmp_path):
    project = render(tmp_path, "use_docker=yes", "use_celery_beat=no")
    compose = (project / "compose.yaml").read_text()
    assert "beat" not in compose
    assert (
        "beat"
        in (
            render(tmp_path / "beat", "use_docker=yes", "use_celery_beat=yes") / "compose.yaml"
        ).read_text()
    )


def test_defaults_are_docker_off_and_github_actions_on(tmp_path):
    project = render(tmp_path)
    assert present(project) == {**dict.fromkeys(DOCKER_FILES, False), WORKFLOW: True}


def test_user_config_file_answers_are_booleans_too(tmp_path):
    config = tmp_path / "cookiecutterrc.yaml"
    config.write_text('default_context:\n  use_docker: "no"\n  use_github_actions: "off"\n')
    project = render(tmp_path / "out", "--config-file", str(config))
    assert present(project) == dict.fromkeys([*DOCKER_FILES, WORKFLOW], False)


def test_typed_answers_at_the_prompts_are_booleans_too(tmp_path):
    # Enter for every question except the four yes/no ones, answered in the prompts' order.
    prompts = ["project_name", "project_slug", "description", "author_name", "author_email"]
    prompts += ["django_version", "timezone", "broker", "result_backend"]
    # beat, docker, github actions, sentry, then Enter for flower and log_format.
    stdin = "\n" * len(prompts) + "no\nyes\nno\nno\n\n\n"
    completed = cookiecutter(tmp_path, stdin=stdin)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert present(tmp_path / DEFAULT_SLUG) == {
        **dict.fromkeys(DOCKER_FILES, True),
        WORKFLOW: False,
    }


def test_an_answer_that_is_neither_is_refused_and_writes_nothing(tmp_path):
    completed = cookiecutter(tmp_path, "--no-input", "use_docker=maybe")
    assert completed.returncode != 0
    assert "use_docker could not be converted to a boolean" in completed.stderr
    assert list(tmp_path.iterdir()) == []
