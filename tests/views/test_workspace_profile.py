"""/espace/<slug>/profil/: the profile facts, kept by the référents, shown publicly."""

import pytest
from django.urls import reverse

from coops.models import Cooperative
from tests import factories

pytestmark = pytest.mark.django_db


def _url(coop):
    return reverse("workspace:profile", args=[coop.slug])


def test_a_referent_keeps_the_facts_and_the_public_profile_shows_them(
    client, coop_a, staff_a, campaign, reviewer
):
    factories.make_published(coop_a, campaign, reviewer)
    client.force_login(staff_a)

    response = client.post(
        _url(coop_a),
        {
            "homes_managed": "1200",
            "activities": ["brs", "rental", "brs"],
            "legal_form": "scic",
        },
    )

    assert response.status_code == 302
    coop = Cooperative.objects.get(pk=coop_a.pk)
    assert coop.homes_managed == 1200
    # Normalised: once each, in the choices' order, so equal sets compare equal.
    assert coop.activities == ["rental", "brs"]
    public = client.get(reverse("public:cooperative", args=[coop.slug])).text
    assert "1200" in public
    assert "Location, Bail réel solidaire (BRS)" in public
    assert "Société coopérative d&#x27;intérêt collectif (SCIC)" in public


def test_a_contributor_reads_the_facts_without_a_form(client, coop_a, contributor_a):
    client.force_login(contributor_a)

    page = client.get(_url(coop_a))
    refused = client.post(_url(coop_a), {"homes_managed": "5"})

    assert page.status_code == 200
    assert '<form method="post" novalidate data-keep-typing id="profil">' not in page.text
    assert refused.status_code == 403
    assert Cooperative.objects.get(pk=coop_a.pk).homes_managed is None


def test_a_bad_number_is_refused_next_to_its_field_and_kept(client, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(_url(coop_a), {"homes_managed": "-3", "legal_form": "scp"})

    assert response.status_code == 400
    assert 'value="-3"' in response.text
    assert Cooperative.objects.get(pk=coop_a.pk).legal_form == ""
