"""A file that does not parse cannot be audited, so anything dangerous in it goes unseen.

Python 2 code, syntax errors and bytes that are not UTF-8 (without an encoding declaration) end up
here. The file is skipped and reported as information so that a clean result is never mistaken
for a complete one.
"""

from django_celery_audit.model import Severity
from django_celery_audit.registry import Rule

RULE = Rule(
    code="DCA001",
    name="unparsable-file",
    severity=Severity.INFO,
    title="File could not be parsed and was skipped",
    template_answer="every generated file is Python 3 source that passes the template's ruff run",
    doc=__doc__,
)
# Reported by the engine, which owns parsing.
