"""`.gitignore` is respected by default (as ruff does), without needing git; --no-gitignore audits
everything."""

from __future__ import annotations

import pytest

from django_celery_audit.cli import main
from django_celery_audit.engine import audit

from .conftest import write_tree

# Settings that cannot be parsed: DCA001 reports them wherever they are, so "reported" means
# "audited" whatever the file is called.
BAD = "SECRET_KEY = 'x'\nINSTALLED_APPS = [\n"

# (pattern lines, path, expected ignored). Each row was checked against `git check-ignore` 2.x.
CASES = [
    ("*.py", "a/settings.py", True),
    ("/settings.py", "settings.py", True),
    ("/settings.py", "a/settings.py", False),
    ("a/settings.py", "a/settings.py", True),
    ("a/settings.py", "b/a/settings.py", False),  # a slash in the middle anchors the pattern
    ("generated/", "generated/settings.py", True),
    ("generated/", "x/generated/settings.py", True),
    ("settings.py/", "settings.py", False),  # directories only
    ("**/local/*.py", "x/y/local/settings.py", True),
    ("a/**/settings.py", "a/settings.py", True),
    ("a/**/settings.py", "a/b/c/settings.py", True),
    ("out/**", "out/x/settings.py", True),
    ("sett?ngs.py", "settings.py", True),
    ("[sp]ettings.py", "pettings.py", True),
    ("[!s]ettings.py", "settings.py", False),
    ("*.py\n!settings.py", "a/settings.py", False),
    ("!settings.py\n*.py", "a/settings.py", True),  # the last matching line wins
    ("\\#settings.py", "#settings.py", True),
    ("# settings.py", "settings.py", False),
    ("settings.py   ", "settings.py", True),  # trailing spaces are trimmed
    ("deploy\n!deploy/settings.py", "deploy/settings.py", True),  # no re-including below it
]


@pytest.mark.parametrize(("patterns", "path", "ignored"), CASES)
def test_patterns_follow_git(tmp_path, patterns, path, ignored):
    root = write_tree(tmp_path / "p", {path: BAD})
    (root / ".gitignore").write_text(patterns + "\n")
    audited = {f.path for f in audit(root, codes={"DCA001"}, jobs=1).findings}
    assert (path not in audited) is ignored


def test_nested_gitignore_speaks_for_its_own_directory(tmp_path):
    root = write_tree(
        tmp_path / "p",
        {"app/settings.py": BAD, "app/sub/settings.py": BAD, "other/settings.py": BAD},
    )
    (root / "app" / ".gitignore").write_text("/settings.py\n")
    (root / "other" / ".gitignore").write_text("!settings.py\n")
    (root / ".gitignore").write_text("other/\n")
    audited = {f.path for f in audit(root, codes={"DCA001"}, jobs=1).findings}
    assert audited == {"app/sub/settings.py"}


def test_rules_from_above_the_audited_directory_apply_inside_a_repository(tmp_path):
    repo = write_tree(tmp_path / "repo", {"svc/local/settings.py": BAD, "svc/settings.py": BAD})
    (repo / ".git" / "info").mkdir(parents=True)  # a repository, with or without git installed
    (repo / ".gitignore").write_text("svc/local/\n")
    (repo / ".git" / "info" / "exclude").write_text("/svc/settings.py\n")
    result = audit(repo / "svc", codes={"DCA001"}, jobs=1)
    assert result.findings == []
    assert {f.path for f in audit(repo / "svc", codes={"DCA001"}, gitignore=False).findings} == {
        "local/settings.py",
        "settings.py",
    }


def test_outside_a_repository_only_files_inside_the_tree_count(tmp_path):
    (tmp_path / ".gitignore").write_text("*.py\n")  # above the root, and no repository
    root = write_tree(tmp_path / "p", {"settings.py": BAD})
    assert [f.path for f in audit(root, codes={"DCA001"}, jobs=1).findings] == ["settings.py"]


def test_cli_no_gitignore(tmp_path, capsys):
    root = write_tree(tmp_path / "p", {"build_out/settings.py": BAD})
    (root / ".gitignore").write_text("build_out/\n")
    assert main([str(root), "--select", "DCA001"]) == 0
    assert "No findings" in capsys.readouterr().out
    assert main([str(root), "--select", "DCA001", "--no-gitignore", "--fail-on", "info"]) == 1
    assert "build_out/settings.py" in capsys.readouterr().out


def test_a_hostile_gitignore_is_ignored_not_fatal(tmp_path):
    root = write_tree(tmp_path / "p", {"settings.py": BAD})
    (root / ".gitignore").write_bytes(b"[\n\xff\xfe*\x00\n" + b"[!" * 10000 + b"\n")
    assert [f.path for f in audit(root, codes={"DCA001"}, jobs=1).findings] == ["settings.py"]
