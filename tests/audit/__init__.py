"""Tests of the django-celery-audit auditor."""
