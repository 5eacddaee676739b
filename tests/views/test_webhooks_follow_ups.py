"""Webhooks: nothing read for a change nobody listens to; old deliveries purged."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments import progress
from commitments.models import ProgressUpdate, Project, ProjectStatus
from qualicoop.webhooks import events
from qualicoop.webhooks.models import Attempt, Delivery, Endpoint, Event
from qualicoop.webhooks.retention import purge_old_deliveries
from tests import factories
from tests.unit.test_settings import PRODUCTION_ENV, manage, production_setting

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _queue_kept(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def published_update(reference, campaign, coop_a, reviewer):
    selection = factories.make_published(coop_a, campaign, reviewer)
    project = Project.objects.filter(choice__selection=selection).order_by("pk").first()
    data = {
        "status": ProjectStatus.IN_PROGRESS,
        "reason": "",
        "text": "Point",
        "happened_on": TODAY,
    }
    update = progress.create_update(project=project, data=data, by=None, submit=True)
    progress.publish_update(update=update, by=reviewer)
    return ProgressUpdate.objects.get(pk=update.pk)


def _queries_of_saving(update):
    with CaptureQueriesContext(connection) as captured:
        update.save()
    return [query["sql"] for query in captured.captured_queries]


def _without_webhooks_receivers():
    """The update's save as the site would run it without its webhooks (reconnected after)."""
    pre_save.disconnect(sender=ProgressUpdate, dispatch_uid="webhooks-update-before")
    post_save.disconnect(sender=ProgressUpdate, dispatch_uid="webhooks-update-after")


def _reconnect():
    pre_save.connect(
        events.update_saving, sender=ProgressUpdate, dispatch_uid="webhooks-update-before"
    )
    post_save.connect(
        events.update_saved, sender=ProgressUpdate, dispatch_uid="webhooks-update-after"
    )


def test_saving_a_published_update_nobody_listens_to_reads_no_payload(published_update):
    with_webhooks = _queries_of_saving(published_update)
    _without_webhooks_receivers()
    try:
        without = _queries_of_saving(published_update)
    finally:
        _reconnect()

    # One question, of the endpoints, and nothing of what would be told.
    assert len([sql for sql in with_webhooks if "webhooks_endpoint" in sql]) == 1
    assert len(with_webhooks) == len(without) + 1


def test_publishing_an_update_nobody_listens_to_reads_no_payload(published_update, reviewer):
    data = {"status": ProjectStatus.DONE, "reason": "", "text": "Fini", "happened_on": TODAY}
    first, second = (
        progress.create_update(project=published_update.project, data=data, by=None, submit=True)
        for _ in range(2)
    )
    with CaptureQueriesContext(connection) as with_webhooks:
        progress.publish_update(update=first, by=reviewer)
    _without_webhooks_receivers()
    try:
        with CaptureQueriesContext(connection) as without:
            progress.publish_update(update=second, by=reviewer)
    finally:
        _reconnect()

    assert len(with_webhooks) == len(without) + 1
    endpoint_queries = [q for q in with_webhooks.captured_queries if "webhooks_" in q["sql"]]
    assert len(endpoint_queries) == 1


def test_an_endpoint_of_another_event_is_nobody_listening(published_update, coop_a):
    Endpoint.objects.create(cooperative=coop_a, url="https://a.example/", events=["x.y"])
    Endpoint.objects.create(
        cooperative=coop_a,
        url="https://b.example/",
        events=[Event.UPDATE_PUBLISHED],
        active=False,
    )

    assert not Endpoint.objects.hear(Event.UPDATE_PUBLISHED, Event.VALUES_CHANGED)
    assert Endpoint.objects.hear(Event.SELECTION_VALIDATED, "x.y")


def test_another_cooperatives_listener_tells_nothing_of_a(
    reference, campaign, coop_a, coop_b, reviewer, django_capture_on_commit_callbacks
):
    Endpoint.objects.create(cooperative=coop_b, url="https://b.example/", events=list(Event.values))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        factories.make_published(coop_a, campaign, reviewer)

    assert not Delivery.objects.exists()
    # Not even an announcement waiting for the commit.
    assert not [c for c in callbacks if getattr(c, "func", None) is events.announce]


def test_a_listening_endpoint_is_still_told(
    published_update, coop_a, reviewer, django_capture_on_commit_callbacks
):
    endpoint = Endpoint.objects.create(
        cooperative=coop_a, url="https://a.example/", events=[Event.UPDATE_PUBLISHED]
    )
    data = {"status": ProjectStatus.DONE, "reason": "", "text": "Fini", "happened_on": TODAY}
    with django_capture_on_commit_callbacks(execute=True):
        update = progress.create_update(
            project=published_update.project, data=data, by=None, submit=True
        )
        progress.publish_update(update=update, by=reviewer)

    assert list(Delivery.objects.values_list("endpoint", "event")) == [
        (endpoint.pk, Event.UPDATE_PUBLISHED)
    ]


# --- Purge ------------------------------------------------------------------------------


def _delivery(endpoint, days_ago):
    made = timezone.now() - datetime.timedelta(days=days_ago)
    delivery = Delivery.objects.create(
        endpoint=endpoint, event=Event.SELECTION_VALIDATED, payload={}, created_at=made
    )
    Attempt.objects.create(delivery=delivery, at=made, status_code=500)
    return delivery


@pytest.fixture
def endpoint(coop_a):
    return Endpoint.objects.create(cooperative=coop_a, url="https://a.example/", events=[])


def test_deliveries_older_than_the_kept_days_go_with_their_attempts(endpoint, settings):
    settings.WEBHOOK_DELIVERIES_KEEP_DAYS = 90
    old = _delivery(endpoint, 91)
    recent = _delivery(endpoint, 89)

    assert purge_old_deliveries() == 1

    assert list(Delivery.objects.all()) == [recent]
    assert not Attempt.objects.filter(delivery_id=old.pk).exists()
    assert Attempt.objects.filter(delivery=recent).count() == 1
    assert purge_old_deliveries() == 0


def test_the_command_purges_and_says_how_many(endpoint, settings):
    settings.WEBHOOK_DELIVERIES_KEEP_DAYS = 30
    _delivery(endpoint, 31)
    _delivery(endpoint, 45)
    kept = _delivery(endpoint, 29)
    out = StringIO()

    call_command("purge_webhook_deliveries", stdout=out)

    assert list(Delivery.objects.all()) == [kept]
    assert "2 envoi(s) de webhooks de plus de 30 jours supprimé(s)." in out.getvalue()


def test_the_kept_days_come_from_the_environment():
    assert production_setting("WEBHOOK_DELIVERIES_KEEP_DAYS") == "90"
    assert (
        production_setting("WEBHOOK_DELIVERIES_KEEP_DAYS", WEBHOOK_DELIVERIES_KEEP_DAYS="7") == "7"
    )


def test_no_kept_day_fails_loudly():
    result = manage("check", env={**PRODUCTION_ENV, "WEBHOOK_DELIVERIES_KEEP_DAYS": "0"})

    assert result.returncode != 0
    assert "WEBHOOK_DELIVERIES_KEEP_DAYS must be a positive number of days." in result.stderr
