"""Searching and filtering the published projects (discovery:projects)."""

import json
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from commitments.models import Project
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("discovery:projects")


def found_ids(response):
    """Every project of the result, all pages together."""
    return set(response.context["page_obj"].paginator.object_list.values_list("pk", flat=True))


def mentioning(word):
    return {
        project.pk
        for project in Project.objects.all()
        if word in f"{project.title} {project.description}".lower()
    }


def test_it_lists_every_published_project(client, seed):
    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert ">67 projets</h2>" in html
    assert len(response.context["page_obj"]) == 20
    assert found_ids(response) == set(Project.objects.values_list("pk", flat=True))


def test_it_finds_coopérateurs_when_asked_for_coopérateur(client, seed):
    response = client.get(URL, {"q": "coopérateur"})

    html = response.content.decode()
    assert mentioning("coopérateurs") <= found_ids(response)
    assert "<mark>coopérateurs</mark>" in html
    assert f">{response.context['page_obj'].paginator.count} projets</h2>" in html


def test_it_ignores_accents(client, seed):
    accented = found_ids(client.get(URL, {"q": "coopérateurs"}))

    assert found_ids(client.get(URL, {"q": "cooperateurs"})) == accented
    assert found_ids(client.get(URL, {"q": "COOPÉRATEURS"})) == accented


def test_it_combines_the_search_with_the_filters(client, seed):
    query = {"q": "coopérateurs", "engagement": "7", "cooperative": "grand-delta-habitat"}

    response = client.get(URL, query)

    [project] = response.context["page_obj"]
    assert project.title == "Newsletter mensuelle des coopérateurs"
    assert ">1 projet</h2>" in response.content.decode()
    # The same address gives the same result: the page is shareable.
    assert found_ids(client.get(f"{URL}?{urlencode(query)}")) == {project.pk}


def test_it_filters_by_pillar(client, seed):
    response = client.get(URL, {"pilier": "3"})

    assert found_ids(response) == set(
        Project.objects.filter(choice__engagement__pillar__number=3).values_list("pk", flat=True)
    )


def test_it_keeps_the_filters_in_the_page_links_and_downloads(client, seed):
    response = client.get(URL, {"q": "coopérateur", "pilier": "2"})

    html = response.content.decode()
    if response.context["page_obj"].paginator.num_pages > 1:
        assert 'href="?q=coop%C3%A9rateur&amp;pilier=2&amp;page=2"' in html
    assert 'href="/donnees/projets.csv?q=coop%C3%A9rateur&amp;pilier=2"' in html
    assert 'href="/donnees/projets.json?q=coop%C3%A9rateur&amp;pilier=2"' in html


def test_it_pages_by_twenty_and_keeps_the_search(client, seed):
    response = client.get(URL, {"page": "4"})

    page_obj = response.context["page_obj"]
    assert page_obj.number == 4
    assert len(page_obj) == 7
    assert 'href="?page=3" rel="prev"' in response.content.decode()


def test_it_shows_titles_escaped_and_highlighted(client, reference, reviewer):
    factories.make_published(factories.make_coop("Coop Alpha"), factories.make_campaign(), reviewer)
    Project.objects.filter(pk=Project.objects.first().pk).update(
        title="<script>alert(1)</script> Les coopérateurs & <amis>"
    )

    response = client.get(URL, {"q": "coopérateurs"})

    html = response.content.decode()
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; Les <mark>coopérateurs</mark> &amp; &lt;amis&gt;"
        in html
    )
    assert "<script>alert" not in html


def test_it_shows_an_empty_state_with_a_way_back(client, seed):
    response = client.get(URL, {"q": "zygomatique"})

    html = response.content.decode()
    # "0 projet" in French; the plural rule comes with the translation catalogue.
    assert ">0 projet" in html
    assert "Aucun projet ne correspond à votre recherche." in html
    assert f'href="{URL}">Réinitialiser les filtres</a>' in html


def test_it_never_shows_an_unpublished_project(client, reference, reviewer):
    campaign = factories.make_campaign()
    factories.make_published(factories.make_coop("Coop Publiée"), campaign, reviewer)
    factories.make_selection(
        factories.make_coop("Coop Brouillon"), campaign, numbers=range(1, 9), prefix="Secret "
    )

    listed = client.get(URL)
    searched = client.get(URL, {"q": "secret"})

    assert "Secret" not in listed.content.decode()
    assert "Coop Brouillon" not in listed.content.decode()
    assert found_ids(searched) == set()


