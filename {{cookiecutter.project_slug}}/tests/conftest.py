"""The suite runs with the testing settings, chosen the way every entry point chooses."""

import os

import django
import pytest

from tests import services


def pytest_addoption(parser):
    parser.addoption(
        "--integration",
        action="store_true",
        help="fail, instead of skipping, integration tests whose services are not configured",
    )


def pytest_configure(config):
    services.take_from_environment()
    # Before the project package is imported: importing it selects the settings.
    os.environ["DJANGO_ENVIRONMENT"] = "testing"
    from {{ cookiecutter.project_slug }}.environment import configure_settings

    configure_settings()
    django.setup()


@pytest.fixture
def report_task():
    """The example app's Celery task."""
    from reports.tasks import create_report

    return create_report
