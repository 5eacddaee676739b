"""The directory of the cooperatives that published their selection (public:cooperatives)."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from commitments import workflow
from commitments.models import Choice, Project
from coops.models import Cooperative
from tests import factories

pytestmark = pytest.mark.django_db


def listed_slugs(response):
    return re.findall(
        r'<th scope="row"><a href="/cooperatives/([\w-]+)/">', response.content.decode()
    )


def test_it_lists_the_seed_cooperatives_alphabetically(client, seed):
    response = client.get(reverse("public:cooperatives"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    expected = sorted(Cooperative.objects.values_list("slug", "name"), key=lambda c: c[1].lower())
    assert listed_slugs(response) == [slug for slug, _ in expected]
    assert 'aria-current="page">Les coopératives</li>' in html


def test_it_shows_region_and_counts_of_each_cooperative(client, seed):
    html = client.get(reverse("public:cooperatives")).content.decode()

    for cooperative in Cooperative.objects.all():
        engagements = Choice.objects.filter(selection__cooperative=cooperative).count()
        projects = Project.objects.filter(choice__selection__cooperative=cooperative).count()
        row = html.split(f'href="/cooperatives/{cooperative.slug}/"', 1)[1].split("</tr>")[0]
        assert escape(cooperative.region) in row
        cells = re.findall(r'<td class="text-end counter">(\d+)</td>', row)
        assert cells == [str(engagements), str(projects)], cooperative.slug


def test_it_leaves_out_cooperatives_without_a_published_selection(client, seed, campaign):
    factories.make_selection(factories.make_coop("Coop Brouillon"), campaign, numbers=[1])
    factories.make_coop("Coop Sans Sélection")

    slugs = listed_slugs(client.get(reverse("public:cooperatives")))

    assert len(slugs) == 8
    assert "coop-brouillon" not in slugs
    assert "coop-sans-selection" not in slugs


def test_it_counts_only_the_published_selection_of_a_reopened_cooperative(
    client, reference, campaign
):
    reviewer = factories.make_reviewer()
    coop = factories.make_coop("Coop Rouverte")
    published = factories.make_published(coop, campaign, reviewer, numbers=range(1, 9))
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    Choice.objects.create(selection=draft, engagement_id=12)

    html = client.get(reverse("public:cooperatives")).content.decode()

    row = html.split('href="/cooperatives/coop-rouverte/"', 1)[1].split("</tr>")[0]
    assert re.findall(r'<td class="text-end counter">(\d+)</td>', row) == ["8", "8"]


def test_it_has_an_empty_state(client, reference):
    response = client.get(reverse("public:cooperatives"), {"page": "abc"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Aucune coopérative n'a encore publié sa sélection Quali'Coop." in html
    assert "<table" not in html