def test_it_ignores_an_invalid_filter_with_a_message_and_applies_the_others(client, seed):
    response = client.get(URL, {"engagement": "99", "pilier": "1", "q": "logement"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Certains filtres n'étaient pas valides : ils ont été ignorés." in html
    assert "Sélectionnez un choix valide. 99 n’en fait pas partie. Ce filtre a été ignoré." in html
    assert 'aria-invalid="true"' in html
    assert 'value="logement"' in html
    assert found_ids(response) <= set(
        Project.objects.filter(choice__engagement__pillar__number=1).values_list("pk", flat=True)
    )
    assert found_ids(response)
    # The downloads offered repeat the valid filters only.
    assert 'href="/donnees/projets.csv?q=logement&amp;pilier=1"' in html


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"page": "-1"},
        {"page": "0"},
        {"page": "99999999999999999999999"},
        {"engagement": "abc"},
        {"engagement": "13"},
        {"pilier": "0"},
        {"pilier": "1.5"},
        {"cooperative": "inconnue"},
        {"q": "x" * 500},
        {"q": "nul\x00caractère"},
        {"q": "'\"&|!:*()<>"},
        {"q": "-"},
        {"q": "de la"},
        {"q": "   "},
    ],
)
def test_it_never_fails_on_bad_input(client, seed, query):
    response = client.get(URL, query)

    assert response.status_code == 200
    # The search page itself, on a page that exists, however wrong the query.
    page = response.context["page_obj"]
    assert 1 <= page.number <= page.paginator.num_pages
    assert len(page.object_list) <= page.paginator.per_page
    assert 'name="q"' in response.content.decode()


def test_it_runs_a_bounded_number_of_queries(client, seed, django_assert_max_num_queries):
    # Filter choices (2), then on PostgreSQL: the search's lexemes, the lineages of
    # matching updates, the matching projects (which count the page), the page.
    with django_assert_max_num_queries(6):
        client.get(URL, {"q": "coopérateur", "engagement": "7", "pilier": "2"})
    with django_assert_max_num_queries(4):
        client.get(URL, {"page": "2"})


def test_a_search_found_in_too_many_projects_stops_at_the_limit_and_says_so(
    client, seed, monkeypatch
):
    from qualicoop.public import search_page

    everywhere = found_ids(client.get(URL, {"q": "coopérateurs"}))
    assert len(everywhere) > 4
    monkeypatch.setattr(search_page, "SEARCH_LIMIT", 4)

    response = client.get(URL, {"q": "coopérateurs"})

    html = response.content.decode()
    shown = found_ids(response)
    assert 4 <= len(shown) <= 8 and shown <= everywhere
    assert response.context["page_obj"].paginator.count == len(shown)
    assert ">Plus de 4 projets</h2>" in html
    assert "Ces mots se trouvent dans plus de 4 projets" in html
    # The download is not limited: it holds every project found.
    download = client.get(reverse("discovery:opendata_json"), {"q": "coopérateurs"})
    records = json.loads(b"".join(download.streaming_content))["donnees"]
    assert {record["id"] for record in records} == everywhere


def test_a_search_under_the_limit_counts_exactly(client, seed, monkeypatch):
    from qualicoop.public import search_page

    everywhere = found_ids(client.get(URL, {"q": "coopérateurs"}))
    monkeypatch.setattr(search_page, "SEARCH_LIMIT", len(everywhere) + 1)

    response = client.get(URL, {"q": "coopérateurs"})

    assert found_ids(response) == everywhere
    assert f">{len(everywhere)} projets</h2>" in response.content.decode()
    assert "Plus de" not in response.content.decode()


def test_past_a_few_hundred_cooperatives_the_filter_is_typed(client, seed, monkeypatch):
    from qualicoop.public import project_filters

    listed = client.get(URL).content.decode()
    assert '<select name="cooperative"' in listed
    monkeypatch.setattr(project_filters, "COOPERATIVE_SELECT_MAX", 2)

    response = client.get(URL, {"cooperative": "delta"})

    html = response.content.decode()
    assert '<select name="cooperative"' not in html
    assert 'type="search" name="cooperative" value="delta"' in html
    assert "Son nom, ou une partie, ou son identifiant." in html
    found = found_ids(response)
    assert found and found == set(
        Project.objects.filter(
            choice__selection__is_published=True,
            choice__selection__cooperative__name__icontains="delta",
        ).values_list("pk", flat=True)
    )
    # Its identifier still designates it, as in the links of its profile.
    by_slug = found_ids(client.get(URL, {"cooperative": "grand-delta-habitat"}))
    assert by_slug == set(
        Project.objects.filter(
            choice__selection__is_published=True,
            choice__selection__cooperative__slug="grand-delta-habitat",
        ).values_list("pk", flat=True)
    )
