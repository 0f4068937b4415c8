"""Files the auditor cannot or should not read, and the promise never to write."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from django_celery_audit import engine
from django_celery_audit.engine import MAX_FILE_SIZE, audit

from .conftest import FIXTURES, summary

BAD_SETTINGS = (
    "import sys\nSECRET_KEY = 'x'\nINSTALLED_APPS = []\n"
    "if 'pytest' in sys.modules:\n    DATABASES = {}\n"
)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"print 'hello'\n", "Python 2"),
        (b"def broken(:\n    pass\n", "syntax error"),
        (b"NAME = '\xff\xfe caf\xe9'\n", "UTF-8"),
        (b"X = 1\x00\n", "null bytes"),
    ],
    ids=["python2", "syntax-error", "not-utf8", "null-byte"],
)
def test_unparsable_files_are_info_and_skipped(tmp_path, content, reason):
    (tmp_path / "proj").mkdir()
    # Named like settings, so a rule may care about it: files that no rule can care about are
    # ruled out from their bytes and never parsed (tests/audit/test_audit_prefilter.py).
    (tmp_path / "proj" / "broken_settings.py").write_bytes(content)
    (tmp_path / "proj" / "settings.py").write_text(BAD_SETTINGS)
    result = audit(tmp_path, codes={"DCA001", "DCA101"}, jobs=1)
    assert [(f.code, f.severity.label, f.path) for f in result.findings] == [
        ("DCA001", "info", "proj/broken_settings.py"),
        ("DCA101", "error", "proj/settings.py"),
    ]
    assert reason in result.findings[0].message
    assert result.files_skipped == 1


def test_latin1_with_a_coding_declaration_parses(tmp_path):
    (tmp_path / "mod.py").write_bytes(b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n")
    assert audit(tmp_path, jobs=1).findings == []


def test_huge_files_are_skipped_with_info(tmp_path):
    (tmp_path / "big.py").write_bytes(b"#" * (MAX_FILE_SIZE + 1))
    result = audit(tmp_path, codes={"DCA002"}, jobs=1)
    assert summary(result.findings) == [("DCA002", "info", "big.py", 1)]


@pytest.mark.parametrize(
    "directory",
    [
        ".git",
        ".venv",
        "venv",
        "node_modules",
        "proj/migrations",
        "__pycache__",
        "build",
        "dist",
        "pkg.egg-info",
        "custom_env",
    ],
)
def test_vendored_and_generated_directories_are_skipped(tmp_path, directory):
    target = tmp_path / directory
    target.mkdir(parents=True)
    (target / "settings.py").write_text(BAD_SETTINGS)
    if directory == "custom_env":
        (target / "pyvenv.cfg").write_text("home = /usr\n")
    assert audit(tmp_path, jobs=1).files_audited == 0


def test_symlink_loops_do_not_hang(tmp_path):
    project = tmp_path / "proj"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "settings.py").write_text(BAD_SETTINGS)
    os.symlink(project, project / "pkg" / "loop")
    os.symlink(project / "pkg", project / "again")
    os.symlink(project / "missing", project / "dangling.py")
    result = audit(project, codes={"DCA101"}, jobs=1)
    assert result.files_audited == 1
    assert [f.path for f in result.findings] == ["pkg/settings.py"]


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    state = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        stat = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        state[rel] = (digest, stat.st_mtime_ns)
    return state


def test_never_writes_into_the_audited_tree(tmp_path):
    root = tmp_path / "incident"
    shutil.copytree(FIXTURES / "incident", root)
    before = _snapshot(root)
    for jobs in (1, 2):
        audit(root, jobs=jobs)
    assert _snapshot(root) == before
    assert not list(root.rglob("__pycache__"))


def test_parallel_and_serial_runs_agree(tmp_path, monkeypatch):
    """Several batches, analysed in pool processes (not the serial fallback), merged in order."""
    root = tmp_path / "incident"
    shutil.copytree(FIXTURES / "incident", root)
    # Files sorted before and after the incident's, so its findings come from several batches.
    # "celery" in a path gets a file parsed, not ruled out by the pre-filter.
    for number in range(40):
        for prefix in ("a", "zz"):
            (root / f"{prefix}_celery_filler_{number:02}.py").write_text(f"VALUE = {number}\n")
    calls = tmp_path / "analysed-by"
    analyze_file = engine.analyze_file

    def recording(candidate, plan):
        with calls.open("a") as record:  # one short line per call: appends do not interleave
            record.write(f"{os.getpid()}\n")
        return analyze_file(candidate, plan)

    monkeypatch.setattr(engine, "analyze_file", recording)
    serial = audit(root, jobs=1)
    analysed_serially = calls.read_text().split()
    calls.unlink()
    parallel = audit(root, jobs=2)
    analysed_in_parallel = calls.read_text().split()

    assert len(analysed_serially) > 80
    assert len(analysed_in_parallel) == len(analysed_serially)
    assert str(os.getpid()) not in analysed_in_parallel, "the pool fell back to this process"
    assert parallel.findings == serial.findings
    assert len({finding.path for finding in serial.findings}) > 1


def test_audited_code_warnings_are_not_printed(tmp_path, capfd):
    (tmp_path / "regex.py").write_text('import re\nPATTERN = re.compile("\\d+")\nX = 1 is 1\n')
    assert audit(tmp_path, jobs=1).findings == []
    assert capfd.readouterr().err == ""
