"""The deadline reminder command (manage.py send_reminders)."""

import datetime
import logging
from io import StringIO
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.text import slugify

from commitments import workflow
from commitments.models import Campaign
from qualicoop.lib.mail import ATTEMPTS
from tests import factories

pytestmark = pytest.mark.django_db


def _closing_in(days):
    today = timezone.localdate()
    return Campaign.objects.create(
        name="Campagne 2027",
        slug="campagne-2027",
        opens_on=today - datetime.timedelta(days=60),
        closes_on=today + datetime.timedelta(days=days),
    )


def _run(*args):
    out = StringIO()
    call_command("send_reminders", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def late_and_done(reference, reviewer):
    """Per state: Alpha in draft, Bêta not started, Gamma asked for changes, Delta submitted,
    Epsilon validated."""
    campaign = _closing_in(5)
    coops = {}
    for name in ("Alpha", "Bêta", "Gamma", "Delta", "Epsilon"):
        coops[name] = factories.make_coop(name)
        factories.make_user(slugify(name), coop=coops[name], first_name=name)
    factories.make_selection(coops["Alpha"], campaign, numbers=(1,))
    for name in ("Gamma", "Delta"):
        selection = factories.make_selection(coops[name], campaign, numbers=range(1, 9))
        workflow.submit_selection(selection=selection, by=None)
    workflow.request_changes(
        selection=coops["Gamma"].selections.get(), by=reviewer, message="Précisez."
    )
    factories.make_published(coops["Epsilon"], campaign, reviewer)
    # A colleague without an email cannot be reminded.
    colleague = factories.make_user("sans-courriel", coop=coops["Alpha"])
    colleague.email = ""
    colleague.save()
    return campaign


def test_it_reminds_cooperatives_that_have_not_submitted(late_and_done):
    output = _run("--days", "7")

    assert sorted(message.to[0] for message in mail.outbox) == [
        "alpha@example.org",
        "beta@example.org",
        "gamma@example.org",
    ]
    assert "3 rappels mis en file d'envoi" in output
    by_recipient = {message.to[0]: message for message in mail.outbox}
    alpha = by_recipient["alpha@example.org"]
    assert alpha.subject.startswith("[Quali'Coop] Rappel : la campagne Campagne 2027 se clôt le")
    assert "dans 5 jours" in alpha.body
    assert "son statut est « Brouillon »" in alpha.body
    assert "http://" in alpha.body and "/espace/alpha/" in alpha.body
    assert "n'a pas encore commencé" in by_recipient["beta@example.org"].body
    assert "« Modifications demandées »" in by_recipient["gamma@example.org"].body


def test_it_waits_until_the_deadline_is_near(late_and_done):
    output = _run("--days", "3")

    assert mail.outbox == []
    assert "plus de 3 : aucun rappel envoyé" in output


def test_it_uses_seven_days_by_default(reference):
    _closing_in(8)
    factories.make_user("alice", coop=factories.make_coop("Alpha"))

    assert "plus de 7" in _run()
    assert mail.outbox == []


def test_it_reminds_on_the_closing_day(reference):
    _closing_in(0)
    factories.make_user("alice", coop=factories.make_coop("Alpha"))

    output = _run()

    assert "1 rappel mis en file d'envoi" in output
    assert "se clôt aujourd'hui" in mail.outbox[0].body


def test_it_does_nothing_once_the_campaign_is_closed(reference):
    _closing_in(-1)
    factories.make_user("alice", coop=factories.make_coop("Alpha"))

    output = _run("--days", "30")

    assert mail.outbox == []
    assert "est close depuis le" in output


def test_it_does_nothing_without_campaign(db):
    assert "Aucune campagne en cours" in _run()
    assert mail.outbox == []


def test_it_refuses_a_negative_number_of_days(db):
    with pytest.raises(CommandError, match="positif"):
        _run("--days", "-1")


def test_it_logs_each_reminder_the_mail_server_refuses(late_and_done, monkeypatch, caplog):
    def refuse(self, messages):
        raise SMTPException("serveur indisponible")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)

    # The command only queues; the mail task retries, then logs each undelivered reminder.
    with caplog.at_level(logging.ERROR, logger="qualicoop.lib.mail"):
        _run()

    assert mail.outbox == []
    abandoned = [
        record.getMessage() for record in caplog.records if record.name == "qualicoop.lib.mail"
    ]
    assert len(abandoned) == 3
    for address in ("alpha@example.org", "beta@example.org", "gamma@example.org"):
        assert any(f"email_abandoned to={address} attempts={ATTEMPTS}" in m for m in abandoned)
