"""How notifications reach people (qualicoop.accounts.delivery): each as they chose.

An immediate e-mail waits its delay and leaves merged with the others about the
same selection; digests leave once a day or a week, each message exactly once
even when the worker stops midway; "sur le portail seulement" sends nothing, and
the notification is in the portal whatever the choice.
"""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from commitments import progress, workflow
from commitments.models import Notification, Project
from coops import team
from coops.models import Membership
from qualicoop.accounts import delivery
from qualicoop.accounts.models import QueuedEmail
from tests import factories
from tests.notification_support import (
    choose,
    run_queued_tasks,
    send_daily_digests,
    time_passes,
)

SITE = "https://qualicoop.example.org"
SETTINGS_LINK = f"{SITE}{reverse('accounts:notification_settings')}"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def database_queue(settings):
    """The worker's queue, as in production: tasks wait until run (``run_queued_tasks``)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def published(reference, campaign, coop_a, staff_a, reviewer):
    return factories.make_published(coop_a, campaign, reviewer)


def _to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def test_five_remarks_on_one_selection_leave_as_one_email_after_the_delay(
    database_queue, published, staff_a, reviewer, django_capture_on_commit_callbacks
):
    projects = Project.objects.filter(
        choice__selection=published, choice__engagement__number__lte=5
    ).order_by("choice__engagement__number")
    updates = [factories.make_progress_update(project, by=staff_a) for project in projects]
    for number, update in enumerate(updates, start=1):
        with django_capture_on_commit_callbacks(execute=True):
            progress.send_back_update(update=update, by=reviewer, remark=f"Remarque n° {number}")

    # Nothing leaves before the delay: the worker has nothing due yet.
    run_queued_tasks()
    assert _to(staff_a) == []

    time_passes()
    run_queued_tasks()

    [message] = _to(staff_a)
    assert message.subject == "[Quali'Coop] 5 notifications regroupées"
    body = message.body
    for number, update in enumerate(updates, start=1):
        assert f"« Remarque n° {number} »" in body
        link = reverse("workspace:update_edit", args=[published.cooperative.slug, update.pk])
        assert f"{SITE}{link}" in body
        assert f"Point d'étape à reprendre : {update.project.title}" in body
    # Who did what: each remark is the reviewer's.
    assert body.count("Par Rita Relecture, le ") == 5
    assert body.rstrip().endswith(SETTINGS_LINK)
    # Each is in the portal too, one notification per remark.
    assert Notification.objects.filter(user=staff_a, text__startswith="Point d'étape").count() == 5
    assert not QueuedEmail.objects.filter(sent_at__isnull=True).exists()


def test_portal_only_sends_no_email_and_keeps_the_notification(
    published, staff_a, reviewer, django_capture_on_commit_callbacks
):
    choose(staff_a, remarks="portal")
    project = Project.objects.filter(choice__selection=published).first()
    update = factories.make_progress_update(project, by=staff_a)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        progress.send_back_update(update=update, by=reviewer, remark="Précisez.")
    send_daily_digests()

    assert _to(staff_a) == []
    [notification] = Notification.objects.filter(user=staff_a)
    assert notification.text == f"Point d'étape à reprendre : {project.title}"
    assert not QueuedEmail.objects.filter(user=staff_a).exists()


def test_each_kind_follows_its_own_choice(
    reference,
    campaign,
    coop_a,
    staff_a,
    contributor_a,
    reviewer,
    django_capture_on_commit_callbacks,
):
    choose(staff_a, remarks="immediate", decisions="weekly", team="daily")
    choose(reviewer, to_review="immediate")
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))

    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_selection(selection=selection, by=staff_a)
    # The reviewer chose to hear of submissions at once.
    assert [m.subject for m in _to(reviewer)] == [
        "[Quali'Coop] Coopérative Alpha a soumis sa sélection"
    ]
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(selection=selection, by=reviewer, message="Précisez.")
    assert len(_to(staff_a)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_selection(selection=selection, by=staff_a)
        workflow.validate_selection(selection=selection, by=reviewer, message="Bravo !")
        team.change_role(
            membership=Membership.objects.get(user=contributor_a),
            role=Membership.Role.REFERENT,
            by=staff_a,
        )
    assert len(_to(staff_a)) == 1

    # The team change is in her daily digest, the validation waits for the weekly one.
    send_daily_digests()
    assert len(_to(staff_a)) == 1
    # Arthur kept the defaults: the remarks, the validation and his new role, each at once.
    assert len(_to(contributor_a)) == 3

    delivery.send_digests.call(period="weekly")
    weekly = _to(staff_a)[-1]
    assert weekly.subject == "[Quali'Coop] Votre sélection est validée (Campagne ouverte)"
    assert "Bravo !" in weekly.body
    assert len(_to(staff_a)) == 2


class WorkerStopped(Exception):
    """The worker killed midway (a deployment, the machine restarted)."""


def test_a_digest_stopped_midway_sends_each_message_exactly_once_over_two_runs(
    database_queue,
    reference,
    campaign,
    coop_a,
    staff_a,
    reviewer,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    people = [reviewer, factories.make_reviewer("rachel"), factories.make_reviewer("romain")]
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    # Two messages each in the daily digest (the reviewers' default): a submission, a withdrawal.
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_selection(selection=selection, by=staff_a)
        workflow.withdraw_selection(selection=selection, by=staff_a, message="Un oubli.")
    assert QueuedEmail.objects.filter(sent_at__isnull=True).count() == 6

    handed_over = delivery.send_email

    class StopsAtTheSecond:
        """The worker dies right after handing the second person's digest over."""

        def enqueue(self, **message):
            result = handed_over.enqueue(**message)
            if message["to"] == [people[1].email]:
                raise WorkerStopped
            return result

    monkeypatch.setattr(delivery, "send_email", StopsAtTheSecond())
    with pytest.raises(WorkerStopped):
        send_daily_digests()
    monkeypatch.undo()

    # The first person's digest is handed over and marked; nothing of the others is.
    assert set(
        QueuedEmail.objects.filter(sent_at__isnull=False).values_list("user", flat=True)
    ) == {people[0].pk}
    assert send_daily_digests() == 2
    assert send_daily_digests() == 0
    run_queued_tasks()
    assert QueuedEmail.objects.count() == 6

    for person in people:
        [digest] = _to(person)
        assert digest.subject == "[Quali'Coop] Votre résumé du jour : 2 notifications"
        assert digest.body.count("Coopérative Alpha a soumis sa sélection") == 1
        assert digest.body.count("Coopérative Alpha a retiré sa sélection") == 1
        assert "« Un oubli. »" in digest.body
        assert digest.body.rstrip().endswith(SETTINGS_LINK)
    assert not QueuedEmail.objects.filter(sent_at__isnull=True).exists()


