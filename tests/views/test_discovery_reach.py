"""How search engines find the public pages: sitemap.xml and robots.txt."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def locations(response):
    return re.findall(
        rf"<loc>{re.escape(settings.SITE_URL)}([^<]*)</loc>", response.content.decode()
    )


def test_it_lists_every_public_page_in_the_sitemap(client, seed):
    response = client.get(reverse("discovery:sitemap"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    listed = locations(response)
    for path in ["/", "/cooperatives/", "/projets/", "/statistiques/", "/donnees/", "/api/"]:
        assert path in listed
    assert [path for path in listed if path.startswith("/engagements/")] == [
        f"/engagements/{number}/" for number in range(1, 13)
    ]
    assert "/cooperatives/le-logis-breton/" in listed
    assert len([path for path in listed if re.fullmatch(r"/cooperatives/[\w-]+/", path)]) == 8


def test_it_leaves_cooperatives_without_a_published_selection_out(client, reference, reviewer):
    campaign = factories.make_campaign()
    factories.make_published(factories.make_coop("Coop Publiée"), campaign, reviewer)
    factories.make_selection(factories.make_coop("Coop Brouillon"), campaign, numbers=[1])

    listed = locations(client.get(reverse("discovery:sitemap")))

    assert "/cooperatives/coop-publiee/" in listed
    assert "/cooperatives/coop-brouillon/" not in listed


def test_it_keeps_robots_out_of_the_private_areas(client, db):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    for area in ["/espace/", "/federation/", "/admin/", "/compte/"]:
        assert f"Disallow: {area}" in lines
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in lines
