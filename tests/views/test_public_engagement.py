"""An engagement's page: its description and its published projects (public:engagement)."""

import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from commitments.models import Engagement, Project
from tests import factories

pytestmark = pytest.mark.django_db


def cooperative_sections(html):
    """Map cooperative slug -> the HTML of its group of projects."""
    sections = {}
    for chunk in html.split('<section class="cooperative-group"')[1:]:
        slug = chunk.split('aria-labelledby="coop-', 1)[1].split('"', 1)[0]
        sections[slug] = chunk.split("</section>")[0]
    return sections


def test_it_shows_the_engagement_and_its_pillar(client, seed):
    engagement = Engagement.objects.select_related("pillar").get(number=7)

    response = client.get(reverse("public:engagement", args=[7]))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert f'<h1 class="mb-3">{escape(engagement.title)}</h1>' in html
    assert escape(engagement.description) in html
    assert "Engagement 7<" in html
    assert f"Pilier 2 · {escape(engagement.pillar.name)}" in html
    assert '<article class="pillar-2">' in html
    assert 'aria-label="Fil d\'Ariane"' in html
    assert '<a href="/#pilier-2">Pilier 2</a>' in html


@pytest.mark.parametrize("number", range(1, 13))
def test_it_lists_every_published_project_under_its_cooperative(client, seed, number):
    projects = Project.objects.filter(choice__engagement__number=number).select_related(
        "choice__selection__cooperative"
    )
    assert projects

    sections = cooperative_sections(
        client.get(reverse("public:engagement", args=[number])).content.decode()
    )

    for project in projects:
        cooperative = project.choice.selection.cooperative
        section = sections[cooperative.slug]
        assert f'<a href="/cooperatives/{cooperative.slug}/">{escape(cooperative.name)}</a>' in (
            section
        )
        assert escape(project.title) in section
        assert escape(project.description) in section
    assert set(sections) == {p.choice.selection.cooperative.slug for p in projects}


def test_it_links_to_the_previous_and_next_engagements(client, seed):
    first = client.get(reverse("public:engagement", args=[1])).content.decode()
    middle = client.get(reverse("public:engagement", args=[6])).content.decode()
    last = client.get(reverse("public:engagement", args=[12])).content.decode()

    assert 'rel="prev"' not in first
    assert 'href="/engagements/2/" rel="next"' in first
    assert 'href="/engagements/5/" rel="prev"' in middle
    assert 'href="/engagements/7/" rel="next"' in middle
    assert 'href="/engagements/11/" rel="prev"' in last
    assert 'rel="next"' not in last


def test_it_shows_project_details_when_filled(client, reference, campaign):
    selection = factories.make_published(
        factories.make_coop("Coop Détaillée"), campaign, factories.make_reviewer()
    )
    Project.objects.filter(choice__selection=selection, choice__engagement__number=1).update(
        objectives="Loger 200 ménages modestes",
        indicators="Nombre de ventes en PSLA",
        target_date=datetime.date(2026, 12, 31),
        progress=Project.Progress.IN_PROGRESS,
    )

    with_details = client.get(reverse("public:engagement", args=[1])).content.decode()
    without_details = client.get(reverse("public:engagement", args=[2])).content.decode()

    assert "<dt>Objectifs</dt><dd>Loger 200 ménages modestes</dd>" in with_details
    assert "<dt>Modalités de suivi</dt><dd>Nombre de ventes en PSLA</dd>" in with_details
    assert "<dt>Échéance visée</dt><dd>31 décembre 2026</dd>" in with_details
    # The declared progress shows as the stage badge: under way, not an intention.
    assert 'stage-in-progress">' in with_details
    assert "Projet 2.1 de Coop Détaillée" in without_details
    assert 'stage-intention">' in without_details
    assert 'stage-in-progress">' not in without_details


def test_it_says_when_no_cooperative_has_published_a_project(client, reference):
    response = client.get(reverse("public:engagement", args=[4]))

    assert response.status_code == 200
    assert "Aucune coopérative n'a encore publié de projet pour cet engagement." in (
        response.content.decode()
    )


@pytest.mark.parametrize("path", ["/engagements/0/", "/engagements/13/", "/engagements/999/"])
def test_it_is_a_french_404_for_a_number_outside_1_to_12(client, reference, path):
    response = client.get(path)

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html
    assert "Aller au contenu" in html  # the site layout


def test_it_is_a_404_for_a_non_numeric_engagement(client, reference):
    assert client.get("/engagements/sept/").status_code == 404


@pytest.mark.django_db
def test_it_pages_through_the_cooperatives_of_a_popular_engagement(client, reference, reviewer):
    campaign = factories.make_campaign()
    for index in range(23):
        coop = factories.make_coop(f"Coopérative {index:02d}")
        factories.make_published(coop, campaign, reviewer, numbers=range(1, 9), projects_per=2)

    first = client.get("/engagements/1/").content.decode()
    second = client.get("/engagements/1/?page=2").content.decode()

    assert len(cooperative_sections(first)) == 20
    assert len(cooperative_sections(second)) == 3
    assert "46 projets publiés" in first and "par 23 coopératives." in first
    assert "Coopérative 00" in first and "Coopérative 22" in second
    assert 'href="?page=2"' in first
    # A malformed page number shows the first page rather than failing.
    assert client.get("/engagements/1/?page=abc").status_code == 200
