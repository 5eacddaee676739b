"""The read-only JSON API (discovery:api_*)."""

import datetime

import pytest
from django.conf import settings

from commitments import workflow
from commitments.models import Choice, Engagement, Project, ProjectStatus
from qualicoop.public import opendata
from tests import factories
from tests.opendata_support import make_indicator, post_update

pytestmark = pytest.mark.django_db


def get_json(client, url, status=200, **query):
    response = client.get(url, query)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Link"] == f'<{opendata.LICENCE_URL}>; rel="license"'
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
    assert set(filtered["results"][0]) == {
        *opendata.FIELD_NAMES,
        "url",
        "indicateurs_chiffres",
        "points_etape",
    }
    assert everything["licence"] == {
        "id": "etalab-2.0",
        "nom": opendata.LICENCE_NAME,
        "url": opendata.LICENCE_URL,
    }


def test_it_gives_one_published_project_and_hides_the_others(client, reference, reviewer):
    campaign = factories.make_campaign()
    published = factories.make_published(factories.make_coop("Coop A"), campaign, reviewer)
    draft = factories.make_selection(factories.make_coop("Coop B"), campaign, numbers=[1])
    shown = Project.objects.filter(choice__selection=published).first()
    hidden = Project.objects.get(choice__selection=draft)

    data = get_json(client, f"/api/projets/{shown.pk}/")

    assert data["id"] == shown.pk
    assert data["titre"] == shown.title
    # The project's own public page, which answers.
    assert data["url"] == f"{settings.SITE_URL}/projets/{shown.public_id}/"
    assert client.get(data["url"].removeprefix(settings.SITE_URL)).status_code == 200
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
        ("/api/projets/", {"exemplaire": "oui"}, "Paramètre « exemplaire » : 1 pour"),
        ("/api/projets/", {"exemplaire": "2"}, "Paramètre « exemplaire »"),
        ("/api/projets/", {"etape": "finie"}, "Paramètre « etape » : Choisissez parmi intention"),
        ("/api/projets/", {"etape": "DONE"}, "Paramètre « etape »"),
        ("/api/projets/", {"etape": "x" * 5000}, "Paramètre « etape »"),
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
        # The search (lexemes, updates' lineages, matching projects), the page of
        # projects, then its indicators, their values and its updates.
        ("/api/projets/?q=coop%C3%A9rateurs&pilier=2", 9),
        ("/api/projets/1/", 4),
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


# --- Where the projects stand --------------------------------------------------------


@pytest.fixture
def progress(reference, reviewer):
    """Coop A published; its first project reported on, its second one exemplary."""
    campaign = factories.make_campaign()
    published = factories.make_published(factories.make_coop("Coop A"), campaign, reviewer)
    first, second, *_ = Project.objects.filter(choice__selection=published).order_by("pk")
    Project.objects.filter(pk=second.pk).update(is_exemplary=True)
    indicator = make_indicator(first, values=[(datetime.date(2025, 3, 1), "30")])
    update = post_update(
        first,
        status=ProjectStatus.DONE,
        text="Livré.",
        values=[(indicator, "130", datetime.date(2025, 9, 1))],
        reviewer=reviewer,
    )
    post_update(first, text="SECRET à relire", values=[(indicator, "5", update.happened_on)])
    post_update(first, text="SECRET brouillon", submit=False)
    return first, second, indicator, update


def test_a_project_gives_its_indicators_values_and_published_updates(client, progress):
    first, _second, indicator, update = progress

    data = get_json(client, f"/api/projets/{first.pk}/")

    assert (data["etape"], data["exemplaire"], data["derniere_mise_a_jour"]) == (
        "done",
        False,
        "2025-06-30",
    )
    assert data["indicateurs_chiffres"] == [
        {
            "id": indicator.pk,
            "nom": "Logements livrés",
            "unite": "logements",
            "valeur_depart": 0,
            "date_depart": "2025-01-01",
            "cible": 120,
            "date_cible": "2027-12-31",
            "derniere_valeur": 130,
            "date_derniere_valeur": "2025-09-01",
            "atteint": True,
            "mesures": [
                {
                    "valeur": 30,
                    "date": "2025-03-01",
                    "commentaire": "Bilan",
                    "point_etape_id": None,
                },
                {
                    "valeur": 130,
                    "date": "2025-09-01",
                    "commentaire": "",
                    "point_etape_id": update.pk,
                },
            ],
        }
    ]
    [shown] = data["points_etape"]
    assert (shown["id"], shown["statut"], shown["texte"]) == (update.pk, "done", "Livré.")
    assert "SECRET" not in str(get_json(client, "/api/projets/", page_size=100))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"exemplaire": "1"}, "second"),
        ({"etape": "done"}, "first"),
        ({"etape": "done", "exemplaire": "1"}, None),
        ({"etape": "intention", "exemplaire": "1"}, "second"),
    ],
)
def test_it_filters_the_projects_by_progress(client, progress, query, expected):
    first, second, _indicator, _update = progress

    data = get_json(client, "/api/projets/", page_size=100, **query)

    ids = [item["id"] for item in data["results"]]
    assert ids == ([] if expected is None else [{"first": first, "second": second}[expected].pk])


def test_the_other_projects_are_neither_exemplary_nor_done(client, progress):
    first, second, _indicator, _update = progress

    others = get_json(client, "/api/projets/", page_size=100, exemplaire="0")
    intentions = get_json(client, "/api/projets/", page_size=100, etape="intention")

    assert others["count"] == 7
    assert second.pk not in {item["id"] for item in others["results"]}
    assert intentions["count"] == 7
    assert first.pk not in {item["id"] for item in intentions["results"]}


@pytest.mark.parametrize("size", [1, 10])
def test_the_projects_progress_costs_the_same_queries_whatever_its_size(
    client, reference, reviewer, django_assert_max_num_queries, size
):
    campaign = factories.make_campaign()
    for index in range(size):
        published = factories.make_published(
            factories.make_coop(f"Coop {index}"), campaign, reviewer
        )
        for project in Project.objects.filter(choice__selection=published):
            indicator = make_indicator(project, values=[(datetime.date(2025, 3, 1), "30")])
            post_update(
                project, values=[(indicator, "40", datetime.date(2025, 4, 1))], reviewer=reviewer
            )

    with django_assert_max_num_queries(7):
        data = get_json(client, "/api/projets/", page_size=100, etape="in_progress")

    assert len(data["results"]) == min(size * 8, 100)
    assert all(len(item["points_etape"]) == 1 for item in data["results"])
    assert all(len(item["indicateurs_chiffres"][0]["mesures"]) == 2 for item in data["results"])
