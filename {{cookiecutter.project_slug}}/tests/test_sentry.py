"""use_sentry: production and staging report errors when SENTRY_DSN is set, and only then.

The settings are loaded in a child process, as a deployment loads them; the SDK sends
nothing here (no error happens), and tests/integration/test_sentry.py sees what it sends.
"""

import json
import sys
import uuid

import pytest
import sentry_sdk

from {{ cookiecutter.project_slug }}.sentry import sentry_dsn_problems, start_sentry

from .processes import run

SLUG = "{{ cookiecutter.project_slug }}"
# A DSN nobody listens at; nothing is sent to it, as nothing fails.
DSN = "http://0123456789abcdef@127.0.0.1:9/42"
# Importing the package selects and loads the settings, as every entry point does.
PROBE = f"""
import json, sentry_sdk, {SLUG}
client = sentry_sdk.get_client()
print(json.dumps(dict(
    active=client.is_active(),
    integrations=sorted(client.integrations),
    personal_data=client.should_send_default_pii(),
    request_bodies=client.options["max_request_body_size"],
    environment=client.options["environment"],
)))
"""


def deployed(environment: str, **variables: str) -> dict[str, str]:
    """What production and staging require, and nothing they would reach for here."""
    return {
        "DJANGO_ENVIRONMENT": environment,
        "DJANGO_SECRET_KEY": "unit-" + uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "example.com",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        # Read only by a project that keeps results in Redis.
        "CELERY_RESULT_BACKEND": "redis://127.0.0.1:6379/1",
        **variables,
    }


def sentry_in(**variables: str) -> dict:
    completed = run([sys.executable, "-c", PROBE], **variables)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.parametrize("environment", ["production", "staging"])
def test_a_dsn_starts_sentry_with_both_integrations_and_no_personal_data(environment):
    sentry = sentry_in(**deployed(environment, SENTRY_DSN=DSN))
    assert sentry["active"]
    assert {"django", "celery"} <= set(sentry["integrations"])
    assert sentry["personal_data"] is False
    assert sentry["request_bodies"] == "never"
    assert sentry["environment"] == environment


@pytest.mark.parametrize("dsn", [None, "", "  "])
def test_no_dsn_means_no_sentry(dsn):
    variables = {} if dsn is None else {"SENTRY_DSN": dsn}
    assert start_sentry(variables) is False
    assert not sentry_in(**deployed("production", **variables))["active"]


@pytest.mark.parametrize("environment", ["development", "testing"])
def test_development_and_testing_never_report(environment):
    assert not sentry_in(DJANGO_ENVIRONMENT=environment, SENTRY_DSN=DSN)["active"]


def test_this_test_run_reports_nothing():
    assert not sentry_sdk.get_client().is_active()


@pytest.mark.parametrize(
    ("dsn", "reason"),
    [
        ("sentry.example/42", "unsupported scheme"),
        ("ftp://key@sentry.example/42", "unsupported scheme"),
        ("https:///42", "missing hostname"),
        ("https://sentry.example/42", "missing public key"),
        ("https://key@sentry.example/project", "invalid project in DSN"),
        ("https://key:pass@sentry.example:port/42", "invalid port"),
    ],
)
def test_a_malformed_dsn_is_named_without_its_value(dsn, reason):
    (problem,) = sentry_dsn_problems({"SENTRY_DSN": dsn})
    assert problem.startswith(f"SENTRY_DSN is not a Sentry DSN ({reason});"), problem
    assert dsn not in problem and "sentry.example" not in problem


def test_a_malformed_dsn_stops_production_with_the_other_problems_in_one_block():
    variables = deployed("production", SENTRY_DSN="https://s3cret@sentry.example:port/42")
    del variables["DJANGO_ALLOWED_HOSTS"]
    completed = run([sys.executable, "manage.py", "check"], **variables)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 78, output
    assert "Traceback" not in output, output
    assert output.count(f"{SLUG} cannot start: configuration error") == 1, output
    assert "DJANGO_ALLOWED_HOSTS" in output
    assert "SENTRY_DSN is not a Sentry DSN (invalid port)" in output
    assert "s3cret" not in output and "sentry.example" not in output
