"""The home page: the pillars, the 12 engagements, the key figures (public:home)."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from commitments import workflow
from commitments.models import Choice, Engagement, Pillar
from tests import factories

pytestmark = pytest.mark.django_db


def engagement_cards(html):
    """Map engagement number -> the HTML of its card on the home page."""
    cards = {}
    for chunk in html.split('<article class="card engagement-card')[1:]:
        number = int(re.search(r'href="/engagements/(\d+)/"', chunk).group(1))
        cards[number] = chunk.split("</article>")[0]
    return cards


def test_it_shows_the_federation_intro_and_every_pillar(client, seed):
    response = client.get(reverse("public:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert (
        "La démarche Quali'Coop repose sur les 3 piliers de notre Raison d'être, déclinés en "
        "12 engagements parmi lesquels chaque coopérative doit se positionner sur 8 au minimum."
    ) in html
    assert 'id="piliers"' in html
    for pillar in Pillar.objects.all():
        assert f'id="pilier-{pillar.number}" class="pillar-section pillar-{pillar.number}"' in html
        assert escape(pillar.name) in html
        assert escape(pillar.tagline) in html


def test_it_shows_the_12_engagements_as_cards_linking_to_their_pages(client, seed):
    html = client.get(reverse("public:home")).content.decode()

    cards = engagement_cards(html)
    assert sorted(cards) == list(range(1, 13))
    for engagement in Engagement.objects.all():
        card = cards[engagement.number]
        assert f"Engagement {engagement.number}<" in card
        assert escape(engagement.title) in card
        assert f'href="/engagements/{engagement.number}/"' in card


def test_it_puts_each_engagement_under_its_pillar_in_its_colour(client, seed):
    html = client.get(reverse("public:home")).content.decode()

    sections = html.split('class="pillar-section ')[1:]
    assert len(sections) == 3
    for pillar_number, section in enumerate(sections, start=1):
        assert section.startswith(f"pillar-{pillar_number}")
        numbers = {int(n) for n in re.findall(r'href="/engagements/(\d+)/"', section)}
        assert numbers == set(range(pillar_number * 4 - 3, pillar_number * 4 + 1))


def test_it_counts_the_cooperatives_that_chose_each_engagement(client, seed):
    cards = engagement_cards(client.get(reverse("public:home")).content.decode())

    for number in range(1, 13):
        chosen_by = Choice.objects.filter(engagement__number=number).count()
        assert chosen_by > 0
        expected = f"Choisi par {chosen_by} coopérative{'s' if chosen_by > 1 else ''}"
        assert expected in cards[number], number


def test_it_shows_the_key_figures(client, seed):
    html = client.get(reverse("public:home")).content.decode()

    assert '<span class="key-figure counter">8</span>' in html
    assert '<span class="key-figure counter">67</span>' in html
    assert "coopératives engagées" in html
    assert "projets publiés" in html


def test_it_counts_published_selections_only(client, seed, campaign):
    reviewer = factories.make_reviewer()
    # A draft and a submission choose engagement 3 too: they must not count.
    factories.make_selection(factories.make_coop("Coop Brouillon"), campaign, numbers=range(1, 9))
    submitted = factories.make_selection(
        factories.make_coop("Coop Soumise"), campaign, numbers=range(1, 9)
    )
    workflow.submit_selection(selection=submitted, by=reviewer)
    chosen_by = Choice.objects.filter(engagement__number=3, selection__is_published=True).count()

    html = client.get(reverse("public:home")).content.decode()

    assert '<span class="key-figure counter">8</span>' in html
    assert '<span class="key-figure counter">67</span>' in html
    assert f"Choisi par {chosen_by} coopératives" in engagement_cards(html)[3]


def test_it_says_zero_before_anything_is_published(client, reference):
    html = client.get(reverse("public:home")).content.decode()

    assert '<span class="key-figure counter">0</span>' in html
    assert "Choisi par 0 coopérative" in engagement_cards(html)[1]
