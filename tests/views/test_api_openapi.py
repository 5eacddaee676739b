"""The OpenAPI description matches the API it describes (discovery:openapi, api_docs)."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from commitments.models import CatalogueIndicator, Project, ProjectStatus
from tests import factories
from tests.opendata_support import make_indicator, post_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get(reverse("discovery:openapi"))
    assert response.status_code == 200
    return response.json()


def inline(node, schema):
    """``node`` with every ``$ref`` replaced by what it points to."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = schema
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return inline(target, schema)
        return {key: inline(value, schema) for key, value in node.items()}
    if isinstance(node, list):
        return [inline(item, schema) for item in node]
    return node


def response_schema(schema, path, status, method="get"):
    operation = schema["paths"][path][method]
    return inline(operation["responses"][status]["content"]["application/json"]["schema"], schema)


def assert_matches(body, expected):
    # The documented objects are closed (additionalProperties false) and list
    # every property as required: a key too many or missing fails here.
    OAS30Validator(expected).validate(body)


def test_it_is_a_valid_openapi_3_description(schema):
    validate(schema)

    assert schema["openapi"].startswith("3.0.")
    assert schema["servers"] == [{"url": settings.SITE_URL}]
    assert schema["info"]["license"]["name"] == (
        "Licence Ouverte / Open Licence version 2.0 (Etalab)"
    )
    assert set(schema["paths"]) == {
        "/api/engagements/",
        "/api/engagements/{numero}/",
        "/api/cooperatives/",
        "/api/cooperatives/{slug}/",
        "/api/projets/",
        "/api/projets/{id}/",
        "/api/reseau-en-chiffres/",
        "/api/cooperatives/{slug}/selection/",
        "/api/cooperatives/{slug}/indicateurs/{id}/valeurs/",
        "/api/cooperatives/{slug}/projets/{id}/points-d-etape/",
    }
    assert schema["components"]["securitySchemes"]["cle"]["scheme"] == "bearer"


def public_paths(schema):
    """The documented paths open to anyone (those with a key: test_api_keys.py)."""
    return {
        path: item
        for path, item in schema["paths"].items()
        if "get" in item and "security" not in item["get"]
    }


def test_every_documented_path_answers_as_documented(client, seed, schema):
    # A published value of a catalogue indicator, for the network's totals.
    common = CatalogueIndicator.objects.create(code="logements", label="Logements", unit="u")
    make_indicator(
        Project.objects.published().first(),
        values=[(datetime.date(2025, 3, 1), "30")],
        catalogue=common,
    )
    examples = {
        "numero": 7,
        "slug": "le-logis-breton",
        "id": Project.objects.order_by("pk").first().pk,
    }

    for path in public_paths(schema):
        url = path.format(**examples)
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.json()
        assert_matches(body, response_schema(schema, path, "200"))
        if "results" in body:
            assert body["results"], url


def test_every_documented_error_answers_as_documented(client, seed, schema):
    unknown = {"numero": 13, "slug": "inconnue", "id": 999999}

    for path, item in public_paths(schema).items():
        responses = item["get"]["responses"]
        if "404" in responses:
            response = client.get(path.format(**unknown))
            assert response.status_code == 404, path
            assert_matches(response.json(), response_schema(schema, path, "404"))
        if "400" in responses:
            response = client.get(path, {"page": "0"})
            assert response.status_code == 400, path
            assert_matches(response.json(), response_schema(schema, path, "400"))


def test_the_documented_filters_are_the_accepted_ones(client, reference, reviewer, schema):
    factories.make_published(factories.make_coop("Coop Alpha"), factories.make_campaign(), reviewer)
    parameters = inline(schema["paths"]["/api/projets/"]["get"]["parameters"], schema)
    values = {"q": "projet", "pilier": 1, "engagement": 2, "cooperative": "coop-alpha"}
    values |= {"exemplaire": 0, "etape": "intention", "page": 1, "page_size": 5}

    documented = {parameter["name"] for parameter in parameters}
    response = client.get("/api/projets/", values)

    assert documented == set(values)
    assert response.status_code == 200
    assert [item["engagement_numero"] for item in response.json()["results"]] == [2]


def test_a_project_with_its_progress_answers_as_documented(client, reference, reviewer, schema):
    published = factories.make_published(
        factories.make_coop("Coop Alpha"), factories.make_campaign(), reviewer
    )
    project = Project.objects.filter(choice__selection=published).first()
    indicator = make_indicator(project, baseline=None, values=[(datetime.date(2025, 3, 1), "12.5")])
    post_update(
        project,
        status=ProjectStatus.POSTPONED,
        reason="Permis en attente.",
        values=[(indicator, "40", datetime.date(2025, 4, 1))],
        reviewer=reviewer,
    )

    one = client.get(f"/api/projets/{project.pk}/").json()
    page = client.get("/api/projets/", {"etape": "postponed"}).json()

    assert_matches(one, response_schema(schema, "/api/projets/{id}/", "200"))
    assert_matches(page, response_schema(schema, "/api/projets/", "200"))
    assert one["indicateurs_chiffres"][0]["mesures"]
    assert one["points_etape"][0]["raison"] == "Permis en attente."
    assert [item["id"] for item in page["results"]] == [project.pk]


def test_the_documentation_page_is_rendered_from_the_description(client, db, schema):
    response = client.get(reverse("discovery:api_docs"))

    html = response.content.decode()
    assert html.count("<h1") == 1
    for path, item in schema["paths"].items():
        [(method, operation)] = item.items()
        assert f"<code>{path}</code>" in html
        assert escape(operation["summary"]) in html
        success = "201" if method == "post" else "200"
        shown = response_schema(schema, path, success, method)
        if "results" in shown["properties"]:
            shown = shown["properties"]["results"]["items"]
        for name in shown["properties"]:
            assert f"<code>{name}</code>" in html
    for name in ("IndicateurChiffre", "Mesure", "PointEtape"):
        assert f'id="{name}"' in html
        for field in schema["components"]["schemas"][name]["properties"]:
            assert f"<code>{field}</code>" in html
    assert 'href="/api/openapi.json"' in html
