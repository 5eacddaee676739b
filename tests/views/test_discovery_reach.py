"""How search engines find the public pages: the sitemaps, their index and robots.txt."""

import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from commitments.models import Project
from qualicoop.public import sitemaps
from tests import factories
from tests.opendata_support import post_update

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
    assert f"Sitemap: {settings.SITE_URL}/sitemap-index.xml" in lines


def test_the_index_leads_to_every_sitemap(client, seed):
    response = client.get(reverse("discovery:sitemap_index"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert "<sitemapindex" in response.content.decode()
    assert locations(response) == ["/sitemap.xml", "/sitemap-projets.xml"]


def test_it_lists_every_published_project_page(client, reference, reviewer):
    campaign = factories.make_campaign()
    published = factories.make_published(factories.make_coop("Coop Publiée"), campaign, reviewer)
    draft = factories.make_selection(factories.make_coop("Coop Brouillon"), campaign, numbers=[1])
    project = Project.objects.filter(choice__selection=published).order_by("pk").first()
    update = post_update(project, reviewer=reviewer)

    response = client.get(reverse("discovery:sitemap_projects"))

    listed = locations(response)
    assert listed == [
        f"/projets/{pk}/"
        for pk in Project.objects.filter(choice__selection=published)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    assert f"/projets/{Project.objects.get(choice__selection=draft).pk}/" not in listed
    assert (
        f"<lastmod>{timezone.localdate(update.published_at).isoformat()}</lastmod>"
        in response.content.decode()
    )


def test_the_index_pages_the_projects_by_the_protocols_limit(
    client, reference, reviewer, monkeypatch
):
    monkeypatch.setattr(sitemaps.ProjectSitemap, "limit", 3)
    factories.make_published(factories.make_coop("Coop A"), factories.make_campaign(), reviewer)

    index = locations(client.get(reverse("discovery:sitemap_index")))
    pages = [client.get(reverse("discovery:sitemap_projects"), {"p": p}) for p in (1, 2, 3)]

    assert index == [
        "/sitemap.xml",
        "/sitemap-projets.xml",
        "/sitemap-projets.xml?p=2",
        "/sitemap-projets.xml?p=3",
    ]
    assert [len(locations(page)) for page in pages] == [3, 3, 2]
    assert client.get(reverse("discovery:sitemap_projects"), {"p": 4}).status_code == 404


@pytest.mark.parametrize("size", [1, 10])
def test_the_sitemaps_run_a_constant_number_of_queries(
    client, reference, reviewer, django_assert_max_num_queries, size
):
    campaign = factories.make_campaign()
    for index in range(size):
        factories.make_published(factories.make_coop(f"Coop {index}"), campaign, reviewer)

    # The count of the pages, then the page.
    with django_assert_max_num_queries(2):
        projects = client.get(reverse("discovery:sitemap_projects"))
    with django_assert_max_num_queries(1):
        client.get(reverse("discovery:sitemap_index"))

    assert len(locations(projects)) == size * 8
