"""The read-only JSON API (discovery:api_*)."""

import pytest
from django.conf import settings

from commitments import workflow
from commitments.models import Choice, Engagement, Project
from qualicoop.public import opendata
from tests import factories

pytestmark = pytest.mark.django_db


def get_json(client, url, status=200, **query):
    response = client.get(url, query)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def test_it_lists_the_engagements_with_their_published_counts(client, seed):
    data = get_json(client, "/api/engagements/")

    assert data["count"] == 12
    assert data["next"] is None and data["previous"] is None
    assert [item["numero"] for item in data["results"]] == list(range(1, 13))
    ten = data["results"][9]
    assert ten["pilier_numero"] == 3
    assert ten["nombre_cooperatives"] == 2
    assert ten["nombre_projets"] == 2
    assert ten["url"] == f"{settings.SITE_URL}/engagements/10/"
    assert ten["projets"] == f"{settings.SITE_URL}/api/projets/?engagement=10"


def test_it_pages_the_lists(client, seed):
    first = get_json(client, "/api/engagements/", page_size=5)
    last = get_json(client, "/api/engagements/", page_size=5, page=3)

    assert [item["numero"] for item in first["results"]] == [1, 2, 3, 4, 5]
    assert first["previous"] is None
    assert first["next"] == f"{settings.SITE_URL}/api/engagements/?page_size=5&page=2"
    assert [item["numero"] for item in last["results"]] == [11, 12]
    assert last["previous"] == f"{settings.SITE_URL}/api/engagements/?page_size=5&page=2"
    assert last["next"] is None


def test_it_gives_one_engagement(client, seed):
    data = get_json(client, "/api/engagements/7/")

    assert data["numero"] == 7
    assert data["pilier_nom"] == "Notre gouvernance coopérative"
    assert data["nombre_cooperatives"] == 7


def test_it_lists_only_cooperatives_with_a_published_selection(client, reference, reviewer):
    campaign = factories.make_campaign()
    factories.make_published(factories.make_coop("Coop Publiée"), campaign, reviewer)
    factories.make_selection(factories.make_coop("Coop Brouillon"), campaign, numbers=[1, 2])

    data = get_json(client, "/api/cooperatives/")

    assert data["count"] == 1
    [cooperative] = data["results"]
    assert cooperative["slug"] == "coop-publiee"
    assert cooperative["engagements"] == list(range(1, 9))
    assert cooperative["nombre_projets"] == 8
    assert cooperative["campagne"] == "Campagne ouverte"
    error = get_json(client, "/api/cooperatives/coop-brouillon/", status=404)
    assert error == {"detail": "Aucune coopérative publiée ne porte cet identifiant."}


def test_it_gives_one_cooperative(client, seed):
    data = get_json(client, "/api/cooperatives/le-col/")

    assert data["nom"] == "Le COL"
    assert data["engagements"] == [1, 2, 3, 5, 6, 10, 11, 12]
    assert data["url"] == f"{settings.SITE_URL}/cooperatives/le-col/"


def test_it_lists_the_published_projects_with_the_filters(client, seed):
    everything = get_json(client, "/api/projets/", page_size=100)
    filtered = get_json(client, "/api/projets/", q="coopérateurs", engagement="7")

    assert everything["count"] == 67
    assert len(everything["results"]) == 67
    assert filtered["count"] >= 1
    assert {item["engagement_numero"] for item in filtered["results"]} == {7}
    assert set(filtered["results"][0]) == {*opendata.FIELD_NAMES, "url"}


def test_it_gives_one_published_project_and_hides_the_others(client, reference, reviewer):
    campaign = factories.make_campaign()
    published = factories.make_published(factories.make_coop("Coop A"), campaign, reviewer)
    draft = factories.make_selection(factories.make_coop("Coop B"), campaign, numbers=[1])
    shown = Project.objects.filter(choice__selection=published).first()
    hidden = Project.objects.get(choice__selection=draft)

    data = get_json(client, f"/api/projets/{shown.pk}/")

    assert data["id"] == shown.pk
    assert data["titre"] == shown.title
    assert data["url"] == (
        f"{settings.SITE_URL}/cooperatives/coop-a/#engagement-{data['engagement_numero']}"
    )
    assert get_json(client, f"/api/projets/{hidden.pk}/", status=404)["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/engagements/13/",
        "/api/engagements/0/",
        "/api/cooperatives/inconnue/",
        "/api/projets/999999/",
        "/api/projets/99999999999999999999999/",
        "/api/rien/",
    ],
)
def test_it_answers_404_in_json_for_what_does_not_exist(client, seed, url):
    assert get_json(client, url, status=404)["detail"]


@pytest.mark.parametrize(
    "url,query,message",
    [
        ("/api/engagements/", {"page": "0"}, "« page » doit être un entier positif"),
        ("/api/engagements/", {"page": "deux"}, "« page » doit être un entier positif"),
        ("/api/engagements/", {"page": "2"}, "La page 2 n'existe pas : il y en a 1."),
        ("/api/cooperatives/", {"page_size": "101"}, "entre 1 et 100"),
        ("/api/projets/", {"page_size": "-3"}, "entre 1 et 100"),
        ("/api/projets/", {"engagement": "treize"}, "Paramètre « engagement »"),
        ("/api/projets/", {"pilier": "4"}, "Paramètre « pilier »"),
        ("/api/projets/", {"cooperative": "inconnue"}, "Paramètre « cooperative »"),
        ("/api/projets/", {"q": "x" * 201}, "Paramètre « q »"),
    ],
)
def test_it_answers_400_in_json_for_a_bad_parameter(client, seed, url, query, message):
    assert message in get_json(client, url, status=400, **query)["detail"]


def test_it_is_read_only(client, seed):
    response = client.post("/api/projets/", {})

    assert response.status_code == 405


@pytest.mark.parametrize(
    "url,bound",
    [
        ("/api/engagements/", 2),
        ("/api/cooperatives/", 3),
        ("/api/cooperatives/le-col/", 2),
        ("/api/projets/?q=coop%C3%A9rateurs&pilier=2", 5),
        ("/api/projets/1/", 1),
    ],
)
def test_it_runs_a_constant_number_of_queries(
    client, seed, django_assert_max_num_queries, url, bound
):
    with django_assert_max_num_queries(bound):
        client.get(url)


def test_it_reads_the_published_selection_not_its_reopened_draft(client, reference, reviewer):
    campaign = factories.make_campaign()
    published = factories.make_published(factories.make_coop("Coop A"), campaign, reviewer)
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    Choice.objects.create(selection=draft, engagement=Engagement.objects.get(number=12))
    Project.objects.filter(choice__selection=draft).update(title="Brouillon")

    cooperative = get_json(client, "/api/cooperatives/coop-a/")
    projects = get_json(client, "/api/projets/")

    assert cooperative["engagements"] == list(range(1, 9))
    assert cooperative["nombre_projets"] == 8
    assert projects["count"] == 8
    assert "Brouillon" not in {item["titre"] for item in projects["results"]}
    assert get_json(client, "/api/engagements/12/")["nombre_cooperatives"] == 0
