"""The API of a cooperative's own figures: its keys' rules, its reads, its writes.

A write through the API leaves the same rows and the same history as the
workspace's form, compared in the same test.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commitments.models import Indicator, Measurement, ProgressUpdate, Project, UpdateState
from coops import api_keys
from coops.models import ApiKey, Membership
from qualicoop.api import keys
from tests import factories
from tests.views.test_api_openapi import assert_matches, response_schema

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts():
    # The rate limit counts in the cache: each test starts at zero.
    cache.clear()


def _key(coop, by, *, read=True, write=True, expires_on=None):
    return api_keys.create_key(
        cooperative=coop,
        by=by,
        name="Outil du réviseur",
        may_read=read,
        may_write=write,
        expires_on=expires_on or timezone.localdate() + api_keys.DEFAULT_LIFETIME,
    )


def _auth(text):
    return {"HTTP_AUTHORIZATION": f"Bearer {text}"}


@pytest.fixture
def draft(campaign, coop_a):
    return factories.make_selection(coop_a, campaign, numbers=[1])


@pytest.fixture
def indicator(draft):
    project = Project.objects.get(choice__selection=draft)
    return Indicator.objects.create(
        project=project, name="Logements livrés", unit="logements", target_value=120
    )


@pytest.fixture
def followed(reference, campaign, coop_a, reviewer):
    published = factories.make_published(coop_a, campaign, reviewer)
    project = Project.objects.filter(choice__selection=published).order_by("pk").first()
    Indicator.objects.create(
        project=project, name="Logements livrés", unit="logements", target_value=120
    )
    return project


def _selection_url(coop):
    return reverse("discovery:api_own_selection", args=[coop.slug])


def _measurement_url(coop, indicator):
    return reverse("discovery:api_own_measurement", args=[coop.slug, indicator.pk])


def _update_url(coop, project):
    return reverse("discovery:api_own_update", args=[coop.slug, project.pk])


# --- The key's rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer ", "Bearer qc_inconnu_secret", "Basic qc_x_y", "Bearer autre-chose"],
)
def test_without_a_valid_key_it_answers_401_in_french(client, coop_a, draft, authorization):
    response = client.get(_selection_url(coop_a), HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Clé d'API absente, inconnue, expirée ou révoquée" in response.json()["detail"]


def test_a_wrong_secret_behind_a_real_prefix_is_refused(client, coop_a, staff_a, draft):
    key, text = _key(coop_a, staff_a)

    response = client.get(_selection_url(coop_a), **_auth(text[:-2] + "xx"))

    assert response.status_code == 401


def test_an_expired_key_is_refused(client, coop_a, staff_a, draft):
    key, text = _key(coop_a, staff_a)
    ApiKey.objects.filter(pk=key.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )

    assert client.get(_selection_url(coop_a), **_auth(text)).status_code == 401


def test_a_revoked_key_is_refused(client, coop_a, staff_a, draft):
    key, text = _key(coop_a, staff_a)
    assert client.get(_selection_url(coop_a), **_auth(text)).status_code == 200

    api_keys.revoke_key(key)

    assert client.get(_selection_url(coop_a), **_auth(text)).status_code == 401


def test_a_key_stops_when_its_creator_is_no_longer_a_referent(client, coop_a, staff_a, draft):
    key, text = _key(coop_a, staff_a)
    Membership.objects.filter(user=staff_a).update(role=Membership.Role.CONTRIBUTOR)

    assert client.get(_selection_url(coop_a), **_auth(text)).status_code == 401


def test_another_cooperatives_data_is_a_404(client, coop_a, coop_b, staff_b, draft):
    key, text = _key(coop_b, staff_b)

    read = client.get(_selection_url(coop_a), **_auth(text))
    write = client.post(
        reverse("discovery:api_own_measurement", args=[coop_a.slug, 1]),
        {"value": "1", "measured_on": "2025-01-01"},
        content_type="application/json",
        **_auth(text),
    )

    assert (read.status_code, write.status_code) == (404, 404)
    assert coop_a.name not in read.text


def test_a_read_only_key_may_not_write(client, coop_a, staff_a, indicator):
    key, text = _key(coop_a, staff_a, write=False)

    response = client.post(
        _measurement_url(coop_a, indicator),
        {"value": "1", "measured_on": "2025-01-01"},
        content_type="application/json",
        **_auth(text),
    )

    assert response.status_code == 403
    assert "écrire les valeurs" in response.json()["detail"]
    assert not Measurement.objects.exists()


def test_a_write_only_key_may_not_read(client, coop_a, staff_a, draft):
    key, text = _key(coop_a, staff_a, read=False)

    assert client.get(_selection_url(coop_a), **_auth(text)).status_code == 403


def test_beyond_the_rate_it_answers_429_with_retry_after(
    client, coop_a, staff_a, draft, monkeypatch
):
    monkeypatch.setattr(keys, "REQUESTS_PER_MINUTE", 2)
    key, text = _key(coop_a, staff_a)

    answers = [client.get(_selection_url(coop_a), **_auth(text)) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert 1 <= int(answers[2]["Retry-After"]) <= 60
    # Another key of the same cooperative has its own allowance.
    other_key, other = _key(coop_a, staff_a)
    assert client.get(_selection_url(coop_a), **_auth(other)).status_code == 200


def test_last_used_is_written_at_most_once_a_minute(client, coop_a, staff_a, draft):
    key, text = _key(coop_a, staff_a)

    client.get(_selection_url(coop_a), **_auth(text))
    first = ApiKey.objects.get(pk=key.pk).last_used_at
    client.get(_selection_url(coop_a), **_auth(text))
    second = ApiKey.objects.get(pk=key.pk).last_used_at
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get(_selection_url(coop_a), **_auth(text))
    third = ApiKey.objects.get(pk=key.pk).last_used_at

    assert first is not None
    assert second == first
    assert third > first


def test_the_public_endpoints_stay_anonymous(client):
    response = client.get(reverse("discovery:api_engagements"))

    assert response.status_code == 200


def test_only_the_hash_of_the_secret_is_kept(coop_a, staff_a):
    key, text = _key(coop_a, staff_a)

    assert text.startswith(f"qc_{key.prefix}_")
    secret = text.removeprefix(f"qc_{key.prefix}_")
    assert secret not in key.secret_hash
    assert key.secret_hash == api_keys.hash_secret(secret)


# --- Reading ------------------------------------------------------------------------------


def test_it_reads_the_draft_selection_with_its_values(
    client, coop_a, staff_a, indicator, django_assert_max_num_queries
):
    Measurement.objects.create(indicator=indicator, value=Decimal("12.5"), measured_on="2025-06-30")
    key, text = _key(coop_a, staff_a, write=False)

    with django_assert_max_num_queries(9):
        response = client.get(_selection_url(coop_a), **_auth(text))

    body = response.json()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert body["statut"] == "draft"
    [engagement] = body["engagements"]
    [project] = engagement["projets"]
    [read] = project["indicateurs"]
    assert read["nom"] == "Logements livrés"
    assert read["mesures"][0]["valeur"] == "12.50"


def test_reading_costs_the_same_queries_at_ten_times_the_data(
    client, campaign, coop_a, staff_a, django_assert_max_num_queries
):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9), projects_per=2)
    for project in Project.objects.filter(choice__selection=selection):
        for n in range(2):
            indicator = Indicator.objects.create(
                project=project, name=f"Indicateur {n}", target_value=10
            )
            Measurement.objects.create(indicator=indicator, value=n, measured_on="2025-01-01")
    key, text = _key(coop_a, staff_a)

    with django_assert_max_num_queries(9):
        response = client.get(_selection_url(coop_a), **_auth(text))

    assert sum(len(e["projets"]) for e in response.json()["engagements"]) == 16


# --- Writing ------------------------------------------------------------------------------


def _history(model, **filters):
    return [
        (record.history_type, record.history_user_id)
        for record in model.history.filter(**filters).order_by("history_id")
    ]


def test_a_value_written_through_the_api_matches_the_forms(client, coop_a, staff_a, indicator):
    key, text = _key(coop_a, staff_a)
    client.force_login(staff_a)
    client.post(
        reverse("workspace:measurement_create", args=[coop_a.slug, indicator.pk]),
        {"value": "12,5", "measured_on": "2025-06-30", "comment": "Bilan 2025"},
    )
    client.logout()

    response = client.post(
        _measurement_url(coop_a, indicator),
        {"value": "12.5", "measured_on": "2025-06-30", "comment": "Bilan 2025"},
        content_type="application/json",
        **_auth(text),
    )

    assert response.status_code == 201
    by_form, by_api = Measurement.objects.order_by("pk")
    fields = ("indicator_id", "value", "measured_on", "comment", "update_id")
    assert [getattr(by_form, f) for f in fields] == [getattr(by_api, f) for f in fields]
    assert _history(Measurement, id=by_form.pk) == [("+", staff_a.pk)]
    assert _history(Measurement, id=by_api.pk) == [("+", staff_a.pk)]
    assert response.json()["id"] == by_api.pk


def test_a_bad_value_is_a_400_with_the_forms_french_messages(client, coop_a, staff_a, indicator):
    key, text = _key(coop_a, staff_a)
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)

    response = client.post(
        _measurement_url(coop_a, indicator),
        {"value": "beaucoup", "measured_on": tomorrow.isoformat()},
        content_type="application/json",
        **_auth(text),
    )
    not_json = client.post(
        _measurement_url(coop_a, indicator), "[", content_type="application/json", **_auth(text)
    )

    assert response.status_code == 400
    errors = response.json()["erreurs"]
    assert errors["value"] == ["Saisissez un nombre, par exemple 1 250,5."]
    assert errors["measured_on"] == ["Une mesure ne peut pas être datée dans le futur."]
    assert not_json.status_code == 400
    assert not Measurement.objects.exists()


def test_a_submitted_selection_takes_no_value(client, coop_a, staff_a, indicator, draft):
    key, text = _key(coop_a, staff_a)
    type(draft).objects.filter(pk=draft.pk).update(status="submitted")

    response = client.post(
        _measurement_url(coop_a, indicator),
        {"value": "1", "measured_on": "2025-06-30"},
        content_type="application/json",
        **_auth(text),
    )

    assert response.status_code == 409
    assert response.json()["detail"]
    assert not Measurement.objects.exists()


def test_an_update_written_through_the_api_matches_the_forms(client, coop_a, staff_a, followed):
    indicator = followed.indicator_set.get()
    key, text = _key(coop_a, staff_a)
    data = {
        "status": "in_progress",
        "reason": "",
        "text": "Les travaux avancent.",
        "happened_on": "2026-01-15",
        f"value_{indicator.pk}": "40",
        f"comment_{indicator.pk}": "Relevé de chantier",
    }
    client.force_login(staff_a)
    client.post(reverse("workspace:update_create", args=[coop_a.slug, followed.pk]), data)
    client.logout()

    response = client.post(
        _update_url(coop_a, followed), data, content_type="application/json", **_auth(text)
    )

    assert response.status_code == 201
    assert response.json()["etat"] == UpdateState.DRAFT
    by_form, by_api = ProgressUpdate.objects.order_by("pk")
    fields = ("project_id", "state", "status", "reason", "text", "happened_on", "author_id")
    assert [getattr(by_form, f) for f in fields] == [getattr(by_api, f) for f in fields]
    assert by_api.author_id == staff_a.pk
    values = [
        [(m.indicator_id, m.value, m.measured_on, m.comment) for m in update.measurements.all()]
        for update in (by_form, by_api)
    ]
    assert values[0] == values[1] != []
    assert _history(ProgressUpdate, id=by_form.pk) == _history(ProgressUpdate, id=by_api.pk)
    assert _history(ProgressUpdate, id=by_api.pk) == [("+", staff_a.pk)]
    assert _history(Measurement, update_id=by_api.pk) == [("+", staff_a.pk)]


def test_an_update_may_be_sent_as_the_forms_second_button_does(client, coop_a, staff_a, followed):
    key, text = _key(coop_a, staff_a)

    response = client.post(
        _update_url(coop_a, followed),
        {"status": "in_progress", "text": "Fait.", "happened_on": "2026-01-15", "send": True},
        content_type="application/json",
        **_auth(text),
    )

    assert response.status_code == 201
    assert ProgressUpdate.objects.get().state == UpdateState.SUBMITTED


def test_an_update_without_its_reason_is_refused_by_field(client, coop_a, staff_a, followed):
    key, text = _key(coop_a, staff_a)

    response = client.post(
        _update_url(coop_a, followed),
        {"status": "postponed", "text": "Reporté.", "happened_on": "2026-01-15"},
        content_type="application/json",
        **_auth(text),
    )

    assert response.status_code == 400
    assert response.json()["erreurs"]["reason"] == [
        "Indiquez pourquoi le projet est reporté ou abandonné."
    ]
    assert not ProgressUpdate.objects.exists()


def test_an_update_on_a_project_not_validated_is_a_404(client, coop_a, staff_a, indicator):
    key, text = _key(coop_a, staff_a)

    response = client.post(
        _update_url(coop_a, indicator.project),
        {"status": "in_progress", "text": "Fait.", "happened_on": "2026-01-15"},
        content_type="application/json",
        **_auth(text),
    )

    assert response.status_code == 404


def test_reading_with_post_or_writing_with_get_is_a_405(client, coop_a, staff_a, indicator):
    key, text = _key(coop_a, staff_a)

    assert client.post(_selection_url(coop_a), **_auth(text)).status_code == 405
    assert client.get(_measurement_url(coop_a, indicator), **_auth(text)).status_code == 405


def test_a_write_needs_no_csrf_token_the_key_is_the_credential(coop_a, staff_a, indicator):
    key, text = _key(coop_a, staff_a)

    response = Client(enforce_csrf_checks=True).post(
        _measurement_url(coop_a, indicator),
        {"value": "3", "measured_on": "2025-06-30"},
        content_type="application/json",
        **_auth(text),
    )

    assert response.status_code == 201


# --- As documented --------------------------------------------------------------------------


def test_the_answers_match_the_openapi_description(client, coop_a, staff_a, followed):
    schema = client.get(reverse("discovery:openapi")).json()
    indicator = followed.indicator_set.get()
    key, text = _key(coop_a, staff_a)
    own = "/api/cooperatives/{slug}"
    answers = [
        (f"{own}/selection/", "get", client.get(_selection_url(coop_a), **_auth(text))),
        (f"{own}/selection/", "get", client.get(_selection_url(coop_a))),
        (
            f"{own}/projets/{{id}}/points-d-etape/",
            "post",
            client.post(
                _update_url(coop_a, followed),
                {"status": "in_progress", "text": "Fait.", "happened_on": "2026-01-15"},
                content_type="application/json",
                **_auth(text),
            ),
        ),
        (
            f"{own}/projets/{{id}}/points-d-etape/",
            "post",
            client.post(
                _update_url(coop_a, followed),
                {"status": "postponed", "text": "", "happened_on": "2026-01-15"},
                content_type="application/json",
                **_auth(text),
            ),
        ),
        (
            f"{own}/indicateurs/{{id}}/valeurs/",
            "post",
            client.post(
                _measurement_url(coop_a, indicator),
                {"value": "3", "measured_on": "2025-06-30"},
                content_type="application/json",
                **_auth(text),
            ),
        ),
    ]

    statuses = []
    for path, method, response in answers:
        status = str(response.status_code)
        statuses.append(status)
        assert_matches(response.json(), response_schema(schema, path, status, method))
    assert statuses == ["200", "401", "201", "400", "409"]
