"""A cooperative's Quali'Coop profile (public:cooperative)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from commitments import workflow
from commitments.models import Choice, Project
from coops.models import Cooperative
from tests import factories

pytestmark = pytest.mark.django_db


def pillar_sections(html):
    """Map pillar number -> the HTML of the profile's section for that pillar."""
    sections = {}
    for chunk in html.split('<section class="pillar-section pillar-')[1:]:
        sections[int(chunk[0])] = chunk
    return sections


def test_it_shows_the_cooperative_and_its_published_selection(client, seed):
    cooperative = Cooperative.objects.get(slug="grand-delta-habitat")

    response = client.get(reverse("public:cooperative", args=[cooperative.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert f"<h1>{escape(cooperative.name)}</h1>" in html
    assert escape(cooperative.region) in html
    assert escape(cooperative.description) in html
    # Validated on 2024-06-10 in the fixture.
    assert "Sélection « Quali&#x27;Coop 2024 », validée par la fédération le 10 juin 2024." in html
    assert "status-validated" in html and "Validée" in html
    assert '<a href="/cooperatives/">Les coopératives</a>' in html


def test_it_groups_the_chosen_engagements_by_pillar_with_their_projects(client, seed):
    cooperative = Cooperative.objects.get(slug="la-caps")
    choices = Choice.objects.filter(selection__cooperative=cooperative).select_related(
        "engagement__pillar"
    )

    sections = pillar_sections(
        client.get(reverse("public:cooperative", args=[cooperative.slug])).content.decode()
    )

    assert set(sections) == {choice.engagement.pillar.number for choice in choices}
    for choice in choices:
        section = sections[choice.engagement.pillar.number]
        assert f'href="/engagements/{choice.engagement.number}/"' in section
        assert escape(choice.engagement.title) in section
        for project in choice.projects.all():
            assert escape(project.title) in section
            assert escape(project.description) in section


def test_it_shows_the_website_when_there_is_one(client, reference, campaign):
    coop = factories.make_coop("Coop Web")
    coop.website = "https://coop-web.example.org/"
    coop.save()

    html = client.get(reverse("public:cooperative", args=["coop-web"])).content.decode()

    assert 'href="https://coop-web.example.org/"' in html


def test_it_says_a_cooperative_has_not_published_yet_without_leaking_its_draft(
    client, reference, campaign
):
    coop = factories.make_coop("Coop Discrète")
    factories.make_selection(coop, campaign, numbers=range(1, 9), prefix="Brouillon secret ")

    response = client.get(reverse("public:cooperative", args=[coop.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Cette coopérative n'a pas encore publié sa sélection Quali'Coop" in html
    assert "Brouillon secret" not in html
    assert 'class="pillar-section' not in html


def test_it_shows_the_published_version_while_a_new_one_is_drafted(client, reference, campaign):
    reviewer = factories.make_reviewer()
    coop = factories.make_coop("Coop Rouverte")
    published = factories.make_published(coop, campaign, reviewer, numbers=range(1, 9))
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    Project.objects.filter(choice__selection=draft).update(description="Texte en chantier")

    html = client.get(reverse("public:cooperative", args=[coop.slug])).content.decode()

    assert "Description du projet 1.1 de Coop Rouverte." in html
    assert "Texte en chantier" not in html


def test_it_is_a_french_404_for_an_unknown_slug(client, seed):
    response = client.get(reverse("public:cooperative", args=["cooperative-inconnue"]))

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html
    assert "Aller au contenu" in html
