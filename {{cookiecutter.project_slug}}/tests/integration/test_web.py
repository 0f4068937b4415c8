"""gunicorn under the production settings: static files, and health probes by address."""

import gzip
import re

import pytest

from .support import WebServer, manage, production_environment

pytestmark = pytest.mark.integration
# What a TLS-terminating proxy adds; without it production redirects to HTTPS.
BEHIND_TLS = {"X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def web(database_url, broker_url, tmp_path_factory):
    environ = production_environment(database_url, broker_url)
    # What a deployment (and the Dockerfile) runs before it starts the web process.
    collected = manage(environ, "collectstatic", "--no-input", "--clear")
    assert collected.returncode == 0, collected.stderr
    server = WebServer(environ, tmp_path_factory.mktemp("web") / "gunicorn.log")
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


def test_gunicorn_serves_the_admin_stylesheet(web):
    status, headers, body = web.get("/static/admin/css/base.css", **BEHIND_TLS)
    assert status == 200, body[:500]
    assert headers["Content-Type"].startswith("text/css")
    assert b"body" in body


def test_static_files_are_served_hashed_compressed_and_cached_for_good(web):
    status, _, page = web.get("/admin/login/", **BEHIND_TLS)
    assert status == 200, page[-2000:]
    # The page links the stylesheet under a name that carries a hash of its content.
    (hashed,) = re.findall(r'href="(/static/admin/css/base\.[^"]+)"', page.decode())
    assert hashed.startswith("/static/admin/css/base.") and hashed != "/static/admin/css/base.css"
    status, headers, body = web.get(hashed, **BEHIND_TLS, **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("Content-Encoding") == "gzip"
    assert b"body" in gzip.decompress(body)
    assert "max-age=315360000" in headers["Cache-Control"]


@pytest.mark.parametrize("host", ["10.0.0.5", "10.0.0.5:8000", "[fd00::5]:8000"])
def test_a_probe_by_instance_address_gets_its_answer(web, host):
    status, _, body = web.get("/health/", Host=host)
    assert status == 200, body
    assert b'"status": "ok"' in body


@pytest.mark.parametrize(
    ("host", "path"),
    [("10.0.0.5", "/admin/login/"), ("10.0.0.5", "/health"), ("attacker.example", "/health/")],
)
def test_other_requests_from_unlisted_hosts_still_get_400(web, host, path):
    assert web.get(path, Host=host, **BEHIND_TLS)[0] == 400
