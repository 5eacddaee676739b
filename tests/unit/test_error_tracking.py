"""Errors of requests and tasks reach the error tracker, without anyone's personal data.

The DSN points at an HTTP receiver on a loopback port, standing for Sentry or
GlitchTip: the test reads the envelopes the SDK really sends.
"""

import gzip
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

import brotli
import pytest
import sentry_sdk
from django.core.mail.backends.locmem import EmailBackend
from django.core.wsgi import get_wsgi_application
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from qualicoop import urls as portal_urls
from qualicoop.lib import error_tracking
from qualicoop.lib.mail import ATTEMPTS, send_email

PASSWORD = "mot-de-passe-tres-secret-4711"  # noqa: S105 - what must not leak
SESSION_ID = "sessioncookie0123456789abcdef"
CSRF_TOKEN = "csrfjeton9876543210fedcba"
BEARER = "bearer-jeton-zyxw"
QUERY_TOKEN = "jeton-de-lien-5555"
EMAIL_BODY = "Bonjour Alice, voici votre rapport confidentiel n° 42."
ADDRESS = "alice.martin@coop-alpha.example"
SECRETS = (PASSWORD, SESSION_ID, CSRF_TOKEN, BEARER, QUERY_TOKEN, EMAIL_BODY, ADDRESS)


@csrf_exempt
def failing_view(request):
    raise RuntimeError("échec voulu de la vue")


# The portal's own addresses (its middleware reverses some), plus one that fails.
urlpatterns = [path("echec/", failing_view), *portal_urls.urlpatterns]


class Receiver(ThreadingHTTPServer):
    def __init__(self):
        super().__init__(("127.0.0.1", 0), EnvelopeHandler)
        self.bodies: list[bytes] = []


class EnvelopeHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self):
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "br":
            raw = brotli.decompress(raw)
        self.server.bodies.append(raw)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def events(bodies: list[bytes]) -> list[dict]:
    """The error events of the envelopes: one JSON document per line, headers included."""
    found = []
    for body in bodies:
        for line in body.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and ("exception" in item or "logentry" in item):
                found.append(item)
    return found


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    error_tracking.start(dsn=f"http://clef@{host}:{port}/1", environment="essai", release="1.2.3")
    yield server
    sentry_sdk.get_client().close()
    sentry_sdk.init()
    server.shutdown()
    server.server_close()


@pytest.mark.urls(__name__)
# Through the WSGI entry point the request's end closes the connection, as in production.
@pytest.mark.django_db(transaction=True)
def test_it_reports_a_failed_request_and_a_failed_task_without_personal_data(receiver, monkeypatch):
    # Through the WSGI entry point, as gunicorn calls it: the tracker reads the request there.
    body = urlencode(
        {"password": PASSWORD, "csrfmiddlewaretoken": CSRF_TOKEN, "message": EMAIL_BODY}
    ).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/echec/",
        "QUERY_STRING": f"token={QUERY_TOKEN}&page=2",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": f"sessionid={SESSION_ID}; csrftoken={CSRF_TOKEN}",
        "HTTP_AUTHORIZATION": f"Bearer {BEARER}",
        "HTTP_X_CSRFTOKEN": CSRF_TOKEN,
        "wsgi.input": io.BytesIO(body),
    }
    setup_testing_defaults(environ)
    statuses = []
    get_wsgi_application()(environ, lambda status, headers, *args: statuses.append(status))
    assert statuses == ["500 Internal Server Error"]

    def mail_server_down(self, messages):
        raise OSError("serveur de courriel muet")

    monkeypatch.setattr(EmailBackend, "send_messages", mail_server_down)
    result = send_email.enqueue(
        subject="Votre rapport", body=EMAIL_BODY, to=[ADDRESS], attempt=ATTEMPTS
    )
    assert result.status == "FAILED"
    sentry_sdk.flush(timeout=5)

    received = b"".join(receiver.bodies)
    reported = events(receiver.bodies)
    view_errors = [
        event
        for event in reported
        if event.get("exception", {}).get("values", [{}])[-1].get("type") == "RuntimeError"
    ]
    task_errors = [
        event
        for event in reported
        if event.get("tags", {}).get("task") == "qualicoop.lib.mail.send_email"
    ]
    assert len(view_errors) == 1
    assert view_errors[0]["release"] == "1.2.3"
    assert view_errors[0]["environment"] == "essai"
    assert view_errors[0]["request"]["url"].endswith("/echec/")
    assert len(task_errors) == 1
    assert task_errors[0]["exception"]["values"][-1]["type"] == "OSError"
    for secret in SECRETS:
        assert secret.encode() not in received, secret


def test_it_scrubs_addresses_tokens_and_sensitive_keys():
    event = {
        "request": {
            "url": "https://qualicoop.example.org/compte/reinitialiser/MQ-c9a1b2c3d4e5f6a7b8c9d0e1f2/",
            "query_string": "token=abc&page=2",
            "headers": {"Cookie": "sessionid=x", "Accept": "text/html"},
            "data": {"password": "x"},
        },
        "logentry": {"message": "email_failed to=bob@example.org"},
        "extra": {"reset_link": "https://x.example/?signature=zz&lang=fr"},
    }
    scrubbed = error_tracking.before_send(event, {})
    assert "data" not in scrubbed["request"]
    assert scrubbed["request"]["query_string"] == "token=%5BFiltr%C3%A9%5D&page=2"
    assert scrubbed["request"]["headers"] == {"Cookie": "[Filtré]", "Accept": "text/html"}
    assert "MQ-c9a1" not in scrubbed["request"]["url"]
    assert "bob@example.org" not in scrubbed["logentry"]["message"]
    assert scrubbed["extra"]["reset_link"] == "https://x.example/?signature=[Filtré]&lang=fr"
