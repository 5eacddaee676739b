"""Emails on each move (commitments.notifications), queued once the move is committed.

The tests run the mail task at once (tests/conftest.py), so mail.outbox holds what
the worker would send: at once for an e-mail sent immediately (the backend cannot
wait out the delay), after ``send_daily_digests()`` for a daily digest.
"""

import logging
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import DatabaseError

from commitments import notifications, workflow
from commitments.models import Engagement, Selection, Status
from qualicoop.accounts import delivery
from qualicoop.lib.mail import ATTEMPTS
from tests import factories
from tests.notification_support import choose, send_daily_digests

SITE = "https://qualicoop.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def selection(campaign, coop_a, staff_a, contributor_a, staff_b):
    """Alice's complete draft; Arthur is her colleague, Bob works for another cooperative."""
    return factories.make_selection(coop_a, campaign, numbers=range(1, 9))


@pytest.fixture
def reviewers(reviewer):
    """Two reviewers to tell, and people who must not be told."""
    factories.make_reviewer("rachel")
    inactive = factories.make_reviewer("ines")
    inactive.is_active = False
    inactive.save()
    no_email = factories.make_reviewer("noe")
    no_email.email = ""
    no_email.save()
    factories.User.objects.create_superuser("sam", "sam@example.org", factories.PASSWORD)
    return ["reviewer@example.org", "rachel@example.org"]


def _submit(selection, capture, by=None):
    with capture(execute=True):
        return workflow.submit_selection(selection=selection, by=by)


def test_it_tells_every_reviewer_of_a_submission(
    selection, reviewers, staff_a, django_capture_on_commit_callbacks
):
    _submit(selection, django_capture_on_commit_callbacks, by=staff_a)
    # Reviewers hear of submissions in their daily digest, unless they chose otherwise.
    assert mail.outbox == []
    send_daily_digests()

    assert sorted(recipient for message in mail.outbox for recipient in message.to) == sorted(
        reviewers
    )
    [message] = [message for message in mail.outbox if message.to == ["reviewer@example.org"]]
    assert message.subject == "[Quali'Coop] Coopérative Alpha a soumis sa sélection"
    assert message.body.startswith("Bonjour Rita Relecture,")
    assert f"{SITE}/federation/selections/{selection.pk}/" in message.body


def test_it_tells_the_cooperative_what_to_change(
    selection, reviewer, django_capture_on_commit_callbacks
):
    _submit(selection, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(
            selection=selection,
            by=reviewer,
            message="Précisez vos indicateurs.",
            remarks={Engagement.objects.get(number=2): "Combien de ménages ?"},
        )

    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "arthur@example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == (
        "[Quali'Coop] Modifications demandées sur votre sélection (Campagne ouverte)"
    )
    assert "Précisez vos indicateurs." in message.body
    engagement_2 = Engagement.objects.get(number=2)
    assert f"Engagement 2 ({engagement_2.title}) :" in message.body
    assert "Combien de ménages ?" in message.body
    assert f"{SITE}/espace/cooperative-alpha/" in message.body
    # Plain text: nothing escaped for a browser.
    assert "&#x27;" not in message.body


def test_it_tells_the_cooperative_its_selection_is_validated(
    selection, reviewer, django_capture_on_commit_callbacks
):
    _submit(selection, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.validate_selection(selection=selection, by=reviewer, message="Bravo !")

    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "arthur@example.org",
    ]
    message = mail.outbox[0]
    assert message.subject == "[Quali'Coop] Votre sélection est validée (Campagne ouverte)"
    assert "Bravo !" in message.body
    assert f"{SITE}{selection.cooperative.get_absolute_url()}" in message.body


def test_it_sends_nothing_before_the_move_is_committed(
    selection, reviewers, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.submit_selection(selection=selection, by=None)

    assert mail.outbox == []
    # The reviewers' e-mails wait for the commit (other callbacks may wait too).
    deferred = [getattr(callback, "func", callback) for callback in callbacks]
    assert deferred.count(notifications.selection_submitted) == 1


def test_a_failing_mail_server_does_not_undo_the_move(
    selection, reviewers, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def refuse(self, messages):
        raise SMTPException("serveur indisponible")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)

    with caplog.at_level(logging.ERROR, logger="qualicoop.lib.mail"):
        _submit(selection, django_capture_on_commit_callbacks)
        send_daily_digests()

    assert Selection.objects.get(pk=selection.pk).status == Status.SUBMITTED
    assert mail.outbox == []
    # The mail task gives up on each reviewer's email after its last attempt, loudly.
    for address in reviewers:
        assert f"email_abandoned to={address} attempts={ATTEMPTS}" in caplog.text


def test_a_failing_queue_does_not_undo_the_move(
    selection, reviewers, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken_queue(user_id, group):
        raise DatabaseError("file des tâches indisponible")

    for person in factories.User.objects.filter(email__in=reviewers):
        choose(person, to_review="immediate")
    monkeypatch.setattr(delivery, "enqueue_merged", broken_queue)

    with caplog.at_level(logging.ERROR, logger="qualicoop.notifications"):
        _submit(selection, django_capture_on_commit_callbacks)

    assert Selection.objects.get(pk=selection.pk).status == Status.SUBMITTED
    assert mail.outbox == []
    assert "notification_failed template=selection_submitted" in caplog.text
