"""Unused accounts: warned thirty days before two years, then erased (qualicoop.accounts.retention).

Dates are frozen by giving the purge its "now" (the command's ``--today``).
"""

from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessLog
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commitments.models import Notification, Transition
from coops.models import Membership
from qualicoop.accounts.models import AccountNotice, NotificationSetting
from qualicoop.accounts.retention import INACTIVITY_LIMIT, NOTICE_PERIOD, purge_inactive_accounts
from tests import factories
from tests.notification_support import choose

SITE = "https://qualicoop.example.org"
NOW = timezone.now()
WARN_AT = INACTIVITY_LIMIT - NOTICE_PERIOD


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture(autouse=True)
def admin(db):
    """The site's administrator, signed in this morning: never the one at stake."""
    return User.objects.create_superuser(
        "sophie", "sophie@example.org", factories.PASSWORD, last_login=NOW
    )


def _last_seen(user, ago):
    User.objects.filter(pk=user.pk).update(last_login=NOW - ago)


def _purge(now=NOW, capture=None):
    with capture(execute=True):
        return purge_inactive_accounts(now=now)


def test_it_leaves_accounts_in_use_alone(staff_a, django_capture_on_commit_callbacks):
    _last_seen(staff_a, WARN_AT - timedelta(days=1))

    run = _purge(capture=django_capture_on_commit_callbacks)

    assert (run.warned, run.erased) == (0, 0)
    assert mail.outbox == []


def test_it_warns_once_thirty_days_before_two_years(staff_a, django_capture_on_commit_callbacks):
    _last_seen(staff_a, WARN_AT + timedelta(hours=1))

    run = _purge(capture=django_capture_on_commit_callbacks)
    again = _purge(NOW + timedelta(days=1), capture=django_capture_on_commit_callbacks)

    assert (run.warned, again.warned) == (1, 0)
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    # Erased at the later of two years unused and the notice's 30 days: here the notice.
    erased_on = timezone.localtime(NOW + NOTICE_PERIOD)
    assert message.subject.startswith("[Quali'Coop] Votre compte inutilisé sera effacé le ")
    assert f"{erased_on.day} " in message.subject
    assert "Bonjour Alice," in message.body
    assert f"{SITE}{reverse('accounts:login')}" in message.body
    assert f"{SITE}{reverse('accounts:privacy')}" in message.body
    assert AccountNotice.objects.get(user=staff_a).warned_at == NOW


def test_an_account_never_used_counts_from_its_creation(db, django_capture_on_commit_callbacks):
    never = factories.make_user("jamais")
    User.objects.filter(pk=never.pk).update(date_joined=NOW - WARN_AT - timedelta(days=1))

    run = _purge(capture=django_capture_on_commit_callbacks)

    assert run.warned == 1
    assert mail.outbox[0].to == ["jamais@example.org"]


def test_signing_in_after_the_warning_keeps_the_account(
    staff_a, django_capture_on_commit_callbacks
):
    _last_seen(staff_a, WARN_AT + timedelta(days=1))
    _purge(capture=django_capture_on_commit_callbacks)
    User.objects.filter(pk=staff_a.pk).update(last_login=NOW + timedelta(days=2))

    run = _purge(
        NOW + NOTICE_PERIOD + timedelta(days=1), capture=django_capture_on_commit_callbacks
    )

    assert run.erased == 0
    assert not AccountNotice.objects.filter(user=staff_a).exists()
    staff_a.refresh_from_db()
    assert staff_a.username == "alice" and staff_a.is_active


def test_it_erases_two_years_on_and_the_history_says_ancien_membre(
    campaign, coop_a, staff_a, contributor_a, django_capture_on_commit_callbacks
):
    selection = factories.make_selection(coop_a, campaign, numbers=[1], by=staff_a)
    AccessLog.objects.create(
        username="alice",
        ip_address="192.0.2.1",
        user_agent="Navigateur",
        http_accept="*/*",
        path_info="/compte/connexion/",
    )
    factories.make_notification(staff_a, text="Sélection validée", url="/espace/")
    device = Client()
    device.force_login(staff_a)
    _last_seen(staff_a, WARN_AT + timedelta(days=1))
    _purge(capture=django_capture_on_commit_callbacks)

    run = _purge(NOW + NOTICE_PERIOD, capture=django_capture_on_commit_callbacks)

    assert run.erased == 1
    staff_a.refresh_from_db()
    assert staff_a.username == f"ancien-membre-{staff_a.pk}"
    assert (staff_a.first_name, staff_a.last_name, staff_a.email) == ("", "", "")
    assert not staff_a.is_active and not staff_a.has_usable_password()
    assert not Membership.objects.filter(user=staff_a).exists()
    assert not AccountNotice.objects.filter(user=staff_a).exists()
    assert not Notification.objects.filter(user=staff_a).exists()
    assert not AccessLog.objects.filter(username="alice").exists()
    assert not Session.objects.exists()
    assert device.get(reverse("accounts:account")).status_code == 302
    # What Alice did stays, by an "ancien membre".
    assert Transition.objects.get(selection=selection).actor == staff_a
    colleague = Client()
    colleague.force_login(contributor_a)
    dashboard = colleague.get(reverse("workspace:dashboard", args=[coop_a.slug]))
    assert "ancien membre" in dashboard.content.decode()
    assert "Alice" not in dashboard.content.decode().split("</header>")[1]


