"""A fresh machine follows the READMEs, and nothing else, to green tests and a first task.

The machine: a new virtual environment with only Python and pip, a home directory and a uv
cache that are empty, and a PATH with nothing of this one's tools (no pyenv, no uv). The
package index is the only network it uses. The commands are read from the template's
README, then from the rendered service's README, and run as written; the one liberty taken
is rendering from this checkout instead of from GitHub (which the README says works too).
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import (
    DEFAULT_SLUG,
    REPO_ROOT,
    find_python,
    free_port,
    readme_commands,
    stop_group,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("newcomer")]
TEMPLATE_README = (REPO_ROOT / "README.md").read_text()


def template_readme_commands() -> list[str]:
    """The commands of the README's opening, before its first section."""
    opening = TEMPLATE_README.split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", opening, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def prerequisite() -> str:
    """The command in the README's first paragraph that installs uv."""
    first_paragraph = TEMPLATE_README.split("\n\n")[1]
    (command,) = re.findall(r"`([^`]*install uv)`", first_paragraph)
    return command


def wait_for_output(path: Path, pattern: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, path.read_text(errors="replace")):
            return
        time.sleep(0.2)
    pytest.fail(f"{pattern!r} did not appear within {timeout} s:\n{path.read_text()[-4000:]}")


class Machine:
    """A shell on the fresh machine: every command runs with its environment alone."""

    def __init__(self, root: Path) -> None:
        venv = root / "venv"
        subprocess.run([find_python("3.11"), "-m", "venv", str(venv)], check=True)
        (root / "home").mkdir()
        self.environ = {
            "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(root / "home"),
            "UV_CACHE_DIR": str(root / "uv-cache"),
            # uv must find the interpreter .python-version names; it may not download one.
            "UV_PYTHON_DOWNLOADS": "never",
            "LANG": "C.UTF-8",
        }
        # How this network reaches the package index: its CA bundle and proxies.
        self.environ |= {
            name: value
            for name, value in os.environ.items()
            if name in ("SSL_CERT_FILE", "SSL_CERT_DIR") or name.lower().endswith("_proxy")
        }
        self.timings: dict[str, float] = {}

    def run(self, command: str, cwd: Path, timeout: float = 600) -> str:
        started = time.monotonic()
        completed = subprocess.run(
            ["bash", "-c", command],
            cwd=cwd,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        self.timings[command] = time.monotonic() - started
        assert completed.returncode == 0, (
            f"{command} exited {completed.returncode}\n{completed.stdout[-4000:]}\n"
            f"{completed.stderr[-4000:]}"
        )
        return completed.stdout + completed.stderr

    def start(self, command: str, cwd: Path, log: Path, **variables: str) -> subprocess.Popen:
        with log.open("w") as output:
            return subprocess.Popen(
                ["bash", "-c", command],
                cwd=cwd,
                env=self.environ | variables,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    found, pending = [], [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def test_template_readme_names_its_repository_from_cookiecutter_json():
    render, _ = template_readme_commands()
    repository = json.loads((REPO_ROOT / "cookiecutter.json").read_text())["_template_repo"]
    assert render == f"uvx cookiecutter gh:{repository.removeprefix('https://github.com/')}"
    assert repository.startswith("https://github.com/")


def test_fresh_machine_reaches_green_tests_and_a_first_task(tmp_path):
    machine = Machine(tmp_path)
    machine.run(prerequisite(), tmp_path)

    # The template README: exactly two commands, render and the template's own tests.
    render, template_tests = template_readme_commands()
    assert template_tests == "uv run pytest"
    assert render.startswith("uvx cookiecutter gh:")
    local_render = f"{render.rsplit(' ', 1)[0]} {REPO_ROOT} --no-input"
    next_steps = machine.run(local_render, tmp_path)
    project = tmp_path / DEFAULT_SLUG

    # The rendered README: two commands to web + worker, one to send a task, one to test.
    commands = readme_commands(project)
    migrate, start, send_task = commands[:3]
    assert (migrate, start) == ("uv run python manage.py migrate", "uv run honcho start")
    # The hook's next steps say the same.
    for command in (migrate, start, "uv run pytest"):
        assert f"  {command}" in next_steps, next_steps
    machine.run(migrate, project)
    assert (project / "uv.lock").is_file(), "the first uv run writes uv.lock (README: commit it)"

    port = free_port()
    log = tmp_path / "honcho.log"
    honcho = machine.start(start, project, log, PORT=str(port))
    try:
        wait_for_output(log, r"celery@\S+ ready\.", timeout=90)
        wait_for_output(log, r"Starting development server", timeout=30)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.status == 200
            assert 'href="/admin/"' in page.read().decode()
        machine.run(send_task, project)
        wait_for_output(log, r"Task reports\.tasks\.create_report\[\S+\] succeeded", timeout=60)
        diagnose = machine.run("uv run python manage.py diagnose", project)
        assert "all checks passed" in diagnose
    finally:
        # honcho starts each process in a session of its own, so a signal to honcho's group
        # never reaches them: find them first, let honcho stop them, then make sure. SIGTERM
        # goes to uv alone, which passes it on: to the whole group, honcho would get it twice
        # (uv forwards it too), and a second signal inside honcho's handler can fail its
        # print with a traceback (seen here in 2 of 4 runs).
        started = descendants(honcho.pid)
        with contextlib.suppress(ProcessLookupError):
            honcho.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            honcho.wait(60)
        stop_group(honcho, grace=5)
        for pid in started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    output = log.read_text()
    assert f"development: settings {DEFAULT_SLUG}.settings.development" in output
    assert "No hostname was supplied" not in output
    assert "Traceback" not in output

    tests = machine.run("uv run pytest", project)
    summary = tests.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary, summary
    for command, seconds in machine.timings.items():
        print(f"{seconds:7.1f} s  {command}")
