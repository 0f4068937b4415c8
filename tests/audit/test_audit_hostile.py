"""Hostile trees and configuration: no hang, no traceback, no silent pass.

The hanging cases run the command in a child process bounded by a generous timeout, so a
regression fails the test instead of stopping the suite.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from django_celery_audit.cli import main
from django_celery_audit.engine import audit

from .conftest import write_tree

HANG_BOUND_S = 60
BAD_SETTINGS = "SECRET_KEY = 'x'\nINSTALLED_APPS = []\nALLOWED_HOSTS = ['*']\n"


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "django_celery_audit", *args],
        capture_output=True,
        timeout=HANG_BOUND_S,
        env={**os.environ, **env},
        check=False,
    )


def _project(tmp_path):
    return write_tree(tmp_path / "proj", {"proj/settings/production.py": BAD_SETTINGS})


def test_a_fifo_named_like_python_is_reported_not_read(tmp_path):
    root = _project(tmp_path)
    os.mkfifo(root / "x.py")  # opening it for reading would wait for a writer forever
    done = _run(str(root), "--format", "json")
    assert done.returncode == 1, done.stderr.decode()
    findings = json.loads(done.stdout)["findings"]
    fifo = [f for f in findings if f["path"] == "x.py"]
    assert [(f["code"], f["severity"]) for f in fifo] == [("DCA002", "info")]
    assert "FIFO" in fifo[0]["message"]
    assert any(f["code"] == "DCA202" for f in findings)  # the rest was still audited


def _character_device(path) -> None:
    """/dev/zero under another name: reading it never ends. mknod needs root; a symlink to the
    device is the same trap for everyone else."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o444, os.makedev(1, 5))
    except PermissionError:
        os.symlink("/dev/zero", path)


def test_a_character_device_named_like_python_is_not_read(tmp_path):
    root = _project(tmp_path)
    _character_device(root / "z.py")
    done = _run(str(root), "--format", "json")
    assert done.returncode == 1, done.stderr.decode()
    device = [f for f in json.loads(done.stdout)["findings"] if f["path"] == "z.py"]
    assert [f["code"] for f in device] == ["DCA002"]
    assert "character device" in device[0]["message"]


def test_a_regular_file_replaced_by_a_fifo_after_discovery_is_refused(tmp_path):
    """The reader checks the opened descriptor, not only what the walk saw."""
    from django_celery_audit.discovery import NotRegularFile, read_regular_file

    os.mkfifo(tmp_path / "late.py")
    with pytest.raises(NotRegularFile, match="FIFO"):
        read_regular_file(tmp_path / "late.py", 1024)


def test_a_symlink_to_a_regular_file_is_still_audited(tmp_path):
    root = _project(tmp_path)
    (tmp_path / "elsewhere.py").write_text(BAD_SETTINGS)
    os.symlink(tmp_path / "elsewhere.py", root / "proj" / "settings" / "staging.py")
    result = audit(root, codes={"DCA202"}, jobs=1)
    assert {f.path for f in result.findings} == {
        "proj/settings/production.py",
        "proj/settings/staging.py",
    }


@pytest.mark.parametrize(
    ("args", "pyproject"),
    [
        (["--select", ""], None),
        (["--select", " , "], None),
        ([], "[tool.django-celery-audit]\nselect = []\n"),
        (["--select", "DCA2", "--ignore", "DCA2"], None),
    ],
    ids=["empty-select", "commas-only", "pyproject-empty-list", "ignore-takes-everything"],
)
def test_selecting_nothing_is_a_usage_error(tmp_path, capsys, args, pyproject):
    root = _project(tmp_path)
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject)
    assert main([str(root), *args]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "no rule" in err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"[tool.django-celery-audit]\nselect = ['DCA1']\n# caf\xe9\n", "not UTF-8"),
        (b"tool = 1\n", "'tool' must be a table"),
        (b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n", "nested too deeply"),
        (b"x = " + b"{a = " * 5000 + b"1" + b"}" * 5000 + b"\n", "nested too deeply"),
        (b"[tool]\ndjango-celery-audit = 3\n", "must be a table"),
        (b"\x00\x01\x02", "cannot read"),
    ],
    ids=["latin-1", "tool-is-an-integer", "deep-arrays", "deep-tables", "table-is-int", "binary"],
)
def test_hostile_pyproject_is_one_line_and_exit_2(tmp_path, content, words):
    root = _project(tmp_path)
    (root / "pyproject.toml").write_bytes(content)
    done = _run(str(root))
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert done.stdout == b""
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stderr
    assert words in stderr


def test_pyproject_that_is_a_fifo_does_not_hang(tmp_path):
    root = _project(tmp_path)
    os.mkfifo(root / "pyproject.toml")
    done = _run(str(root))
    assert done.returncode == 2
    assert "not a regular file" in done.stderr.decode()


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_non_utf8_file_names_under_a_strict_utf8_stdout(tmp_path, fmt):
    root = tmp_path / "proj"
    package = os.path.join(os.fsencode(root), b"caf\xe9")
    os.makedirs(os.path.join(package, b"settings"))
    with open(os.path.join(package, b"settings", b"production.py"), "w") as fh:
        fh.write(BAD_SETTINGS)
    with open(os.path.join(package, b"\xff.py"), "w") as fh:
        fh.write("INSTALLED_APPS = [\n")  # unparsable: a finding whose name has no UTF-8 spelling
    done = _run(str(root), "--format", fmt, PYTHONIOENCODING="utf-8:strict")
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert "Traceback" not in stderr
    text = done.stdout.decode("utf-8")  # strict: every byte written is UTF-8
    if fmt == "text":
        assert "caf\\xe9/settings/production.py:3: DCA202" in text
        assert "caf\\xe9/\\xff.py:1: DCA001" in text
    elif fmt == "json":
        paths = {f["path"] for f in json.loads(text)["findings"]}
        assert "caf\\xe9/settings/production.py" in paths
    else:
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(text)["runs"][0]["results"]
        }
        assert "caf%E9/settings/production.py" in uris


def test_an_ascii_stdout_gets_escapes_not_a_traceback(tmp_path):
    root = write_tree(tmp_path / "proj", {"café/settings/production.py": BAD_SETTINGS})
    done = _run(str(root), PYTHONIOENCODING="ascii:strict")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr.decode()
    assert "caf\\xe9/settings/production.py" in done.stdout.decode("ascii")


def test_a_gitignore_that_is_a_fifo_does_not_hang(tmp_path):
    root = _project(tmp_path)
    os.mkfifo(root / ".gitignore")
    os.mkfifo(root / "proj" / ".gitignore")
    done = _run(str(root), "--select", "DCA202")
    assert done.returncode == 1, done.stderr.decode()
    assert b"proj/settings/production.py" in done.stdout