def test_every_email_links_to_the_notification_settings(client, staff_a):
    client.post(reverse("accounts:password_reset"), {"email": staff_a.email})

    [message] = mail.outbox
    assert message.body.rstrip().endswith(SETTINGS_LINK)


def test_the_command_queues_the_digest_for_the_worker(
    database_queue,
    reference,
    campaign,
    coop_a,
    staff_a,
    reviewer,
    django_capture_on_commit_callbacks,
):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_selection(selection=selection, by=staff_a)
    out = StringIO()

    call_command("send_digests", "--period", "daily", stdout=out)

    # Queued, not sent: the worker sends it.
    assert "Résumés quotidiens mis en file" in out.getvalue()
    assert _to(reviewer) == []
    run_queued_tasks()
    [digest] = _to(reviewer)
    assert digest.subject == "[Quali'Coop] Coopérative Alpha a soumis sa sélection"
    # The weekly run has nothing of the daily digest's.
    call_command("send_digests", "--period", "weekly", stdout=StringIO())
    run_queued_tasks()
    assert len(_to(reviewer)) == 1


def test_the_command_refuses_an_unknown_period():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("send_digests", "--period", "monthly")


def test_sent_rows_are_forgotten_after_a_week(staff_a):
    notification = factories.make_notification(staff_a)
    fields = {"user": staff_a, "notification": notification, "kind": "team", "delivery": "daily"}
    now = timezone.now()
    old = QueuedEmail.objects.create(**fields, sent_at=now - datetime.timedelta(days=8))
    recent = QueuedEmail.objects.create(**fields, sent_at=now - datetime.timedelta(days=6))

    send_daily_digests()

    assert list(QueuedEmail.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not QueuedEmail.objects.filter(pk=old.pk).exists()
    # The notification itself stays in the portal.
    assert Notification.objects.filter(pk=notification.pk).exists()


def test_a_progress_update_to_review_reaches_the_reviewers_in_their_daily_digest(
    published, staff_a, reviewer, django_capture_on_commit_callbacks
):
    project = Project.objects.filter(choice__selection=published).first()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        update = factories.make_progress_update(project, by=staff_a, text="Premiers ateliers.")
    review = reverse("federation:update_review", args=[update.pk])
    [notification] = Notification.objects.filter(user=reviewer)
    assert notification.url == review
    assert _to(reviewer) == []

    send_daily_digests()

    [message] = _to(reviewer)
    assert message.subject == (
        f"[Quali'Coop] Point d'étape à relire : {project.title} (Coopérative Alpha)"
    )
    assert "Alice (Coopérative Alpha) envoie un point d'étape" in message.body
    assert f"{SITE}{review}" in message.body
