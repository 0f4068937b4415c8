"""Static auditor for Django + Celery projects: finds the settings bugs behind workers on the wrong
database.

It parses with :mod:`ast` only; audited code is never imported or executed.
"""

__version__ = "0.1.0"

TOOL_NAME = "django-celery-audit"
