"""Every e-mail is a background task (qualicoop.lib.mail): requests never wait on SMTP.

These tests use the real SMTP backend against a fake server on 127.0.0.1, and the
database task backend, so that a request only queues its e-mails and the worker
(``manage.py db_worker``) sends them. The server accepts connections and stays
silent, as a hung mail server does, until it is told to answer.

They are transactional: the workflow queues its e-mails on commit, in the request.
"""

import email
import re
import signal
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from commitments.models import Selection, Status
from qualicoop.lib.mail import ATTEMPTS, RETRY_DELAYS, send_email
from tests import factories
from tests.notification_support import choose

pytestmark = pytest.mark.django_db(transaction=True)

# A request that talked to the hung server would wait REQUEST_EMAIL_TIMEOUT per
# message; one that only queues takes a fraction of it, even on a loaded CI
# machine with coverage on (a submission took 1.15 s there, 8 December).
# The server's own count of connections is the exact check.
REQUEST_EMAIL_TIMEOUT = 5
FAST = REQUEST_EMAIL_TIMEOUT / 2
WORKER_EMAIL_TIMEOUT = 0.5
# Bounds every wait on the fake server's sockets, so a broken test fails instead of hanging.
SOCKET_TIMEOUT = 5


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


class FakeSMTPServer:
    """Accepts connections on 127.0.0.1: silent until ``answer()``, then speaks enough SMTP."""

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        # Lets the accept loop notice ``stop()`` without a connection to wake it.
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._answering = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._held = []
        self._threads = []
        self.connections = 0
        self.received: list[Received] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def answer(self):
        self._answering.set()

    def stop(self):
        self._stopping.set()
        self._accepting.join(SOCKET_TIMEOUT)
        for thread in self._threads:
            thread.join(SOCKET_TIMEOUT)
        for connection in self._held:
            connection.close()
        self._listener.close()

    def _accept(self):
        while not self._stopping.is_set():
            try:
                connection, _address = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.connections += 1
            if not self._answering.is_set():
                # Kept open and never written to: the client waits for a greeting.
                self._held.append(connection)
                continue
            thread = threading.Thread(target=self._converse, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _converse(self, connection):
        connection.settimeout(SOCKET_TIMEOUT)
        with connection, connection.makefile("rb") as lines:

            def reply(text):
                connection.sendall(f"{text}\r\n".encode("ascii"))

            try:
                reply("220 smtp.example.org ESMTP")
                sender, recipients = "", []
                for raw in lines:
                    command = raw.decode("ascii", "replace").strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        reply("250 smtp.example.org")
                    elif verb == "MAIL":
                        sender, recipients = _address(command), []
                        reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(_address(command))
                        reply("250 OK")
                    elif verb == "DATA":
                        reply("354 End data with <CR><LF>.<CR><LF>")
                        self._receive(sender, recipients, lines)
                        reply("250 OK")
                    elif verb in ("RSET", "NOOP"):
                        reply("250 OK")
                    elif verb == "QUIT":
                        reply("221 Bye")
                        return
                    else:
                        reply("502 Command not implemented")
            except OSError:
                return

    def _receive(self, sender, recipients, lines):
        data = bytearray()
        for line in lines:
            if line == b".\r\n":
                break
            # Undo the client's dot-stuffing.
            data += line[1:] if line.startswith(b".") else line
        message = email.message_from_bytes(bytes(data), policy=default_policy)
        # Recorded before the 250 reply: once the client's send returns, it is here.
        with self._lock:
            self.received.append(Received(sender, list(recipients), message))


def _address(command):
    return re.search(r"<([^>]*)>", command).group(1)


def _subject(message):
    # The encoded subject is folded onto the next line; parsing keeps the fold's space.
    return message["Subject"].strip()


@pytest.fixture
def smtp(settings):
    server = FakeSMTPServer()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = WORKER_EMAIL_TIMEOUT
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    yield server
    server.stop()


@pytest.fixture
def complete(campaign, coop_a):
    return factories.make_selection(coop_a, campaign, numbers=range(1, 9))


def run_worker():
    """What ``manage.py db_worker --batch`` does: run every due task, then return."""
    handlers = {number: signal.getsignal(number) for number in _WORKER_SIGNALS}
    try:
        call_command(
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval=0",
            stdout=StringIO(),
        )
    finally:
        # The worker takes over Ctrl+C for a graceful stop; give it back to pytest.
        for number, handler in handlers.items():
            signal.signal(number, handler)


_WORKER_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)