def test_it_waits_thirty_days_after_the_warning_whatever_the_age(
    staff_a, django_capture_on_commit_callbacks
):
    """An account already over two years old the first time the purge runs is warned first."""
    _last_seen(staff_a, INACTIVITY_LIMIT * 2)

    first = _purge(capture=django_capture_on_commit_callbacks)
    early = _purge(
        NOW + NOTICE_PERIOD - timedelta(days=1), capture=django_capture_on_commit_callbacks
    )
    due = _purge(NOW + NOTICE_PERIOD, capture=django_capture_on_commit_callbacks)

    assert (first.warned, first.erased, early.erased, due.erased) == (1, 0, 0, 1)
    erased_on = timezone.localtime(NOW + NOTICE_PERIOD)
    assert f"le {erased_on.day} " in mail.outbox[0].subject


def test_reviewers_and_deactivated_accounts_are_included(
    reviewer, staff_b, django_capture_on_commit_callbacks
):
    staff_b.is_active = False
    staff_b.save()
    for user in (reviewer, staff_b):
        _last_seen(user, INACTIVITY_LIMIT + timedelta(days=1))

    warned = _purge(capture=django_capture_on_commit_callbacks)
    erased = _purge(NOW + NOTICE_PERIOD, capture=django_capture_on_commit_callbacks)

    assert (warned.warned, erased.erased) == (2, 2)
    # A deactivated account cannot sign in to keep itself: it is not written to.
    assert [message.to for message in mail.outbox] == [["reviewer@example.org"]]
    reviewer.refresh_from_db()
    assert not reviewer.groups.exists()


def test_the_last_active_superuser_is_never_warned_nor_erased(
    admin, django_capture_on_commit_callbacks
):
    _last_seen(admin, INACTIVITY_LIMIT * 2)

    runs = [
        _purge(NOW + days, capture=django_capture_on_commit_callbacks)
        for days in (timedelta(0), NOTICE_PERIOD, NOTICE_PERIOD * 2)
    ]

    assert [(run.warned, run.erased) for run in runs] == [(0, 0)] * 3
    admin.refresh_from_db()
    assert admin.is_superuser and admin.is_active and admin.username == "sophie"


def test_an_unused_superuser_goes_when_another_one_remains(
    admin, django_capture_on_commit_callbacks
):
    former = User.objects.create_superuser("ancien-admin", "aa@example.org", factories.PASSWORD)
    _last_seen(former, INACTIVITY_LIMIT * 2)

    _purge(capture=django_capture_on_commit_callbacks)
    run = _purge(NOW + NOTICE_PERIOD, capture=django_capture_on_commit_callbacks)

    assert run.erased == 1
    former.refresh_from_db()
    assert not former.is_superuser and not former.is_active


def test_the_command_runs_as_of_the_day_given(staff_a):
    staff_a.last_login = timezone.make_aware(timezone.datetime(2024, 1, 10, 9))
    staff_a.save()
    out = StringIO()

    call_command("purge_inactive_accounts", "--today", "2025-12-20", stdout=out)

    assert out.getvalue().splitlines() == [
        "Comptes inutilisés prévenus de leur effacement prochain : 1.",
        "Comptes inutilisés depuis deux ans effacés : 0.",
    ]
    assert AccountNotice.objects.filter(user=staff_a).exists()


def test_the_command_refuses_a_day_that_is_no_date(db):
    with pytest.raises(CommandError, match="--today attend une date AAAA-MM-JJ"):
        call_command("purge_inactive_accounts", "--today", "hier")


def test_an_account_is_erased_at_once_on_request(staff_a):
    out = StringIO()
    choose(staff_a, team="weekly")

    call_command("erase_account", "alice", stdout=out)

    staff_a.refresh_from_db()
    assert staff_a.username == f"ancien-membre-{staff_a.pk}"
    assert not NotificationSetting.objects.filter(user=staff_a).exists()
    assert (
        out.getvalue().strip() == f"Compte « alice » effacé (désormais ancien-membre-{staff_a.pk})."
    )
    with pytest.raises(CommandError, match="Aucun compte n'a l'identifiant « alice »"):
        call_command("erase_account", "alice")
    with pytest.raises(CommandError, match="déjà effacé"):
        call_command("erase_account", staff_a.username)


def test_the_last_administrator_cannot_be_erased_on_request(admin):
    with pytest.raises(CommandError, match="dernier administrateur actif"):
        call_command("erase_account", "sophie")
