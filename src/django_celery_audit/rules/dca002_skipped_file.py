"""A file or directory the auditor skipped (over 1 MiB, or unreadable) is not audited at all.

Huge generated modules are skipped to keep the audit fast; unreadable paths cannot be read. Either
way the result does not cover them, and this finding says so.
"""

from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA002",
    name="skipped-file",
    severity=Severity.INFO,
    title="File or directory skipped (too large or unreadable)",
    template_answer="the template generates small, hand-readable modules only",
    doc=__doc__,
)
# Reported by the engine, which owns file discovery.