def make_retries_due():
    """Time passes: the retries scheduled for later are due now."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


def _timed_post(client, url, data):
    start = time.perf_counter()
    response = client.post(url, data)
    return response, time.perf_counter() - start


def _reset_and_submit(client, coop, submitter):
    """A password-reset request, then a submission: each answers as soon as it has queued."""
    reset, reset_seconds = _timed_post(
        client, reverse("accounts:password_reset"), {"email": submitter.email}
    )
    client.force_login(submitter)
    submit, submit_seconds = _timed_post(
        client, reverse("workspace:submit", args=[coop.slug]), {"message": "Bonne lecture !"}
    )
    assert reset.status_code == 302
    assert reset.url == reverse("accounts:password_reset_done")
    assert submit.status_code == 302
    assert submit.url == reverse("workspace:dashboard", args=[coop.slug])
    return reset_seconds, submit_seconds


def _queued_recipients():
    """Who the queued e-mails go to: an e-mail's addresses, or the person of a notification's."""
    addresses = []
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.READY):
        kwargs = result.args_kwargs["kwargs"]
        addresses += kwargs.get("to") or [factories.User.objects.get(pk=kwargs["user_id"]).email]
    return sorted(addresses)


@pytest.fixture
def reviewer_at_once(reviewer):
    """The reviewer hears of each submission at once (a daily digest by default)."""
    choose(reviewer, to_review="immediate")
    return reviewer


def test_requests_answer_at_once_while_the_mail_server_hangs(
    client, smtp, settings, complete, coop_a, staff_a, reviewer_at_once
):
    # Were a request to talk to the server, it would wait this long for each message.
    settings.EMAIL_TIMEOUT = REQUEST_EMAIL_TIMEOUT

    reset_seconds, submit_seconds = _reset_and_submit(client, coop_a, staff_a)

    assert reset_seconds < FAST
    assert submit_seconds < FAST
    assert smtp.connections == 0
    assert _queued_recipients() == ["alice@example.org", "reviewer@example.org"]
    assert Selection.objects.get(pk=complete.pk).status == Status.SUBMITTED


def test_the_worker_delivers_the_queued_emails_once_the_server_answers(
    client, smtp, complete, coop_a, staff_a, reviewer_at_once
):
    _reset_and_submit(client, coop_a, staff_a)

    smtp.answer()
    # The notification waits its delay, for others to join it.
    make_retries_due()
    run_worker()

    by_recipient = {tuple(received.recipients): received for received in smtp.received}
    assert sorted(by_recipient) == [("alice@example.org",), ("reviewer@example.org",)]
    reset = by_recipient["alice@example.org",].message
    assert _subject(reset) == "Quali'Coop : réinitialisation de votre mot de passe"
    assert reset["To"] == "alice@example.org"
    assert f"{settings.SITE_URL}/compte/reinitialisation/" in reset.get_content()
    submitted = by_recipient["reviewer@example.org",].message
    assert _subject(submitted) == "[Quali'Coop] Coopérative Alpha a soumis sa sélection"
    assert submitted.get_content().startswith("Bonjour Rita Relecture,")
    assert {received.sender for received in smtp.received} == {"qualicoop@example.org"}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {
        TaskResultStatus.SUCCESSFUL
    }


def test_a_failed_send_is_retried_later_and_the_submission_stands(
    client, smtp, complete, coop_a, staff_a, reviewer_at_once, caplog
):
    client.force_login(staff_a)
    response = client.post(reverse("workspace:submit", args=[coop_a.slug]))
    assert response.status_code == 302

    before = timezone.now()
    make_retries_due()
    run_worker()

    assert smtp.connections == 1
    assert f"email_failed to=reviewer@example.org attempt=1/{ATTEMPTS}" in caplog.text
    [retry] = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after >= before + RETRY_DELAYS[0]

    # Not due yet: the worker leaves it alone.
    run_worker()
    assert smtp.connections == 1

    smtp.answer()
    make_retries_due()
    run_worker()

    assert [received.recipients for received in smtp.received] == [["reviewer@example.org"]]
    assert Selection.objects.get(pk=complete.pk).status == Status.SUBMITTED


def test_it_logs_an_error_when_the_last_attempt_fails(smtp, caplog):
    send_email.enqueue(subject="Bonjour", body="Un message.", to=["alice@example.org"])

    for _attempt in range(ATTEMPTS):
        run_worker()
        make_retries_due()

    assert smtp.connections == ATTEMPTS
    failures = [r for r in caplog.records if r.name == "qualicoop.lib.mail"]
    assert [r.levelname for r in failures] == ["WARNING"] * (ATTEMPTS - 1) + ["ERROR"]
    assert all("to=alice@example.org" in r.getMessage() for r in failures)
    assert f"email_abandoned to=alice@example.org attempts={ATTEMPTS}" in failures[-1].getMessage()
    # Recorded as the task's failure too, with its traceback.
    last = DBTaskResult.objects.get(args_kwargs__kwargs__attempt=ATTEMPTS)
    assert last.status == TaskResultStatus.FAILED
    assert "SMTPServerDisconnected" in last.exception_class_path
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
