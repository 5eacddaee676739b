"""/espace/<slug>/comparaison/: the cooperative beside cooperatives like it, secrets kept."""

import pytest
from django.urls import reverse

from tests import factories
from tests.network_support import build_network

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(campaign, reviewer):
    world = build_network(campaign, reviewer)
    for coop in world.cooperatives:
        coop.activities, coop.homes_managed = ["rental"], 800
        coop.save()
    return world


def test_a_member_sees_its_values_beside_its_peers(client, network):
    me = network.cooperatives[0]
    client.force_login(factories.make_user("claire", coop=me))

    page = client.get(reverse("workspace:peers", args=[me.slug])).text

    assert "Coopératives comme la nôtre" in page
    assert "moins de 3 autres coopératives" in page and "plus de 85\u202f% du total" in page
    assert "Location · de 500 à 1 999 logements" in page
    assert "Ménages accompagnés" in page
    # 11 peers without it; its own 2025 value is 25.
    assert '<td class="text-end counter">11</td>' in page
    assert '<td class="text-end counter">25</td>' in page


def test_the_region_keeps_the_secret_of_a_small_group(client, network):
    # Two peers left in one's own region (of four), eleven in all.
    moved = network.cooperatives[9]
    moved.region = "Normandie"
    moved.save()
    me = network.cooperatives[0]
    client.force_login(factories.make_user("claire", coop=me))

    page = client.get(reverse("workspace:peers", args=[me.slug]), {"region": "1"}).text

    assert "Secret statistique : pas assez de coopératives comparables" in page
    assert f"({me.region})" in page


def test_without_its_size_the_cooperative_is_asked_for_it(client, coop_a, staff_a):
    client.force_login(staff_a)

    page = client.get(reverse("workspace:peers", args=[coop_a.slug])).text

    assert reverse("workspace:profile", args=[coop_a.slug]) in page
