"""JSON and SARIF output: stable, documented structure."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from django_celery_audit.engine import audit
from django_celery_audit.output import JSON_SCHEMA_VERSION, render_json, render_sarif, render_text
from django_celery_audit.registry import load_rules

from .conftest import FIXTURES, REPO_ROOT


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    root = tmp_path_factory.mktemp("out") / "incident"
    shutil.copytree(FIXTURES / "incident", root)
    (root / "broken_settings.py").write_bytes(b"print 'py2'\n")
    return audit(root, jobs=1)


def test_json_schema(result):
    data = json.loads(render_json(result))
    assert data["version"] == JSON_SCHEMA_VERSION == 1
    assert data["tool"]["name"] == "django-celery-audit"
    assert set(data["summary"]) == {
        "files_audited",
        "files_skipped",
        "findings",
        "error",
        "warning",
        "info",
        "suppressed",
    }
    assert data["summary"]["findings"] == len(data["findings"]) > 0
    for finding in data["findings"]:
        assert set(finding) == {
            "code",
            "severity",
            "path",
            "line",
            "column",
            "message",
            "template_answer",
        }
        assert re.fullmatch(r"DCA\d{3}", finding["code"])
        assert finding["severity"] in ("info", "warning", "error")
        assert not finding["path"].startswith("/") and "\\" not in finding["path"]
        assert finding["line"] >= 1 and finding["column"] >= 1
        assert "\n" not in finding["message"] and "\n" not in finding["template_answer"]
    keys = [(f["path"], f["line"], f["column"], f["code"]) for f in data["findings"]]
    assert keys == sorted(keys)


def test_json_schema_is_documented():
    doc = (REPO_ROOT / "docs" / "audit.md").read_text()
    for key in ("version", "files_audited", "template_answer", "suppressed", "column"):
        assert f"`{key}`" in doc


def test_sarif_2_1_0_structure(result):
    data = json.loads(render_sarif(result))
    assert data["$schema"].endswith("sarif-2.1.0.json")
    assert data["version"] == "2.1.0"
    assert len(data["runs"]) == 1
    run = data["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "django-celery-audit"
    assert driver["informationUri"].startswith("https://")
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == sorted(load_rules())
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["helpUri"].startswith("https://")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    assert len(run["results"]) == len(result.findings)
    for item in run["results"]:
        assert item["ruleId"] in rule_ids
        assert rule_ids[item["ruleIndex"]] == item["ruleId"]
        assert item["level"] in ("error", "warning", "note")
        assert item["message"]["text"]
        location = item["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        uri = location["artifactLocation"]["uri"]
        assert not uri.startswith("/") and ":" not in uri
        assert location["region"]["startLine"] >= 1
        assert location["region"]["startColumn"] >= 1
    assert {"note", "warning", "error"} <= {item["level"] for item in run["results"]}


def test_text_groups_by_file(result):
    text = render_text(result)
    headers = [line for line in text.splitlines() if line and not line.startswith(" ")]
    files = sorted({f.path for f in result.findings})
    assert headers[:-1] == files
    assert re.match(
        r"\d+ findings in \d+ files: \d+ errors, \d+ warnings?, \d+ info \(", headers[-1]
    )
    assert "1 skipped" in headers[-1]
