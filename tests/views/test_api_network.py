"""/api/reseau-en-chiffres/: the network's totals, paginated like every list of the API."""

import pytest
from django.urls import reverse

from tests.network_support import build_network

pytestmark = pytest.mark.django_db


def test_it_lists_the_totals_per_indicator_and_year(client, campaign, reviewer):
    build_network(campaign, reviewer)

    body = client.get(reverse("discovery:api_network"), {"page_size": 100}).json()

    rows = {(r["indicateur"], r["annee"], r["perimetre"], r["groupe"]): r for r in body["results"]}
    assert body["licence"]["id"] == "etalab-2.0"
    assert body["count"] == len(body["results"])
    assert rows[("menages", 2025, "reseau", "")] | {"libelle": ""} == {
        "indicateur": "menages",
        "libelle": "",
        "unite": "ménages",
        "agregation": "sum",
        "annee": 2025,
        "perimetre": "reseau",
        "groupe": "",
        "valeur": 366,
        "cooperatives": 12,
    }
