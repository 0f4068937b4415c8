"""``/health/``: 200 when the database and the broker answer, 503 naming the one that does not."""

import logging

import pytest
from django.urls import reverse

from {{ cookiecutter.project_slug }} import diagnostics, health
from {{ cookiecutter.project_slug }}.celery import app

# Nothing listens on port 1 here: a refused connection, at once.
CLOSED_PORT_BROKER = "redis://:hunter2@127.0.0.1:1/0"


@pytest.fixture
def broker_down(monkeypatch):
    # Celery prefers CELERY_BROKER_URL from the environment to its configuration.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.setattr(app.conf, "broker_url", CLOSED_PORT_BROKER)


def test_health_is_at_a_stable_path():
    assert reverse("health") == "/health/"


@pytest.mark.django_db
def test_healthy_when_database_and_broker_answer(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "broker": True,
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_unavailable_names_the_broker_and_logs_why(client, broker_down, caplog):
    with caplog.at_level(logging.WARNING, logger=health.__name__):
        response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert (body["checks"]["database"]["ok"], body["checks"]["broker"]["ok"]) == (True, False)
    # The reason is for the log; the response tells an outsider nothing about the broker.
    assert "127.0.0.1" not in response.content.decode()
    assert "hunter2" not in response.content.decode()
    assert "health: broker probe failed" in caplog.text


def test_unavailable_when_the_database_does_not_answer(client, monkeypatch):
    failed = diagnostics.ProbeResult(False, "no answer within 2.0 s", 2.0)
    monkeypatch.setattr(diagnostics, "probe_database", lambda timeout: failed)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {"ok": False, "ms": 2000}


@pytest.mark.django_db
def test_answers_head_but_refuses_writes(client):
    assert client.head("/health/").status_code == 200
    assert client.post("/health/").status_code == 405


# A load balancer's probe addresses the instance, not the site: ALLOWED_HOSTS lists neither.
@pytest.mark.django_db
@pytest.mark.parametrize("host", ["10.0.0.5", "10.0.0.5:8000", "[fd00::5]", "[fd00::5]:8000"])
def test_a_probe_addressing_the_instance_by_ip_gets_an_answer(client, host):
    response = client.get("/health/", HTTP_HOST=host)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize(
    ("host", "path"),
    [
        ("10.0.0.5", "/admin/login/"),
        ("10.0.0.5", "/health"),
        ("attacker.example", "/health/"),
        ("10.0.0.5.attacker.example", "/health/"),
        ("999.0.0.5", "/health/"),
        ("[fd00::5", "/health/"),
    ],
)
def test_anything_else_from_an_unlisted_host_is_still_refused(client, host, path):
    assert client.get(path, HTTP_HOST=host).status_code == 400


def test_a_probe_by_ip_may_only_read(client):
    assert client.post("/health/", HTTP_HOST="10.0.0.5").status_code == 405
