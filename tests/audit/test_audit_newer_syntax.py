"""Valid code for a newer Python is parsed by that Python, never called a syntax error."""

from __future__ import annotations

import sys

import pytest

from django_celery_audit import engine, newparse

from .conftest import summary

PROD = "proj/settings/production.py"
# Type parameter lists, a type alias and nested f-string quotes: Python 3.12 syntax.
NEWER = """
type Hosts = list[str]

def first[T](items: list[T]) -> T:
    return items[0]

name = "web"
LABEL = f"{name + f"{name}"}"
SECRET_KEY = "hard-coded"
"""


@pytest.fixture
def newer_python_present(monkeypatch):
    monkeypatch.setattr(newparse, "_rejected", [0])  # other tests' broken files do not count
    if sys.version_info >= (3, 12):
        return  # this interpreter parses the file itself
    assert newparse.newer_pythons(), (
        "no Python 3.12+ found (pyenv versions or python3.1x on PATH): install one to run this test"
    )


def test_newer_syntax_is_audited(audit_files, newer_python_present):
    found = audit_files({PROD: NEWER}, "DCA001", "DCA203")
    assert summary(found) == [("DCA203", "error", PROD, 8)]


def test_real_syntax_errors_stay_syntax_errors(audit_files, newer_python_present):
    (finding,) = audit_files({PROD: "def broken(:\n    pass\n"}, "DCA001")
    assert finding.message == "skipped: this file has a syntax error (invalid syntax)"


def test_says_which_python_can_parse_it(audit_files, monkeypatch):
    monkeypatch.setattr(engine, "parse_with_newer", lambda source: (None, "3.13"))
    monkeypatch.setattr(engine.ast, "parse", _reject)
    (finding,) = audit_files({PROD: NEWER}, "DCA001")
    assert "needs Python 3.13 to parse" in finding.message
    assert "re-run the auditor under Python 3.13" in finding.message


def test_without_a_newer_python_says_how_to_rerun(audit_files, monkeypatch):
    monkeypatch.setattr(engine, "parse_with_newer", lambda source: (None, None))
    monkeypatch.setattr(engine, "newer_pythons", lambda: ())
    monkeypatch.setattr(engine.ast, "parse", _reject)
    (finding,) = audit_files({PROD: NEWER}, "DCA001")
    assert "no newer Python was found" in finding.message
    assert "re-run the auditor under that version" in finding.message


def _reject(source, filename="<unknown>"):
    raise SyntaxError("invalid syntax", (filename, 2, 1, "", 2, 2))


def test_unparenthesized_except_names_python_3_14(audit_files, monkeypatch):
    monkeypatch.setattr(engine, "newer_pythons", lambda: (("/x/python3.13", (3, 13)),))
    monkeypatch.setattr(engine, "parse_with_newer", lambda source: (None, None))
    source = "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n"
    (finding,) = audit_files({"proj/celery.py": source}, "DCA001")
    assert finding.line == 3
    assert "does not parse before Python 3.14" in finding.message
    assert "re-run the auditor under Python 3.14" in finding.message


def test_stops_asking_after_files_the_newer_python_rejects_too(audit_files, monkeypatch):
    monkeypatch.setattr(newparse, "_rejected", [newparse.REJECTIONS_BEFORE_GIVING_UP])

    def no_subprocess(*args, **kwargs):
        raise AssertionError("a newer Python was started after the budget was spent")

    monkeypatch.setattr(newparse.subprocess, "run", no_subprocess)
    assert newparse.parse_with_newer(b"def broken(:\n") == (None, None)
    (finding,) = audit_files({"proj/celery.py": "def broken(:\n    pass\n"}, "DCA001")
    assert "newer Pythons were not asked" in finding.message
