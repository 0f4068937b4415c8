"""Service URLs: checked without quoting them, and shown with every password masked."""

import pytest
from celery.app import utils as celery_app_utils

import {{ cookiecutter.project_slug }}.celery  # noqa: F401 (installs the masking)
from {{ cookiecutter.project_slug }}.service_urls import mask_passwords, url_problem

SECRETS = ("Db-S3same", "Mq-S3same", "Rs-S3same")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("redis://:pw@h:6379/0", "redis://:**@h:6379/0"),
        ("amqp://user:pw@h:5672//", "amqp://user:**@h:5672//"),
        ("postgres://u:12/rest@h/db", "postgres://u:**@h/db"),
        ("redis://:a#b@c@h/0", "redis://:**@h/0"),
        ("redis://h:6379/0", "redis://h:6379/0"),
        ("amqp://u:p@h1//;amqp://u:q@h2//", "amqp://u:**@h1//;amqp://u:**@h2//"),
        ("'redis://:pw@h/0', and sqlite:///db", "'redis://:**@h/0', and sqlite:///db"),
    ],
)
def test_mask_passwords(text, expected):
    assert mask_passwords(text) == expected


def test_url_problem_never_quotes_the_url():
    problem = url_problem("CELERY_BROKER_URL", "redis://:Open#Sesame@h/0")
    assert problem.startswith("CELERY_BROKER_URL is not a valid URL")
    assert "Open" not in problem and "Sesame" not in problem


def test_celery_settings_table_masks_every_url_password():
    # What `celery report` and `celery inspect conf` print, whatever the setting is called.
    table = celery_app_utils.filter_hidden_settings(
        {
            "CELERY_BROKER_URL": "redis://:Mq-S3same@h/0",
            "CACHES": {"default": {"LOCATION": ["redis://:Rs-S3same@h/2"]}},
            "DATABASES": {"default": {"PASSWORD": "Db-S3same"}},
        }
    )
    assert not [secret for secret in SECRETS if secret in str(table)]
    assert table["CELERY_BROKER_URL"] == "redis://:**@h/0"
