"""Allow ``python -m django_celery_audit``."""

from django_celery_audit.cli import main

raise SystemExit(main())
