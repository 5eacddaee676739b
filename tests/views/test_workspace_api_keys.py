"""/espace/<slug>/cles-api/: référents create a key (shown once), list and revoke them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from coops import api_keys
from coops.models import ApiKey
from tests import factories

pytestmark = pytest.mark.django_db


def _url(coop):
    return reverse("workspace:api_keys", args=[coop.slug])


def _in_days(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _make_keys(coop, by, count):
    for n in range(count):
        api_keys.create_key(
            cooperative=coop,
            by=by,
            name=f"Clé {n}",
            may_read=True,
            may_write=n % 2 == 0,
            expires_on=timezone.localdate() + api_keys.DEFAULT_LIFETIME,
        )


def test_a_referent_creates_a_key_seen_once_and_kept_hashed(client, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(
        _url(coop_a),
        {"name": "Réviseur 2026", "may_read": "on", "may_write": "on", "expires_on": _in_days(30)},
    )

    key = ApiKey.objects.get()
    text = response.context["created"]["text"]
    assert response.status_code == 200
    assert text in response.text
    assert api_keys.usable_key(text) == key
    assert (key.name, key.may_read, key.may_write, key.created_by) == (
        "Réviseur 2026",
        True,
        True,
        staff_a,
    )
    assert text not in client.get(_url(coop_a)).text
    assert text.split("_", 2)[2] not in key.secret_hash


def test_the_expiry_defaults_to_90_days_and_is_bounded_to_a_year(client, coop_a, staff_a):
    client.force_login(staff_a)

    page = client.get(_url(coop_a))
    too_far = client.post(
        _url(coop_a), {"name": "Trop long", "may_read": "on", "expires_on": _in_days(400)}
    )
    past = client.post(
        _url(coop_a), {"name": "Passée", "may_read": "on", "expires_on": _in_days(-1)}
    )
    no_scope = client.post(_url(coop_a), {"name": "Sans portée", "expires_on": _in_days(10)})
    no_date = client.post(_url(coop_a), {"name": "Sans date", "may_read": "on", "expires_on": ""})

    assert f'value="{_in_days(90)}"' in page.text
    assert "Une clé expire dans un an au plus." in too_far.text
    assert "Une clé ne peut pas expirer dans le passé." in past.text
    assert "Choisissez au moins une portée." in no_scope.text
    assert "Choisissez une date d&#x27;expiration." in no_date.text
    assert [r.status_code for r in (too_far, past, no_scope, no_date)] == [400] * 4
    assert 'value="Trop long"' in too_far.text
    assert not ApiKey.objects.exists()


def test_the_list_shows_each_key_and_its_state(client, coop_a, staff_a):
    _make_keys(coop_a, staff_a, 2)
    revoked, active = ApiKey.objects.order_by("pk")
    api_keys.revoke_key(revoked)
    client.force_login(staff_a)

    page = client.get(_url(coop_a)).text

    assert "Clé 0" in page and "Clé 1" in page
    assert "révoquée le" in page
    assert "jamais" in page
    assert f"qc_{active.prefix}_…" in page
    assert reverse("workspace:api_key_revoke", args=[coop_a.slug, active.pk]) in page
    assert reverse("workspace:api_key_revoke", args=[coop_a.slug, revoked.pk]) not in page


def test_an_empty_list_says_so(client, coop_a, staff_a):
    client.force_login(staff_a)

    assert "Aucune clé pour l'instant." in client.get(_url(coop_a)).text


def test_the_list_is_paginated(client, coop_a, staff_a):
    _make_keys(coop_a, staff_a, 21)
    client.force_login(staff_a)

    first = client.get(_url(coop_a)).text
    second = client.get(_url(coop_a) + "?page=2").text

    assert "Clé 20" in first and "Clé 0<" not in first
    assert "Clé 0<" in second


@pytest.mark.parametrize("count", [1, 10])
def test_the_page_costs_the_same_queries_at_ten_times_the_keys(
    client, coop_a, staff_a, count, django_assert_max_num_queries
):
    _make_keys(coop_a, staff_a, count)
    client.force_login(staff_a)

    with django_assert_max_num_queries(12):
        assert client.get(_url(coop_a)).status_code == 200


def test_revoking_asks_first_then_the_key_stops(client, coop_a, staff_a):
    key, text = api_keys.create_key(
        cooperative=coop_a,
        by=staff_a,
        name="Prêteur",
        may_read=True,
        may_write=False,
        expires_on=timezone.localdate() + api_keys.DEFAULT_LIFETIME,
    )
    url = reverse("workspace:api_key_revoke", args=[coop_a.slug, key.pk])
    client.force_login(staff_a)

    confirmation = client.get(url)
    assert "Révoquer la clé ?" in confirmation.text
    assert api_keys.usable_key(text) is not None

    response = client.post(url)

    assert response.status_code == 302
    assert api_keys.usable_key(text) is None
    assert ApiKey.objects.get().revoked_at is not None


def test_contributors_see_no_link_and_get_a_403(client, coop_a, staff_a, contributor_a):
    client.force_login(contributor_a)

    dashboard = client.get(reverse("workspace:dashboard", args=[coop_a.slug])).text
    refused = client.post(_url(coop_a), {"name": "X", "may_read": "on", "expires_on": _in_days(9)})

    assert _url(coop_a) not in dashboard
    assert refused.status_code == 403
    assert not ApiKey.objects.exists()
    client.force_login(staff_a)
    assert _url(coop_a) in client.get(reverse("workspace:dashboard", args=[coop_a.slug])).text


def test_another_cooperatives_key_is_a_404(client, coop_a, coop_b, staff_a, staff_b):
    key, _text = api_keys.create_key(
        cooperative=coop_b,
        by=staff_b,
        name="De B",
        may_read=True,
        may_write=False,
        expires_on=timezone.localdate() + api_keys.DEFAULT_LIFETIME,
    )
    client.force_login(staff_a)

    response = client.post(reverse("workspace:api_key_revoke", args=[coop_a.slug, key.pk]))

    assert response.status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_the_key_created_here_reads_the_api(client, coop_a, staff_a, campaign):
    factories.make_selection(coop_a, campaign, numbers=[1])
    client.force_login(staff_a)
    text = client.post(
        _url(coop_a), {"name": "Mon outil", "may_read": "on", "expires_on": _in_days(30)}
    ).context["created"]["text"]
    client.logout()

    response = client.get(
        reverse("discovery:api_own_selection", args=[coop_a.slug]),
        HTTP_AUTHORIZATION=f"Bearer {text}",
    )

    assert response.status_code == 200
    assert response.json()["cooperative"] == coop_a.slug
