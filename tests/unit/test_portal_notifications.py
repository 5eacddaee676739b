"""Notifications in the portal: one per recipient of each email about a selection,
a review, a progress update or a reminder (commitments.notifications), none for
the account emails; the read ones purged after a year.
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from commitments import progress, workflow
from commitments.models import Notification, Project, ProjectStatus
from commitments.notifications import send_deadline_reminders, send_follow_up_reminders
from coops import invitations
from coops.models import Membership
from qualicoop.accounts.retention import INACTIVITY_LIMIT, purge_inactive_accounts
from tests import factories
from tests.notification_support import send_daily_digests

pytestmark = pytest.mark.django_db

# The site's day (Europe/Paris), which the forms compare with, not the machine's.
TODAY = timezone.localdate()
UPDATE_DATA = {
    "status": ProjectStatus.IN_PROGRESS,
    "reason": "",
    "text": "Les travaux ont commencé.",
    "happened_on": TODAY,
}


def _notified():
    """(username, text, url) of every notification, in a stable order."""
    return sorted(Notification.objects.values_list("user__username", "text", "url"))


@pytest.fixture
def complete(campaign, coop_a, staff_a, contributor_a, staff_b):
    """Alice's complete draft; Arthur is her colleague, Bob works for another cooperative."""
    return factories.make_selection(coop_a, campaign, numbers=range(1, 9))


@pytest.fixture
def reviewers(reviewer):
    factories.make_reviewer("rachel")
    return ["rachel", "reviewer"]


def _dashboard(coop):
    return reverse("workspace:dashboard", args=[coop.slug])


