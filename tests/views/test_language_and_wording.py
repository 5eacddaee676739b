"""Languages and wording: French content marked as such in English pages, and French plurals."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from commitments.models import Project
from tests import factories

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies["django_language"] = "en"
    return client


def french_elements(html):
    """The text that opens every element marked lang="fr" (the language switch left out)."""
    return [
        text.strip()
        for tag, attributes, text in re.findall(r"<(\w+)([^>]*)>([^<]*)", html)
        if ' lang="fr"' in attributes and tag != "html" and "hreflang" not in attributes
    ]


def test_the_english_home_page_marks_pillars_and_engagements_as_french(client, seed):
    html = english(client).get(reverse("public:home")).content.decode()

    marked = french_elements(html)
    assert "Notre gouvernance coopérative" in marked
    assert "Agir ensemble, s'engager au service des générations présentes et futures" in [
        text.replace("’", "'") for text in marked
    ]
    assert "Instaurer un dialogue constructif avec ses associés" in marked


def test_the_english_engagement_page_marks_its_text_and_projects_as_french(client, seed):
    html = english(client).get(reverse("public:engagement", args=[5])).content.decode()

    assert (
        '<h1 class="mb-3" lang="fr">Instaurer un dialogue constructif avec ses associés</h1>'
        in html
    )
    assert '<span lang="fr">Notre gouvernance coopérative</span>' in html
    project = Project.objects.filter(choice__engagement__number=5).published().first()
    assert f'lang="fr">{project.title}</a>' in html.replace("&#x27;", "'")


def test_the_english_cooperative_and_search_pages_mark_french_content(client, seed):
    client = english(client)
    profile = client.get(reverse("public:cooperative", args=["le-col"])).content.decode()
    search = client.get(reverse("discovery:projects")).content.decode()

    assert 'class="h4 pillar-title mb-0" lang="fr">' in profile
    assert 'lang="fr">Permettre l' in profile
    assert '<p class="mb-2" lang="fr">' in search


def test_french_pages_carry_no_lang_attribute_on_content(client, seed):
    html = client.get(reverse("public:engagement", args=[5])).content.decode()

    assert french_elements(html) == []
    assert '<html lang="fr">' in html


def test_an_expired_form_in_english_is_in_english_inside_the_sites_layout(client, db):
    client = english(Client(enforce_csrf_checks=True))
    client.get(reverse("accounts:login"))

    response = client.post(reverse("accounts:login"), {"csrfmiddlewaretoken": "perime" * 8})

    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="en">' in html
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert "This page had expired" in html
    assert "Cette page avait expiré" not in html


def test_the_live_counter_of_the_picker_says_engagement_in_the_singular_and_plural(
    client, campaign, coop_a, staff_a
):
    factories.make_selection(coop_a, campaign, numbers=[1], projects_per=0)
    client.force_login(staff_a)

    content = client.get(reverse("workspace:choose", args=[coop_a.slug])).content.decode()

    assert "<strong data-count>1</strong> engagement choisi sur 8 minimum</span>" in content
    # Both wordings, for the script to follow the ticks by the language's plural rule.
    assert (
        '<template data-plural="one"><strong data-count>1</strong> '
        "engagement choisi sur 8 minimum</template>"
    ) in content
    assert (
        '<template data-plural="other"><strong data-count>2</strong> '
        "engagements choisis sur 8 minimum</template>"
    ) in content
    assert "(s)" not in content


def test_an_engagement_with_no_project_says_0_projet(client, reference):
    html = client.get(reverse("public:home")).content.decode()

    # French puts 0 in the singular: "0 projet", "Choisi par 0 coopérative".
    assert len(re.findall(r"\b0 projet\b(?!s)", html)) == 12
    assert "0 projets" not in html and "0 coopératives" not in html


def test_the_english_project_statistics_and_directory_pages_mark_french_content(client, seed):
    client = english(client)
    project = Project.objects.published().select_related("choice__engagement").first()
    cooperative = project.choice.selection.cooperative

    page = client.get(project.get_absolute_url()).content.decode().replace("&#x27;", "'")
    statistics = client.get(reverse("discovery:statistics")).content.decode()
    directory = client.get(reverse("public:cooperatives")).content.decode()

    marked = [text.replace("&#x27;", "'") for text in french_elements(page)]
    assert project.title in marked  # the heading and the breadcrumb
    assert project.choice.engagement.title.replace("’", "'") in [
        text.replace("’", "'") for text in marked
    ]
    assert cooperative.name in marked
    assert f'<p class="fs-5" lang="fr">{project.description.splitlines()[0]}' in page
    assert "Instaurer un dialogue constructif avec ses associés" in french_elements(statistics)
    assert cooperative.name in [text.replace("&#x27;", "'") for text in french_elements(directory)]


def test_the_english_workspace_and_review_mark_french_content(
    client, campaign, coop_a, staff_a, reviewer
):
    selection = factories.make_selection(coop_a, campaign, numbers=[1])
    project = Project.objects.get(choice__selection=selection)
    engagement = project.choice.engagement
    client = english(client)

    client.force_login(staff_a)
    dashboard = client.get(reverse("workspace:dashboard", args=[coop_a.slug])).content.decode()
    page = client.get(reverse("workspace:engagement", args=[coop_a.slug, 1])).content.decode()
    client.force_login(reviewer)
    review = client.get(reverse("federation:review", args=[selection.pk])).content.decode()

    assert coop_a.name in french_elements(dashboard)
    for html in (page, review):
        marked = [text.replace("&#x27;", "'") for text in french_elements(html)]
        assert engagement.title.replace("&#x27;", "'") in marked
        assert project.title in marked
    assert coop_a.name in french_elements(review)
