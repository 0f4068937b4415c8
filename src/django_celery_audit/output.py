"""Rendering an :class:`~django_celery_audit.engine.AuditResult` as text, JSON or SARIF 2.1.0."""

from __future__ import annotations

import json
from collections import Counter
from importlib import metadata
from itertools import groupby

from django_celery_audit import TOOL_NAME, __version__
from django_celery_audit.model import AuditResult, Finding, Severity

JSON_SCHEMA_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_DEFAULT_URI = "https://pypi.org/project/django-celery-audit/"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def project_urls() -> tuple[str, str]:
    """(information URI, documentation URI) from the installed package's metadata, if any."""
    try:
        entries = metadata.metadata(TOOL_NAME).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        entries = []
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    home = next((urls[k] for k in ("homepage", "repository", "source") if k in urls), _DEFAULT_URI)
    return home, urls.get("documentation", home)


def _counts(findings: list[Finding]) -> Counter[Severity]:
    return Counter(f.severity for f in findings)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render_text(result: AuditResult) -> str:
    lines: list[str] = []
    for path, group in groupby(result.findings, key=lambda f: f.path):
        lines.append(path)
        for finding in group:
            lines.append(
                f"  {finding.path}:{finding.line}: {finding.code} {finding.severity.label} "
                f"{finding.message}"
            )
            lines.append(f"      template: {finding.template_answer}")
        lines.append("")
    counts = _counts(result.findings)
    files = len({f.path for f in result.findings})
    if result.findings:
        summary = (
            f"{_plural(len(result.findings), 'finding')} in {_plural(files, 'file')}: "
            f"{_plural(counts[Severity.ERROR], 'error')}, "
            f"{_plural(counts[Severity.WARNING], 'warning')}, {counts[Severity.INFO]} info"
        )
    else:
        summary = "No findings"
    summary += f" ({_plural(result.files_audited, 'file')} audited"
    if result.files_skipped:
        summary += f", {result.files_skipped} skipped"
    if result.suppressed:
        summary += f", {result.suppressed} suppressed"
    lines.append(summary + ").")
    return "\n".join(lines) + "\n"


def render_json(result: AuditResult) -> str:
    counts = _counts(result.findings)
    document = {
        "version": JSON_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "summary": {
            "files_audited": result.files_audited,
            "files_skipped": result.files_skipped,
            "findings": len(result.findings),
            "error": counts[Severity.ERROR],
            "warning": counts[Severity.WARNING],
            "info": counts[Severity.INFO],
            "suppressed": result.suppressed,
        },
        "findings": [f.as_dict() for f in result.findings],
    }
    return json.dumps(document, indent=2) + "\n"


def render_sarif(result: AuditResult) -> str:
    home, docs = project_urls()
    rules = list(result.rules.values())
    index = {rule.code: i for i, rule in enumerate(rules)}
    driver = {
        "name": TOOL_NAME,
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": home,
        "rules": [
            {
                "id": rule.code,
                "name": "".join(part.capitalize() for part in rule.name.split("-")),
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": rule.why},
                "help": {
                    "text": f"{rule.why}\n\nThe template instead: {rule.template_answer}",
                    "markdown": f"{rule.why}\n\n**The template instead:** {rule.template_answer}",
                },
                "helpUri": f"{docs}#{rule.code.lower()}",
                "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
                "properties": {"tags": ["django", "celery", "configuration"]},
            }
            for rule in rules
        ],
    }
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f"{f.message}. Template: {f.template_answer}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        for f in result.findings
    ]
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": result.root.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "sarif": render_sarif}