def test_a_submission_tells_each_reviewer_with_the_review_page(
    complete, reviewers, staff_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_selection(selection=complete, by=staff_a)
    send_daily_digests()

    review = reverse("federation:review", args=[complete.pk])
    text = "Coopérative Alpha a soumis sa sélection"
    assert _notified() == [(name, text, review) for name in reviewers]
    # The same people got the email, whose subject is the text with the site's name.
    assert sorted(message.subject for message in mail.outbox) == [f"[Quali'Coop] {text}"] * 2


def test_a_request_for_changes_tells_each_member_with_the_dashboard(
    complete, reviewer, coop_a, django_capture_on_commit_callbacks
):
    workflow.submit_selection(selection=complete, by=None)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(selection=complete, by=reviewer, message="Précisez.")

    text = f"Modifications demandées sur votre sélection ({complete.campaign.name})"
    assert _notified() == [
        ("alice", text, _dashboard(coop_a)),
        ("arthur", text, _dashboard(coop_a)),
    ]


def test_a_validation_tells_each_member_with_the_dashboard(
    complete, reviewer, coop_a, django_capture_on_commit_callbacks
):
    workflow.submit_selection(selection=complete, by=None)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.validate_selection(selection=complete, by=reviewer)

    text = f"Votre sélection est validée ({complete.campaign.name})"
    assert _notified() == [
        ("alice", text, _dashboard(coop_a)),
        ("arthur", text, _dashboard(coop_a)),
    ]


def test_the_text_is_in_french_like_the_email_whatever_the_language_of_the_page(
    complete, reviewers, django_capture_on_commit_callbacks
):
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        workflow.submit_selection(selection=complete, by=None)

    assert {text for _user, text, _url in _notified()} == {
        "Coopérative Alpha a soumis sa sélection"
    }


@pytest.fixture
def project(campaign, coop_a, staff_a, contributor_a, reviewer):
    published = factories.make_published(coop_a, campaign, reviewer)
    return Project.objects.filter(choice__selection=published).first()


def _submitted_update(project, author):
    update = progress.create_update(project=project, data=UPDATE_DATA, by=author)
    return progress.submit_update(update=update, by=author)


@pytest.mark.parametrize(
    ("answer", "text"),
    [
        (lambda update, by: progress.publish_update(update=update, by=by), "Point d'étape publié"),
        (
            lambda update, by: progress.send_back_update(update=update, by=by, remark="Chiffrez."),
            "Point d'étape à reprendre",
        ),
    ],
    ids=["published", "sent back"],
)
def test_an_answer_on_an_update_tells_its_author_with_its_page(
    project, coop_a, staff_a, reviewer, answer, text, django_capture_on_commit_callbacks
):
    update = _submitted_update(project, staff_a)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        answer(update, reviewer)

    edit = reverse("workspace:update_edit", args=[coop_a.slug, update.pk])
    assert _notified() == [("alice", f"{text} : {project.title}", edit)]


def test_an_update_sent_back_tells_its_author_and_the_projects_owners_once_each(
    project, coop_a, staff_a, contributor_a, reviewer, django_capture_on_commit_callbacks
):
    # Alice wrote the update and co-carries the project; Arthur carries it.
    Project.objects.filter(pk=project.pk).update(owner=contributor_a, co_owner=staff_a)
    update = _submitted_update(project, staff_a)
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        progress.send_back_update(update=update, by=reviewer, remark="Chiffrez.")

    edit = reverse("workspace:update_edit", args=[coop_a.slug, update.pk])
    text = f"Point d'étape à reprendre : {project.title}"
    assert _notified() == [("alice", text, edit), ("arthur", text, edit)]


def test_a_deadline_reminder_tells_each_member_with_the_dashboard(
    reference, coop_a, staff_a, contributor_a
):
    campaign = factories.make_campaign()
    campaign.closes_on = TODAY + datetime.timedelta(days=5)
    campaign.save()

    run = send_deadline_reminders(days=7)

    assert run.sent == 2
    notified = _notified()
    assert [(user, url) for user, _text, url in notified] == [
        ("alice", _dashboard(coop_a)),
        ("arthur", _dashboard(coop_a)),
    ]
    assert all(
        text.startswith(f"Rappel : la campagne {campaign.name}") for _u, text, _l in notified
    )


def test_a_follow_up_reminder_tells_the_owner_and_the_referents_with_the_follow_up_page(
    project, campaign, coop_a, contributor_a
):
    Project.objects.filter(pk=project.pk).update(owner=contributor_a)
    factories.make_follow_up(campaign, today=TODAY, opened_days_ago=30, due_in_days=5)
    Notification.objects.all().delete()

    run = send_follow_up_reminders(days=7)

    follow_up = reverse("workspace:follow_up", args=[coop_a.slug])
    text = "Suivi des projets : date limite proche (Suivi 2026)"
    assert run.sent == 2
    assert _notified() == [("alice", text, follow_up), ("arthur", text, follow_up)]


# --- Account emails are about the account, not about the work: no notification --------


def test_an_invitation_notifies_nobody_in_the_portal(
    coop_a, staff_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite(
            cooperative=coop_a,
            email="camille@example.org",
            role=Membership.Role.CONTRIBUTOR,
            by=staff_a,
        )

    assert len(mail.outbox) == 1
    assert not Notification.objects.exists()


def test_a_password_reset_or_an_address_change_notifies_nobody(client, staff_a):
    client.post(reverse("accounts:password_reset"), {"email": staff_a.email})
    client.force_login(staff_a)
    client.post(reverse("accounts:email_change"), {"email": "alice.nouvelle@example.org"})

    assert len(mail.outbox) == 2
    assert not Notification.objects.exists()


def test_the_retention_warning_notifies_nobody(staff_a, django_capture_on_commit_callbacks):
    staff_a.last_login = timezone.now() - INACTIVITY_LIMIT
    staff_a.save()

    with django_capture_on_commit_callbacks(execute=True):
        run = purge_inactive_accounts()

    assert run.warned == 1
    assert len(mail.outbox) == 1
    assert not Notification.objects.exists()


# --- What keeps the table bounded ----------------------------------------------------


def test_the_daily_purge_deletes_notifications_read_more_than_a_year_ago(staff_a):
    now = timezone.now()
    old_read = factories.make_notification(
        staff_a, text="Ancienne, lue", read_at=now - datetime.timedelta(days=366)
    )
    factories.make_notification(
        staff_a, text="Récente, lue", read_at=now - datetime.timedelta(days=300)
    )
    factories.make_notification(
        staff_a, text="Ancienne, jamais lue", created_at=now - datetime.timedelta(days=800)
    )

    run = purge_inactive_accounts(now=now)

    assert run.notifications_deleted == 1
    assert "Notifications lues depuis plus d'un an supprimées : 1." in run.explanation
    assert not Notification.objects.filter(pk=old_read.pk).exists()
    assert sorted(Notification.objects.values_list("text", flat=True)) == [
        "Ancienne, jamais lue",
        "Récente, lue",
    ]
