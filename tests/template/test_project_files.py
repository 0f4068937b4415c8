"""Files a rendered service carries beside its code: licence, Python pin, versions it names."""

import datetime
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.helpers import DEFAULT_SLUG, PYTHON_FOR_DJANGO, REPO_ROOT, clean_environment

TOOLS = Path(sys.executable).parent


def pyproject(project: Path) -> dict:
    return tomllib.loads((project / "pyproject.toml").read_text())


def locked_version(package: str) -> str:
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    (entry,) = [entry for entry in lock["package"] if entry["name"] == package]
    return entry["version"]


def test_license_file_backs_the_license_pyproject_declares(bake):
    project = bake(author_name="Zoë O'Brien")
    metadata = pyproject(project)["project"]
    assert metadata["license"] == "MIT"
    assert metadata["license-files"] == ["LICENSE"]
    text = (project / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    year = datetime.datetime.now(datetime.UTC).year
    assert f"Copyright (c) {year} Zoë O'Brien\n" in text


def test_this_repository_has_the_license_its_pyproject_declares():
    metadata = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert metadata["license"] == "MIT"
    (license_file,) = metadata["license-files"]
    assert (REPO_ROOT / license_file).read_text().startswith("MIT License\n")


@pytest.mark.parametrize("django_version", sorted(PYTHON_FOR_DJANGO))
def test_python_version_is_the_floor_and_an_installed_interpreter(bake, django_version):
    """uv reads .python-version: it picks an installed interpreter of the floor, no download."""
    project = bake(django_version=django_version)
    floor = pyproject(project)["project"]["requires-python"].removeprefix(">=")
    assert floor == PYTHON_FOR_DJANGO[django_version]
    assert (project / ".python-version").read_text() == f"{floor}\n"
    # The uv of this repository's environment: a pyenv shim for `uv` would follow the file
    # to an interpreter that has no uv installed.
    completed = subprocess.run(
        [str(TOOLS / "uv"), "python", "find", "--no-python-downloads"],
        cwd=project,
        # Without the PYENV_VERSION that running the tests through pyenv's `uv` shim exports,
        # which would outrank .python-version.
        env={
            k: v for k, v in clean_environment().items() if k not in ("PYENV_VERSION", "PYENV_DIR")
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    version = subprocess.run(
        [completed.stdout.strip(), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == floor


def test_ruff_floor_is_the_ruff_the_template_lints_with(bake):
    dev = pyproject(bake())["dependency-groups"]["dev"]
    assert f"ruff>={locked_version('ruff')}" in dev


def test_kombu_is_declared_since_the_project_imports_it(bake):
    project = bake()
    importers = [
        path.relative_to(project)
        for path in project.rglob("*.py")
        if "from kombu" in path.read_text() or "import kombu" in path.read_text()
    ]
    assert importers, "nothing imports kombu any more: drop the dependency"
    names = [
        dep.split(">")[0].split("[")[0] for dep in pyproject(project)["project"]["dependencies"]
    ]
    assert "kombu" in names


def test_generated_tests_fail_on_deprecation_warnings(bake):
    # Django's RemovedIn* warnings subclass these two; TestInstalledProject runs the suite.
    options = pyproject(bake())["tool"]["pytest"]["ini_options"]
    assert {"error::DeprecationWarning", "error::PendingDeprecationWarning"} <= set(
        options["filterwarnings"]
    )
    testing = (bake() / DEFAULT_SLUG / "settings" / "testing.py").read_text()
    assert "\nEMAIL_BACKEND" not in testing
