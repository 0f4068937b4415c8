"""use_sentry: a real worker's and gunicorn's errors reach a Sentry endpoint, without personal data.

The endpoint is a small HTTP server in this test, on 127.0.0.1, that keeps every envelope
the SDK sends to the DSN pointing at it.
"""

import gzip
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .support import WebServer, production_environment, unique_name

pytestmark = pytest.mark.integration
TASKS = "tests.integration.worker_tasks"
PUBLIC_KEY = uuid.uuid4().hex
PROJECT_ID = 42
# Generous: a bound on a hang, not a timing.
EVENT_TIMEOUT = 60.0


def envelope_items(body: bytes) -> list[tuple[dict, bytes]]:
    """The (header, payload) items of a Sentry envelope: JSON lines, payloads by length."""
    _envelope_header, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        line, _, rest = rest.partition(b"\n")
        header = json.loads(line)
        if "length" in header:
            payload, rest = rest[: header["length"]], rest[header["length"] :].removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((header, payload))
    return items


class FakeSentry:
    """Sentry's ingest endpoint for one DSN: keeps the events and the auth headers it gets."""

    def __init__(self):
        self.events: list[dict] = []
        self.requests: list[tuple[str, str]] = []  # path, X-Sentry-Auth
        self.changed = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def dsn(self) -> str:
        return f"http://{PUBLIC_KEY}@127.0.0.1:{self.server.server_address[1]}/{PROJECT_ID}"

    def handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                encoding = self.headers.get("Content-Encoding")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":
                    import brotli  # the SDK compresses with brotli when it is installed

                    body = brotli.decompress(body)
                fake.received(self.path, self.headers.get("X-Sentry-Auth", ""), body)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format, *args):
                pass  # the test's output is for the test

        return Handler

    def received(self, path: str, auth: str, body: bytes) -> None:
        events = [json.loads(payload) for header, payload in envelope_items(body)
                  if header.get("type") == "event"]  # fmt: skip
        with self.changed:
            self.requests.append((path, auth))
            self.events.extend(events)
            self.changed.notify_all()

    def wait_for_event(self, matches, log) -> dict:
        deadline = time.monotonic() + EVENT_TIMEOUT
        with self.changed:
            while not (found := [event for event in self.events if matches(event)]):
                if not self.changed.wait(timeout=deadline - time.monotonic()):
                    pytest.fail(f"no such event within {EVENT_TIMEOUT} s: {self.events}\n{log()}")
        (event,) = found
        return event

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def fake_sentry():
    fake = FakeSentry()
    yield fake
    fake.close()


def exception_of(event: dict) -> dict:
    return event.get("exception", {}).get("values", [{}])[-1]


def test_an_exception_in_a_task_reaches_sentry_without_its_arguments(
    fake_sentry, start_worker, client
):
    # A prefork child runs the task: the SDK started in the main process must work there.
    worker = start_worker(SENTRY_DSN=fake_sentry.dsn)
    marker = unique_name("sentry")
    result = client.send_task(f"{TASKS}.fail_on_purpose", args=[marker], queue=worker.queue)
    client.sent_task_ids.append(result.id)

    event = fake_sentry.wait_for_event(
        lambda event: event.get("tags", {}).get("celery_task_id") == result.id,
        lambda: worker.log,
    )
    exception = exception_of(event)
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == f"failed on purpose: {marker}"
    assert exception["mechanism"]["type"] == "celery"  # the integration, not a log line
    assert event["extra"]["celery-job"]["task_name"] == f"{TASKS}.fail_on_purpose"
    assert event["environment"] == "production"
    # No personal data: the task's arguments are filtered, and there is no user.
    assert event["extra"]["celery-job"]["args"] == "[Filtered]"
    assert "user" not in event
    path, auth = fake_sentry.requests[0]
    assert (path, f"sentry_key={PUBLIC_KEY}" in auth) == (f"/api/{PROJECT_ID}/envelope/", True)
    assert PUBLIC_KEY not in worker.log


def test_an_exception_in_a_view_reaches_sentry_without_cookies_or_addresses(
    fake_sentry, database_url, broker_url, tmp_path
):
    environ = production_environment(database_url, broker_url, SENTRY_DSN=fake_sentry.dsn)
    web = WebServer(environ, tmp_path / "web.log", app="tests.integration.raising_wsgi")
    marker, cookie = unique_name("view"), uuid.uuid4().hex
    try:
        web.wait_until_serving()
        status, _, _ = web.get(
            f"/raise/?marker={marker}",
            **{
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": "203.0.113.7",
                "Cookie": f"sessionid={cookie}; theme=dark",
            },
        )
        assert status == 500
        event = fake_sentry.wait_for_event(
            lambda event: exception_of(event).get("value", "").endswith(marker),
            lambda: web.log,
        )
    finally:
        web.stop()
    assert exception_of(event)["type"] == "RuntimeError"
    assert exception_of(event)["mechanism"]["type"] == "django"
    assert event["request"]["url"].endswith("/raise/")
    assert event["environment"] == "production"
    # No personal data: no user, no cookies, no client address, from any header.
    assert "user" not in event
    assert "cookies" not in event["request"]
    sent = json.dumps(event)
    assert cookie not in sent and "theme" not in sent
    assert "203.0.113.7" not in sent
    assert "REMOTE_ADDR" not in event["request"].get("env", {})
