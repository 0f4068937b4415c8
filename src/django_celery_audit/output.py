"""Rendering an :class:`~django_celery_audit.engine.AuditResult` as text, JSON or SARIF 2.1.0."""

from __future__ import annotations

import json
import os
import textwrap
from collections import Counter
from itertools import groupby
from pathlib import Path
from urllib.parse import quote

from django_celery_audit import TOOL_NAME, __version__
from django_celery_audit.layout import Row
from django_celery_audit.model import AuditResult, Finding, Severity

JSON_SCHEMA_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_DEFAULT_URI = "https://pypi.org/project/django-celery-audit/"
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def project_urls() -> tuple[str, str]:
    """(information URI, documentation URI) from the installed package's metadata, if any."""
    from importlib import metadata  # only SARIF needs it, and it costs start-up time

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


def printable(text: str) -> str:
    """``text`` with the undecodable bytes of file names (kept by Python as lone surrogates) shown
    as ``\\xNN``: any UTF-8 stream can take the result, and the bytes stay recognisable."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def uri_of(path: str) -> str:
    """A relative URI reference for a POSIX path, percent-encoding its raw bytes."""
    return quote(os.fsencode(path), safe="/")


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
    return printable("\n".join(lines) + "\n")


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
        "findings": [
            {k: printable(v) if isinstance(v, str) else v for k, v in f.as_dict().items()}
            for f in result.findings
        ],
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
            "message": {"text": printable(f"{f.message}. Template: {f.template_answer}")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri_of(f.path), "uriBaseId": "%SRCROOT%"},
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


# -- the layout report ------------------------------------------------------------------------
def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def render_layout_text(root: Path, rows: list[Row]) -> str:
    """Three columns: the piece, where and what the template has, where this project has it."""
    widths = (24, 44, 52)
    lines = [f"Layout of {root} against the template's", ""]
    header = ("piece", "template", "this project")
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        if row.found:
            ours = [f"{p}:{line} ({what})" for p, line, what in row.found[:4]]
            if len(row.found) > 4:
                ours.append(f"... and {len(row.found) - 4} more")
        else:
            ours = [f"{row.status.upper()}: {row.instead}" if row.instead else row.status.upper()]
        columns = [
            _wrap(row.title, widths[0]),
            _wrap(row.template, widths[1]) + _wrap(row.template_does, widths[1]),
            [part for text in ours for part in _wrap(text, widths[2])],
        ]
        for i in range(max(len(c) for c in columns)):
            cells = [c[i] if i < len(c) else "" for c in columns]
            lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        lines.append("")
    counts = Counter(row.status for row in rows)
    lines.append(
        f"{counts['present']} of {len(rows)} pieces present, {counts['missing']} missing"
        + (f", {counts['not applicable']} not applicable" if counts["not applicable"] else "")
        + "."
    )
    return printable("\n".join(lines) + "\n")


def render_layout_json(root: Path, rows: list[Row]) -> str:
    counts = Counter(row.status for row in rows)
    document = {
        "version": JSON_SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": __version__},
        "root": printable(str(root)),
        "summary": {
            "present": counts["present"],
            "missing": counts["missing"],
            "not_applicable": counts["not applicable"],
        },
        "pieces": [_printable_tree(row.as_dict()) for row in rows],
    }
    return json.dumps(document, indent=2) + "\n"


def _printable_tree(value: object) -> object:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: _printable_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable_tree(item) for item in value]
    return value


LAYOUT_RENDERERS = {"text": render_layout_text, "json": render_layout_json}
