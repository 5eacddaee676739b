"""Webhooks: which moves announce what to whom, and the pages that register them."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments import progress, workflow
from commitments.models import Indicator, Measurement, Project, ProjectStatus
from qualicoop.webhooks.models import Attempt, Delivery, Endpoint, Event
from qualicoop.webhooks.tasks import send_delivery
from tests import factories

TODAY = timezone.localdate()
ALL_EVENTS = list(Event.values)


@pytest.fixture(autouse=True)
def _queue_kept(settings):
    # Deliveries are queued, not sent: these tests look at what is queued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _endpoint(cooperative, url="https://partenaire.example/crochet", events=ALL_EVENTS):
    return Endpoint.objects.create(cooperative=cooperative, url=url, events=events)


def _queued():
    return [
        result.kwargs["delivery_id"]
        for result in send_delivery.get_backend().results
        if result.task.module_path == send_delivery.module_path
    ]


@pytest.fixture
def endpoints(coop_a, coop_b):
    return {
        "a": _endpoint(coop_a, "https://a.example/"),
        "b": _endpoint(coop_b, "https://b.example/"),
        "network": _endpoint(None, "https://federation.example/"),
    }


# --- Events ----------------------------------------------------------------------


def test_a_validation_is_told_to_its_cooperative_and_the_federation_only(
    reference,
    campaign,
    coop_a,
    coop_b,
    reviewer,
    endpoints,
    settings,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        selection = factories.make_published(coop_a, campaign, reviewer)

    deliveries = Delivery.objects.filter(event=Event.SELECTION_VALIDATED)
    assert {delivery.endpoint for delivery in deliveries} == {endpoints["a"], endpoints["network"]}
    assert sorted(_queued()) == sorted(delivery.pk for delivery in deliveries)
    payload = deliveries.first().payload
    assert payload["event"] == "selection.validated"
    assert payload["cooperative"] == {
        "slug": coop_a.slug,
        "name": coop_a.name,
        "url": f"{settings.SITE_URL}/cooperatives/{coop_a.slug}/",
    }
    assert payload["data"]["selection"] == {
        "id": selection.pk,
        "revision": selection.revision,
        "campaign": campaign.slug,
    }
    assert datetime.datetime.fromisoformat(payload["occurred_at"])


def test_an_endpoint_hears_only_the_events_it_chose(
    reference, campaign, coop_a, reviewer, django_capture_on_commit_callbacks
):
    _endpoint(coop_a, events=[Event.UPDATE_PUBLISHED])
    inactive = _endpoint(coop_a, "https://off.example/")
    inactive.active = False
    inactive.save()

    with django_capture_on_commit_callbacks(execute=True):
        factories.make_published(coop_a, campaign, reviewer)

    assert not Delivery.objects.exists()


def test_a_rolled_back_move_tells_nobody(reference, campaign, coop_a, reviewer, endpoints):
    # No commit: the callbacks are dropped with the test's transaction.
    factories.make_published(coop_a, campaign, reviewer)

    assert not Delivery.objects.exists()


@pytest.fixture
def published_project(reference, campaign, coop_a, reviewer):
    selection = factories.make_published(coop_a, campaign, reviewer)
    return Project.objects.filter(choice__selection=selection).order_by("pk").first()


def test_a_published_update_and_its_values_are_told_once(
    published_project, reviewer, endpoints, settings, django_capture_on_commit_callbacks
):
    indicator = Indicator.objects.create(
        project=published_project, name="Logements", unit="u", target_value=120
    )
    data = {
        "status": ProjectStatus.IN_PROGRESS,
        "reason": "",
        "text": "Point",
        "happened_on": TODAY,
    }
    value = progress.Value(indicator=indicator, value=Decimal("12.5"), measured_on=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        update = progress.create_update(
            project=published_project, data=data, values=[value], by=None, submit=True
        )
    # Submitted, not yet public: nothing is told.
    assert not Delivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        progress.publish_update(update=update, by=reviewer)
    # Saved again once published: not published a second time.
    with django_capture_on_commit_callbacks(execute=True):
        update.refresh_from_db()
        update.save()

    told = Delivery.objects.filter(endpoint=endpoints["a"])
    assert sorted(told.values_list("event", flat=True)) == [
        Event.UPDATE_PUBLISHED,
        Event.VALUES_CHANGED,
    ]
    assert not Delivery.objects.filter(endpoint=endpoints["b"]).exists()
    published = told.get(event=Event.UPDATE_PUBLISHED).payload["data"]
    assert published["update"]["id"] == update.pk
    assert published["project"] == {
        "public_id": published_project.public_id,
        "url": f"{settings.SITE_URL}/projets/{published_project.public_id}/",
    }
    [told_value] = told.get(event=Event.VALUES_CHANGED).payload["data"]["values"]
    assert told_value["indicator_public_id"] == indicator.public_id
    assert Decimal(told_value["value"]) == Decimal("12.5")
    assert told_value["deleted"] is False


def test_a_public_value_changed_or_deleted_is_told(
    published_project, endpoints, django_capture_on_commit_callbacks
):
    indicator = Indicator.objects.create(
        project=published_project, name="Logements", unit="u", target_value=120
    )
    with django_capture_on_commit_callbacks(execute=True):
        measurement = Measurement.objects.create(indicator=indicator, value=3, measured_on=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        measurement.delete()

    values = [
        delivery.payload["data"]["values"][0]["deleted"]
        for delivery in Delivery.objects.filter(endpoint=endpoints["a"]).order_by("pk")
    ]
    assert values == [False, True]
    assert Delivery.objects.filter(endpoint=endpoints["network"]).count() == 2
    assert not Delivery.objects.filter(endpoint=endpoints["b"]).exists()


def test_values_of_a_draft_are_not_told(
    reference, campaign, coop_a, endpoints, django_capture_on_commit_callbacks
):
    draft = factories.make_selection(coop_a, campaign, numbers=[1])
    indicator = Indicator.objects.create(
        project=Project.objects.get(choice__selection=draft),
        name="Logements",
        unit="u",
        target_value=120,
    )

    with django_capture_on_commit_callbacks(execute=True):
        Measurement.objects.create(indicator=indicator, value=3, measured_on=TODAY)

    assert not Delivery.objects.exists()


def test_a_send_back_is_not_a_validation(
    reference, campaign, coop_a, endpoints, django_capture_on_commit_callbacks
):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_selection(selection=selection, by=None)

    assert not Delivery.objects.exists()


# --- Pages -----------------------------------------------------------------------


def _list_url(coop=None):
    if coop is None:
        return reverse("webhooks:federation:list")
    return reverse("webhooks:workspace:list", args=[coop.slug])


@pytest.fixture
def administrator(db):
    return factories.make_user("fabienne", is_superuser=True, is_staff=True)


def test_a_referent_registers_a_webhook_and_sees_its_secret_once(client, staff_a, coop_a):
    client.force_login(staff_a)

    response = client.post(
        _list_url(coop_a),
        {"url": "https://partenaire.example/crochet", "events": [Event.VALUES_CHANGED]},
    )

    assert response.status_code == 200
    endpoint = Endpoint.objects.get()
    assert (endpoint.cooperative, endpoint.events, endpoint.created_by) == (
        coop_a,
        [Event.VALUES_CHANGED],
        staff_a,
    )
    assert len(endpoint.secret) == 64
    assert endpoint.secret in response.content.decode()
    for url in (
        _list_url(coop_a),
        reverse("webhooks:workspace:detail", args=[coop_a.slug, endpoint.pk]),
    ):
        page = client.get(url).content.decode()
        assert endpoint.url in page
        assert endpoint.secret not in page


def test_the_federation_registers_a_network_webhook(client, administrator):
    client.force_login(administrator)

    response = client.post(
        _list_url(), {"url": "https://federation.example/", "events": ALL_EVENTS}
    )

    assert response.status_code == 200
    assert Endpoint.objects.get().cooperative is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Indiquez l'adresse du webhook."),
        ("pas une adresse", "Saisissez une adresse web complète"),
        ("http://partenaire.example/", "L'adresse doit commencer par https://."),
        (
            "https://moi:motdepasse@partenaire.example/",
            "L'adresse ne doit pas contenir d'identifiant ni de mot de passe.",
        ),
        ("https://127.0.0.1/", "L'adresse mène à un réseau privé ou réservé : elle est refusée."),
    ],
)
def test_a_bad_address_is_refused_next_to_the_field(
    client, staff_a, coop_a, settings, url, message
):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    client.force_login(staff_a)

    response = client.post(_list_url(coop_a), {"url": url, "events": [Event.VALUES_CHANGED]})

    assert response.status_code == 400
    html = response.content.decode()
    field_error = re.search(r'id="error_1_id_url"[^>]*>(.*?)</', html, re.S)
    assert field_error is not None and message.replace("'", "&#x27;") in field_error.group(1)
    assert not Endpoint.objects.exists()


def test_no_event_chosen_is_refused_next_to_the_field(client, staff_a, coop_a):
    client.force_login(staff_a)

    response = client.post(_list_url(coop_a), {"url": "https://partenaire.example/"})

    assert response.status_code == 400
    assert "Choisissez au moins un événement." in response.content.decode()
    assert not Endpoint.objects.exists()


def test_an_edit_keeps_the_secret_and_a_bad_one_changes_nothing(client, staff_a, coop_a):
    endpoint = _endpoint(coop_a)
    url = reverse("webhooks:workspace:detail", args=[coop_a.slug, endpoint.pk])
    client.force_login(staff_a)

    refused = client.post(url, {"url": "ftp://x.example/", "events": ALL_EVENTS, "active": "on"})
    done = client.post(url, {"url": "https://autre.example/", "events": [Event.UPDATE_PUBLISHED]})

    assert refused.status_code == 400
    assert done.status_code == 302
    saved = Endpoint.objects.get()
    assert (saved.url, saved.events, saved.active, saved.secret) == (
        "https://autre.example/",
        [Event.UPDATE_PUBLISHED],
        False,
        endpoint.secret,
    )


def test_a_deletion_is_confirmed_first(client, staff_a, coop_a):
    endpoint = _endpoint(coop_a)
    url = reverse("webhooks:workspace:delete", args=[coop_a.slug, endpoint.pk])
    client.force_login(staff_a)

    confirmation = client.get(url)
    assert "Supprimer définitivement" in confirmation.content.decode()
    assert Endpoint.objects.exists()

    response = client.post(url)

    assert response["Location"] == _list_url(coop_a)
    assert not Endpoint.objects.exists()


def test_another_cooperatives_webhook_is_not_found(client, staff_a, coop_a, coop_b):
    theirs = _endpoint(coop_b)
    network = _endpoint(None)
    client.force_login(staff_a)

    for pk in (theirs.pk, network.pk):
        url = reverse("webhooks:workspace:detail", args=[coop_a.slug, pk])
        assert client.get(url).status_code == 404


def test_the_empty_states(client, staff_a, coop_a):
    endpoint = _endpoint(coop_a)
    client.force_login(staff_a)
    Endpoint.objects.all().delete()

    assert "Aucun webhook n'est enregistré." in client.get(_list_url(coop_a)).content.decode()
    endpoint = _endpoint(coop_a)
    detail = client.get(reverse("webhooks:workspace:detail", args=[coop_a.slug, endpoint.pk]))
    assert "Aucun envoi pour l'instant" in detail.content.decode()


def _deliveries(endpoint, count):
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            endpoint=endpoint,
            event=Event.VALUES_CHANGED,
            payload={},
            state=Delivery.State.RETRYING,
            attempts=1,
            created_at=now - datetime.timedelta(minutes=index),
            next_attempt_at=now + datetime.timedelta(minutes=1),
        )
        for index in range(count)
    )
    Attempt.objects.bulk_create(
        Attempt(delivery=delivery, at=now, status_code=500) for delivery in deliveries
    )


@pytest.mark.parametrize("scale", [1, 10])
def test_the_pages_read_a_fixed_number_of_queries(
    client, staff_a, coop_a, scale, django_assert_num_queries
):
    endpoints = [_endpoint(coop_a, f"https://p{index}.example/") for index in range(scale)]
    for endpoint in endpoints:
        _deliveries(endpoint, 2 * scale)
    client.force_login(staff_a)

    # The user, the membership, the campaign, then the endpoints with their last delivery.
    with django_assert_num_queries(4):
        listing = client.get(_list_url(coop_a))
    detail_url = reverse("webhooks:workspace:detail", args=[coop_a.slug, endpoints[0].pk])
    # ... the endpoint, a count, a page of deliveries and their attempts.
    with django_assert_num_queries(7):
        detail = client.get(detail_url)

    assert listing.content.decode().count("Nouvel essai prévu") == scale
    assert detail.content.decode().count("réponse 500") == min(2 * scale, 20)


def test_the_deliveries_are_paginated(client, staff_a, coop_a):
    endpoint = _endpoint(coop_a)
    _deliveries(endpoint, 25)
    client.force_login(staff_a)
    url = reverse("webhooks:workspace:detail", args=[coop_a.slug, endpoint.pk])

    second = client.get(url, {"page": 2}).content.decode()

    assert second.count("réponse 500") == 5
    assert "Précédente" in second


def test_the_tab_is_shown_to_referents_only(client, staff_a, contributor_a, coop_a):
    client.force_login(staff_a)
    dashboard = reverse("workspace:dashboard", args=[coop_a.slug])
    assert _list_url(coop_a) in client.get(dashboard).content.decode()

    client.force_login(contributor_a)
    assert _list_url(coop_a) not in client.get(dashboard).content.decode()
    assert client.get(_list_url(coop_a)).status_code == 403
