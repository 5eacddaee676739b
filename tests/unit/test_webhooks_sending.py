"""A delivery to a local receiver: signed, retried with back-off, refused on private addresses."""

import datetime
import hashlib
import hmac
import http.server
import ipaddress
import json
import socket
import threading
import time
from contextlib import contextmanager

import pytest
from django.utils import timezone

from qualicoop.webhooks import sending
from qualicoop.webhooks.models import Attempt, Delivery, Endpoint, Event
from qualicoop.webhooks.tasks import send_delivery
from tests import factories

PAYLOAD = {"event": "selection.validated", "data": {"selection": {"id": 7}}}


@contextmanager
def receiver(*statuses, pause=0.0):
    """An HTTP server on 127.0.0.1 answering ``statuses`` in turn; yields (url, requests)."""
    answers = list(statuses)
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers), body))
            time.sleep(pause)
            self.send_response(answers.pop(0))
            self.end_headers()
            self.wfile.write(b"x" * 2000)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/crochet?source=qualicoop", received
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True


def _delivery(url):
    endpoint = Endpoint.objects.create(
        cooperative=factories.make_coop("Coopérative Alpha"),
        url=url,
        events=[Event.SELECTION_VALIDATED],
    )
    return Delivery.objects.create(
        endpoint=endpoint, event=Event.SELECTION_VALIDATED, payload=PAYLOAD
    )


def _verifies(secret, headers, body):
    """What the README tells a receiver to do."""
    signed = headers["X-QualiCoop-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-QualiCoop-Signature"])


@pytest.mark.django_db
def test_a_delivery_reaches_the_receiver_signed_with_the_secret(loopback_allowed):
    with receiver(200) as (url, received):
        delivery = _delivery(url)
        now = timezone.now()

        next_attempt = sending.attempt(delivery.pk, now=now)

    assert next_attempt is None
    [(headers, body)] = received
    assert json.loads(body) == PAYLOAD
    assert _verifies(delivery.endpoint.secret, headers, body)
    assert not _verifies("un-autre-secret", headers, body)
    assert headers["X-QualiCoop-Event"] == "selection.validated"
    assert headers["X-QualiCoop-Delivery"] == str(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.DELIVERED, 1)
    attempt = delivery.attempt_set.get()
    assert (attempt.at, attempt.status_code, attempt.error) == (now, 200, "")
    # A few hundred characters of the answer, never the whole of it.
    assert attempt.response_excerpt == "x" * 300


@pytest.mark.django_db
def test_a_failed_attempt_is_tried_again_after_the_back_off(loopback_allowed):
    with receiver(500, 200) as (url, received):
        delivery = _delivery(url)
        start = timezone.now()

        retry_at = sending.attempt(delivery.pk, now=start)
        delivery.refresh_from_db()
        assert delivery.state == Delivery.State.RETRYING
        assert retry_at == delivery.next_attempt_at == start + datetime.timedelta(minutes=1)

        assert sending.attempt(delivery.pk, now=retry_at) is None

    assert len(received) == 2
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (
        Delivery.State.DELIVERED,
        2,
        None,
    )
    assert list(delivery.attempt_set.values_list("at", "status_code")) == [
        (start, 500),
        (retry_at, 200),
    ]


@pytest.mark.django_db
def test_the_delays_grow_and_the_fifth_failure_gives_up(loopback_allowed):
    with receiver(*[503] * 5) as (url, received):
        delivery = _delivery(url)
        now = timezone.now()
        waits = []
        while (next_attempt := sending.attempt(delivery.pk, now=now)) is not None:
            waits.append(next_attempt - now)
            now = next_attempt

    assert waits == list(sending.RETRY_DELAYS)
    assert len(received) == sending.ATTEMPTS
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.FAILED, 5)
    # Given up: another run of the task sends nothing.
    assert sending.attempt(delivery.pk, now=now) is None
    assert Attempt.objects.count() == 5


@pytest.mark.django_db
def test_a_network_error_is_recorded_and_tried_again(loopback_allowed):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    delivery = _delivery(f"http://127.0.0.1:{port}/")

    assert sending.attempt(delivery.pk, now=timezone.now()) is not None

    attempt = Attempt.objects.get()
    assert attempt.status_code is None
    assert "Connection" in attempt.error


@pytest.mark.django_db
def test_a_slow_receiver_is_given_up_on_in_time(loopback_allowed, monkeypatch):
    monkeypatch.setattr(sending, "ATTEMPT_SECONDS", 0.2)
    with receiver(200, pause=1) as (url, _received):
        delivery = _delivery(url)
        started = time.monotonic()

        assert sending.attempt(delivery.pk, now=timezone.now()) is not None

        assert time.monotonic() - started < 1
    assert Attempt.objects.get().error == "TimeLimitExceeded()"


@pytest.mark.django_db
def test_the_task_queues_its_next_attempt(loopback_allowed):
    # The immediate backend cannot wait: the retry runs at once.
    with receiver(500, 204) as (url, received):
        delivery = _delivery(url)

        send_delivery.enqueue(delivery_id=delivery.pk)

    assert len(received) == 2
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (Delivery.State.DELIVERED, 2)


@pytest.mark.django_db
def test_the_task_defers_its_next_attempt_on_a_backend_that_waits(loopback_allowed, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with receiver(500) as (url, _received):
        delivery = _delivery(url)

        send_delivery.call(delivery_id=delivery.pk)

    [queued] = send_delivery.get_backend().results
    delivery.refresh_from_db()
    assert queued.task.run_after == delivery.next_attempt_at
    assert queued.kwargs == {"delivery_id": delivery.pk}


@pytest.mark.django_db
def test_a_private_address_is_refused_in_production_and_recorded(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with receiver(200) as (url, received):
        delivery = _delivery(url.replace("http://", "https://"))

        assert sending.attempt(delivery.pk, now=timezone.now()) is None

    assert received == []
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.REFUSED
    assert delivery.attempt_set.get().error == str(sending.PRIVATE_ADDRESS)


@pytest.mark.django_db
def test_a_name_resolving_to_a_private_address_is_refused(settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE = False

    def resolves_inside(host, port, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolves_inside)
    delivery = _delivery("https://partenaire.example/crochet")

    assert sending.attempt(delivery.pk, now=timezone.now()) is None

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.REFUSED


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - an address checked, nothing bound
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_which_addresses_are_public(address, public):
    assert sending._is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://partenaire.example/", "L'adresse doit commencer par https://."),
        ("ftp://partenaire.example/", "L'adresse doit commencer par https://."),
        (
            "https://moi:secret@partenaire.example/",
            "L'adresse ne doit pas contenir d'identifiant ni de mot de passe.",
        ),
        ("https://localhost:8000/", str(sending.PRIVATE_ADDRESS)),
        ("https://192.168.0.10/", str(sending.PRIVATE_ADDRESS)),
        ("https://[::1]/", str(sending.PRIVATE_ADDRESS)),
    ],
)
def test_addresses_refused_before_any_lookup(settings, url, message):
    settings.WEBHOOKS_ALLOW_PRIVATE = False

    with pytest.raises(sending.RefusedAddress) as refusal:
        sending.check_url(url)

    assert str(refusal.value) == message


def test_the_setting_lets_development_use_http_and_loopback(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True

    sending.check_url("http://127.0.0.1:8000/crochet")

    assert sending.resolve("127.0.0.1", 8000) == "127.0.0.1"
