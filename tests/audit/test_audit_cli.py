"""The command line: exit status, usage errors, selection, configuration and suppression."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from django_celery_audit.cli import main

from .conftest import FIXTURES, REPO_ROOT, write_tree

BAD_SETTINGS = """
import sys
if "pytest" in sys.modules:
    DATABASES = {}
"""


@pytest.fixture
def project(tmp_path):
    return write_tree(
        tmp_path / "p",
        {
            "manage.py": "from proj import environment\n",  # entry points call the selector
            "proj/settings/base.py": "INSTALLED_APPS = []\n",
            "proj/settings/production.py": BAD_SETTINGS,
            "proj/settings/testing.py": "from .base import *\n",
            "proj/settings/staging.py": "from .production import *\n",
            "proj/environment.py": 'import os\nos.environ["DJANGO_SETTINGS_MODULE"] = "x"\n',
        },
    )


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_1_on_error_and_text_output(capsys, project):
    code, out, err = run(capsys, project)
    assert code == 1
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "proj/settings/production.py"
    assert lines[1].startswith("  proj/settings/production.py:2: DCA101 error ")
    assert lines[2].strip().startswith("template: tests select settings/testing.py")
    assert lines[-1].startswith("1 finding in 1 file: 1 error, 0 warnings, 0 info")


def test_exit_0_when_below_fail_on(capsys, project):
    (project / "proj/settings/production.py").write_text(
        "import sys\nif 'test' in sys.argv:\n    LOGGING = {}\n"
    )
    code, out, _ = run(capsys, project)
    assert code == 0
    assert "DCA101 warning" in out
    assert run(capsys, project, "--fail-on", "warning")[0] == 1
    assert run(capsys, project, "--fail-on", "info")[0] == 1


def test_clean_project(capsys, template_render):
    code, out, _ = run(capsys, template_render)
    assert code == 0
    assert re.fullmatch(r"No findings \(\d+ files audited\)\.\n", out), out


def test_select_and_ignore(capsys, project):
    assert run(capsys, project, "--ignore", "DCA101")[0] == 0
    assert run(capsys, project, "--select", "DCA2,DCA3")[0] == 0
    assert run(capsys, project, "--select", "DCA1")[0] == 1
    # Ignoring everything selected leaves no rule to run: a usage error, not a silent pass.
    assert run(capsys, project, "--select", "DCA101", "--ignore", "dca1")[0] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--select", "DCA999"], "unknown rule code 'DCA999' in --select"),
        (["--ignore", "XYZ"], "unknown rule code 'XYZ' in --ignore"),
        (["--format", "xml"], "argument --format: invalid choice"),
        (["--fail-on", "fatal"], "argument --fail-on: invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys, project, args, message):
    code, out, err = run(capsys, project, *args)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("django-celery-audit: error: ")
    assert message in err


def test_missing_and_unreadable_paths(capsys, tmp_path):
    code, _, err = run(capsys)
    assert code == 2 and "PATH" in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, tmp_path / "nope")
    assert code == 2 and "does not exist" in err
    (tmp_path / "notes.txt").write_text("hi")
    code, _, err = run(capsys, tmp_path / "notes.txt")
    assert code == 2 and "neither a directory nor a Python file" in err


def test_single_file(capsys, project):
    code, out, _ = run(capsys, project / "proj/settings/production.py", "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert [f["code"] for f in data["findings"]] == ["DCA101"]


def test_inline_suppression(capsys, project):
    path = project / "proj/settings/production.py"
    path.write_text(
        path.read_text().replace(
            'if "pytest" in sys.modules:', 'if "pytest" in sys.modules:  # audit: ignore[DCA101]'
        )
    )
    code, out, _ = run(capsys, project)
    assert code == 0
    assert "1 suppressed" in out
    path.write_text(path.read_text().replace("ignore[DCA101]", "ignore[DCA203, DCA401]"))
    assert run(capsys, project)[0] == 1


def test_pyproject_table(capsys, project):
    pyproject = project / "pyproject.toml"
    pyproject.write_text('[tool.django-celery-audit]\nignore = ["DCA101"]\n')
    assert run(capsys, project)[0] == 0
    pyproject.write_text('[tool.django-celery-audit]\nselect = ["DCA101"]\nfail-on = "info"\n')
    assert run(capsys, project)[0] == 1
    assert run(capsys, project, "--select", "DCA5")[0] == 0  # the command line wins
    pyproject.write_text('[tool.django-celery-audit]\nexclude = ["proj/settings/*"]\n')
    code, out, _ = run(capsys, project, "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["files_audited"] == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tool.django-celery-audit]\nselect = ["NOPE"]\n', "unknown rule code 'NOPE'"),
        ("[tool.django-celery-audit]\nselect = 3\n", "must be a list of strings"),
        ('[tool.django-celery-audit]\ncolour = "red"\n', "unknown key 'colour'"),
        ("[tool.django-celery-audit\n", "cannot read"),
    ],
)
def test_bad_pyproject_is_a_usage_error(capsys, project, text, message):
    (project / "pyproject.toml").write_text(text)
    code, _, err = run(capsys, project)
    assert code == 2 and message in err and len(err.splitlines()) == 1


def test_python_dash_m_and_console_script(tmp_path):
    root = tmp_path / "incident"
    shutil.copytree(FIXTURES / "incident", root)
    done = subprocess.run(
        [sys.executable, "-m", "django_celery_audit", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["summary"]["error"] > 0
    script = shutil.which("django-celery-audit", path=str(Path(sys.executable).parent))
    if script:
        done = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
        assert done.returncode == 0 and "django-celery-audit" in done.stdout


def test_list_rules(capsys):
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0
    assert out.splitlines()[0].startswith("DCA001")


def test_pre_commit_hook_definition(capsys, project, monkeypatch):
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "django-celery-audit"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    command = shlex.split(hook["entry"])
    assert command[0] == "django-celery-audit"
    # pre-commit runs the entry from the repository root, then appends the user's args.
    monkeypatch.chdir(project)
    code, out, _ = run(capsys, *command[1:], "--fail-on", "warning")
    assert code == 1 and "DCA101" in out
