"""The plain data that leaves the auditor: severities, findings and the result of a run."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_celery_audit.registry import Rule


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place. ``path`` is POSIX and relative to the audited root."""

    code: str
    severity: Severity
    path: str
    line: int
    column: int
    message: str
    template_answer: str

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.code)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.label,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "template_answer": self.template_answer,
        }


@dataclass
class AuditResult:
    root: Path
    findings: list[Finding]
    suppressed: int
    files_audited: int
    files_skipped: int
    rules: dict[str, Rule]
